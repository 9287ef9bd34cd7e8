"""A family watches a lesson again: hls.js picks the ladder's 360p rung on a slow line (~1 Mb/s, 100 ms, through
the Chrome DevTools Protocol) and its 1080p rung on the loopback's unthrottled line, and the video plays at each.

The ladder is the production one (1080p/720p/360p, same names, same order) made by the real rendition code at half
size and bit rate with 2 s segments (tests/support/watchable_world.py), so it is made in seconds.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from media.profiles import Picture
from media.samples import tiny_clip
from tests.browser.conftest import PHONE
from tests.support.channels_world import build_on_air
from tests.support.watchable_world import HALF_HLS, make_watchable, publish_monday_and_write_pages

pytestmark = pytest.mark.ffmpeg
TOP, BOTTOM = HALF_HLS.ladder[0], HALF_HLS.ladder[-1]
SLOW_LINE = {"offline": False, "latency": 100, "downloadThroughput": 1_000_000 // 8, "uploadThroughput": 500_000 // 8}
STATE = """() => {
  const hls = window.airclassHls, video = document.getElementById("on-demand");
  const level = hls && hls.currentLevel >= 0 ? hls.levels[hls.currentLevel] : null;
  return {level: level && {height: level.height, uri: level.uri}, time: video.currentTime, paused: video.paused,
          error: video.error && video.error.message, estimate: hls && Math.round(hls.bandwidthEstimate),
          levels: hls ? hls.levels.map(l => l.height) : null};
}"""


@pytest.fixture(scope="module")
def lesson_12s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_clip(tmp_path_factory.mktemp("on_demand") / "lesson_12s.mp4", seconds=12, size="320x180")


@pytest.fixture
def watch_page(app, sessions, world, clips, api_as, settings, lesson_12s) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The watch page of math 12, a 12-second lesson with its HLS ladder, as families get it."""
    on_air = build_on_air(app, sessions, world, {**clips, "lesson_2s.mp4": lesson_12s}, api_as)
    math12 = on_air.recordings["math12"]
    make_watchable(sessions, settings.media_dir, math12)
    publish_monday_and_write_pages(app, sessions)
    yield f"/watch/{math12}"


def play(page: Page, path: str) -> None:
    page.goto(path)
    page.wait_for_function("() => window.airclassHls !== undefined")
    page.evaluate("() => { const v = document.getElementById('on-demand'); v.muted = true; return v.play(); }")


def seen(page: Page) -> dict[str, Any]:
    return dict(page.evaluate(STATE))


def plays_at(page: Page, rung: Picture, *, within: float) -> dict[str, Any]:
    """Wait until hls.js plays the rung and the video advances a second on it; what was seen then."""
    deadline, history = time.monotonic() + within, []
    started: float | None = None
    while time.monotonic() < deadline:
        now = seen(page)
        history.append(now)
        on_rung = now["level"] and now["level"]["height"] == rung.height and now["level"]["uri"].endswith(
            f"/{rung.name}.m3u8")
        if on_rung and started is None:
            started = now["time"]
        elif on_rung and started is not None and now["time"] >= started + 1.0:
            return now
        elif not on_rung:
            started = None
        try:
            page.wait_for_timeout(250)  # polling the player's state: what hls.js picks is not an event we can await
        except PlaywrightError:
            break
    raise AssertionError(f"the video did not play a second at {rung.name} ({rung.height} lines) within {within} s; "
                         f"seen (last 8 polls): {history[-8:]}")


def test_a_lesson_plays_at_360p_on_a_slow_line_and_at_1080p_on_a_fast_one(watch_page: str,
                                                                          new_page: Callable[..., Page]) -> None:
    slow = new_page(viewport=PHONE)
    network = slow.context.new_cdp_session(slow)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", SLOW_LINE)
    play(slow, watch_page)
    at_360p = plays_at(slow, BOTTOM, within=40)
    assert at_360p["levels"] == [picture.height for picture in reversed(HALF_HLS.ladder)]  # hls.js: lowest first
    # The throttle is in force: 250 kB of the page's own MP4 take about 2 s at 1 Mb/s (well under 0.1 s without).
    seconds = slow.evaluate("""async (url) => {
        const started = performance.now();
        const response = await fetch(url, { headers: { Range: "bytes=0-249999" }, cache: "no-store" });
        await response.arrayBuffer();
        return (performance.now() - started) / 1000;
    }""", f"{watch_page}/video.mp4")
    assert seconds > 1.5, f"the slow line was not in force: 250 kB in {seconds:.2f} s; player {at_360p}"

    fast = new_page()
    play(fast, watch_page)
    plays_at(fast, TOP, within=30)
