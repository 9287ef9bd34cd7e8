"""A family watches the live channel across programme joins: hls.js in Debian's chromium plays the grade's live
page while the live playlists are written from the published day and a running clock, as the live timer does.

Every programme has a colour of its own (the filler before the lesson, the lesson, the slate after it), so the
picture on screen says which programme is playing; hls.js's programme date-time of that picture is checked
against the published schedule. The web ladder is the production one at half size with 2 s segments (as
tests/support/watchable_world.py makes it), the clips' loops and the lesson's renditions are made by the real
media code, and the playlists by the real live service: only the clock is placed, a few seconds before 08:30 on
the test channel's next Monday, and runs at the wall clock's pace.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from media import live_segments
from media.samples import ClipSpec, write_sequence
from scheduler.domain.plan import Clip
from scheduler.services import channel_days, guide
from scheduler.services.channels import save_clip
from scheduler.services.live import LivePlace, web_ladder, write_live_playlists
from tests.support.channels_world import CHANNEL, build_on_air, next_monday
from tests.support.clips import FILLER_TITLES
from tests.support.watchable_world import HALF_HLS, SHANGHAI, make_watchable
from web.family_pages import write_family_pages

pytestmark = pytest.mark.ffmpeg
COLOURS = {"red": (255, 0, 0), "green": (0, 200, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0),
           "magenta": (255, 0, 255)}
CLIP_COLOURS = {"programme-filler": "yellow", "slate": "green", "standby": "blue", "eye-exercise": "magenta"}
LESSON_COLOUR = "red"
CLIP_SECONDS = 10  # the fillers' loops: five 2 s segments each
LESSON_SECONDS = 7  # three whole 2 s segments and a 1 s piece, then the slate
STARTS_AT = clock_time(8, 29, 46)  # the clock when the page opens: the maths lesson airs at 08:30:00
SHOWN_UNTIL = timedelta(seconds=LESSON_SECONDS + 8)  # watch until 8 s of slate after the lesson have been shown
TOLERANCE = timedelta(seconds=3)
# Installed once the page has loaded: at each of the video's time updates, the picture's colour, its programme
# date-time (which the page's own script has just set) and the "on now" title; and every stall, that is the
# player waiting with less than half a second buffered ahead once it has started playing.
WATCH = """() => {
  const video = document.getElementById("live");
  const shown = document.querySelector(".now-playing");
  const canvas = document.createElement("canvas");
  canvas.width = 16; canvas.height = 9;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const seen = window.airclassSeen = [];
  const stalls = window.airclassStalls = [];
  const problems = window.airclassProblems = [];
  const log = window.airclassLog = [];
  const hls = window.airclassHls;
  hls.on(Hls.Events.LEVEL_LOADED, (_e, d) => log.push(`L${d.level} ${d.details.startSN}-${d.details.endSN} @${video.currentTime.toFixed(2)}`));
  hls.on(Hls.Events.FRAG_LOADING, (_e, d) => log.push(`get ${d.frag.sn} ${d.frag.relurl.slice(-30)} @${video.currentTime.toFixed(2)}`));
  hls.on(Hls.Events.FRAG_BUFFERED, (_e, d) => log.push(`buf ${d.frag.sn} @${video.currentTime.toFixed(2)}`));
  window.airclassHls.on(Hls.Events.ERROR, (_event, data) => {
    problems.push({ details: data.details, fatal: data.fatal, at: video.currentTime,
                    buffered: Array.from({ length: video.buffered.length },
                                         (_, i) => [video.buffered.start(i), video.buffered.end(i)]) });
  });
  let started = false;
  video.addEventListener("playing", () => { started = true; });
  video.addEventListener("timeupdate", () => {
    if (video.readyState < 2 || !video.dataset.playingDate) return;
    context.drawImage(video, 0, 0, 16, 9);
    seen.push({ date: video.dataset.playingDate, time: video.currentTime,
                rgb: Array.from(context.getImageData(8, 4, 1, 1).data.slice(0, 3)),
                title: shown.hidden ? null : shown.querySelector(".title").textContent });
  });
  video.addEventListener("waiting", () => {
    if (!started) return;
    const ranges = video.buffered;
    let ahead = 0;
    for (let i = 0; i < ranges.length; i++) {
      if (ranges.start(i) <= video.currentTime + 0.1 && video.currentTime < ranges.end(i)) {
        ahead = ranges.end(i) - video.currentTime;
      }
    }
    if (ahead < 0.5) stalls.push({ at: video.currentTime, date: video.dataset.playingDate, ahead });
  });
  video.muted = true;
  return video.play();
}"""
LAST = """() => ({ last: window.airclassSeen.length ? window.airclassSeen[window.airclassSeen.length - 1] : null,
                 problems: window.airclassProblems, stalls: window.airclassStalls, log: window.airclassLog.slice(-40),
                 error: document.getElementById("live").error && document.getElementById("live").error.message })"""


@dataclass(frozen=True)
class Aired:
    """A programme of the published day as families see it: when, what colour it shows, its title."""

    starts: datetime
    ends: datetime
    colour: str
    title: str


class HalfLadderMedia:
    """The real live media code (media/live_segments.py) with the half-size ladder and loops of one clip pass."""

    def loop_frames(self, clip_frames: int, segment_frames: int, min_frames: int) -> int:
        return live_segments.loop_frames(clip_frames, segment_frames, 0)

    def prepare_loop(self, clip: Path, store_root: Path, out_dir: Path, *, loop_frames: int) -> object:
        return live_segments.prepare_loop(clip.relative_to(store_root), store_root, out_dir, HALF_HLS,
                                          loop_frames=loop_frames)

    def cut_piece(self, segment: Path, frames: int, out: Path) -> object:
        return live_segments.cut_piece(segment, frames, out)


class PlaylistWriter(threading.Thread):
    """The live timer of this test: the playlists written every half second for a clock set to `starts`, which
    runs at the wall clock's pace but never more than LEAD ahead of the picture the player last showed. On a
    loaded machine chromium may play slower than real time; a clock that ran on would leave it behind the
    playlist's window, and hls.js would jump to the live edge over the joins this test is about."""

    LEAD = timedelta(seconds=14)  # the player's 3 target durations (6 s) behind the live edge, and room to spare

    def __init__(self, write: Callable[[datetime], object], starts: datetime) -> None:
        super().__init__(name="live-writer", daemon=True)
        self.write, self.starts = write, starts
        self.clock, self.last_tick, self.shown = starts, time.monotonic(), starts
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.errors: list[BaseException] = []

    def follow(self, shown: datetime) -> None:
        """The programme date-time of the picture the player shows now."""
        with self.lock:
            self.shown = max(self.shown, shown)

    def now(self) -> datetime:
        with self.lock:
            tick = time.monotonic()
            ran = self.clock + timedelta(seconds=tick - self.last_tick)
            self.clock, self.last_tick = max(self.clock, min(ran, self.shown + self.LEAD)), tick
            return self.clock

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            try:
                self.write(self.now())
            except BaseException as error:  # reported by the test, which cannot see this thread's traceback
                self.errors.append(error)
                return


def colour_of(rgb: list[int]) -> str:
    return min(COLOURS, key=lambda name: sum((a - b) ** 2 for a, b in zip(COLOURS[name], rgb, strict=True)))


@pytest.fixture
def live_grade3(app, sessions, world, clips, api_as, settings, tmp_path) -> Iterator[tuple[PlaylistWriter, list[Aired]]]:  # type: ignore[no-untyped-def]
    """Grade 3's live channel on next Monday with the clock at 08:29:46, and the day's programmes around 08:30."""
    lesson = write_sequence(tmp_path / "red_lesson.mp4", [ClipSpec(seconds=LESSON_SECONDS, size="320x180",
                                                                   video_source="color=c=red")])
    on_air = build_on_air(app, sessions, world, {**clips, "lesson_2s.mp4": lesson}, api_as)
    (settings.media_dir / "clips").mkdir(parents=True, exist_ok=True)
    for clip_id, colour in CLIP_COLOURS.items():
        write_sequence(settings.media_dir / "clips" / f"{clip_id}.mp4",
                       [ClipSpec(seconds=CLIP_SECONDS, size="320x180", video_source=f"color=c={colour}")])
        save_clip(sessions(), Clip(clip_id, CLIP_SECONDS * 25, FILLER_TITLES[clip_id], f"clips/{clip_id}.mp4"))
    maths = on_air.recordings["math12"]
    make_watchable(sessions, settings.media_dir, maths)
    monday = next_monday()
    channel_days.publish(sessions(), CHANNEL, monday, 1, at=datetime.now(UTC), by=None)
    starts = datetime.combine(monday, STARTS_AT, tzinfo=SHANGHAI).astimezone(UTC)
    write_family_pages(app, now=starts)

    place = LivePlace(settings.media_dir, tmp_path / "live-state", settings.public, web_ladder(HALF_HLS),
                      segment_frames=HALF_HLS.segment_seconds * 25)
    media = HalfLadderMedia()

    def write(now: datetime) -> object:
        written = write_live_playlists(sessions, place, media, now, guide.broadcast_day)
        assert isinstance(written[CHANNEL], int), written
        return written

    write(starts)  # the loops and pieces are made here, before the clock runs (the live timer makes them ahead too)
    with sessions() as session:
        channel, plan, _ = channel_days.day_plan(session, CHANNEL, monday)
    day_starts = channel.day_bounds(monday)[0].astimezone(UTC)

    def at(frames: int) -> datetime:
        return day_starts + timedelta(seconds=frames / 25)

    aired = [Aired(at(e.start), at(e.end), colour_for(e.source, maths), e.title) for e in plan.events
             if at(e.end) > starts - timedelta(minutes=30) and at(e.start) < starts + timedelta(minutes=30)]
    writer = PlaylistWriter(write, starts)
    writer.start()
    yield writer, aired
    writer.stopped.set()
    writer.join(timeout=30)


def colour_for(source: str, maths: int) -> str:
    """The colour an event's source shows: "recording:12" or "clip:slate"."""
    if source == f"recording:{maths}":
        return LESSON_COLOUR
    return CLIP_COLOURS[source.removeprefix("clip:")]


def scheduled(aired: list[Aired], at: datetime) -> Aired:
    return next(a for a in aired if a.starts <= at < a.ends)


def watch(page: Page, writer: PlaylistWriter, until: datetime, *, within: float) -> list[dict[str, Any]]:
    """Play the grade's live page until the picture of `until` is shown; what it showed at each time update."""
    page.goto("/live/grade3")
    page.evaluate(WATCH)
    deadline, state = time.monotonic() + within, None
    while time.monotonic() < deadline:
        state = page.evaluate(LAST)
        assert state["error"] is None, f"the video element failed: {state}"
        assert not writer.errors, f"the playlists could not be written: {writer.errors[0]!r}"
        last = state["last"]
        if last:
            shown = parse(last["date"])
            writer.follow(shown)
            if shown >= until:
                return list(page.evaluate("() => window.airclassSeen"))
        page.wait_for_timeout(500)  # the player's progress is not an event the test can await
    raise AssertionError(f"the player did not reach {until.isoformat()} within {within} s (clock {writer.now()}); "
                         f"last seen: {state}")


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def trace(seen: list[dict[str, Any]]) -> str:
    """What the player showed, a line a time update: the video's time, the programme date-time, colour and title."""
    return "\n".join(f"t={s['time']:.2f} {s['date'][11:23]} {colour_of(s['rgb'])} {s['title']}" for s in seen)


def test_the_live_channel_plays_across_programme_joins_on_schedule(
        live_grade3: tuple[PlaylistWriter, list[Aired]], new_page: Callable[..., Page]) -> None:
    writer, aired = live_grade3
    lesson = next(a for a in aired if a.colour == LESSON_COLOUR)
    after = scheduled(aired, lesson.ends)
    before = scheduled(aired, lesson.starts - timedelta(seconds=1))
    assert (before.colour, after.colour) == ("yellow", "green"), aired  # filler, lesson, slate: two joins

    page = new_page()
    seen = watch(page, writer, lesson.ends + SHOWN_UNTIL, within=240)
    shown = [(parse(s["date"]), colour_of(s["rgb"]), s) for s in seen]
    for at, colour, state in shown:  # the picture is the programme the schedule has at its date-time, ± 3 s
        near = {scheduled(aired, at + d).colour for d in (-TOLERANCE, timedelta(0), TOLERANCE)}
        assert colour in near, f"{colour} shown at {at.isoformat()}, scheduled {near}: {state}\n{trace(seen)}"
    colours = [colour for _, colour, _ in shown]
    assert colours[0] == before.colour and colours[-1] == after.colour, trace(seen)
    first_red = next((at for at, colour, _ in shown if colour == LESSON_COLOUR), None)
    first_green = next((at for at, colour, _ in shown if colour == after.colour), None)
    assert first_red and abs(first_red - lesson.starts) <= TOLERANCE, trace(seen)
    assert first_green and abs(first_green - lesson.ends) <= TOLERANCE, trace(seen)
    inside = [s["title"] for at, colour, s in shown if lesson.starts + TOLERANCE <= at <= lesson.ends - TOLERANCE]
    assert inside and set(inside) == {lesson.title}, trace(seen)  # "on now" follows the picture, not the device

    played = [s["time"] for s in seen]
    assert played == sorted(played), trace(seen)
    stalls = page.evaluate("() => window.airclassStalls")
    assert stalls == [], f"playback stalled with an empty buffer: {stalls}\n{trace(seen)}"
