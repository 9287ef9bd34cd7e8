"""The embedded backend: a pool of worker threads claiming queued jobs straight from the database."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from scheduler.queue import leases
from scheduler.queue.config import load_queue_config
from scheduler.queue.executor import Runtime, execute, recover_abandoned, utc_now
from scheduler.store.db import make_session_factory

log = logging.getLogger(__name__)
ERROR_PAUSE_SECONDS = 5.0


class LocalWorkerPool:
    """N threads, each running one job at a time in a child process; one more recovers abandoned jobs."""

    def __init__(self, runtime: Runtime, concurrency: int | None = None) -> None:
        self.runtime = runtime
        self.concurrency = concurrency or runtime.config.concurrency
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        """Recover what a previous run left running, then start the threads."""
        recover_abandoned(self.runtime)
        for number in range(self.concurrency):
            self._spawn(self._work, f"airclass-worker-{number}")
        self._spawn(self._maintain, "airclass-recovery")

    def _spawn(self, target: object, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self.threads.append(thread)

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

    def _work(self) -> None:
        while not self.stopping.is_set():
            try:
                claimed = self._claim()
                if claimed is None:
                    self.stopping.wait(self.runtime.config.poll_seconds)
                    continue
                execute(self.runtime, claimed, self.stopping)
            except Exception:  # a database hiccup must not kill the thread: the lease will tell
                log.exception("worker thread error; pausing")
                self.stopping.wait(ERROR_PAUSE_SECONDS)

    def _claim(self) -> leases.Claim | None:
        with self.runtime.sessions() as session:
            return leases.claim_next(
                session, worker_id=self.runtime.worker_id, now=utc_now(),
                lease_seconds=self.runtime.config.lease_seconds,
            )

    def _maintain(self) -> None:
        while not self.stopping.wait(self.runtime.config.recovery_seconds):
            try:
                recover_abandoned(self.runtime)
            except Exception:
                log.exception("recovery pass failed")


def start_embedded_pool(database_url: str, media_dir: Path, concurrency: int | None = None) -> LocalWorkerPool:
    """Start a local pool inside another process (e.g. `airclass serve`); call .stop() at exit."""
    runtime = Runtime(
        sessions=make_session_factory(database_url), database_url=database_url, media_dir=media_dir,
        config=load_queue_config(backend="local", concurrency=concurrency),
    )
    pool = LocalWorkerPool(runtime)
    pool.start()
    return pool
