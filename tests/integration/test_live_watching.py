"""Watching the live channel starts no media work: the player page, the playlists and the segments go out as
the files the live timer made beforehand, whoever and however many watch."""
from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime, time
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import pytest

from media.runner import FfmpegTool
from scheduler.services import channel_days, guide
from scheduler.services.live import write_live_playlists
from tests.integration.test_live_files import FakeMedia, place  # noqa: F401 (place is a fixture)
from tests.support.channels_world import CHANNEL, next_monday

pytestmark = pytest.mark.ffmpeg  # the on_air world's recordings are probed clips
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_watching_the_live_channel_starts_no_ffmpeg(on_air, sessions, place, client, monkeypatch):  # noqa: F811
    monday = next_monday()
    channel_days.publish(sessions(), CHANNEL, monday, 1, at=datetime.now(UTC), by=None)
    at = datetime.combine(monday, time(8, 30, 4), tzinfo=SHANGHAI)  # a join and a piece of a segment in the window
    write_live_playlists(sessions, place, FakeMedia(), at, guide.broadcast_day)  # the timer's work, done before

    started: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        started.append(args[:1] or kwargs)
        raise AssertionError(f"a process was started while a family watched: {args[:1] or kwargs}")

    for module, name in [(subprocess, "Popen"), (os, "posix_spawn"), (os, "posix_spawnp"), (os, "fork"),
                         (os, "system"), (FfmpegTool, "run"), (FfmpegTool, "probe")]:
        monkeypatch.setattr(module, name, refuse)

    assert client.get("/live/grade3").status_code == 200
    master_url = f"/live/{CHANNEL}/master.m3u8"
    fetched = 0
    for rendition in listed(fetch(client, master_url), "m3u8"):
        playlist_url = urljoin(master_url, rendition)
        segments = listed(fetch(client, playlist_url), "ts")
        assert any(re.search(r"_\d+f\.ts$", s) for s in segments)  # a piece, cut beforehand, not on request
        for segment in segments:
            assert fetch(client, urljoin(playlist_url, segment)), segment
            fetched += 1
    assert fetched >= 3 * 6 and started == []


def fetch(client, url: str) -> bytes:  # type: ignore[no-untyped-def]
    with client.get(url) as response:
        assert response.status_code == 200, url
        return response.data


def listed(playlist: bytes, extension: str) -> list[str]:
    """The URIs a playlist lists with that extension."""
    return re.findall(rf"^[^#\s]\S*\.{extension}$", playlist.decode(), re.M)
