"""Waiting in tests for a queued job, polled through the job job_control."""
from __future__ import annotations

import time
from collections.abc import Callable

from scheduler.queue import job_control
from scheduler.store.models import Job


def wait_for_job(sessions, job_id: int, until: Callable[[Job], bool], *, seconds: float = 30,  # type: ignore[no-untyped-def]
                 context: Callable[[], str] = str) -> Job:
    """The job once `until` holds for it; fails after `seconds`, with `context()` (e.g. worker logs)."""
    deadline = time.monotonic() + seconds
    while True:
        job = job_control.get_job(sessions(), job_id)
        if until(job):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} stuck as {job.state}: {job.error}\n{context()}")
        time.sleep(0.05)
