"""How long a reviewer waits for QC: the full ingest (QC + every rendition) against a QC-only pass.

    python benchmarks/qc_latency.py [--seconds 60]

Issue 14's goal: a fresh upload's QC report within 0.5 x the clip's duration on one 2-core worker.
Until then the report came with the renditions (media.renditions.make_renditions: the audio loudness
pass, then one decode for the cable TS, the HLS ladder, the MP4, the poster and the video detectors);
the `ingest` job now runs media.renditions.check_recording, the QC alone (audio detectors plus the
video detectors on a 320-wide picture, then the limiter decision), and queues the renditions after it.
Prints wall and CPU seconds of each and the QC-only wall time as a fraction of the clip's duration;
on a loaded machine read the CPU seconds (divide by the cores for an idle machine's wall time).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media.renditions import check_recording, make_renditions
from media.samples import ClipSpec, write_clip


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by finished child processes (ffmpeg's work, whatever the load)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(run: object) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    started, cpu = time.perf_counter(), children_cpu()
    run()  # type: ignore[operator]
    return time.perf_counter() - started, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the generated lesson clip")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder)
        write_clip(store / "lesson.mp4", ClipSpec(seconds=args.seconds, size="1920x1080"))
        qc_only = timed(lambda: check_recording(Path("lesson.mp4"), store))
        full = timed(lambda: make_renditions(Path("lesson.mp4"), store, store / "renditions"))
    load = os.getloadavg()[0]
    print(f"clip: {args.seconds:g} s 1920x1080 25 fps; {os.cpu_count()} cores, load average {load:.1f} at the end")
    print(f"full ingest (QC with all renditions): {full[0]:.2f} s wall, {full[1]:.2f} s CPU, "
          f"{full[0] / args.seconds:.2f} x the clip")
    print(f"QC only (check_recording: one decode, audio + small-picture video detectors): {qc_only[0]:.2f} s wall, {qc_only[1]:.2f} s CPU, "
          f"{qc_only[0] / args.seconds:.2f} x the clip (goal <= 0.5)")


if __name__ == "__main__":
    main()
