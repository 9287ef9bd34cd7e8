"""Job states, the rules between them, and the work queue's errors (pure: standard library only).

JobError
├── JobNotFound        no such job, or not one the caller may see (job_id)
├── JobConflict        the job's state does not allow the action (job_id, state, action)
├── UnknownJobKind     no handler is registered under that name (kind)
└── InvalidJobParams   the params do not fit the handler's signature (kind, reason)
"""
from __future__ import annotations

from enum import IntEnum, StrEnum


class JobState(StrEnum):
    """Where a job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobPriority(IntEnum):
    """Which queued job a worker takes first: the highest priority, then the oldest."""

    BACKFILL = 0  # work nobody waits for (the demo's library of approved recordings)
    NORMAL = 50  # what an operator asks for (a day's render), and any job submitted without a priority
    URGENT = 100  # someone waits for it now: a fresh upload's QC, a recording in review


def niceness(priority: int) -> int:
    """The nice value a job's processes run at: on a busy worker, the CPU goes to what someone waits for.

    A backfill encode beside an urgent QC gets about a tenth of a core's share (Linux weighs nice 10
    against 0 as 110 to 1024), so the QC runs nearly as fast as on an idle machine.
    """
    if priority >= JobPriority.URGENT:
        return 0
    return 5 if priority >= JobPriority.NORMAL else 10


# A dedupe key names at most one job in these states: submitting it again returns that job.
LIVE_STATES = frozenset({JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED})
CANCELLABLE = frozenset({JobState.QUEUED, JobState.RUNNING})
RETRYABLE = frozenset({JobState.FAILED, JobState.CANCELLED})
FINISHED = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
ERROR_TAIL_CHARS = 4000


class JobError(Exception):
    """Base class of the work queue's refusals."""


class JobNotFound(JobError):
    """No such job, or not one the caller may see."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        super().__init__(f"job {job_id} not found")


class JobNotYours(JobError):
    """The caller may see the job but not steer it (an auditor cancelling, say)."""

    def __init__(self, job_id: int, action: str) -> None:
        self.job_id, self.action = job_id, action
        super().__init__(f"job {job_id}: only its submitter, an operator or an admin may {action} it")


class JobConflict(JobError):
    """The job's state does not allow the action (e.g. cancelling a finished job)."""

    def __init__(self, job_id: int, state: JobState, action: str) -> None:
        self.job_id, self.state, self.action = job_id, state, action
        super().__init__(f"job {job_id} is {state.value}: it cannot be {action}")


class UnknownJobKind(JobError):
    """No handler is registered under that kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(f"no job handler is registered as {kind!r}")


class InvalidJobParams(JobError):
    """The params do not fit the handler of this kind."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind, self.reason = kind, reason
        super().__init__(f"params for a {kind} job: {reason}")


def after_failure(attempts: int, max_attempts: int, permanent: bool) -> JobState:
    """State after a failed attempt: queued again while attempts remain, else failed."""
    if permanent or attempts >= max_attempts:
        return JobState.FAILED
    return JobState.QUEUED


def retry_delay(attempts: int, base_seconds: float, cap_seconds: float = 600.0) -> float:
    """Seconds to wait before the next attempt: doubling from base, capped."""
    if base_seconds <= 0:
        return 0.0
    return min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1))


def error_tail(text: str, limit: int = ERROR_TAIL_CHARS) -> str:
    """The end of an error text, where ffmpeg and Python put the cause."""
    text = text.strip()
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def worker_host_pid(worker_id: str) -> tuple[str, int] | None:
    """Split a worker id 'host:pid:token' into host and pid (None if it is not in that form)."""
    parts = worker_id.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])
