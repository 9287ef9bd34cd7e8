"""The analysis run: ebur128, blackdetect, silencedetect and freezedetect in one ffmpeg pass, parsed from stderr."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import ffmpeg

# Every line tagged with its level ([info], [error]) and never folded into "repeated N times".
ANALYSIS_LOGLEVEL = "repeat+level+info"
QC_WIDTH = 640  # detectors see a small picture: the same verdicts, a fraction of the cost
FLOOR_LUFS = -70.0  # ebur128's absolute gate: below it is silence

_SERIES = re.compile(r"\bt:\s*([\d.]+)\s+TARGET:\S+ LUFS\s+M:\s*(-?[\d.]+|-?inf|nan)\s+S:\s*(-?[\d.]+|-?inf|nan)")
_BLACK = re.compile(r"black_start:\s*([\d.]+)\s+black_end:\s*([\d.]+)")
_SILENCE_START = re.compile(r"silence_start:\s*(-?[\d.]+)")
_SILENCE_END = re.compile(r"silence_end:\s*([\d.]+)")
_FREEZE_START = re.compile(r"freezedetect\.freeze_start:\s*([\d.]+)")
_FREEZE_END = re.compile(r"freezedetect\.freeze_end:\s*([\d.]+)")
_ERROR = re.compile(r"\[(error|fatal|panic)\]")


@dataclass(frozen=True)
class Detectors:
    """Detector settings, from the QC thresholds (the shortest event each detector reports)."""

    black_min_seconds: float = 0.5
    black_pixel_threshold: float = 0.10
    silence_min_seconds: float = 0.5
    silence_noise_db: float = -50.0
    freeze_min_seconds: float = 2.0
    freeze_noise_db: float = -60.0


@dataclass(frozen=True)
class TimeRange:
    """A stretch of the file, in seconds from its start."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        """Length of the range."""
        return max(0.0, self.end - self.start)


@dataclass(frozen=True)
class LoudnessPoint:
    """Loudness at one second: momentary (400 ms) and short-term (3 s), in LUFS."""

    seconds: float
    momentary: float
    short_term: float


@dataclass(frozen=True)
class Measurements:
    """What the analysis run measured (None: not measured in this run)."""

    integrated_lufs: float | None = None
    loudness_range_lu: float | None = None
    true_peak_dbtp: float | None = None
    series: tuple[LoudnessPoint, ...] = ()
    black: tuple[TimeRange, ...] | None = None
    silence: tuple[TimeRange, ...] | None = None
    freeze: tuple[TimeRange, ...] | None = None
    decode_errors: int = 0
    error_lines: tuple[str, ...] = field(default=(), compare=False)

    def merged(self, other: Measurements) -> Measurements:
        """Combine two runs (e.g. the audio-only loudness pass and the rendition pass)."""
        values: dict[str, Any] = {}
        for name in ("integrated_lufs", "loudness_range_lu", "true_peak_dbtp", "black", "silence", "freeze"):
            mine = getattr(self, name)
            values[name] = getattr(other, name) if mine is None else mine
        return replace(
            self,
            **values,
            series=self.series or other.series,
            decode_errors=self.decode_errors + other.decode_errors,
            error_lines=self.error_lines + other.error_lines,
        )


def audio_detectors(audio: Any, detectors: Detectors) -> Any:
    """Chain silencedetect and ebur128 (true peak) onto an audio stream."""
    silence = audio.filter("silencedetect", n=f"{detectors.silence_noise_db}dB", d=detectors.silence_min_seconds)
    return silence.filter("ebur128", peak="true")


def video_detectors(video: Any, detectors: Detectors, *, shrink: bool = True) -> Any:
    """Chain blackdetect and freezedetect onto a video stream (shrunk first unless already small)."""
    if shrink:
        video = video.filter("scale", QC_WIDTH, -2, flags="fast_bilinear")
    black = video.filter(
        "blackdetect", d=detectors.black_min_seconds, pix_th=detectors.black_pixel_threshold
    )
    return black.filter("freezedetect", n=f"{detectors.freeze_noise_db}dB", d=detectors.freeze_min_seconds)


def null_output(*streams: Any) -> Any:
    """An output that discards what reaches it (the detectors log as frames pass)."""
    return ffmpeg.output(*streams, "-", f="null")


def parse_measurements(stderr: str, *, audio: bool = True, video: bool = True) -> Measurements:
    """Read the detectors' and ebur128's log lines (audio/video: which detectors ran)."""
    lines = stderr.splitlines()
    errors = tuple(line for line in lines if _ERROR.search(line))
    summary = _summary(stderr) if audio else {}
    return Measurements(
        integrated_lufs=summary.get("I"),
        loudness_range_lu=summary.get("LRA"),
        true_peak_dbtp=summary.get("Peak"),
        series=_series(lines) if audio else (),
        black=tuple(TimeRange(float(a), float(b)) for a, b in _BLACK.findall(stderr)) if video else None,
        silence=_ranges(lines, _SILENCE_START, _SILENCE_END) if audio else None,
        freeze=_ranges(lines, _FREEZE_START, _FREEZE_END) if video else None,
        decode_errors=len(errors),
        error_lines=errors[-20:],
    )


def close_open_ranges(ranges: tuple[TimeRange, ...] | None, end: float) -> tuple[TimeRange, ...] | None:
    """Give a range still open at the end of the file (end marked as infinity) the file's end."""
    if ranges is None:
        return None
    return tuple(TimeRange(r.start, end) if math.isinf(r.end) else r for r in ranges)


def _summary(stderr: str) -> dict[str, float | None]:
    """Read I, LRA and true peak from the last ebur128 summary (ffmpeg may configure the graph twice)."""
    at = stderr.rfind("Summary:")
    if at < 0:
        return {}
    text = stderr[at:]
    found: dict[str, float | None] = {}
    for key, unit in (("I", "LUFS"), ("LRA", "LU"), ("Peak", "dBFS")):
        match = re.search(rf"\b{key}:\s*(-?[\d.]+|-?inf|nan)\s+{unit}\b", text)
        found[key] = _number(match.group(1)) if match else None
    return found


def _series(lines: list[str]) -> tuple[LoudnessPoint, ...]:
    """Keep one ebur128 reading per second (it logs every 100 ms)."""
    points: list[LoudnessPoint] = []
    for line in lines:
        match = _SERIES.search(line)
        if match is None:
            continue
        seconds = float(match.group(1))
        if seconds >= 0.95 and abs(seconds - round(seconds)) < 0.05:
            momentary, short = (_loud(match.group(i)) for i in (2, 3))
            points.append(LoudnessPoint(float(round(seconds)), momentary, short))
    return tuple(points)


def _ranges(lines: list[str], start: re.Pattern[str], end: re.Pattern[str]) -> tuple[TimeRange, ...]:
    """Pair start and end markers; a start with no end runs to the end of the file (inf until closed)."""
    ranges: list[TimeRange] = []
    opened: float | None = None
    for line in lines:
        if (match := start.search(line)) is not None:
            opened = max(0.0, float(match.group(1)))
        elif (match := end.search(line)) is not None and opened is not None:
            ranges.append(TimeRange(opened, float(match.group(1))))
            opened = None
    if opened is not None:
        ranges.append(TimeRange(opened, math.inf))
    return tuple(ranges)


def _number(text: str) -> float | None:
    """Parse a figure; -inf and nan (nothing measured) become None."""
    value = float(text)
    return None if math.isinf(value) or math.isnan(value) else value


def _loud(text: str) -> float:
    """A loudness reading clamped to the silence floor, so the series stays plottable JSON."""
    value = _number(text)
    return FLOOR_LUFS if value is None else round(max(value, FLOOR_LUFS), 1)
