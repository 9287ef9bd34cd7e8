"""Full ingest (QC + all renditions, media.renditions.make_renditions) against one hand-written ffmpeg command.

    python benchmarks/ingest.py [--seconds 60]

Prints both wall times and their ratio (goal: <= 1.10). The hand-written command decodes once and
writes the same renditions: cable TS, the 1080p MP4 and 1080p HLS variant (one encode, tee muxer),
720p and 360p HLS variants and the poster, with a fixed audio gain; it does no QC and no loudness pass.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media.profiles import CABLE
from media.renditions import make_renditions
from media.runner import FfmpegTool
from media.samples import ClipSpec, write_clip

TO_MINUS_24 = -2.2  # the generated tone measures -21.8 LUFS
HLS_OPTS = "hls_time=6:hls_playlist_type=vod:hls_flags=independent_segments"
HLS_ARGS = ["-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod", "-hls_flags", "independent_segments"]


def hand_written_argv(source: Path, out: Path, gain_db: float, seconds: float) -> list[str]:
    """What an engineer would type: one decode, split, every output in one command."""
    x264 = ["-c:v", "libx264", "-profile:v", "high", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-sc_threshold", "0"]
    fit = "scale={0}:{1}:force_original_aspect_ratio=decrease,pad={0}:{1}:(ow-iw)/2:(oh-ih)/2,setsar=1"
    graph = (
        f"[0:v:0]fps=25,split=5[v1][v2][v3][v4][v5];[v1]{fit.format(1920, 1080)}[cable];"
        f"[v2]{fit.format(1920, 1080)}[top];[v3]{fit.format(1280, 720)}[mid];[v4]{fit.format(640, 360)}[low];"
        f"[v5]trim=start_frame={int(seconds * 2.5)}:end_frame={int(seconds * 2.5) + 1},{fit.format(1280, 720)}[poster];"
        f"[0:a:0]aresample=48000,volume={gain_db}dB,asplit=4[a1][a2][a3][a4]"
    )
    aac = ["-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2"]
    rung = [*x264, "-g", "50", "-keyint_min", "50"]
    hls = out / "hls"
    return [
        "ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-n",
        "-f", "mov", "-protocol_whitelist", "file", "-i", f"file:{source}", "-filter_complex", graph,
        "-map", "[cable]", "-map", "[a1]", *x264, "-g", "25", "-bf", "0", "-b:v", "8000k", "-minrate", "8000k",
        "-maxrate", "8000k", "-bufsize", "8000k", "-x264-params", "nal-hrd=cbr:force-cfr=1", "-c:a", "mp2",
        "-b:a", "256k", "-ar", "48000", "-ac", "2", "-f", "mpegts", "-muxrate", "10000k", "-pcr_period", "20",
        f"file:{out / 'cable.ts'}",
        "-map", "[top]", "-map", "[a2]", *rung, "-b:v", "5000k", "-maxrate", "5500k", "-bufsize", "10000k", *aac,
        "-f", "tee", (f"[f=mp4:movflags=+faststart]{out / 'download.mp4'}|"
        f"[f=hls:{HLS_OPTS}:hls_segment_filename={hls / '1080p_%05d.ts'}]{hls / '1080p.m3u8'}"),
        "-map", "[mid]", "-map", "[a3]", *rung, "-b:v", "2500k", "-maxrate", "2750k", "-bufsize", "5000k", *aac,
        *HLS_ARGS, "-hls_segment_filename", str(hls / "720p_%05d.ts"), f"file:{hls / '720p.m3u8'}",
        "-map", "[low]", "-map", "[a4]", *rung, "-b:v", "800k", "-maxrate", "880k", "-bufsize", "1600k", *aac,
        *HLS_ARGS, "-hls_segment_filename", str(hls / "360p_%05d.ts"), f"file:{hls / '360p.m3u8'}",
        "-map", "[poster]", "-frames:v", "1", "-update", "1", "-q:v", "3", f"file:{out / 'poster.jpg'}",
    ]


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by finished child processes: ffmpeg's work, whatever the load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_both(store: Path, seconds: float, round_: int) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds of one ingest and one hand-written run, in alternating order across rounds."""
    measured: dict[str, tuple[float, float]] = {}
    gain = 0.0
    for which in (("ingest", "hand") if round_ % 2 == 0 else ("hand", "ingest")):
        started, cpu = time.perf_counter(), children_cpu()
        if which == "ingest":
            gain = make_renditions(Path("lesson.mp4"), store, store / f"renditions_{round_}").gain_db
        else:
            hand = store / f"hand_{round_}"
            (hand / "hls").mkdir(parents=True)
            FfmpegTool().run(hand_written_argv(store / "lesson.mp4", hand, -3.0, seconds))
        measured[which] = (time.perf_counter() - started, children_cpu() - cpu)
    assert abs(gain - (-3.0)) < 1.5, f"the hand-written command's gain should match ingest's ({gain})"
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the generated lesson clip")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the order; the best time of each counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder)
        write_clip(store / "lesson.mp4", ClipSpec(seconds=args.seconds, size="1920x1080", gain_db=TO_MINUS_24 + 3.0))
        rounds = [time_both(store, args.seconds, n) for n in range(args.rounds)]
    ours, theirs = (min(r["ingest"][0] for r in rounds), min(r["hand"][0] for r in rounds))
    ours_cpu, theirs_cpu = (min(r["ingest"][1] for r in rounds), min(r["hand"][1] for r in rounds))
    print(f"clip: {args.seconds:g} s 1920x1080 25 fps; cable {CABLE.picture.video_kbps} kb/s, HLS 1080/720/360, MP4, poster")
    print(f"full ingest (QC + all renditions): {ours:.2f} s wall, {ours_cpu:.2f} s CPU")
    print(f"hand-written single ffmpeg command: {theirs:.2f} s wall, {theirs_cpu:.2f} s CPU")
    print(f"ratio: {ours / theirs:.3f} wall (goal <= 1.10), {ours_cpu / theirs_cpu:.3f} CPU; "
          f"best of {args.rounds} round(s) each, order alternating")


if __name__ == "__main__":
    main()
