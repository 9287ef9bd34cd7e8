"""Run one claimed job in a child process and record how it ended: the code both backends share."""
from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from scheduler.domain.job_states import JobState, error_tail, niceness
from scheduler.queue import leases
from scheduler.queue.config import CHILD_MODULE, QueueConfig
from scheduler.queue.leases import Claim
from scheduler.queue.registry import job_kind

log = logging.getLogger(__name__)
STDERR_TAIL_BYTES = 8000


def utc_now() -> datetime:
    """The current time, aware UTC (the edge of the system; services are given the time)."""
    return datetime.now(UTC)


def new_worker_id() -> str:
    """host:pid:token: unique per process, and tells recovery which host and process held a job."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def pid_alive(pid: int) -> bool:
    """Whether a process of this pid exists on this host and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


@dataclass
class Runtime:
    """What a worker process needs to run jobs: database, media store, identity, timings, broker."""

    sessions: sessionmaker[Session]
    database_url: str
    media_dir: Path
    config: QueueConfig
    worker_id: str = field(default_factory=new_worker_id)
    dispatch: Callable[[int, float], None] = lambda job_id, delay: None  # tell the broker (Celery)

    def workdir(self, job_id: int, attempt: int) -> Path:
        """The scratch directory of one attempt, removed when the attempt ends."""
        return self.media_dir / "tmp" / "jobs" / f"{job_id}-{attempt}"


@dataclass(frozen=True)
class Outcome:
    """How an attempt ended, as the supervisor saw it."""

    ending: str  # result, error (both from the child), timeout, lost (cancelled or taken away), shutdown
    result: dict[str, Any] | None = None
    error: str = ""
    permanent: bool = False


class ChildProcess:
    """One job attempt's process: spec in on stdin (kept open as a lifeline), messages out on stdout."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115  # closed by close(), with the pipes
        self.process = subprocess.Popen(
            [sys.executable, "-m", CHILD_MODULE],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, start_new_session=True,
        )
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(spec).encode() + b"\n")
        self.process.stdin.flush()
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, name=f"job-{spec['job_id']}-out", daemon=True)
        self.reader.start()
        self.stderr_tail = ""

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self.messages.put(json.loads(line))
            except json.JSONDecodeError:
                log.warning("job child wrote a line that is not JSON: %r", line[:200])
        self.messages.put(None)

    def stop(self, grace: float, *, finishing: bool = False) -> None:
        """SIGTERM the child (it kills its ffmpeg and removes its files), then SIGKILL its group.

        finishing: the child has reported its end; give it the grace time to exit by itself first.
        """
        if finishing:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(grace)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                log.warning("job child %s ignored SIGTERM; killing its process group", self.process.pid)
        self.close()

    def close(self) -> None:
        """Reap the child and anything it left in its process group; close the pipes."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.reader.join(5)
        self.stderr_tail = self._tail()
        for stream in (self.process.stdin, self.process.stdout, self.stderr):
            if stream is not None:
                stream.close()

    def _tail(self) -> str:
        """The end of what the child wrote on stderr (a Python traceback, ffmpeg's complaint)."""
        self.stderr.flush()
        self.stderr.seek(max(0, self.stderr.seek(0, os.SEEK_END) - STDERR_TAIL_BYTES))
        return self.stderr.read().decode("utf-8", errors="replace")


def execute(rt: Runtime, claim: Claim, stop: threading.Event) -> JobState | None:
    """Run a claimed job to its end; return the state recorded (None if the job was no longer ours)."""
    workdir = rt.workdir(claim.job_id, claim.attempt)
    spec = {
        "job_id": claim.job_id, "kind": claim.kind, "attempt": claim.attempt, "params": claim.params,
        "media_dir": str(rt.media_dir), "workdir": str(workdir), "database_url": rt.database_url,
        "nice": niceness(claim.priority),
    }
    log.info("job %s (%s) attempt %s starts", claim.job_id, claim.kind, claim.attempt)
    child = ChildProcess(spec)
    outcome = Outcome("lost")
    try:
        outcome = _supervise(rt, claim, child, stop)
    finally:
        child.stop(rt.config.stop_grace_seconds, finishing=outcome.ending in ("result", "error"))
        shutil.rmtree(workdir, ignore_errors=True)
    if outcome.ending == "error" and not outcome.error:
        status = child.process.returncode
        ended = f"killed by signal {-status}" if status < 0 else f"exit status {status}"
        outcome = Outcome("error", error=f"{child.stderr_tail}\nthe job process ended without a result ({ended})")
    state = _record(rt, claim, outcome)
    log.info("job %s attempt %s ended: %s -> %s", claim.job_id, claim.attempt, outcome.ending, state)
    return state


def _supervise(rt: Runtime, claim: Claim, child: ChildProcess, stop: threading.Event) -> Outcome:
    """Pump messages, renew the lease, watch for cancel, shutdown and the time limit."""
    deadline = time.monotonic() + job_kind(claim.kind).time_limit
    next_beat, progress = 0.0, None
    while True:
        try:
            message = child.messages.get(timeout=0.2)
        except queue.Empty:
            message = {}
        if message is None:  # the child closed stdout: it has ended
            return Outcome("error", error="")
        if "result" in message or "error" in message:
            return Outcome("result", result=message["result"]) if "result" in message else Outcome(
                "error", error=message["error"], permanent=bool(message.get("permanent"))
            )
        progress = message.get("progress", progress)
        if time.monotonic() >= next_beat:
            if not _beat(rt, claim, progress):
                return Outcome("lost")
            next_beat = time.monotonic() + rt.config.heartbeat_seconds
        if stop.is_set():
            return Outcome("shutdown")
        if time.monotonic() > deadline:
            return Outcome("timeout", error=f"the job ran past its time limit of {job_kind(claim.kind).time_limit:g} s")


def _beat(rt: Runtime, claim: Claim, progress: float | None) -> bool:
    with rt.sessions() as session:
        return leases.heartbeat(
            session, claim, now=utc_now(), lease_seconds=rt.config.lease_seconds, progress=progress
        )


def _record(rt: Runtime, claim: Claim, outcome: Outcome) -> JobState | None:
    """Write the outcome to the job row; nudge the broker when the job is queued again."""
    now = utc_now()
    with rt.sessions() as session:
        if outcome.ending == "result":
            return JobState.SUCCEEDED if leases.mark_succeeded(session, claim, outcome.result or {}, now=now) else None
        if outcome.ending == "lost":
            leases.stopped(session, claim)
            return None
        if outcome.ending == "shutdown":
            released = leases.release(session, claim, now=now)
            if released:
                rt.dispatch(claim.job_id, 0.0)
            return JobState.QUEUED if released else None
        requeued = leases.mark_failed(
            session, claim, error_tail(outcome.error), now=now, permanent=outcome.permanent,
            retry_base=rt.config.retry_base_seconds,
        )
    if requeued is None:
        return None
    if requeued.state is JobState.QUEUED:
        rt.dispatch(claim.job_id, max(0.0, (requeued.available_at - now).total_seconds()))
    return requeued.state


def recover_abandoned(rt: Runtime) -> list[leases.Requeued]:
    """Requeue jobs whose worker died or whose lease ran out; remove their scratch directories."""
    now = utc_now()
    with rt.sessions() as session:
        recovered = leases.recover(
            session, now=now, host=socket.gethostname(), pid_alive=pid_alive, retry_base=rt.config.retry_base_seconds
        )
    for job in recovered:
        log.warning("job %s attempt %s was abandoned; now %s", job.job_id, job.attempt, job.state)
        shutil.rmtree(rt.workdir(job.job_id, job.attempt), ignore_errors=True)
        if job.state is JobState.QUEUED:
            rt.dispatch(job.job_id, max(0.0, (job.available_at - now).total_seconds()))
    return recovered
