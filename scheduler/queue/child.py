"""The protocol of the process one job attempt runs in (its entry point, which loads the job kinds first, is
`python -m scheduler.ops.job_process`, spawned by a worker).

Protocol: the worker writes the job spec as one JSON line on stdin and keeps stdin open; the child
writes JSON lines on stdout ({"progress": p} ..., then {"result": {...}} or {"error": "...",
"permanent": bool}). SIGTERM, or stdin closing because the worker died, interrupts the handler:
its ffmpeg is killed (subprocess.run kills its child on any exception), its temporary files are
removed, and the child exits with INTERRUPTED and no final line.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from scheduler.domain.job_states import InvalidJobParams
from scheduler.queue.registry import JobContext, PermanentJobError, job_kind

INTERRUPTED = 3
log = logging.getLogger(__name__)


class JobInterrupted(BaseException):
    """Raised in the handler's thread when the job must stop (a BaseException: handlers' `except
    Exception` must not swallow it)."""


def _interrupt(_signum: int, _frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once is enough; let the cleanup run
    raise JobInterrupted()


def _lifeline() -> None:
    """Stop the job when the worker goes away (its end of our stdin closes)."""
    # os.read, not sys.stdin: a daemon thread parked in a buffered read aborts interpreter shutdown.
    while os.read(0, 4096):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def run_at_niceness(nice: int) -> None:
    """Run this process and what it starts (ffmpeg) at this nice value: its own, and its session's where the
    kernel schedules sessions as groups (sched_autogroup): a job's process leads a session of its own, and a
    nice value alone would only weigh it against the other threads of that session."""
    if nice <= 0:
        return
    os.nice(nice)
    with contextlib.suppress(OSError):  # no autogroups in this kernel: the process's nice value is enough
        Path("/proc/self/autogroup").write_text(str(nice))


def _read_spec() -> dict[str, Any]:
    """The first line on stdin, read unbuffered so nothing is left in a Python buffer."""
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(0, 1)
        if not chunk:
            break
        line += chunk
    return json.loads(line)


def _protocol_stream() -> TextIO:
    """Keep the real stdout for the protocol; anything a handler prints goes to stderr."""
    stream = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def _sender(stream: TextIO) -> Any:
    lock = threading.Lock()

    def send(message: dict[str, Any]) -> None:
        line = json.dumps(message, ensure_ascii=False)
        with lock:
            stream.write(line + "\n")

    return send


def run(spec: dict[str, Any], send: Any) -> int:
    """Run the handler named by the spec, reporting through send; return the exit status."""
    kind = job_kind(spec["kind"])
    workdir = Path(spec["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = JobContext(
        job_id=spec["job_id"], kind=spec["kind"], attempt=spec["attempt"], media_dir=Path(spec["media_dir"]),
        workdir=workdir, database_url=spec["database_url"], report=send,
    )
    try:
        kind.check_params(spec["params"])  # a handler changed since the job was queued: no use retrying
        result = kind.function(ctx, **spec["params"]) or {}
        send({"result": json.loads(json.dumps(result))})
    except JobInterrupted:
        return INTERRUPTED
    except Exception as exc:  # the handler failed: report it, the worker decides on a retry
        log.exception("job %s attempt %s failed", ctx.job_id, ctx.attempt)
        permanent = isinstance(exc, (PermanentJobError, InvalidJobParams, *kind.permanent_errors))
        send({"error": f"{type(exc).__name__}: {exc}", "permanent": permanent})
    finally:
        ctx.close()
    return 0


def main() -> int:
    """Entry point of the child process."""
    send = _sender(_protocol_stream())
    signal.signal(signal.SIGTERM, _interrupt)
    spec = _read_spec()
    run_at_niceness(spec.get("nice", 0))
    threading.Thread(target=_lifeline, name="lifeline", daemon=True).start()
    try:
        return run(spec, send)
    except JobInterrupted:
        return INTERRUPTED

