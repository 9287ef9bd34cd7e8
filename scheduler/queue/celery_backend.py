"""The scale-out backend: Celery with Redis carries job ids; the database row stays the truth.

A message only says "job N may be ready". The task claims the due row of highest priority atomically,
exactly as a local worker does, so a duplicate or late message (a redelivery, a re-send of a lost one)
does nothing, and the broker's order does not overrule the priorities. Urgent workers beside Celery's
threads poll the database for urgent jobs, as in the local pool.
Long transcodes are safe: acks after completion, one message prefetched per worker, a visibility
timeout longer than any job's time limit; a worker killed mid-job is found by its lease (or its
dead pid) and the job re-sent, well before Redis would redeliver the message.
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from celery import Celery
from celery.signals import worker_shutting_down

from scheduler.queue import leases
from scheduler.queue.config import VISIBILITY_TIMEOUT, QueueConfig
from scheduler.queue.executor import Runtime, execute, recover_abandoned, utc_now
from scheduler.queue.local import spawn, start_urgent_workers

log = logging.getLogger(__name__)
RUN_JOB = "airclass.run_job"
_worker: dict[str, Any] = {}  # the Runtime of this worker process, set by run_worker
_stopping = threading.Event()


def make_celery(config: QueueConfig) -> Celery:
    """A Celery app on the configured broker, set up for long, crash-safe jobs."""
    app = Celery("airclass", broker=config.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        broker_connection_retry_on_startup=True,
        task_default_queue=config.queue_name,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.task(name=RUN_JOB, ignore_result=True)(run_job)
    return app


def run_job(job_id: int) -> str:
    """The Celery task: claim the due queued job of highest priority (this one, or one that outranks it), and run it.

    Messages go through the broker first in, first out; the database knows the priorities. A message
    is a turn to work: taking the most urgent job keeps the priorities, and the job this message
    named is taken on the turn of the message of the job that went before it.
    """
    rt: Runtime = _worker["runtime"]
    with rt.sessions() as session:
        claimed = leases.claim_next(session, worker_id=rt.worker_id, now=utc_now(), lease_seconds=rt.config.lease_seconds)
    if claimed is None:
        return _not_claimed(rt, job_id)
    return str(execute(rt, claimed, _stopping))


def _not_claimed(rt: Runtime, job_id: int) -> str:
    """A message for a job someone else took, or that ended: drop it; one that came early: re-send."""
    now = utc_now()
    with rt.sessions() as session:
        wait = leases.seconds_until_due(session, job_id, now=now)
    if wait is None:
        return "not claimable (taken by another worker, finished or cancelled)"
    rt.dispatch(job_id, wait)
    return f"not due yet; sent again for {wait:.0f} s from now"


class CeleryDispatcher:
    """Sends job ids to the broker."""

    def __init__(self, config: QueueConfig) -> None:
        self.config = config
        self.app = make_celery(config)

    def __call__(self, job_id: int, delay: float = 0.0) -> None:
        self.app.send_task(RUN_JOB, args=[job_id], countdown=delay or None, queue=self.config.queue_name)

    def close(self) -> None:
        """Release broker connections."""
        self.app.close()


def redispatch_due(rt: Runtime, dispatcher: CeleryDispatcher) -> int:
    """Send the queued jobs the broker was never told about, or was told about long ago."""
    now = utc_now()
    with rt.sessions() as session:
        due = leases.due_for_dispatch(session, now=now, older_than=timedelta(seconds=rt.config.redispatch_seconds))
        for job in due:
            dispatcher(job.id, max(0.0, (job.available_at - now).total_seconds()))
        leases.mark_dispatched(session, [job.id for job in due], now=now)
    return len(due)


def _send_and_note(rt: Runtime, dispatcher: CeleryDispatcher, job_id: int, delay: float) -> None:
    dispatcher(job_id, delay)
    with rt.sessions() as session:
        leases.mark_dispatched(session, [job_id], now=utc_now())


def _maintain(rt: Runtime, dispatcher: CeleryDispatcher) -> None:
    while not _stopping.wait(rt.config.recovery_seconds):
        try:
            recover_abandoned(rt)
            redispatch_due(rt, dispatcher)
        except Exception:
            log.exception("recovery pass failed")


@worker_shutting_down.connect
def _on_shutdown(**_kwargs: Any) -> None:
    _stopping.set()  # running jobs stop their child process and go back to the queue


def run_worker(rt: Runtime, concurrency: int) -> None:
    """Run a Celery worker (thread pool: the work itself happens in child processes) until stopped."""
    dispatcher = CeleryDispatcher(rt.config)
    rt.dispatch = lambda job_id, delay: _send_and_note(rt, dispatcher, job_id, delay)
    _worker["runtime"] = rt
    recover_abandoned(rt)
    redispatch_due(rt, dispatcher)
    spawn(_maintain, "airclass-recovery", rt, dispatcher)
    start_urgent_workers(rt, _stopping)  # they poll the database: an urgent job's message finds it taken
    argv = [
        "worker", "--pool=threads", f"--concurrency={concurrency}", f"--queues={rt.config.queue_name}",
        "--without-gossip", "--without-mingle", "--loglevel=INFO", f"--hostname=airclass-{rt.worker_id.replace(':', '-')}",
    ]
    try:
        dispatcher.app.worker_main(argv)
    finally:
        _stopping.set()
        dispatcher.close()
