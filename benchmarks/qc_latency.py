"""How long a reviewer waits for QC: the full ingest (QC + every rendition) against a QC-only pass.

    python benchmarks/qc_latency.py [--seconds 60]

Issue 14's goal: a fresh upload's QC report within 0.5 x the clip's duration on one 2-core worker.
Until then the report came with the renditions (media.renditions.make_renditions: the audio loudness
pass, then one decode for the cable TS, the HLS ladder, the MP4, the poster and the video detectors);
the `ingest` job now runs media.renditions.check_recording, the QC alone (audio detectors plus the
video detectors on a 320-wide picture, then the limiter decision), and queues the renditions after it.
Prints wall and CPU seconds of each and the QC-only wall time as a fraction of the clip's duration;
on a loaded machine read the CPU seconds (divide by the cores for an idle machine's wall time).

Then the QC on a busy worker: the urgent worker runs it while the two other threads encode backfill
(two 1080p encodes of a generated clip, as long as the QC takes). Once with the encodes at the QC's
own nice value (before: every job ran at 0), once at the backfill's (scheduler.domain.job_states.niceness);
each QC's wall time over the idle one's.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media.renditions import check_recording, make_renditions
from media.samples import ClipSpec, write_clip
from scheduler.domain.job_states import JobPriority, niceness

ENCODE = """
import sys
from pathlib import Path
from media.samples import ClipSpec, write_clip
from scheduler.queue.child import run_at_niceness
run_at_niceness(int(sys.argv[2]))
write_clip(Path(sys.argv[1]), ClipSpec(seconds=3600, size="1920x1080"))
"""


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by finished child processes (ffmpeg's work, whatever the load)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(run: object) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    started, cpu = time.perf_counter(), children_cpu()
    run()  # type: ignore[operator]
    return time.perf_counter() - started, children_cpu() - cpu


def qc_beside_encodes(store: Path, nice: int) -> float:
    """Wall seconds of the QC while two backfill encodes at this nice value keep both cores busy."""
    encodes = [subprocess.Popen([sys.executable, "-c", ENCODE, str(store / f"backfill-{n}.mp4"), str(nice)],
                                cwd=Path(__file__).resolve().parents[1], start_new_session=True) for n in range(2)]
    try:
        time.sleep(3)  # both encoding
        return timed(lambda: check_recording(Path("lesson.mp4"), store))[0]
    finally:
        for encode in encodes:
            os.killpg(encode.pid, signal.SIGKILL)  # the encode and its ffmpeg
            encode.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the generated lesson clip")
    parser.add_argument("--rounds", type=int, default=3, help="busy-worker rounds, the two nice values in turn (medians)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder)
        write_clip(store / "lesson.mp4", ClipSpec(seconds=args.seconds, size="1920x1080"))
        qc_only = timed(lambda: check_recording(Path("lesson.mp4"), store))
        full = timed(lambda: make_renditions(Path("lesson.mp4"), store, store / "renditions"))
        same, backfill = [], []
        for _round in range(args.rounds):
            same.append(qc_beside_encodes(store, niceness(JobPriority.URGENT)))
            backfill.append(qc_beside_encodes(store, niceness(JobPriority.BACKFILL)))
        same_nice, backfill_nice = statistics.median(same), statistics.median(backfill)
    load = os.getloadavg()[0]
    print(f"clip: {args.seconds:g} s 1920x1080 25 fps; {os.cpu_count()} cores, load average {load:.1f} at the end")
    print(f"full ingest (QC with all renditions): {full[0]:.2f} s wall, {full[1]:.2f} s CPU, "
          f"{full[0] / args.seconds:.2f} x the clip")
    print(f"QC only (check_recording: one decode, audio + small-picture video detectors): {qc_only[0]:.2f} s wall, {qc_only[1]:.2f} s CPU, "
          f"{qc_only[0] / args.seconds:.2f} x the clip (goal <= 0.5)")
    print(f"busy worker, median of {args.rounds} rounds each:")
    print(f"QC beside two 1080p encodes at the same nice value: {same_nice:.2f} s wall, "
          f"{same_nice / qc_only[0]:.2f} x idle, {same_nice / args.seconds:.2f} x the clip")
    print(f"QC beside two 1080p encodes at the backfill's nice value ({niceness(JobPriority.BACKFILL)}): "
          f"{backfill_nice:.2f} s wall, {backfill_nice / qc_only[0]:.2f} x idle, {backfill_nice / args.seconds:.2f} x the clip")


if __name__ == "__main__":
    main()
