"""A daemon thread that does one piece of work every few seconds until stopped, with a database session
factory of its own (the live playlists, the family pages)."""
from __future__ import annotations

import logging
import threading
from typing import Self

from scheduler.store.db import make_session_factory

log = logging.getLogger(__name__)


class Ticker:
    """Calls `tick()` every `interval` seconds in a daemon thread; a tick's error is logged, and the next
    tick tries again (the database away for a moment)."""

    name = "ticker"

    def __init__(self, database_url: str, interval: float) -> None:
        self.interval = interval
        self.sessions = make_session_factory(database_url)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def tick(self) -> object:
        raise NotImplementedError

    def start(self) -> Self:
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("%s: a tick failed", self.name)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self.thread.is_alive():
            self.thread.join(30)
        self.sessions.kw["bind"].dispose()
