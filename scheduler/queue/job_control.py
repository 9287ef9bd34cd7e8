"""Use cases of the work queue: submit, see, cancel and retry jobs (each owns its transaction)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.domain.catalogue import Page
from scheduler.domain.job_states import (
    CANCELLABLE,
    LIVE_STATES,
    RETRYABLE,
    JobConflict,
    JobNotFound,
    JobNotYours,
    JobPriority,
    JobState,
)
from scheduler.domain.review import Actor
from scheduler.domain.review_terms import Role
from scheduler.queue.registry import job_kind
from scheduler.store.db import paginate
from scheduler.store.models import Job

SEES_ALL_JOBS = frozenset({Role.OPERATOR, Role.ADMIN, Role.AUDITOR, Role.SYSTEM})
STEERS_ALL_JOBS = frozenset({Role.OPERATOR, Role.ADMIN, Role.SYSTEM})


def submit(
    session: Session,
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    now: datetime,
    submitted_by: int | None = None,
    dedupe_key: str | None = None,
    priority: int = JobPriority.NORMAL,
) -> tuple[Job, bool]:
    """Queue a job; with a dedupe key already queued, running or succeeded, return that job instead.

    Workers take the highest priority first (JobPriority). A live job asked for again at a higher
    priority is raised to it while still queued. Returns (job, created).
    """
    params = dict(params or {})
    json.dumps(params)  # refuse what the database and the child process could not carry
    spec = job_kind(kind)
    spec.check_params(params)
    with session.begin():
        existing = _live_with_key(session, dedupe_key)
        if existing is not None:
            _hurry(session, existing, priority)
            return existing, False
        job = Job(
            kind=kind, params=params, state=JobState.QUEUED, progress=0, priority=int(priority), attempts=0,
            max_attempts=spec.max_attempts, dedupe_key=dedupe_key, submitted_by=submitted_by,
            created_at=now, available_at=now,
        )
        try:
            with session.begin_nested():
                session.add(job)
        except IntegrityError:  # another submitter won the race for this dedupe key
            existing = _live_with_key(session, dedupe_key)
            if existing is None:
                raise
            return existing, False
    return job, True


def hurry(session: Session, dedupe_key: str, priority: int) -> bool:
    """Raise the priority of the queued job with this dedupe key (never lower it); True if it changed."""
    with session.begin():
        job = _live_with_key(session, dedupe_key)
        return job is not None and _hurry(session, job, priority)


def _hurry(session: Session, job: Job, priority: int) -> bool:
    """Raise a queued job's priority (never lower it: someone asked for it sooner)."""
    if job.state is not JobState.QUEUED or job.priority >= priority:
        return False
    changed = update_if(session, job.id, Job.state == JobState.QUEUED, Job.priority < priority, priority=int(priority))
    session.refresh(job)
    return changed


def _live_with_key(session: Session, dedupe_key: str | None) -> Job | None:
    if dedupe_key is None:
        return None
    query = select(Job).where(Job.dedupe_key == dedupe_key, Job.state.in_(LIVE_STATES))
    return session.scalars(query).first()


def visible_jobs(actor: Actor | None) -> Select[Job]:
    """Jobs this actor may see: operators, admins and auditors all, anyone else those they submitted."""
    query = select(Job)
    if actor is not None and actor.role not in SEES_ALL_JOBS:
        query = query.where(Job.submitted_by == actor.user_id)
    return query


def _load(session: Session, actor: Actor | None, job_id: int) -> Job:
    job = session.scalars(visible_jobs(actor).where(Job.id == job_id)).first()
    if job is None:
        raise JobNotFound(job_id)
    return job


def get_job(session: Session, job_id: int, actor: Actor | None = None) -> Job:
    """One job (JobNotFound if it does not exist or is not the actor's to see)."""
    with session.begin():
        return _load(session, actor, job_id)


def list_jobs(
    session: Session,
    actor: Actor | None = None,
    *,
    state: JobState | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 20,
    running_first: bool = False,
) -> Page[Job]:
    """Jobs the actor may see, newest first (running_first: the running ones before all others)."""
    query = visible_jobs(actor)
    if running_first:
        query = query.order_by(case((Job.state == JobState.RUNNING, 0), else_=1))
    query = query.order_by(Job.id.desc())
    if state is not None:
        query = query.where(Job.state == state)
    if kind is not None:
        query = query.where(Job.kind == kind)
    with session.begin():
        return paginate(session, query, page, per_page)


def cancel(session: Session, job_id: int, *, now: datetime, actor: Actor | None = None) -> Job:
    """Cancel a queued or running job; a running one's worker stops its child process and cleans up."""
    with session.begin():
        job = _load_to_steer(session, actor, job_id, "cancel")
        changed = update_if(
            session, job_id, Job.state.in_(CANCELLABLE), state=JobState.CANCELLED, finished_at=now
        )
        session.refresh(job)
        if not changed:
            raise JobConflict(job_id, job.state, "cancelled")
        return job


def cancel_queued(session: Session, job_ids: Iterable[int], *, now: datetime, actor: Actor | None = None) -> list[int]:
    """Cancel those of these jobs that are still queued (one transaction); the ids cancelled, in order.

    Jobs the actor may not see or steer, or that started or ended meanwhile, are left as they are.
    """
    wanted = sorted(set(job_ids))
    with session.begin():
        query = visible_jobs(actor).where(Job.id.in_(wanted), Job.state == JobState.QUEUED)
        if actor is not None and actor.role not in STEERS_ALL_JOBS:
            query = query.where(Job.submitted_by == actor.user_id)
        cancelled = [job.id for job in session.scalars(query.order_by(Job.id)).all()]
        return [
            job_id for job_id in cancelled
            if update_if(session, job_id, Job.state == JobState.QUEUED, state=JobState.CANCELLED, finished_at=now)
        ]


def retry(session: Session, job_id: int, *, now: datetime, actor: Actor | None = None) -> Job:
    """Queue a failed or cancelled job again, with a fresh round of attempts."""
    with session.begin():
        job = _load_to_steer(session, actor, job_id, "retry")
        if job.state not in RETRYABLE or (job.state is JobState.CANCELLED and job.worker_id is not None):
            action = "retried while its worker is still stopping it" if job.state in RETRYABLE else "retried"
            raise JobConflict(job_id, job.state, action)
        try:
            with session.begin_nested():
                update_if(
                    session, job_id, Job.state == job.state, state=JobState.QUEUED, attempts=0, progress=0,
                    available_at=now, started_at=None, finished_at=None, result=None, worker_id=None,
                    lease_expires_at=None, dispatched_at=None,
                )
        except IntegrityError:  # a live job with the same dedupe key exists meanwhile
            raise JobConflict(job_id, job.state, "retried while another job with its dedupe key is live") from None
        session.refresh(job)
        return job


def _load_to_steer(session: Session, actor: Actor | None, job_id: int, action: str) -> Job:
    job = _load(session, actor, job_id)
    if actor is not None and actor.role not in STEERS_ALL_JOBS and job.submitted_by != actor.user_id:
        raise JobNotYours(job_id, action)
    return job


def update_if(session: Session, job_id: int, *conditions: Any, **values: Any) -> bool:
    """UPDATE one job row only if the conditions still hold; True when it changed."""
    statement = update(Job).where(Job.id == job_id, *conditions).values(**values)
    result = session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]
