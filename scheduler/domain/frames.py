"""Time on air in whole frames: timecodes, seconds, timedeltas and wall-clock spans, exact to the frame.

Pure, standard library only. Durations on air are integers of frames (25 fps by default); this
module converts them at the edges. Conversions are exact: a value that is not a whole number of
frames raises `ValueError` unless the caller names a `Rounding`. Floats are refused (`TypeError`):
pass `Fraction` or `Decimal` (e.g. ffprobe's "1200.040000" as `Decimal`).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Final

FPS: Final = 25
_MICROSECONDS_PER_SECOND: Final = 1_000_000
_TIMECODE = re.compile(r"^(\d{2,}):([0-5]\d):([0-5]\d):(\d{2,})$")


class Rounding(StrEnum):
    """What to do with a value that is not a whole number of frames."""

    EXACT = "exact"  # refuse it
    UP = "up"  # a recording that lasts part of a frame needs that frame on air
    DOWN = "down"
    NEAREST = "nearest"  # halves round up


def _check_fps(fps: int) -> None:
    """Refuse a frame rate that is not a positive integer."""
    if isinstance(fps, bool) or not isinstance(fps, int) or fps <= 0:
        raise ValueError(f"fps must be a positive integer, not {fps!r}")


def _whole(value: Fraction, rounding: Rounding, what: object) -> int:
    """Round an exact frame count as asked, or refuse a fraction of a frame."""
    if value.denominator == 1:
        return value.numerator
    if rounding is Rounding.EXACT:
        raise ValueError(f"{what} is not a whole number of frames ({float(value):.3f})")
    if rounding is Rounding.UP:
        return math.ceil(value)
    if rounding is Rounding.DOWN:
        return math.floor(value)
    return math.floor(value + Fraction(1, 2))


def frames_to_timecode(frames: int, fps: int = FPS) -> str:
    """Render a frame count as HH:MM:SS:FF (hours grow past 99 if need be)."""
    _check_fps(fps)
    if frames < 0:
        raise ValueError(f"a timecode cannot be negative: {frames} frames")
    seconds, ff = divmod(frames, fps)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}:{ff:0{max(2, len(str(fps - 1)))}d}"


def timecode_to_frames(timecode: str, fps: int = FPS) -> int:
    """Parse HH:MM:SS:FF (non-drop-frame) into a frame count."""
    _check_fps(fps)
    match = _TIMECODE.match(timecode)
    if match is None:
        raise ValueError(f"not a timecode HH:MM:SS:FF: {timecode!r}")
    hh, mm, ss, ff = (int(part) for part in match.groups())
    if ff >= fps:
        raise ValueError(f"frame {ff} does not exist at {fps} fps: {timecode!r}")
    return ((hh * 60 + mm) * 60 + ss) * fps + ff


def seconds_to_frames(seconds: int | Fraction | Decimal, fps: int = FPS, rounding: Rounding = Rounding.EXACT) -> int:
    """Convert an exact number of seconds to frames."""
    _check_fps(fps)
    if isinstance(seconds, float | bool) or not isinstance(seconds, int | Fraction | Decimal):
        raise TypeError(f"seconds must be int, Fraction or Decimal (exact), not {type(seconds).__name__}")
    if isinstance(seconds, Decimal) and not seconds.is_finite():
        raise ValueError(f"seconds must be finite, not {seconds}")
    return _whole(Fraction(seconds) * fps, rounding, f"{seconds} s")


def frames_to_timedelta(frames: int, fps: int = FPS) -> timedelta:
    """Convert frames to a timedelta (exact when fps divides 1,000,000, e.g. 25; else to the microsecond)."""
    _check_fps(fps)
    return timedelta(microseconds=round(Fraction(frames * _MICROSECONDS_PER_SECOND, fps)))


def timedelta_to_frames(delta: timedelta, fps: int = FPS, rounding: Rounding = Rounding.EXACT) -> int:
    """Convert a timedelta to frames."""
    _check_fps(fps)
    microseconds = (delta.days * 86_400 + delta.seconds) * _MICROSECONDS_PER_SECOND + delta.microseconds
    return _whole(Fraction(microseconds * fps, _MICROSECONDS_PER_SECOND), rounding, delta)


def duration_frames(
    start: time | datetime, end: time | datetime, fps: int = FPS, rounding: Rounding = Rounding.EXACT
) -> int:
    """Frames from start to end: real elapsed time for aware datetimes, wall-clock time for times of day.

    Times of day know no date: an end before the start is on the next day, and no zone applies
    (no DST). Datetimes must be aware; the span is measured in UTC, so a DST change counts.
    """
    if isinstance(start, datetime) and isinstance(end, datetime):
        return timedelta_to_frames(_utc(end) - _utc(start), fps, rounding)
    if isinstance(start, datetime) or isinstance(end, datetime):
        raise TypeError("start and end must both be datetimes or both be times of day")
    day = timedelta(days=1)
    return timedelta_to_frames((_since_midnight(end) - _since_midnight(start)) % day, fps, rounding)


def _utc(moment: datetime) -> datetime:
    """The same instant in UTC; naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"aware datetimes only, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _since_midnight(moment: time) -> timedelta:
    """Wall-clock time elapsed since midnight."""
    if moment.tzinfo is not None:
        raise ValueError(f"times of day carry no zone (the channel has it), got {moment.isoformat()}")
    return timedelta(hours=moment.hour, minutes=moment.minute, seconds=moment.second, microseconds=moment.microsecond)
