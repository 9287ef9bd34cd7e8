"""Media jobs per minute with 1 and 2 Celery workers on this machine (Redis at 127.0.0.1:6379, db 7).

    python benchmarks/scaleout.py [--jobs 12] [--seconds 4] [--size 640x360]

Each job is the `selftest` kind: ffmpeg renders a generated clip (lavfi testsrc2 + tone, H.264/AAC),
a small CPU-bound encode. For 1 and then 2 `airclass worker --backend celery -c 1` processes on a
temporary SQLite database and media store, it queues the same number of jobs, waits until all
succeeded, and measures from the first job's start to the last job's end (worker start-up is not
counted). Prints jobs/minute for each, the mean seconds a job runs, and the ratio 2 workers / 1.
Redis db 7 is flushed before each run: do not point it at a database anything else uses.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select

from scheduler.domain.job_states import JobState
from scheduler.ops.job_kinds import load_job_kinds
from scheduler.queue.config import load_queue_config
from scheduler.queue.job_queue import JobQueue
from scheduler.store.db import make_session_factory, upgrade_database
from scheduler.store.models import Job

BROKER = "redis://127.0.0.1:6379/7"
READY_SECONDS = 60


def flush_broker() -> None:
    import redis

    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    client.close()


def start_workers(count: int, env: dict[str, str], logdir: Path) -> list[subprocess.Popen[bytes]]:
    airclass = str(Path(sys.executable).with_name("airclass"))
    workers = []
    for n in range(count):
        log = (logdir / f"worker{n}.log").open("wb")
        workers.append(subprocess.Popen([airclass, "worker", "--backend", "celery", "-c", "1"], env=env,
                                        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT))
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        ready = sum("ready." in (logdir / f"worker{n}.log").read_text(errors="replace") for n in range(count))
        if ready == count:
            return workers
        time.sleep(0.2)
    raise RuntimeError(f"celery workers not ready; see {logdir}")


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def run(workers: int, jobs: int, seconds: float, size: str, workdir: Path) -> dict[str, float]:
    """Queue `jobs` selftest jobs for `workers` Celery workers; jobs/minute and mean job seconds."""
    run_dir = workdir / f"workers{workers}"
    run_dir.mkdir()
    url = f"sqlite:///{run_dir / 'bench.sqlite3'}"
    upgrade_database(url)
    env = {**os.environ, "AIRCLASS_DATABASE_URL": url, "AIRCLASS_MEDIA_DIR": str(run_dir / "media"),
           "AIRCLASS_VAR_DIR": str(run_dir), "AIRCLASS_QUEUE_BACKEND": "celery", "AIRCLASS_BROKER_URL": BROKER,
           "AIRCLASS_WORKER_CONCURRENCY": "1"}
    flush_broker()
    procs = start_workers(workers, env, run_dir)
    sessions = make_session_factory(url)
    load_job_kinds()
    queue = JobQueue(load_queue_config(backend="celery", broker_url=BROKER))
    try:
        for n in range(jobs):
            queue.submit(sessions(), "selftest", {"output": f"bench/{n}.mp4", "seconds": seconds, "size": size},
                         now=datetime.now(UTC))
        done = wait_all(sessions, jobs)
    finally:
        queue.close()
        stop(procs)
        sessions.kw["bind"].dispose()
    span = (max(j.finished_at for j in done) - min(j.started_at for j in done)).total_seconds()  # type: ignore[type-var, operator]
    per_job = statistics.mean((j.finished_at - j.started_at).total_seconds() for j in done)  # type: ignore[operator]
    return {"jobs_per_minute": jobs / span * 60, "span_s": span, "mean_job_s": per_job}


def wait_all(sessions, jobs: int, timeout: float = 1800) -> list[Job]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            rows = list(session.scalars(select(Job)))
        failed = [j for j in rows if j.state in (JobState.FAILED, JobState.CANCELLED)]
        if failed:
            raise RuntimeError(f"job {failed[0].id} {failed[0].state}: {failed[0].error}")
        if len(rows) == jobs and all(j.state is JobState.SUCCEEDED for j in rows):
            return rows
        time.sleep(0.5)
    raise RuntimeError("jobs did not finish in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each rendered clip")
    parser.add_argument("--size", default="640x360")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="airclass-scaleout-"))
    try:
        results = {}
        for workers in (1, 2):
            results[workers] = run(workers, args.jobs, args.seconds, args.size, workdir)
            r = results[workers]
            print(f"{workers} worker(s): {r['jobs_per_minute']:.1f} jobs/min ({args.jobs} jobs in {r['span_s']:.1f} s), "
                  f"mean job {r['mean_job_s']:.2f} s")
        print(f"cpus: {os.cpu_count()}; ratio 2 workers / 1 worker: "
              f"{results[2]['jobs_per_minute'] / results[1]['jobs_per_minute']:.2f}")
    finally:
        flush_broker()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
