"""Technical QC of a recording: one analysis run, checks against thresholds, a JSON-ready report.

Each check's finding is one of FINDINGS with its values; the stored report keeps both, beside the English
sentence, so that a page can word it in its own language.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from media.analysis import (
    ANALYSIS_LOGLEVEL,
    Detectors,
    LoudnessPoint,
    Measurements,
    TimeRange,
    audio_detectors,
    close_open_ranges,
    null_output,
    parse_measurements,
    video_detectors,
)
from media.loudness import Leveling
from media.probe import MediaProbe, probe_upload
from media.profiles import GY_T_282
from media.runner import FfmpegTool, MediaTool, Watch, ffmpeg_argv, store_input


class Status(enum.StrEnum):
    """The verdict of one check; a report is as bad as its worst check. INFO: something the transcode corrects
    itself (loudness normalised, mono made stereo), which a reviewer reads but need not act on."""

    PASS = "pass"
    INFO = "info"
    WARN = "warn"
    FAIL = "fail"


# How long QC takes for each second of a clip on one 2-core worker: benchmarks/qc_latency.py measured 0.19 (a 60 s
# 1080p clip under load); pages promise the report about this long after QC starts.
QC_SECONDS_PER_CLIP_SECOND = 0.2

SEVERITY = {Status.PASS: 0, Status.INFO: 0, Status.WARN: 1, Status.FAIL: 2}  # information leaves a report passed

# The sentence of each finding; the values are filled in already formatted ("-23.1", "2").
FINDINGS = {
    "loudness_unmeasured": "loudness could not be measured",
    "loudness_off_target": "integrated loudness {lufs} LUFS is {off} LU from the target (normalised on transcode)",
    "loudness": "integrated loudness {lufs} LUFS",
    "true_peak_high": "true peak {peak} dBTP is above {limit}",
    "true_peak": "true peak within limit",
    "limited": "limited: peaks held under the true-peak ceiling by up to {db} dB (gain {gain} dB to the loudness target)",
    "black_mid_programme": "{count} black segment(s) of {seconds} s or more mid-programme",
    "black_at_edges": "long black at the start or end",
    "black": "no long black segments",
    "silent_file": "the whole file is silent",
    "silences": "{count} silence(s) of {seconds} s or more",
    "silence": "no long silences",
    "frozen": "{count} frozen picture(s) of {seconds} s or more",
    "freeze": "no long frozen picture",
    "freeze_short": "still picture up to {longest} s, under the {seconds} s that warns",
    "decode_errors_found": "{count} decode error(s)",
    "decode_errors": "decoded without errors",
    "resolution": "{width}x{height}",
    "resolution_fixed": "{width}x{height}: scaled/padded to 16:9 on transcode",
    "frame_rate": "{rate} fps",
    "frame_rate_fixed": "{rate} fps: converted to constant 25 fps on transcode",
    "interlace": "progressive or unknown",
    "interlace_fixed": "interlaced: deinterlaced on transcode",
    "audio_format": "{rate} Hz, {channels} ch",
    "audio_format_fixed": "{rate} Hz, {channels} ch: resampled to 48 kHz stereo on transcode",
    "duration": "{frames} frames",
    "as_stored": "{text}",  # a sentence stored before findings were kept
}


@dataclass(frozen=True)
class Finding:
    """What a check found: one of FINDINGS and the values it names, already formatted."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return FINDINGS[self.key].format(**self.values)

    @classmethod
    def of(cls, check: dict[str, Any]) -> Finding:
        """The finding of a stored check (its sentence alone when stored before findings were)."""
        stored = check.get("finding")
        return cls(stored["key"], dict(stored["values"])) if stored else cls("as_stored", {"text": check["message"]})


def finding(key: str, **values: Any) -> Finding:
    """A finding with its values as text (a frame rate 30000/1001 stays exact and JSON-ready)."""
    return Finding(key, {name: str(value) for name, value in values.items()})


@dataclass(frozen=True)
class QcThresholds:
    """Configuration of QC (defaults from the issue and GY/T 282)."""

    black_fail_seconds: float = 2.0  # mid-programme black this long fails
    edge_seconds: float = 0.5  # black touching the first/last half second is a fade, only a warning
    silence_warn_seconds: float = 3.0
    freeze_warn_seconds: float = 10.0  # static slides are normal in lessons: warn only
    loudness_target_lufs: float = GY_T_282.integrated_lufs
    loudness_tolerance_lu: float = 2.0
    true_peak_max_dbtp: float = -2.0
    frame_rate: Fraction = Fraction(25)
    sample_rate: int = 48000
    channels: int = 2
    min_height: int = 720
    detectors: Detectors = field(default_factory=Detectors)


@dataclass(frozen=True)
class Check:
    """One check: its verdict, its finding, figures and the time ranges it found."""

    name: str
    status: Status
    finding: Finding
    figures: dict[str, Any] = field(default_factory=dict)
    ranges: tuple[TimeRange, ...] = ()

    @property
    def message(self) -> str:
        """The finding as an English sentence."""
        return str(self.finding)


@dataclass(frozen=True)
class QcReport:
    """The QC report stored per recording."""

    duration_seconds: float
    duration_frames: int
    checks: tuple[Check, ...]
    loudness_series: tuple[LoudnessPoint, ...]

    @property
    def status(self) -> Status:
        """The worst verdict of all checks."""
        worst = max((c.status for c in self.checks), key=SEVERITY.__getitem__, default=Status.PASS)
        return Status.PASS if worst is Status.INFO else worst

    def check(self, name: str) -> Check:
        """The check of that name."""
        return next(c for c in self.checks if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        data = asdict(self)
        data["status"] = self.status.value
        for check, kept in zip(data["checks"], self.checks, strict=True):
            check["message"] = kept.message
            check["status"] = str(check["status"])
            check["ranges"] = [[r["start"], r["end"]] for r in check["ranges"]]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QcReport:
        """Rebuild a report from to_dict's data."""
        checks = tuple(
            Check(c["name"], Status(c["status"]), Finding.of(c), dict(c["figures"]),
                  tuple(TimeRange(float(a), float(b)) for a, b in c["ranges"]))
            for c in data["checks"]
        )
        series = tuple(LoudnessPoint(**point) for point in data["loudness_series"])
        return cls(float(data["duration_seconds"]), int(data["duration_frames"]), checks, series)


def qc_argv(path: Path, store_root: Path, container: str, thresholds: QcThresholds) -> list[str]:
    """The one analysis run: loudness, silence, black, freeze and decode errors in one decode."""
    source = store_input(path, store_root, container)
    video = video_detectors(source["v:0"], thresholds.detectors)
    audio = audio_detectors(source["a:0"], thresholds.detectors)
    return ffmpeg_argv(null_output(video, audio), loglevel=ANALYSIS_LOGLEVEL)


def loudness_argv(path: Path, store_root: Path, container: str, thresholds: QcThresholds) -> list[str]:
    """The audio-only pass (loudness, true peak, silence) that two-pass normalisation needs first."""
    source = store_input(path, store_root, container)
    return ffmpeg_argv(null_output(audio_detectors(source["a:0"], thresholds.detectors)), loglevel=ANALYSIS_LOGLEVEL)


def run_qc(
    path: Path,
    store_root: Path,
    *,
    thresholds: QcThresholds | None = None,
    tool: MediaTool | None = None,
    watch: Watch | None = None,
    timeout: float | None = None,
) -> QcReport:
    """Probe a file from the media store, run the analysis and judge it."""
    tool = tool or FfmpegTool()
    thresholds = thresholds or QcThresholds()
    probe = probe_upload(path, store_root, tool)
    timed = Watch(watch.progress, probe.duration_seconds) if watch and watch.progress else None
    result = tool.run(qc_argv(path, store_root, probe.container, thresholds), timeout=timeout, watch=timed)
    return build_report(probe, parse_measurements(result.stderr), thresholds)


def build_report(
    probe: MediaProbe, measured: Measurements, thresholds: QcThresholds, leveling: Leveling | None = None
) -> QcReport:
    """Judge the measurements and the probe against the thresholds (leveling: how the renditions were levelled)."""
    end = probe.duration_seconds
    checks = (
        _loudness(measured, thresholds),
        _true_peak(measured, thresholds),
        _black(close_open_ranges(measured.black, end) or (), end, thresholds),
        _silence(close_open_ranges(measured.silence, end) or (), end, thresholds),
        _freeze(close_open_ranges(measured.freeze, end) or (), thresholds),
        _decode_errors(measured),
        *conformance_checks(probe, thresholds),
        *([_limited(leveling)] if leveling is not None and leveling.limited else []),
    )
    return QcReport(end, probe.duration_frames, checks, measured.series)


def _loudness(measured: Measurements, t: QcThresholds) -> Check:
    figures = {"integrated_lufs": measured.integrated_lufs, "loudness_range_lu": measured.loudness_range_lu,
               "target_lufs": t.loudness_target_lufs}
    value = measured.integrated_lufs
    if value is None:
        return Check("loudness", Status.FAIL, finding("loudness_unmeasured"), figures)
    off = value - t.loudness_target_lufs
    if abs(off) > t.loudness_tolerance_lu:
        message = finding("loudness_off_target", lufs=f"{value:.1f}", off=f"{off:+.1f}")
        return Check("loudness", Status.INFO, message, figures)  # the renditions are normalised to the target
    return Check("loudness", Status.PASS, finding("loudness", lufs=f"{value:.1f}"), figures)


def _limited(leveling: Leveling) -> Check:
    """The renditions needed a limiter after the gain: a warning that says by how much."""
    figures = {"gain_db": leveling.gain_db, "limited_db": leveling.limited_db}
    message = finding("limited", db=f"{leveling.limited_db:.1f}", gain=f"{leveling.gain_db:+.1f}")
    return Check("limiter", Status.WARN, message, figures)


def _true_peak(measured: Measurements, t: QcThresholds) -> Check:
    peak = measured.true_peak_dbtp
    figures = {"true_peak_dbtp": peak, "max_dbtp": t.true_peak_max_dbtp}
    if peak is not None and peak > t.true_peak_max_dbtp:
        message = finding("true_peak_high", peak=f"{peak:.1f}", limit=t.true_peak_max_dbtp)
        return Check("true_peak", Status.WARN, message, figures)
    return Check("true_peak", Status.PASS, finding("true_peak"), figures)


def _black(ranges: tuple[TimeRange, ...], end: float, t: QcThresholds) -> Check:
    long = tuple(r for r in ranges if r.seconds >= t.black_fail_seconds)
    middle = tuple(r for r in long if r.start > t.edge_seconds and r.end < end - t.edge_seconds)
    figures = {"longest_seconds": max((r.seconds for r in ranges), default=0.0), "count": len(ranges)}
    if middle:
        message = finding("black_mid_programme", count=len(middle), seconds=f"{t.black_fail_seconds:g}")
        return Check("black", Status.FAIL, message, figures, middle)
    if long:
        return Check("black", Status.WARN, finding("black_at_edges"), figures, long)
    return Check("black", Status.PASS, finding("black"), figures, ranges)


def _silence(ranges: tuple[TimeRange, ...], end: float, t: QcThresholds) -> Check:
    total = sum(r.seconds for r in ranges)
    figures = {"silent_seconds": round(total, 2), "count": len(ranges)}
    if end > 0 and total >= end - t.detectors.silence_min_seconds:
        return Check("silence", Status.FAIL, finding("silent_file"), figures, ranges)
    long = tuple(r for r in ranges if r.seconds >= t.silence_warn_seconds)
    if long:
        message = finding("silences", count=len(long), seconds=f"{t.silence_warn_seconds:g}")
        return Check("silence", Status.WARN, message, figures, long)
    return Check("silence", Status.PASS, finding("silence"), figures, ranges)


def _freeze(ranges: tuple[TimeRange, ...], t: QcThresholds) -> Check:
    long = tuple(r for r in ranges if r.seconds >= t.freeze_warn_seconds)
    figures = {"longest_seconds": max((r.seconds for r in ranges), default=0.0), "count": len(ranges)}
    if long:
        message = finding("frozen", count=len(long), seconds=f"{t.freeze_warn_seconds:g}")
        return Check("freeze", Status.WARN, message, figures, long)
    if ranges:  # still pictures shorter than the warning (a slide, a title card): say how long, not "none"
        longest = f"{figures['longest_seconds']:.1f}"
        return Check("freeze", Status.PASS, finding("freeze_short", longest=longest,
                                                    seconds=f"{t.freeze_warn_seconds:g}"), figures, ranges)
    return Check("freeze", Status.PASS, finding("freeze"), figures, ranges)


def _decode_errors(measured: Measurements) -> Check:
    figures = {"errors": measured.decode_errors, "last_lines": list(measured.error_lines[-5:])}
    if measured.decode_errors:
        return Check("decode_errors", Status.FAIL, finding("decode_errors_found", count=measured.decode_errors), figures)
    return Check("decode_errors", Status.PASS, finding("decode_errors"), figures)


def conformance_checks(probe: MediaProbe, t: QcThresholds) -> tuple[Check, ...]:
    """Checks read from the probe: picture size, frame rate, interlace, audio and duration."""
    size = {"width": probe.width, "height": probe.height}
    wide = probe.width * 9 == probe.height * 16
    size_ok = wide and probe.height >= t.min_height
    rate = {"frame_rate": str(probe.frame_rate), "variable": probe.variable_frame_rate}
    rate_ok = probe.frame_rate == t.frame_rate and not probe.variable_frame_rate
    audio = {"sample_rate": probe.audio_sample_rate, "channels": probe.audio_channels}
    audio_ok = probe.audio_sample_rate == t.sample_rate and probe.audio_channels == t.channels
    return (
        # Padding to 16:9 is a correction; a picture under 720 lines stays soft when scaled up: a warning.
        _verdict("resolution", size_ok, {"width": probe.width, "height": probe.height}, size,
                 corrected=probe.height >= t.min_height),
        _verdict("frame_rate", rate_ok, {"rate": probe.frame_rate}, rate),
        _verdict("interlace", not probe.interlaced, {}, {"interlaced": probe.interlaced}),
        _verdict("audio_format", audio_ok, {"rate": probe.audio_sample_rate, "channels": probe.audio_channels}, audio),
        Check("duration", Status.PASS if probe.duration_frames > 0 else Status.FAIL,
              finding("duration", frames=probe.duration_frames), {"frames": probe.duration_frames,
                                                                  "seconds": round(probe.duration_seconds, 3)}),
    )


def _verdict(name: str, ok: bool, values: dict[str, Any], figures: dict[str, Any], *, corrected: bool = True) -> Check:
    """Pass, or what transcoding will do about it (the finding `<name>_fixed`): information when the transcode
    corrects it fully, else a warning."""
    status = Status.PASS if ok else Status.INFO if corrected else Status.WARN
    return Check(name, status, finding(name if ok else f"{name}_fixed", **values), figures)
