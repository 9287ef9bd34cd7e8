"""The live window over a simulated clock: numbering that never goes back, across midnight and a republication."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.domain.live import (
    DayTimeline,
    LiveWindow,
    Run,
    WebSource,
    day_timeline,
    live_window,
    republished,
    run_segments,
    source_segments,
)
from scheduler.exports.live_hls import live_media_playlist, replay_playlist

FPS = 25
SEGMENT = 6 * FPS
DAY_FRAMES = 4 * 60 * FPS  # a four-minute broadcast day keeps a second-by-second clock quick
MIDNIGHT = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)  # 00:00 北京时间
STANDBY = WebSource("live/clips/standby", 10 * FPS)
RENDITIONS = ("1080p", "720p", "360p")


def sources() -> st.SearchStrategy[WebSource]:
    return st.builds(WebSource, st.sampled_from(["a", "b", "c", "lesson/12"]), st.integers(1, 20 * FPS))


@st.composite
def day_runs(draw: st.DrawFn) -> list[Run]:
    """Runs tiling a day exactly, each of some source for 1 frame to a minute (shrinking towards a minute)."""
    runs, at = [], 0
    while at < DAY_FRAMES:
        frames = min(60 * FPS - draw(st.integers(0, 60 * FPS - 1)), DAY_FRAMES - at)
        runs.append(Run(at, frames, draw(sources()), f"run at {at}"))
        at += frames
    return runs


def timelines(first: list[Run], second: list[Run]) -> list[DayTimeline]:
    today = day_timeline(first, starts_at=MIDNIGHT, fps=FPS, segment_frames=SEGMENT, first_sequence=1000,
                         first_discontinuity=40)
    tomorrow = day_timeline(second, starts_at=MIDNIGHT + timedelta(seconds=DAY_FRAMES / FPS), fps=FPS,
                            segment_frames=SEGMENT, first_sequence=today.next_sequence,
                            first_discontinuity=today.next_discontinuity)
    return [today, tomorrow]


def check_window(window: LiveWindow, now: datetime) -> None:
    seconds = [s.seconds for s in window.segments]
    assert all(0 < s <= SEGMENT / FPS for s in seconds)
    assert [s.sequence for s in window.segments] == list(range(window.media_sequence,
                                                                window.media_sequence + len(window.segments)))
    assert window.segments[-1].airs_at <= now < window.segments[-1].airs_at + timedelta(seconds=seconds[-1])
    for before, after in zip(window.segments, window.segments[1:], strict=False):
        assert after.airs_at == before.airs_at + timedelta(seconds=before.seconds)  # no gap, no overlap
        assert after.discontinuity_sequence == before.discontinuity_sequence + after.segment.discontinuity


@settings(max_examples=25, deadline=None)
@given(day_runs(), day_runs(), day_runs(), st.integers(1, DAY_FRAMES // FPS - 1))
def test_second_by_second_across_midnight_and_a_republication(first, second, changed, republish_second) -> None:
    days = timelines(first, second)
    last: LiveWindow | None = None
    seen: dict[int, str] = {}  # media sequence number -> the segment it named
    for second_ in range(0, 2 * DAY_FRAMES // FPS):
        now = MIDNIGHT + timedelta(seconds=second_)
        if second_ == republish_second:  # today changes while on air (a revoked lesson, say)
            today = republished(days[0], changed, on_air_at=second_ * FPS, standby=STANDBY, segment_frames=SEGMENT)
            tomorrow = day_timeline(second, starts_at=days[1].starts_at, fps=FPS, segment_frames=SEGMENT,
                                    first_sequence=today.next_sequence, first_discontinuity=today.next_discontinuity)
            assert sum(s.frames for s in today.segments) == DAY_FRAMES
            days = [today, tomorrow]
        window = live_window(days, now, min_seconds=3 * SEGMENT / FPS)
        check_window(window, now)
        if sum(s.segment.frames for s in window.segments) < 3 * SEGMENT:
            assert window.media_sequence == days[0].first_sequence  # only the very start of the stream is shorter
        if last is not None:
            assert window.media_sequence >= last.media_sequence
            assert window.discontinuity_sequence >= last.discontinuity_sequence
        for placed in window.segments:  # a number, once published, always names the same segment
            named = f"{placed.segment.uri('720p')}@{placed.airs_at.isoformat()}#{placed.discontinuity_sequence}"
            assert seen.setdefault(placed.sequence, named) == named
        last = window


@given(sources(), st.integers(1, 5 * 60 * FPS), st.integers(0, 1000))
def test_a_run_plays_its_source_from_the_start_looping_and_cuts_only_its_last_segment(source, frames, start) -> None:
    segments = run_segments(Run(start, frames, source, "t"), SEGMENT)
    assert sum(s.frames for s in segments) == frames and segments[0].start == start
    natural = source_segments(source, SEGMENT)
    assert [s.index for s in segments] == [i % len(natural) for i in range(len(segments))]
    assert all(not s.piece for s in segments[:-1])
    assert segments[-1].piece == (segments[-1].frames < natural[segments[-1].index])
    assert [s.discontinuity for s in segments] == [s.index == 0 for s in segments]


def test_playlists_of_every_rendition_share_numbering_and_carry_the_schedule() -> None:
    runs = [Run(0, 14 * FPS, WebSource("renditions/lesson-12/hls", 14 * FPS), "数学 第12课"),
            Run(14 * FPS, DAY_FRAMES - 14 * FPS, STANDBY, "节目预告")]
    [today, _] = timelines(runs, runs)
    now = MIDNIGHT + timedelta(seconds=31)
    window = live_window([today], now, min_seconds=24)
    texts = {r: live_media_playlist(window, r, target_duration=6, segment_prefix="../../") for r in RENDITIONS}
    shapes = {re.sub(r"(1080p|720p|360p)", "R", text) for text in texts.values()}
    assert len(shapes) == 1  # the same segments, numbers and times in every rendition
    text = texts["720p"]
    assert "#EXT-X-ENDLIST" not in text and "PLAYLIST-TYPE" not in text
    assert "#EXT-X-TARGETDURATION:6" in text
    stamps = re.findall(r"#EXT-X-PROGRAM-DATE-TIME:(\S+)", text)
    assert len(stamps) == len(window.segments) == text.count("#EXTINF:")
    assert stamps[-1] == "2026-11-29T16:00:30.000Z"  # the segment on air at 00:00:31 began at 00:00:30
    assert "../../renditions/lesson-12/hls/720p_00002.ts" in text  # the lesson's last, natural 2 s segment
    assert text.count("#EXT-X-DISCONTINUITY\n") == sum(s.segment.discontinuity for s in window.segments[1:])


def test_days_whose_numbering_does_not_continue_are_refused() -> None:
    runs = [Run(0, DAY_FRAMES, STANDBY, "节目预告")]
    today, tomorrow = timelines(runs, runs)
    broken = DayTimeline(tomorrow.starts_at, FPS, tomorrow.first_sequence + 1, tomorrow.first_discontinuity,
                         tomorrow.segments)
    with pytest.raises(ValueError, match="does not continue"):
        live_window([today, broken], tomorrow.starts_at + timedelta(seconds=30), min_seconds=18)


def test_a_replay_lists_the_whole_day_as_the_live_playlists_did() -> None:
    runs = [Run(0, 14 * FPS, WebSource("renditions/lesson-12/hls", 14 * FPS), "数学 第12课"),
            Run(14 * FPS, DAY_FRAMES - 14 * FPS, STANDBY, "节目预告")]
    [today, _] = timelines(runs, runs)
    replay = replay_playlist(today, "720p", target_duration=6, segment_prefix="../../")
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in replay and replay.endswith("#EXT-X-ENDLIST\n")
    entries = re.findall(r"#EXT-X-PROGRAM-DATE-TIME:(\S+)\n#EXTINF:([\d.]+),\n(\S+)", replay)
    assert len(entries) == len(today.segments) and sum(float(seconds) for _, seconds, _ in entries) == DAY_FRAMES / FPS
    assert entries[0][0] == "2026-11-29T16:00:00.000Z" and entries[0][2].endswith("lesson-12/hls/720p_00000.ts")
    live = live_window([today], MIDNIGHT + timedelta(seconds=100), min_seconds=18)
    in_replay = {(stamp, uri) for stamp, _, uri in entries}
    for placed in live.segments:  # the same segments at the same times as the live channel aired them
        stamp = placed.airs_at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        assert (stamp, "../../" + placed.segment.uri("720p")) in in_replay
