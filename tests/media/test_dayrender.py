"""A channel day as one MPEG-TS: length to the frame, each event's first frame at its offset."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

from media.checksum import sha256_file
from media.dayrender import DayPlanError, DayRenderItem, ItemKind, render_day
from media.disk_space import NotEnoughSpace
from media.prepared import prepared_folder, remove_unused
from media.progress import Watch
from media.renditions import RenditionSet, make_renditions
from media.runner import FfmpegTool, RunResult
from tests.media.conftest import SMALL_CABLE
from tests.media.test_renditions import ffprobe

pytestmark = pytest.mark.ffmpeg
COLOURS = {"red": (255, 0, 0), "green": (0, 128, 0), "blue": (0, 0, 255), "black": (0, 0, 0)}


def frame_colours(path: Path) -> list[str]:
    """Decode every frame, average each to one pixel and name its colour."""
    argv = ["ffmpeg", "-v", "error", "-i", str(path), "-vf", "scale=1:1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    pixels = subprocess.run(argv, capture_output=True, check=True).stdout
    return [_nearest(pixels[i : i + 3]) for i in range(0, len(pixels), 3)]


def _nearest(pixel: bytes) -> str:
    return min(COLOURS, key=lambda name: sum((a - b) ** 2 for a, b in zip(COLOURS[name], pixel, strict=True)))


@pytest.fixture(scope="module")
def lessons(media_store: Path) -> Path:
    """Cable renditions (test size) of the red and blue lessons."""
    cable_only = RenditionSet(cable=SMALL_CABLE, hls=None, mp4=None, poster=None)
    for colour in ("red", "blue"):
        target = media_store / "cable" / colour
        make_renditions(Path(f"{colour}_3s.mp4"), media_store, target, renditions=cable_only, qc=False)
    return media_store / "cable"


def test_day_length_and_offsets_are_frame_exact(media_store: Path, lessons: Path) -> None:
    items = [
        DayRenderItem(Path("cable/red/cable.ts"), 0, 60),
        DayRenderItem(Path("green_3s.mp4"), 60, 37, ItemKind.FILLER),
        DayRenderItem(Path("cable/blue/cable.ts"), 110, 70),  # frames 97-109: padding
        DayRenderItem(Path("cable/red/cable.ts"), 180, 30, in_frame=25),
        DayRenderItem(Path("green_3s.mp4"), 210, 100, ItemKind.FILLER),  # longer than the filler: looped
    ]  # frames 310-329: padding to the end of the day
    day = render_day(items, 330, media_store / "day.ts", media_store, profile=SMALL_CABLE)
    data = ffprobe(day.path, "-count_frames", "-show_streams", "-show_format")
    video = next(s for s in data["streams"] if s["codec_type"] == "video")
    assert int(video["nb_read_frames"]) == 330
    assert float(video["duration"]) == pytest.approx(330 / 25, abs=1e-6)
    assert data["format"]["format_name"] == "mpegts"
    expected = {0: "red", 59: "red", 60: "green", 96: "green", 97: "black", 109: "black", 110: "blue",
                179: "blue", 180: "red", 209: "red", 210: "green", 309: "green", 310: "black", 329: "black"}
    colours = frame_colours(day.path)
    assert len(colours) == 330
    assert {frame: colours[frame] for frame in expected} == expected
    # Lessons cut on their keyframes, the filler and padding from their prepared passes: nothing re-encoded.
    assert (day.copied, day.from_prepared, day.reencoded) == ((0, 110, 180), (60, 97, 210, 310), ())
    assert day.encoded_frames == 0
    assert sorted(p.name for p in media_store.glob(".day.ts*")) == []


def test_cuts_between_keyframes_re_encode_at_most_a_partial_gop(media_store: Path, lessons: Path) -> None:
    """A lesson cut from frame 30 and a filler from frame 40: frames up to the next keyframe re-encoded, the rest
    copied; the picture is still right on every frame."""
    items = [
        DayRenderItem(Path("cable/red/cable.ts"), 0, 40, in_frame=30),  # frames 30-49: 20 re-encoded, then copied
        DayRenderItem(Path("green_3s.mp4"), 40, 60, ItemKind.FILLER, in_frame=40),  # 40-49 re-encoded, looped
    ]
    day = render_day(items, 100, media_store / "cut_between.ts", media_store, profile=SMALL_CABLE)
    assert day.encoded_frames == 20 + 10
    colours = frame_colours(day.path)
    assert colours == ["red"] * 40 + ["green"] * 60


def test_fillers_are_prepared_once_and_again_only_when_the_clip_changes(media_store: Path) -> None:
    """A second day with the same filler reuses its prepared pass; a changed clip (same name) is prepared anew."""
    shutil.copyfile(media_store / "green_3s.mp4", media_store / "slate.mp4")
    items = [DayRenderItem(Path("slate.mp4"), 0, 90, ItemKind.FILLER)]
    first = render_day(items, 100, media_store / "first.ts", media_store, profile=SMALL_CABLE)
    again = render_day(items, 100, media_store / "again.ts", media_store, profile=SMALL_CABLE)
    shutil.copyfile(media_store / "blue_3s.mp4", media_store / "slate.mp4")
    changed = render_day(items, 100, media_store / "changed.ts", media_store, profile=SMALL_CABLE)
    assert again.prepared == ()  # (the first may have found green prepared already: the key is the content)
    assert frame_colours(first.path)[:90] == ["green"] * 90 and frame_colours(changed.path)[:90] == ["blue"] * 90
    keys = {prepared_folder(sha256_file(media_store / name), SMALL_CABLE) for name in ("green_3s.mp4", "blue_3s.mp4")}
    assert all((media_store / key / "video.ts").is_file() for key in keys)
    # A 3 s clip is prepared as 20 whole passes: a day lists one file a minute, not one every 3 s.
    assert {json.loads((media_store / key / "piece.json").read_text())["frames"] for key in keys} == {1500}


def test_a_prepared_pass_no_render_used_for_a_month_is_removed_and_one_in_use_is_kept(
        media_store: Path, tmp_path: Path) -> None:
    """A filler replaced (its old content), padding no day needs any more, a killed render's staging folder: gone
    after a month unused; a pass a render reused meanwhile stays, and the next day still copies it."""
    store = tmp_path / "store"
    store.mkdir()
    shutil.copyfile(media_store / "green_3s.mp4", store / "filler.mp4")
    first = render_day([DayRenderItem(Path("filler.mp4"), 0, 90, ItemKind.FILLER)], 100, store / "day1.ts", store,
                       profile=SMALL_CABLE)
    filler = store / prepared_folder(sha256_file(store / "filler.mp4"), SMALL_CABLE)
    padding = store / prepared_folder("padding", SMALL_CABLE)
    assert sorted(first.prepared) == sorted([Path("filler.mp4"), Path("padding")])
    killed = store / "prepared" / f".{filler.name}.1a2b3c4d.part"
    killed.mkdir()
    month_ago = time.time() - 31 * 86400
    for path in (filler / "piece.json", padding / "piece.json", killed):
        os.utime(path, (month_ago, month_ago))

    again = render_day([DayRenderItem(Path("filler.mp4"), 0, 90, ItemKind.FILLER)], 90, store / "day2.ts", store,
                       profile=SMALL_CABLE)  # a day without padding: the filler's pass is reused, the padding's not
    assert again.prepared == ()
    assert remove_unused(store, now=time.time()) == sorted([padding, killed])
    assert (filler / "video.ts").is_file() and not padding.exists() and not killed.exists()
    assert remove_unused(store, now=time.time() + 29 * 86400) == []  # used today: kept for the month to come
    later = render_day([DayRenderItem(Path("filler.mp4"), 0, 90, ItemKind.FILLER)], 90, store / "day3.ts", store,
                       profile=SMALL_CABLE)
    assert later.prepared == () and frame_colours(later.path) == ["green"] * 90


def test_a_render_without_room_is_refused_before_anything_is_written(media_store: Path, lessons: Path) -> None:
    """A 2 h day at 3 Mb/s needs about 2.8 GB (2.7 GB of day file): with 1 GB free the render says so and leaves no file behind."""
    items = [DayRenderItem(Path("cable/red/cable.ts"), 0, 60)]
    before = sorted(media_store.rglob("*"))
    with pytest.raises(NotEnoughSpace) as refused:
        render_day(items, 2 * 3600 * 25, media_store / "no_room.ts", media_store, profile=SMALL_CABLE,
                   free_bytes=lambda folder: 10**9)
    assert refused.value.free_bytes == 10**9 and 2.7e9 < refused.value.needed_bytes < 3.0e9
    assert "needs 2.8 GB" in str(refused.value) and "1.0 GB are free" in str(refused.value)
    assert sorted(media_store.rglob("*")) == before


def test_overlapping_items_are_refused_before_anything_runs(media_store: Path) -> None:
    items = [DayRenderItem(Path("red_3s.mp4"), 0, 50), DayRenderItem(Path("blue_3s.mp4"), 40, 20)]
    with pytest.raises(DayPlanError):
        render_day(items, 100, media_store / "overlap.ts", media_store)
    assert not (media_store / "overlap.ts").exists()


def test_progress_moves_through_the_parts_not_only_at_the_join(media_store: Path, lessons: Path) -> None:
    """A day render spends its time on the parts: the progress an operator sees must move while they run
    (re-encoded here, as benchmarks/day_render.py renders the old way)."""
    log: list[tuple[str, float]] = []

    @dataclass(frozen=True)
    class LoggedTool(FfmpegTool):
        def run(self, argv: list[str], timeout: float | None = None, watch: Watch | None = None) -> RunResult:
            log.append(("run", 0.0))
            return super().run(argv, timeout, watch)

    items = [
        DayRenderItem(Path("cable/red/cable.ts"), 0, 60),
        DayRenderItem(Path("green_3s.mp4"), 60, 50, ItemKind.FILLER),
    ]  # then padding to the end of the day
    render_day(items, 200, media_store / "progress.ts", media_store, profile=SMALL_CABLE, tool=LoggedTool(), prepare=False,
               watch=Watch(lambda percent: log.append(("progress", percent))))
    join = max(i for i, (what, _) in enumerate(log) if what == "run")
    before_join = [percent for what, percent in log[:join] if what == "progress"]
    percents = [percent for what, percent in log if what == "progress"]
    assert before_join and max(before_join) >= 80.0  # the parts (re-encoding 140 frames) are most of the work
    assert len({round(p) for p in before_join}) >= 3  # one step per part at least
    assert percents == sorted(percents) and percents[-1] == 100.0


def test_the_joined_day_keeps_the_cbr_mux_figures_and_continuous_timestamps(media_store: Path, lessons: Path) -> None:
    """Parts copied end to end (a lesson, a prepared filler looped, padding) and remuxed once: PCR every <= 40 ms,
    PAT and PMT every <= 0.5 s, the mux rate, continuity counters and timestamps unbroken at every join."""
    items = [
        DayRenderItem(Path("cable/red/cable.ts"), 0, 60),
        DayRenderItem(Path("green_3s.mp4"), 60, 170, ItemKind.FILLER),  # two whole passes and a cut one
    ]  # then padding
    day = render_day(items, 300, media_store / "mux_figures.ts", media_store, profile=SMALL_CABLE)
    data = day.path.read_bytes()
    packets = [data[i : i + 188] for i in range(0, len(data), 188)]
    rate = len(data) * 8 / (300 / 25)
    assert abs(rate - SMALL_CABLE.muxrate_kbps * 1000) / (SMALL_CABLE.muxrate_kbps * 1000) < 0.02
    pcrs, tables, counters, breaks = [], defaultdict(list), {}, []
    for index, packet in enumerate(packets):
        pid = (packet[1] & 0x1F) << 8 | packet[2]
        if packet[3] & 0x20 and packet[4] >= 7 and packet[5] & 0x10:
            base = int.from_bytes(packet[6:11], "big")
            pcrs.append((base >> 7) * 300 + (base & 0x1FF))
        if pid in (0, 0x1000) and packet[1] & 0x40:
            tables[pid].append(index * 188 * 8 / rate)
        if pid != 0x1FFF and packet[3] & 0x10:
            counter = packet[3] & 0x0F
            if pid in counters and counter != (counters[pid] + 1) % 16:
                breaks.append((index, pid))
            counters[pid] = counter
    assert max(b - a for a, b in pairwise(pcrs)) / 27e6 <= 0.040
    assert set(tables) == {0, 0x1000} and all(max(b - a for a, b in pairwise(t)) <= 0.5 for t in tables.values())
    assert breaks == []
    probed = ffprobe(day.path, "-show_entries", "packet=stream_index,pts", "-show_streams")
    kinds = {s["index"]: s["codec_type"] for s in probed["streams"]}
    steps = defaultdict(set)
    for kind in ("video", "audio"):
        pts = [int(p["pts"]) for p in probed["packets"] if kinds[p["stream_index"]] == kind]
        steps[kind] = {b - a for a, b in pairwise(pts)}
    assert steps == {"video": {3600}, "audio": {2160}}  # 90 kHz: a frame at 25 fps, an MP2 frame of 1152 samples
