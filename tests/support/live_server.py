"""`airclass serve` in a subprocess on a free loopback port, for crash and load tests."""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

READY_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def airclass_command() -> list[str]:
    script = Path(sys.executable).with_name("airclass")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from web.cli import main; main()"]


class LiveServer:
    """One `airclass serve --no-scheduler --workers 0` process on a database and media store."""

    def __init__(self, database_url: str, media_dir: Path, log: Path, threads: int = 8) -> None:
        self.port = free_port()
        self.log = log
        self.args = [*airclass_command(), "serve", "--no-scheduler", "--workers", "0",
                     "--port", str(self.port), "--threads", str(threads)]
        self.env = {
            **os.environ, "AIRCLASS_DATABASE_URL": database_url, "AIRCLASS_MEDIA_DIR": str(media_dir),
            "AIRCLASS_VAR_DIR": str(media_dir.parent), "AIRCLASS_SECRET_KEY": "live-server-test-key",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LiveServer:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"airclass serve exited: {self.log.read_text(errors='replace')[-2000:]}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", "/api/openapi.json")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)  # not listening yet
            finally:
                conn.close()
        raise RuntimeError(f"airclass serve did not answer within {READY_SECONDS} s")

    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def kill(self) -> None:
        """kill -9: no handler, no cleanup, no committed transaction it did not finish."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
