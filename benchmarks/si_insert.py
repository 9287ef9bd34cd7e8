"""Time putting a day's DVB SI into a cable TS: copy (insert_si) and in place (patch_si), against a plain copy.

Generates a CBR MPEG-TS of --seconds at the cable mux rate (10 Mb/s, 8 Mb/s CBR video at a small picture,
so the encode is quick and the share of null packets is the real profile's), builds the SI of a whole
grade-3 day (its programmes from the pure core) and prints MB/s, the SI packets and repetition intervals,
and `ratio` = insert_si time / plain copy time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ffmpeg

from media.profiles import CABLE, Picture, cable_output
from media.runner import FfmpegTool, ffmpeg_argv, file_url
from media.si_insert import insert_si, patch_si
from scheduler.exports.dvb_epg import EpgDay, day_si
from scheduler.exports.programmes import day_programmes
from scheduler.services.stream_si import si_options, tables
from tests.unit.test_assembly import grade_channel, sample_day


def cable_file(path: Path, seconds: int) -> None:
    """A CBR TS at the cable mux rate, video at the cable bitrate on a 640x360 picture."""
    profile = CABLE.__class__(picture=Picture("360p", 640, 360, CABLE.picture.video_kbps, "4.0"), preset="ultrafast")
    video = ffmpeg.input(f"testsrc2=size=640x360:rate=25:duration={seconds}", f="lavfi")
    audio = ffmpeg.input(f"sine=frequency=440:sample_rate=48000:duration={seconds}", f="lavfi")
    FfmpegTool().run(ffmpeg_argv(cable_output(video, audio, file_url(path), profile)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=120)
    args = parser.parse_args()
    channel, plan = grade_channel(3), sample_day()
    programmes = day_programmes(channel, plan)
    began = time.perf_counter()
    si = day_si(channel.name, EpgDay(plan.day, 1, programmes), EpgDay(plan.day, 1, programmes),
                start=channel.moment(plan.day, 0), seconds=plan.frames / 25, options=si_options(CABLE))
    built = time.perf_counter() - began
    schedule_bytes = sum(len(s) for s in si.schedule[0][1])
    print(f"programmes: {len(programmes)}; SI built in {built:.3f} s; EIT schedule {len(si.schedule[0][1])} "
          f"sections, {schedule_bytes} bytes; p/f changes {len(si.present_following)}")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "cable.ts"
        cable_file(source, args.seconds)
        megabytes = source.stat().st_size / 1e6
        began = time.perf_counter()
        shutil.copyfile(source, Path(folder) / "plain_copy.ts")
        copy_s = time.perf_counter() - began
        done = insert_si(source, Path(folder) / "with_si.ts", tables(si))
        patched = patch_si(source, tables(si))
    print(f"file: {megabytes:.1f} MB, {args.seconds} s at {done.bits_per_second / 1e6:.3f} Mb/s")
    print(f"plain copy: {copy_s:.3f} s; insert_si (copy): {done.wall_seconds:.3f} s, "
          f"{megabytes / done.wall_seconds:.0f} MB/s; patch_si (in place): {patched.wall_seconds:.3f} s, "
          f"{megabytes / patched.wall_seconds:.0f} MB/s")
    print(f"SI packets: {done.si_packets} ({done.si_packets * 188 * 8 / args.seconds / 1000:.1f} kb/s)")
    print("longest repetition (s): " + ", ".join(f"0x{t:02X} {v:.2f}" for t, v in sorted(done.intervals.items())))
    print(f"ratio: {done.wall_seconds / copy_s:.2f}")


if __name__ == "__main__":
    main()
