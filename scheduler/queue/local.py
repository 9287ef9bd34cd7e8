"""The embedded backend: a pool of worker threads claiming queued jobs straight from the database."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from scheduler.domain.job_states import JobPriority
from scheduler.queue import leases
from scheduler.queue.config import load_queue_config
from scheduler.queue.executor import Runtime, execute, recover_abandoned, utc_now
from scheduler.store.db import make_session_factory

log = logging.getLogger(__name__)
ERROR_PAUSE_SECONDS = 5.0


class LocalWorkerPool:
    """N threads, each running one job at a time in a child process, the urgent workers beside them (jobs
    someone waits for never wait behind long encodes), and one more thread that recovers abandoned jobs."""

    def __init__(self, runtime: Runtime, concurrency: int | None = None) -> None:
        self.runtime = runtime
        self.concurrency = concurrency or runtime.config.concurrency
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        """Recover what a previous run left running, then start the threads."""
        recover_abandoned(self.runtime)
        for number in range(self.concurrency):
            self._spawn(work, f"airclass-worker-{number}", self.runtime, self.stopping)
        self.threads += start_urgent_workers(self.runtime, self.stopping)
        self._spawn(self._maintain, "airclass-recovery")

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        self.threads.append(spawn(target, name, *args))

    def stop(self, timeout: float | None = None) -> None:
        """Stop claiming; running jobs are stopped and handed back to the queue."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout)

    def wait(self) -> None:
        """Block until stop() is called (from a signal handler, say)."""
        while not self.stopping.wait(0.2):
            pass
        self.stop()

    def _maintain(self) -> None:
        while not self.stopping.wait(self.runtime.config.recovery_seconds):
            try:
                recover_abandoned(self.runtime)
            except Exception:
                log.exception("recovery pass failed")


def work(rt: Runtime, stopping: threading.Event, min_priority: int | None = None) -> None:
    """A worker thread: claim the next due job (of at least min_priority) from the database and run it, until stopped."""
    while not stopping.is_set():
        try:
            with rt.sessions() as session:
                claimed = leases.claim_next(session, worker_id=rt.worker_id, now=utc_now(),
                                            lease_seconds=rt.config.lease_seconds, min_priority=min_priority)
            if claimed is None:
                stopping.wait(rt.config.poll_seconds)
                continue
            execute(rt, claimed, stopping)
        except Exception:  # a database hiccup must not kill the thread: the lease will tell
            log.exception("worker thread error; pausing")
            stopping.wait(ERROR_PAUSE_SECONDS)


def start_urgent_workers(rt: Runtime, stopping: threading.Event) -> list[threading.Thread]:
    """The threads kept for urgent jobs (config.urgent_workers), whichever backend runs the others."""
    return [spawn(work, f"airclass-urgent-{number}", rt, stopping, JobPriority.URGENT)
            for number in range(rt.config.urgent_workers)]


def spawn(target: Callable[..., None], name: str, *args: object) -> threading.Thread:
    """Start a daemon thread running target(*args)."""
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    thread.start()
    return thread


def start_embedded_pool(database_url: str, media_dir: Path, concurrency: int | None = None) -> LocalWorkerPool:
    """Start a local pool inside another process (e.g. `airclass serve`); call .stop() at exit."""
    runtime = Runtime(
        sessions=make_session_factory(database_url), database_url=database_url, media_dir=media_dir,
        config=load_queue_config(backend="local", concurrency=concurrency),
    )
    pool = LocalWorkerPool(runtime)
    pool.start()
    return pool
