"""The live timer: every couple of seconds, each public channel's live playlists are written anew from
its kept timeline and the clock (scheduler/services/live.py). One process runs it, the one that runs
the timed jobs (`airclass serve` or `airclass scheduler`)."""
from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from media import live_segments
from media.profiles import HLS
from scheduler.services.guide import broadcast_day
from scheduler.services.live import LivePlace, web_ladder, write_live_playlists
from scheduler.settings import Settings
from scheduler.store.db import make_session_factory

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 2.0  # a third of the target duration: a player reloading the playlist always finds it moved on


def live_place(settings: Settings) -> LivePlace:
    """Where the live side of these settings works, with the web ladder of the HLS profile."""
    return LivePlace(settings.media_dir, settings.live_state, settings.public, web_ladder(HLS),
                     segment_frames=HLS.segment_seconds * 25)


class LiveTimer:
    """A daemon thread writing the live playlists until stopped."""

    def __init__(self, settings: Settings, interval: float = INTERVAL_SECONDS) -> None:
        self.place, self.interval = live_place(settings), interval
        self.sessions = make_session_factory(settings.database_url)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="live-playlists", daemon=True)

    def start(self) -> LiveTimer:
        self.thread.start()
        return self

    def write_once(self) -> dict[str, object]:
        """Write every public channel's playlists for now."""
        return write_live_playlists(self.sessions, self.place, live_segments, datetime.now(UTC), broadcast_day)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.write_once()
            except Exception:  # the database away for a moment: try again at the next tick
                log.exception("live playlists not written")
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(10)
        self.sessions.kw["bind"].dispose()
