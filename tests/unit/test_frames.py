"""Unit tests of frame arithmetic: timecodes, seconds, timedeltas and spans, exact to the frame."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.domain.frames import (
    FPS,
    Rounding,
    duration_frames,
    frames_to_timecode,
    frames_to_timedelta,
    seconds_to_frames,
    timecode_to_frames,
    timedelta_to_frames,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("frames", "timecode"),
    [
        (0, "00:00:00:00"),
        (1, "00:00:00:01"),
        (24, "00:00:00:24"),
        (25, "00:00:01:00"),
        (30_000, "00:20:00:00"),
        (30_007, "00:20:00:07"),
        (2_160_000, "24:00:00:00"),
        (2_250_000, "25:00:00:00"),
        (9_000_000, "100:00:00:00"),
    ],
)
def test_timecodes_round_trip(frames: int, timecode: str) -> None:
    assert frames_to_timecode(frames) == timecode
    assert timecode_to_frames(timecode) == frames


@pytest.mark.parametrize(
    ("timecode", "fps"),
    [
        ("00:00:00:25", 25),
        ("00:60:00:00", 25),
        ("00:00:60:00", 25),
        ("0:00:00:00", 25),
        ("00:00:00", 25),
        ("00:00:00;00", 25),
        ("aa:bb:cc:dd", 25),
        ("00:00:00:30", 30),
        (" 00:00:00:00", 25),
    ],
)
def test_malformed_timecodes_are_refused(timecode: str, fps: int) -> None:
    with pytest.raises(ValueError, match=r"timecode|frame"):
        timecode_to_frames(timecode, fps)


def test_negative_frames_have_no_timecode() -> None:
    with pytest.raises(ValueError, match="negative"):
        frames_to_timecode(-1)


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from([24, 25, 30, 50, 60]))
def test_every_frame_count_round_trips_through_its_timecode(frames: int, fps: int) -> None:
    assert timecode_to_frames(frames_to_timecode(frames, fps), fps) == frames


@pytest.mark.parametrize(
    ("seconds", "frames"),
    [
        (0, 0),
        (1, 25),
        (Decimal("1200.040000"), 30_001),
        (Fraction(1, 25), 1),
        (Decimal("0.04"), 1),
        (86_400, 2_160_000),
    ],
)
def test_exact_seconds_become_frames(seconds: int | Fraction | Decimal, frames: int) -> None:
    assert seconds_to_frames(seconds) == frames


@pytest.mark.parametrize(
    ("rounding", "frames"), [(Rounding.UP, 30_001), (Rounding.DOWN, 30_000), (Rounding.NEAREST, 30_001)]
)
def test_a_fraction_of_a_frame_is_rounded_only_when_asked(rounding: Rounding, frames: int) -> None:
    seconds = Decimal("1200.0213")  # audio a little longer than the last video frame
    with pytest.raises(ValueError, match="not a whole number of frames"):
        seconds_to_frames(seconds)
    assert seconds_to_frames(seconds, rounding=rounding) == frames


def test_nearest_rounds_halves_up() -> None:
    assert seconds_to_frames(Fraction(1, 50), rounding=Rounding.NEAREST) == 1
    assert seconds_to_frames(Fraction(1, 51), rounding=Rounding.NEAREST) == 0


@pytest.mark.parametrize("seconds", [1.5, True, "1.5"])
def test_inexact_or_foreign_seconds_are_refused(seconds: object) -> None:
    with pytest.raises(TypeError):
        seconds_to_frames(seconds)  # type: ignore[arg-type]


@pytest.mark.parametrize("fps", [0, -25, True])
def test_frame_rates_must_be_positive_integers(fps: int) -> None:
    with pytest.raises(ValueError, match="fps"):
        frames_to_timecode(1, fps)


@given(st.integers(min_value=-(10**10), max_value=10**10))
def test_timedeltas_are_exact_at_25_fps(frames: int) -> None:
    delta = frames_to_timedelta(frames)
    assert delta == timedelta(milliseconds=40 * frames)
    assert timedelta_to_frames(delta) == frames


def test_a_timedelta_inside_a_frame_is_refused() -> None:
    with pytest.raises(ValueError, match="whole number of frames"):
        timedelta_to_frames(timedelta(milliseconds=20))
    assert timedelta_to_frames(timedelta(milliseconds=20), rounding=Rounding.UP) == 1


@pytest.mark.parametrize(
    ("start", "end", "frames"),
    [
        (time(8, 50), time(9, 10), 20 * 60 * FPS),
        (time(9, 10), time(8, 50), (24 * 60 - 20) * 60 * FPS),  # the end is on the next day
        (time(6), time(6), 0),
        (time(23, 0), time(1, 0), 2 * 3600 * FPS),
        (time(8, 0, 0, 40_000), time(8, 0, 1), 24),
    ],
)
def test_spans_between_times_of_day(start: time, end: time, frames: int) -> None:
    assert duration_frames(start, end) == frames


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (datetime(2020, 2, 10, 6, tzinfo=SHANGHAI), datetime(2020, 2, 11, 6, tzinfo=SHANGHAI), 24),
        (datetime(2020, 3, 28, 6, tzinfo=BERLIN), datetime(2020, 3, 29, 6, tzinfo=BERLIN), 23),
        (datetime(2020, 10, 25, 0, tzinfo=BERLIN), datetime(2020, 10, 26, 0, tzinfo=BERLIN), 25),
        (datetime(2020, 2, 10, 6, tzinfo=SHANGHAI), datetime(2020, 2, 9, 22, tzinfo=UTC), 0),
    ],
)
def test_spans_between_aware_datetimes_are_real_elapsed_time(start: datetime, end: datetime, hours: int) -> None:
    assert duration_frames(start, end) == hours * 3600 * FPS


def test_naive_and_mixed_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        duration_frames(datetime(2020, 2, 10, 6), datetime(2020, 2, 10, 7))
    with pytest.raises(TypeError):
        duration_frames(time(6), datetime(2020, 2, 10, 7, tzinfo=UTC))
    with pytest.raises(ValueError, match="zone"):
        duration_frames(time(6, tzinfo=UTC), time(7))
