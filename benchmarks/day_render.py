"""What a channel day's playout file costs to render: prepared fillers copied in, against every filler re-encoded.

    python benchmarks/day_render.py [--hours 1] [--lesson-minutes 20]

Issue 13's goal: <= 60 CPU-seconds per broadcast hour on 2 cores. Builds a demo-like day at the cable profile
(1920x1080, 10 Mb/s CBR): each hour a lesson, a break of eye exercises (a 60 s clip looped), a second lesson
cut from 30 s in, a run of the 10 s slate filler and the standby programme (a 2 min clip looped). The lessons
are already ingested: one cable rendition, a 60 s encode copied end to end to lesson length. Then it renders the
day three times with media.dayrender.render_day: the old way (prepare=False: every filler, break and standby
second re-encoded), a first day with the new one (its clips prepared: what the first day of a new clip or
profile costs) and a next day (the prepared passes reused: what every other day costs). Prints wall and CPU
seconds (the ffmpeg children's and this process's) per broadcast hour of each, and old / new as the ratio. The
DVB SI pass is not timed here (benchmarks/si_insert.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media.dayrender import DayRender, DayRenderItem, ItemKind, render_day
from media.live_segments import passes_listing
from media.profiles import CABLE, FPS
from media.renditions import RenditionSet, make_renditions
from media.runner import FfmpegTool, concat_input, ffmpeg_argv, file_url
from media.samples import ClipSpec, write_clip

HOUR = 3600 * FPS
MINUTE = 60 * FPS
CLIPS = {  # name: (seconds, what it shows)
    "lesson_source.mp4": (60, "testsrc2"),
    "eye_exercises.mp4": (60, "smptebars"),
    "slate.mp4": (10, "color=c=navy"),
    "standby.mp4": (120, "testsrc"),
}


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and its finished children (ffmpeg's work, whatever the load)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run: Callable[[], DayRender]) -> tuple[float, float, DayRender]:
    """Wall and CPU seconds of one render, and what it made."""
    started, cpu = time.perf_counter(), cpu_seconds()
    done = run()
    return time.perf_counter() - started, cpu_seconds() - cpu, done


def ingested_lesson(store: Path, minutes: int) -> Path:
    """A cable rendition `minutes` long: the 60 s source's rendition, copied end to end (closed GOPs)."""
    cable_only = RenditionSet(cable=CABLE, hls=None, mp4=None, poster=None)
    make_renditions(Path("lesson_source.mp4"), store, store / "renditions" / "one", renditions=cable_only, qc=False)
    listing = store / "renditions" / "lesson.ffconcat"
    listing.write_text(passes_listing(store / "renditions" / "one" / "cable.ts", "mpegts", MINUTE, minutes))
    lesson = store / "renditions" / "lesson.ts"
    copied = concat_input(listing, store).output(file_url(lesson), c="copy", f="mpegts")
    FfmpegTool().run(ffmpeg_argv(copied))
    return lesson.relative_to(store)


def day_items(hours: int, lesson: Path, lesson_minutes: int) -> list[DayRenderItem]:
    """Each hour: lesson, break, lesson (cut from 30 s in), slate filler, standby programme."""
    items: list[DayRenderItem] = []
    length = lesson_minutes * MINUTE
    for hour in range(hours):
        at = hour * HOUR
        rest = HOUR - 2 * length - 5 * MINUTE
        slate, standby = rest * 2 // 3, rest - rest * 2 // 3
        items += [
            DayRenderItem(lesson, at, length, ItemKind.LESSON),
            DayRenderItem(Path("eye_exercises.mp4"), at + length, 5 * MINUTE, ItemKind.FILLER),
            DayRenderItem(lesson, at + length + 5 * MINUTE, length - 30 * FPS, ItemKind.LESSON, in_frame=30 * FPS),
            DayRenderItem(Path("slate.mp4"), at + 2 * length + 5 * MINUTE - 30 * FPS, slate + 30 * FPS,
                          ItemKind.FILLER),
            DayRenderItem(Path("standby.mp4"), at + HOUR - standby, standby, ItemKind.FILLER),
        ]
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=1, help="broadcast hours in the day")
    parser.add_argument("--lesson-minutes", type=int, default=20, help="length of each lesson (two an hour)")
    args = parser.parse_args()
    if not 1 <= args.lesson_minutes <= 25:
        parser.error("--lesson-minutes must be 1-25 (two lessons and a 5-minute break fit an hour)")
    with tempfile.TemporaryDirectory(dir=os.environ.get("AIRCLASS_BENCH_DIR")) as folder:
        store = Path(folder)
        for name, (seconds, source) in CLIPS.items():
            write_clip(store / name, ClipSpec(seconds=seconds, size="1920x1080", video_source=source, tone_hz=440))
        lesson = ingested_lesson(store, args.lesson_minutes + 1)
        items, frames = day_items(args.hours, lesson, args.lesson_minutes), args.hours * HOUR
        runs: dict[str, tuple[float, float, DayRender]] = {}
        for name, prepare in (("old", False), ("first", True), ("next", True)):
            target = store / f"day_{name}.ts"
            runs[name] = timed(lambda: render_day(items, frames, target, store, prepare=prepare))  # noqa: B023
            size = target.stat().st_size
            target.unlink()
    hours, load = args.hours, os.getloadavg()[0]
    print(f"day: {hours} h at {CABLE.picture.width}x{CABLE.picture.height}, {CABLE.muxrate_kbps} kb/s CBR; "
          f"{os.cpu_count()} cores, load average {load:.1f} at the end; day file {size / 1e9:.2f} GB "
          f"({size / hours / 1e9:.2f} GB per hour)")
    labels = {"old": "old (every filler second re-encoded)", "first": "new, first day (clips prepared)",
              "next": "new, next days (prepared passes reused)"}
    for name, (wall, cpu, done) in runs.items():
        print(f"{labels[name]}: {wall:.1f} s wall, {cpu:.1f} s CPU, {done.encoded_frames} frames encoded")
    new_wall, new_cpu, _ = runs["next"]
    old_wall, old_cpu, _ = runs["old"]
    print(f"cpu_s_per_broadcast_hour: {new_cpu / hours:.1f}  (goal <= 60)")
    print(f"wall_s_per_broadcast_hour: {new_wall / hours:.1f}")
    print(f"old_cpu_s_per_broadcast_hour: {old_cpu / hours:.1f}")
    print(f"old_wall_s_per_broadcast_hour: {old_wall / hours:.1f}")
    print(f"first_day_cpu_s_per_broadcast_hour: {runs['first'][1] / hours:.1f}")
    print(f"ratio old/new: CPU {old_cpu / new_cpu:.1f}, wall {old_wall / new_wall:.1f}")


if __name__ == "__main__":
    main()
