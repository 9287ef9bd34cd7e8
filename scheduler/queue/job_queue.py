"""Submit and steer jobs from anywhere (web, CLI, timed jobs): the row first, then the backend."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from scheduler.domain.job_states import JobPriority, JobState
from scheduler.domain.review import Actor
from scheduler.queue import job_control, leases
from scheduler.queue.config import QueueConfig, load_queue_config
from scheduler.store.models import Job

log = logging.getLogger(__name__)


class JobQueue:
    """The service functions plus a nudge to Celery (local workers find queued rows by themselves)."""

    def __init__(self, config: QueueConfig | None = None) -> None:
        self.config = config or load_queue_config()
        self._dispatcher: Any = None

    def submit(
        self,
        session: Session,
        kind: str,
        params: dict[str, Any] | None = None,
        *,
        now: datetime,
        submitted_by: int | None = None,
        dedupe_key: str | None = None,
        priority: int = JobPriority.NORMAL,
    ) -> Job:
        """Queue a job (or return the live one with this dedupe key, raised to this priority if queued)."""
        job, created = job_control.submit(
            session, kind, params, now=now, submitted_by=submitted_by, dedupe_key=dedupe_key, priority=priority
        )
        if created:
            self.nudge(session, [job.id], now=now)
        return job

    def retry(self, session: Session, job_id: int, *, now: datetime, actor: Actor | None = None) -> Job:
        """Queue a failed or cancelled job again."""
        job = job_control.retry(session, job_id, now=now, actor=actor)
        self.nudge(session, [job.id], now=now)
        return job

    def nudge(self, session: Session, job_ids: Iterable[int], *, now: datetime) -> None:
        """Tell the broker these jobs are queued (a no-op on the local backend)."""
        if self.config.backend != "celery":
            return
        if self._dispatcher is None:
            from scheduler.queue.celery_backend import CeleryDispatcher

            self._dispatcher = CeleryDispatcher(self.config)
        ids = list(job_ids)
        try:
            for job_id in ids:
                self._dispatcher(job_id)
        except Exception:  # the row is queued; a worker's recovery pass re-sends what was never sent
            log.warning("could not send jobs %s to the broker; a worker will pick them up later", ids, exc_info=True)
            return
        leases.mark_dispatched(session, ids, now=now)

    def close(self) -> None:
        """Release broker connections."""
        if self._dispatcher is not None:
            self._dispatcher.close()
            self._dispatcher = None


def is_finished(job: Job) -> bool:
    """Whether the job has reached an end state (succeeded, failed or cancelled) and been let go."""
    return job.state in (JobState.SUCCEEDED, JobState.FAILED) or (
        job.state is JobState.CANCELLED and job.worker_id is None
    )
