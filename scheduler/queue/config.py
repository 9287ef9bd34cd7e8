"""How the work queue runs, from AIRCLASS_* environment variables (safe defaults for one machine)."""
from __future__ import annotations

import os
from dataclasses import dataclass

from scheduler.queue.registry import MAX_TIME_LIMIT

BACKENDS = ("local", "celery")
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/5"  # not db 0: leave that to whoever else uses Redis
# Celery (Redis) redelivers an unacknowledged message after this long: it must outlast any job.
VISIBILITY_TIMEOUT = int(MAX_TIME_LIMIT + 3600)
# The module a worker runs each job attempt in: an entry point that registers the job kinds, then
# speaks the child protocol (the queue itself knows no handler).
CHILD_MODULE = "scheduler.ops.job_process"


@dataclass(frozen=True)
class QueueConfig:
    """Backend, broker and timings of the work queue."""

    backend: str = "local"
    broker_url: str = DEFAULT_BROKER_URL
    queue_name: str = "airclass.jobs"
    concurrency: int = 2
    # Threads kept for urgent jobs (someone waits for them: a fresh upload's QC), beside the `concurrency` ones,
    # so that long encodes never hold up a reviewer; their jobs' processes also get the CPU first (job_states.niceness).
    urgent_workers: int = 1
    lease_seconds: float = 60.0  # a running job whose lease is not renewed this long is recovered
    heartbeat_seconds: float = 1.0  # also how soon a running job notices it was cancelled
    poll_seconds: float = 1.0  # how often an idle local worker looks for queued jobs
    recovery_seconds: float = 30.0  # how often a worker looks for abandoned jobs
    retry_base_seconds: float = 10.0  # first retry after this, doubling each attempt
    redispatch_seconds: float = 900.0  # Celery: re-send a queued job's message after this long
    stop_grace_seconds: float = 5.0  # SIGTERM to SIGKILL when stopping a job's child process

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"queue backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}")
        if self.concurrency < 1:
            raise ValueError("worker concurrency must be at least 1")
        if self.urgent_workers < 0:
            raise ValueError("urgent workers must be 0 or more")


def load_queue_config(environ: dict[str, str] | None = None, **overrides: object) -> QueueConfig:
    """Read the queue configuration from the environment (or a mapping), then apply overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {
        "backend": env.get("AIRCLASS_QUEUE_BACKEND", "local"),
        "broker_url": env.get("AIRCLASS_BROKER_URL", DEFAULT_BROKER_URL),
        "queue_name": env.get("AIRCLASS_QUEUE_NAME", "airclass.jobs"),
        "concurrency": int(env.get("AIRCLASS_WORKER_CONCURRENCY", "2")),
        "urgent_workers": int(env.get("AIRCLASS_URGENT_WORKERS", "1")),
        "lease_seconds": float(env.get("AIRCLASS_JOB_LEASE_SECONDS", "60")),
        "poll_seconds": float(env.get("AIRCLASS_WORKER_POLL_SECONDS", "1")),
        "retry_base_seconds": float(env.get("AIRCLASS_JOB_RETRY_SECONDS", "10")),
        "recovery_seconds": float(env.get("AIRCLASS_JOB_RECOVERY_SECONDS", "30")),
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    return QueueConfig(**values)  # type: ignore[arg-type]
