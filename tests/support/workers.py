"""Real `airclass worker` processes on a test's database and media store, started and stopped by tests."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

AIRCLASS = str(Path(sys.executable).with_name("airclass"))


def worker_env(database_url: str, media_dir: Path, var_dir: Path, backend: str = "local", **extra: str) -> dict[str, str]:
    """The environment of a worker on this database and media store, polling and retrying at test speed."""
    return {
        **os.environ,
        "AIRCLASS_DATABASE_URL": database_url,
        "AIRCLASS_MEDIA_DIR": str(media_dir),
        "AIRCLASS_VAR_DIR": str(var_dir),
        "AIRCLASS_QUEUE_BACKEND": backend,
        "AIRCLASS_WORKER_POLL_SECONDS": "0.2",
        "AIRCLASS_JOB_RETRY_SECONDS": "0",
        "AIRCLASS_JOB_RECOVERY_SECONDS": "0.5",
        **extra,
    }


class WorkerProcesses:
    """Workers started with `start()`, each logging to logs/worker-N.log; `stop()` ends them and their children."""

    def __init__(self, env: dict[str, str], logs: Path, backend: str = "local", concurrency: int = 1) -> None:
        self.env, self.logs, self.backend, self.concurrency = env, logs, backend, concurrency
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        with (self.logs / f"worker-{len(self.started)}.log").open("wb") as log:
            worker = subprocess.Popen(
                [AIRCLASS, "worker", "--backend", self.backend, "--concurrency", str(self.concurrency)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.started.append(worker)
        return worker

    def logs_text(self) -> str:
        """The end of every worker's log, for a failing test to show."""
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.logs.glob("worker-*.log")))

    def stop(self) -> None:
        for worker in self.started:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.started:
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)  # whatever the worker left behind in its group
