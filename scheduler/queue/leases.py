"""The worker's side of a job row: claim it atomically, hold the lease, record the outcome, recover.

Every write after the claim is fenced by (state running, worker id, attempt number): a worker
whose job was cancelled, or recovered from it after its lease ran out, changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scheduler.domain.job_states import JobState, after_failure, error_tail, retry_delay, worker_host_pid
from scheduler.queue.job_control import update_if
from scheduler.store.models import Job

CLAIM_BATCH = 5


@dataclass(frozen=True)
class Claim:
    """A job this worker now runs, with the fencing token of the claim (the attempt number)."""

    job_id: int
    kind: str
    params: dict[str, Any]
    attempt: int
    worker_id: str
    priority: int


@dataclass(frozen=True)
class Requeued:
    """A job put back in the queue (or failed for good) because its attempt was abandoned."""

    job_id: int
    attempt: int
    state: JobState
    available_at: datetime


def claim(session: Session, job_id: int, *, worker_id: str, now: datetime, lease_seconds: float) -> Claim | None:
    """Take this queued job if it is still queued and due (None if someone else has it)."""
    with session.begin():
        return _claim(session, job_id, worker_id, now, lease_seconds)


def claim_next(
    session: Session, *, worker_id: str, now: datetime, lease_seconds: float, min_priority: int | None = None
) -> Claim | None:
    """Take the due queued job of highest priority (at least min_priority), the oldest of them, if any."""
    with session.begin():
        due = select(Job.id).where(Job.state == JobState.QUEUED, Job.available_at <= now)
        if min_priority is not None:
            due = due.where(Job.priority >= min_priority)
        order = (Job.priority.desc(), Job.available_at, Job.id)
        for job_id in session.scalars(due.order_by(*order).limit(CLAIM_BATCH)).all():
            taken = _claim(session, job_id, worker_id, now, lease_seconds)
            if taken is not None:
                return taken
    return None


def _claim(session: Session, job_id: int, worker_id: str, now: datetime, lease_seconds: float) -> Claim | None:
    won = update_if(
        session, job_id, Job.state == JobState.QUEUED, Job.available_at <= now,
        state=JobState.RUNNING, attempts=Job.attempts + 1, worker_id=worker_id, progress=0,
        started_at=now, finished_at=None, lease_expires_at=now + timedelta(seconds=lease_seconds),
    )
    if not won:
        return None
    job = session.get_one(Job, job_id, populate_existing=True)
    return Claim(job.id, job.kind, dict(job.params), job.attempts, worker_id, job.priority)


def _held(claim_: Claim) -> tuple[Any, ...]:
    return (Job.state == JobState.RUNNING, Job.worker_id == claim_.worker_id, Job.attempts == claim_.attempt)


def heartbeat(
    session: Session, claim_: Claim, *, now: datetime, lease_seconds: float, progress: float | None = None
) -> bool:
    """Extend the lease (and store progress); False when the job is no longer this worker's."""
    values: dict[str, Any] = {"lease_expires_at": now + timedelta(seconds=lease_seconds)}
    if progress is not None:
        values["progress"] = int(progress)
    with session.begin():
        return update_if(session, claim_.job_id, *_held(claim_), **values)


def mark_succeeded(session: Session, claim_: Claim, result: dict[str, Any], *, now: datetime) -> bool:
    """Record success with the handler's result."""
    with session.begin():
        return update_if(
            session, claim_.job_id, *_held(claim_), state=JobState.SUCCEEDED, result=result, progress=100,
            error=None, finished_at=now, lease_expires_at=None,
        )


def mark_failed(
    session: Session, claim_: Claim, error: str, *, now: datetime, permanent: bool = False, retry_base: float = 0.0
) -> Requeued | None:
    """Record a failed attempt: queued again while attempts remain, else failed; the error tail is kept."""
    with session.begin():
        job = session.scalars(select(Job).where(Job.id == claim_.job_id, *_held(claim_))).first()
        if job is None:
            return None
        return _after_attempt(session, job, error, now, permanent, retry_base)


def _after_attempt(
    session: Session, job: Job, error: str, now: datetime, permanent: bool, retry_base: float
) -> Requeued | None:
    state = after_failure(job.attempts, job.max_attempts, permanent)
    available = now + timedelta(seconds=retry_delay(job.attempts, retry_base))
    values: dict[str, Any] = {"state": state, "error": error_tail(error), "lease_expires_at": None}
    if state is JobState.QUEUED:
        values.update(available_at=available, worker_id=None, dispatched_at=None)
    else:
        values.update(finished_at=now)
    fence = (Job.state == JobState.RUNNING, Job.worker_id == job.worker_id, Job.attempts == job.attempts)
    if not update_if(session, job.id, *fence, **values):
        return None
    return Requeued(job.id, job.attempts, state, available)


def release(session: Session, claim_: Claim, *, now: datetime) -> bool:
    """Give a job back to the queue without spending an attempt (the worker is shutting down)."""
    with session.begin():
        return update_if(
            session, claim_.job_id, *_held(claim_), state=JobState.QUEUED, attempts=Job.attempts - 1,
            worker_id=None, lease_expires_at=None, available_at=now, dispatched_at=None, progress=0,
        )


def stopped(session: Session, claim_: Claim) -> bool:
    """A cancelled job's child process is gone and its files removed: let go of it."""
    with session.begin():
        return update_if(
            session, claim_.job_id, Job.state == JobState.CANCELLED, Job.worker_id == claim_.worker_id,
            worker_id=None, lease_expires_at=None,
        )


def recover(
    session: Session, *, now: datetime, host: str, pid_alive: Callable[[int], bool], retry_base: float = 0.0
) -> list[Requeued]:
    """Requeue (or fail, past the retry limit) running jobs whose lease ran out or whose worker died."""
    query = select(Job).where(Job.worker_id.is_not(None), Job.state.in_([JobState.RUNNING, JobState.CANCELLED]))
    recovered: list[Requeued] = []
    with session.begin():
        for job in session.scalars(query).all():
            reason = _abandoned(job, now, host, pid_alive)
            if reason is None:
                continue
            if job.state is JobState.CANCELLED:
                update_if(session, job.id, Job.worker_id == job.worker_id, worker_id=None, lease_expires_at=None)
                continue
            message = f"attempt {job.attempts} of {job.max_attempts} was abandoned: {reason}"
            outcome = _after_attempt(session, job, message, now, False, retry_base)
            if outcome is not None:
                recovered.append(outcome)
    return recovered


def _abandoned(job: Job, now: datetime, host: str, pid_alive: Callable[[int], bool]) -> str | None:
    """Why this job's worker no longer holds it, or None if it still may."""
    owner = worker_host_pid(job.worker_id or "")
    if owner is not None and owner[0] == host and not pid_alive(owner[1]):
        return f"its worker process {owner[1]} on {host} is gone"
    if job.lease_expires_at is None or job.lease_expires_at < now:
        return f"its worker {job.worker_id} stopped renewing its lease"
    return None


def seconds_until_due(session: Session, job_id: int, *, now: datetime) -> float | None:
    """For a queued job not yet due (a retry waiting out its delay), the seconds left; else None."""
    with session.begin():
        job = session.get(Job, job_id)
        if job is None or job.state is not JobState.QUEUED or job.available_at <= now:
            return None
        return (job.available_at - now).total_seconds()


def due_for_dispatch(session: Session, *, now: datetime, older_than: timedelta) -> list[Job]:
    """Queued jobs never handed to the broker, or handed over long ago (a lost message)."""
    query = select(Job).where(
        Job.state == JobState.QUEUED,
        or_(Job.dispatched_at.is_(None), Job.dispatched_at < now - older_than),
    )
    with session.begin():
        return list(session.scalars(query.order_by(Job.id)).all())


def mark_dispatched(session: Session, job_ids: Iterable[int], *, now: datetime) -> None:
    """Note that the broker was told about these jobs."""
    with session.begin():
        for job_id in job_ids:
            update_if(session, job_id, Job.state == JobState.QUEUED, dispatched_at=now)
