"""The work queue end to end, the same cases on the local backend and on Celery with Redis.

Workers are real `airclass worker` processes; jobs run real ffmpeg through media.runner.
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from media.probe import probe_upload
from scheduler.domain.job_states import JobPriority, JobState
from scheduler.queue import job_control
from scheduler.queue.config import QueueConfig
from scheduler.queue.executor import utc_now
from scheduler.queue.job_queue import JobQueue, is_finished
from scheduler.store.models import Job
from tests.support.processes import niceness, processes_naming, session_niceness
from tests.support.workers import WorkerProcesses, worker_env

pytestmark = pytest.mark.ffmpeg

TEST_BROKER_URL = os.environ.get("AIRCLASS_TEST_BROKER_URL", "redis://127.0.0.1:6379/6")
WAIT_SECONDS = 30.0
# An encode long enough to be caught mid-way (about 1 s on an idle machine), short enough to redo.
KILLABLE_CLIP = {"seconds": 30, "size": "640x360"}
ENDLESS_CLIP = {"seconds": 3600, "size": "1280x720"}


@pytest.fixture(scope="session")
def broker_url() -> Iterator[str]:
    """The test suite's own Redis database (not the default 5), emptied when the session ends."""
    yield TEST_BROKER_URL
    client = redis.Redis.from_url(TEST_BROKER_URL)
    client.flushdb()
    client.close()


@dataclass
class Backend:
    """Workers of one backend on the test's database and media store, and a queue to submit to."""

    name: str
    sessions: sessionmaker[Session]
    media_dir: Path
    workers: WorkerProcesses
    queue: JobQueue

    def start_worker(self) -> subprocess.Popen[bytes]:
        return self.workers.start()

    def submit(self, kind: str, params: dict, **kw: object) -> Job:  # type: ignore[type-arg]
        return self.queue.submit(self.sessions(), kind, params, now=utc_now(), **kw)  # type: ignore[arg-type]

    def job(self, job_id: int) -> Job:
        return job_control.get_job(self.sessions(), job_id)

    def wait(self, job_id: int, until: Callable[[Job], bool] = is_finished) -> Job:
        """Poll the job row until the condition holds (fails with the worker logs after a while)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if until(job):
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} stuck as {job.state}: {job.error}\n{self.workers.logs_text()}")

    def close(self) -> None:
        self.workers.stop()
        self.queue.close()


@pytest.fixture(params=["local", "celery"])
def backend(request, database_url, sessions, tmp_path, broker_url) -> Iterator[Backend]:  # type: ignore[no-untyped-def]
    media_dir = tmp_path / "media"
    (media_dir / "out").mkdir(parents=True)
    config = QueueConfig(
        backend=request.param, broker_url=broker_url, queue_name=f"airclass.test.{uuid.uuid4().hex[:8]}",
        poll_seconds=0.2, retry_base_seconds=0.0,
    )
    env = worker_env(database_url, media_dir, tmp_path / "var", request.param,
                     AIRCLASS_BROKER_URL=broker_url, AIRCLASS_QUEUE_NAME=config.queue_name)
    backend = Backend(request.param, sessions, media_dir, WorkerProcesses(env, tmp_path, request.param, 2), JobQueue(config))
    yield backend
    backend.close()


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_job_runs_once_to_success_and_submitting_it_again_returns_it(backend):
    source = backend.media_dir / "recordings" / "第12课.mp4"
    source.parent.mkdir()
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    params, key = {"path": "recordings/第12课.mp4"}, "checksum:第12课"
    first = backend.submit("checksum", params, dedupe_key=key)
    assert backend.submit("checksum", params, dedupe_key=key).id == first.id  # queued: the same job
    backend.start_worker()

    job = backend.wait(first.id)
    assert job.state is JobState.SUCCEEDED, job.error
    assert job.result == {
        "path": "recordings/第12课.mp4",
        "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "size_bytes": source.stat().st_size,
    }
    assert (job.progress, job.attempts, job.error) == (100, 1, None)
    assert job.created_at <= job.started_at <= job.finished_at
    assert backend.submit("checksum", params, dedupe_key=key).id == first.id  # succeeded: still the same
    with backend.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 1
    assert files_under(backend.media_dir) == ["recordings/第12课.mp4"]  # scratch space cleaned


def test_failing_job_is_retried_to_the_limit_and_bad_input_is_not_retried(backend):
    (backend.media_dir / "notes.mp4").write_text("这不是视频 just text\n" * 50)
    ffmpeg_fails = backend.submit("selftest", {"output": "out/bad.mp4", "video_source": "nosuchsource"})
    bad_input = backend.submit("probe", {"path": "notes.mp4"})
    backend.start_worker()

    job = backend.wait(ffmpeg_fails.id)
    assert job.state is JobState.FAILED
    assert job.attempts == job.max_attempts == 3
    assert "No such filter: 'nosuchsource'" in job.error  # ffmpeg's own words, kept
    assert job.result is None and job.finished_at is not None
    job = backend.wait(bad_input.id)
    assert (job.state, job.attempts) == (JobState.FAILED, 1)
    assert "UnsupportedMedia: the file is text, not a video" in job.error
    assert files_under(backend.media_dir) == ["notes.mp4"]


def test_cancelling_a_running_ffmpeg_job_stops_it_and_leaves_no_file(backend):
    out = backend.media_dir / "out"
    backend.start_worker()
    job = backend.submit("selftest", {"output": "out/endless.mp4", **ENDLESS_CLIP})
    backend.wait(job.id, lambda j: j.state is JobState.RUNNING and bool(files_under(out)))
    assert processes_naming(out), "ffmpeg should be encoding"

    cancelled = job_control.cancel(backend.sessions(), job.id, now=utc_now())
    assert cancelled.state is JobState.CANCELLED
    stopped = backend.wait(job.id, is_finished)  # the worker let go: its child and ffmpeg are gone

    assert stopped.state is JobState.CANCELLED and stopped.result is None
    assert processes_naming(out) == []
    assert files_under(backend.media_dir) == []


def test_worker_killed_mid_job_leaves_no_file_and_another_worker_completes_it(backend):
    out = backend.media_dir / "out"
    job = backend.submit("selftest", {"output": "out/lesson.mp4", **KILLABLE_CLIP})
    workers = [backend.start_worker(), backend.start_worker()]
    running = backend.wait(job.id, lambda j: j.state is JobState.RUNNING and bool(files_under(out)))
    [victim] = [w for w in workers if f":{w.pid}:" in running.worker_id]

    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert not (out / "lesson.mp4").exists()

    done = backend.wait(job.id)  # the survivor's recovery pass notices the dead worker
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.attempts == 2 and f":{victim.pid}:" not in done.worker_id
    clip = probe_upload(out / "lesson.mp4", backend.media_dir)
    assert (clip.width, clip.height, clip.duration_frames) == (640, 360, KILLABLE_CLIP["seconds"] * 25)
    assert files_under(backend.media_dir) == ["out/lesson.mp4"]  # the killed attempt's part file is gone
    assert processes_naming(out) == []


def encoding(folder: Path) -> Callable[[Job], bool]:
    """The job runs and its ffmpeg writes into this folder."""
    return lambda job: job.state is JobState.RUNNING and bool(processes_naming(folder))


def test_an_urgent_job_starts_at_once_while_every_worker_encodes_backfill_and_gets_the_cpu_first(backend):
    """A teacher's fresh upload is QC'd while the demo's backfill keeps both workers encoding (issue 14)."""
    backfill = [backend.submit("selftest", {"output": f"out/backfill-{n}/clip.mp4", **ENDLESS_CLIP, "size": "320x180"},
                               priority=JobPriority.BACKFILL) for n in range(2)]
    backend.start_worker()  # two at a time, and one urgent worker beside them
    for n, job in enumerate(backfill):
        backend.wait(job.id, encoding(backend.media_dir / f"out/backfill-{n}"))

    urgent = backend.submit("selftest", {"output": "out/urgent/clip.mp4", **ENDLESS_CLIP, "size": "320x180"},
                            priority=JobPriority.URGENT)
    backend.wait(urgent.id, encoding(backend.media_dir / "out/urgent"))

    assert [backend.job(job.id).state for job in backfill] == [JobState.RUNNING] * 2  # nothing was stopped for it
    ffmpeg = {name: processes_naming(backend.media_dir / "out" / name) for name in ("backfill-0", "backfill-1", "urgent")}
    nice = {name: {niceness(pid) for pid in pids} for name, pids in ffmpeg.items()}
    assert nice == {"backfill-0": {10}, "backfill-1": {10}, "urgent": {0}}, nice
    if session_niceness(ffmpeg["urgent"][0]) is not None:  # the kernel weighs sessions first: theirs must say it too
        grouped = {name: {session_niceness(pid) for pid in pids} for name, pids in ffmpeg.items()}
        assert grouped == {"backfill-0": {10}, "backfill-1": {10}, "urgent": {0}}, grouped
    for job in [*backfill, urgent]:
        job_control.cancel(backend.sessions(), job.id, now=utc_now())
    for job in [*backfill, urgent]:
        assert backend.wait(job.id).state is JobState.CANCELLED


def test_workers_take_queued_jobs_by_priority_not_in_the_order_they_were_sent(backend):
    """With Celery too: the broker hands messages out first in, first out; the database's priorities decide."""
    source = backend.media_dir / "recordings" / "第1课.mp4"
    source.parent.mkdir()
    source.write_bytes(os.urandom(64 * 1024))
    params = {"path": "recordings/第1课.mp4"}
    backfill = [backend.submit("checksum", params, priority=JobPriority.BACKFILL) for _ in range(6)]
    asked = backend.submit("checksum", params, priority=JobPriority.NORMAL)  # an operator's, sent last
    backend.start_worker()

    done = [backend.wait(job.id) for job in [*backfill, asked]]
    assert {job.state for job in done} == {JobState.SUCCEEDED}
    started = [job.id for job in sorted(done, key=lambda job: (job.started_at, job.id))]
    assert asked.id in started[:2], f"started in this order: {started}; the operator's job is {asked.id}"
