"""The live timer: every couple of seconds, each public channel's live playlists are written anew from
its kept timeline and the clock (scheduler/services/live.py). One process runs it, the one that runs
the timed jobs (`airclass serve` or `airclass scheduler`)."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from media import live_segments
from media.profiles import HLS
from scheduler.ops.ticker import Ticker
from scheduler.services.guide import broadcast_day
from scheduler.services.live import LivePlace, web_ladder, write_live_playlists
from scheduler.settings import Settings

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 2.0  # a third of the target duration: a player reloading the playlist always finds it moved on


def live_place(settings: Settings) -> LivePlace:
    """Where the live side of these settings works, with the web ladder of the HLS profile."""
    return LivePlace(settings.media_dir, settings.live_state, settings.public, web_ladder(HLS),
                     segment_frames=HLS.segment_seconds * 25)


class LiveTimer(Ticker):
    """A daemon thread writing the live playlists until stopped."""

    name = "live-playlists"

    def __init__(self, settings: Settings, interval: float = INTERVAL_SECONDS) -> None:
        super().__init__(settings.database_url, interval)
        self.place = live_place(settings)

    def tick(self) -> dict[str, object]:
        return self.write_once()

    def write_once(self) -> dict[str, object]:
        """Write every public channel's playlists for now."""
        return write_live_playlists(self.sessions, self.place, live_segments, datetime.now(UTC), broadcast_day)
