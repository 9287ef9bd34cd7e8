"""A worker pool embedded in this process: shutdown hands jobs back, time limits stop runaway encodes."""
from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.domain.job_states import JobState
from scheduler.queue import job_control, leases, registry
from scheduler.queue.celery_backend import make_celery
from scheduler.queue.config import VISIBILITY_TIMEOUT, QueueConfig
from scheduler.queue.executor import Runtime, utc_now
from scheduler.queue.local import LocalWorkerPool
from scheduler.queue.registry import MAX_TIME_LIMIT
from tests.support.waiting import wait_for_job

pytestmark = pytest.mark.ffmpeg
ENDLESS_CLIP = {"seconds": 3600, "size": "1280x720"}


@pytest.fixture
def pool(sessions, database_url, tmp_path) -> Iterator[LocalWorkerPool]:  # type: ignore[no-untyped-def]
    (tmp_path / "media" / "out").mkdir(parents=True)
    config = QueueConfig(poll_seconds=0.1, retry_base_seconds=0, heartbeat_seconds=0.2)
    pool = LocalWorkerPool(Runtime(sessions, database_url, tmp_path / "media", config), concurrency=1)
    pool.start()
    yield pool
    pool.stop()


def child_processes() -> list[tuple[int, bytes]]:
    """(pid, command line) of this process's children."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[-1].split()[1])
            if ppid == os.getpid():
                found.append((int(proc.name), (proc / "cmdline").read_bytes()))
        except (OSError, ValueError, IndexError):
            continue
    return found


def encoding(media: Path):  # type: ignore[no-untyped-def]
    return lambda job: job.state is JobState.RUNNING and any((media / "out").iterdir())


def test_stopping_the_pool_hands_a_running_job_back_without_spending_an_attempt(pool, sessions, tmp_path):
    job, _ = job_control.submit(sessions(), "selftest", {"output": "out/long.mp4", **ENDLESS_CLIP}, now=utc_now())
    wait_for_job(sessions, job.id, encoding(tmp_path / "media"))
    pool.stop()
    back = job_control.get_job(sessions(), job.id)
    assert (back.state, back.attempts, back.worker_id) == (JobState.QUEUED, 0, None)
    assert list((tmp_path / "media").rglob("*.*")) == []


def test_a_job_past_its_time_limit_is_stopped_and_failed(pool, sessions, tmp_path, monkeypatch):
    selftest = registry.job_kind("selftest")
    monkeypatch.setitem(registry._KINDS, "selftest", dataclasses.replace(selftest, time_limit=1.0, max_attempts=1))
    job, _ = job_control.submit(sessions(), "selftest", {"output": "out/long.mp4", **ENDLESS_CLIP}, now=utc_now())
    failed = wait_for_job(sessions, job.id, lambda j: j.state is JobState.FAILED)
    assert failed.error == "the job ran past its time limit of 1 s"
    assert list((tmp_path / "media").rglob("*.*")) == []


def test_celery_is_set_up_for_long_jobs():
    app = make_celery(QueueConfig(backend="celery", broker_url="redis://127.0.0.1:6379/6"))
    conf = app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (True, True, 1)
    assert conf.broker_transport_options["visibility_timeout"] == VISIBILITY_TIMEOUT > MAX_TIME_LIMIT
    app.close()


def test_a_job_process_killed_from_outside_counts_as_a_failed_attempt(pool, sessions, tmp_path):
    job, _ = job_control.submit(sessions(), "selftest", {"output": "out/long.mp4", **ENDLESS_CLIP}, now=utc_now())
    wait_for_job(sessions, job.id, encoding(tmp_path / "media"))
    [child] = [p for p in child_processes() if b"scheduler.ops.job_process" in p[1]]
    os.kill(child[0], signal.SIGKILL)  # as the kernel's OOM killer would
    requeued = wait_for_job(sessions, job.id, lambda j: j.attempts == 2)
    assert "the job process ended without a result (killed by signal 9)" in requeued.error
    job_control.cancel(sessions(), job.id, now=utc_now())


def test_a_pool_starting_up_reruns_the_job_a_dead_worker_left_running(sessions, database_url, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    (media / "a.bin").write_bytes(b"air")
    job, _ = job_control.submit(sessions(), "checksum", {"path": "a.bin"}, now=utc_now())
    dead = subprocess.Popen(["true"])
    dead.wait()
    leases.claim(sessions(), job.id, worker_id=f"{socket.gethostname()}:{dead.pid}:gone00", now=utc_now(),
                 lease_seconds=3600)
    config = QueueConfig(poll_seconds=0.1, retry_base_seconds=0)
    pool = LocalWorkerPool(Runtime(sessions, database_url, media, config), concurrency=1)
    pool.start()
    try:
        done = wait_for_job(sessions, job.id, lambda j: j.state is JobState.SUCCEEDED)
    finally:
        pool.stop()
    assert done.attempts == 2 and done.result["size_bytes"] == 3
