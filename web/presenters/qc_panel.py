"""The technical QC report of a recording drawn for a page: verdicts, figures, a loudness chart and a timeline of marks.

Presentation only: the report comes from a page service (recording_pages: the `RecordingIngest` row the ingest job
wrote); the chart and the timeline are SVG geometry in user units, coloured by the page's CSS classes
(the Content-Security-Policy forbids inline style and script). Until the ingest has finished, the panel
carries the state of the recording's `ingest` job instead.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from media.errors import OutsideMediaStore
from media.qc import QC_SECONDS_PER_CLIP_SECOND, Finding, QcThresholds
from media.store_paths import path_in_store
from scheduler.domain.review_terms import Action
from scheduler.store.models import AuditEvent, Job, Recording, RecordingIngest

STATUS_LABELS = {"pass": _l("Pass"), "info": _l("Corrected"), "warn": _l("Warning"), "fail": _l("Fail")}
CHECK_LABELS = {
    "loudness": _l("Loudness"),
    "true_peak": _l("True peak"),
    "limiter": _l("Limiter"),
    "black": _l("Black picture"),
    "silence": _l("Silence"),
    "freeze": _l("Frozen picture"),
    "decode_errors": _l("Decode errors"),
    "resolution": _l("Picture size"),
    "frame_rate": _l("Frame rate"),
    "interlace": _l("Interlace"),
    "audio_format": _l("Audio format"),
    "duration": _l("Duration"),
}
# Figure name -> (label, unit); figures not listed here are shown under their own name.
FIGURE_LABELS = {
    "integrated_lufs": (_l("Integrated loudness"), "LUFS"),
    "loudness_range_lu": (_l("Loudness range"), "LU"),
    "target_lufs": (_l("Target"), "LUFS"),
    "true_peak_dbtp": (_l("True peak"), "dBTP"),
    "max_dbtp": (_l("Limit"), "dBTP"),
    "gain_db": (_l("Gain"), "dB"),
    "limited_db": (_l("Limited by up to"), "dB"),
    "longest_seconds": (_l("Longest"), "s"),
    "count": (_l("Found"), ""),
    "silent_seconds": (_l("Silent in all"), "s"),
    "errors": (_l("Errors"), ""),
    "last_lines": (_l("Last error lines"), ""),
    "width": (_l("Width"), "px"),
    "height": (_l("Height"), "px"),
    "frame_rate": (_l("Frame rate"), "fps"),
    "variable": (_l("Variable frame rate"), ""),
    "interlaced": (_l("Interlaced"), ""),
    "sample_rate": (_l("Sample rate"), "Hz"),
    "channels": (_l("Audio channels"), ""),
    "frames": (_l("Frames"), ""),
    "seconds": (_l("Seconds"), "s"),
}
MARK_KINDS = ("black", "silence", "freeze")
# The chart's band around the target (and the target, for a report that does not name it): the QC's defaults.
TARGET_LUFS, TOLERANCE_LU = QcThresholds.loudness_target_lufs, QcThresholds.loudness_tolerance_lu
CHART_FLOOR, CHART_TOP = -60.0, 0.0  # LUFS shown on the chart; quieter readings sit on the floor
# The meter has no reading until its window is full (ebur128 logs -120.7 LUFS): the lines start there, not at
# the floor, which would read as silence.
METER_WINDOWS = {"momentary": 0.4, "short_term": 3.0}
TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
MAX_TICKS = 8


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


@dataclass(frozen=True)
class CheckRow:
    """One check as the page lists it."""

    name: str
    label: str
    status: str
    status_label: str
    finding: Finding
    figures: tuple[Figure, ...]
    ranges: tuple[str, ...]


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Loudness over time: plot area from (LEFT, TOP) `width` x `height` units, polylines as SVG points."""

    LEFT = 48
    TOP = 26  # room for the axis title above the plot
    width: float
    height: float
    target: float
    momentary: str
    short_term: str
    target_y: float
    band_y: float
    band_height: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]

    @property
    def right(self) -> float:
        return self.LEFT + self.width

    @property
    def bottom(self) -> float:
        return self.TOP + self.height


@dataclass(frozen=True)
class Mark:
    """One black, silence or freeze range on its lane of the timeline."""

    kind: str
    x: float
    width: float
    title: str
    minor: bool = False  # found, but under what the check warns about: drawn grey, not in the warning colour


@dataclass(frozen=True)
class Lane:
    kind: str
    label: str
    y: float
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class Timeline:
    """The recording's length as a bar `width` units wide, one lane per kind of mark."""

    LANE_HEIGHT = 22
    LANE_GAP = 8
    width: float
    lanes: tuple[Lane, ...]
    ticks: tuple[Tick, ...]

    @property
    def axis_y(self) -> float:
        return len(self.lanes) * (self.LANE_HEIGHT + self.LANE_GAP)

    @property
    def has_minor(self) -> bool:
        """Whether some mark is under its check's threshold (the legend then says what grey means)."""
        return any(mark.minor for lane in self.lanes for mark in lane.marks)


@dataclass(frozen=True)
class ReportView:
    status: str
    status_label: str
    failed: tuple[str, ...]
    checks: tuple[CheckRow, ...]
    duration: str
    chart: Chart | None
    timeline: Timeline | None


@dataclass(frozen=True)
class QcPanel:
    """What a page shows of a recording's QC: the report, or the state of the job that makes it."""

    report: ReportView | None
    job: Job | None = None
    has_mp4: bool = False
    has_poster: bool = False
    signed_off: AuditEvent | None = None
    position: int | None = None  # the queued ingest job's place in the media queue (1: next)
    estimate: str = ""  # how long QC takes once started, as m:ss

    @property
    def pending(self) -> bool:
        """Whether the report is still to come (the page then refreshes the panel until it is)."""
        return self.report is None and (self.job is None or self.job.state.value in ("queued", "running"))


QC_FINDINGS = {
    "loudness_unmeasured": _l("loudness could not be measured"),
    "loudness_off_target": _l("integrated loudness %(lufs)s LUFS is %(off)s LU from the target "
                              "(normalised on transcode)"),
    "loudness": _l("integrated loudness %(lufs)s LUFS"),
    "true_peak_high": _l("true peak %(peak)s dBTP is above %(limit)s"),
    "true_peak": _l("true peak within limit"),
    "limited": _l("limited: peaks held under the true-peak ceiling by up to %(db)s dB (gain %(gain)s dB to the "
                  "loudness target)"),
    "black_mid_programme": _l("%(count)s black segment(s) of %(seconds)s s or more mid-programme"),
    "black_at_edges": _l("long black at the start or end"),
    "black": _l("no long black segments"),
    "silent_file": _l("the whole file is silent"),
    "silences": _l("%(count)s silence(s) of %(seconds)s s or more"),
    "silence": _l("no long silences"),
    "frozen": _l("%(count)s frozen picture(s) of %(seconds)s s or more"),
    "freeze": _l("no long frozen picture"),
    "freeze_short": _l("still picture up to %(longest)s s, under the %(seconds)s s that warns"),
    "decode_errors_found": _l("%(count)s decode error(s)"),
    "decode_errors": _l("decoded without errors"),
    "resolution": "%(width)sx%(height)s",  # the same in every language
    "resolution_fixed": _l("%(width)sx%(height)s: scaled/padded to 16:9 on transcode"),
    "frame_rate": "%(rate)s fps",  # the same in every language
    "frame_rate_fixed": _l("%(rate)s fps: converted to constant 25 fps on transcode"),
    "interlace": _l("progressive or unknown"),
    "interlace_fixed": _l("interlaced: deinterlaced on transcode"),
    "audio_format": _l("%(rate)s Hz, %(channels)s ch"),
    "audio_format_fixed": _l("%(rate)s Hz, %(channels)s ch: resampled to 48 kHz stereo on transcode"),
    "duration": _l("%(frames)s frames"),
    "as_stored": "%(text)s",
}


def qc_finding(finding: Finding) -> str:
    """A QC check's finding in the page's language."""
    return str(QC_FINDINGS[finding.key]) % finding.values



# --- reading the report ------------------------------------------------------------------------

def qc_panel(row: RecordingIngest | None, job: Job | None, store_root: Path,
             history: Sequence[AuditEvent] = (), *, position: int | None = None, clip_seconds: float = 0.0) -> QcPanel:
    """The QC panel of a recording from what its ingest made (None until it has) and its newest ingest job (with
    its place in the queue, and the clip's length for the estimate of QC's time)."""
    signed_off = next((e for e in reversed(history) if e.action == Action.SIGN_OFF_QC), None)
    if row is None:
        estimate = clock(max(1.0, clip_seconds * QC_SECONDS_PER_CLIP_SECOND))
        return QcPanel(report=None, job=job, signed_off=signed_off, position=position, estimate=estimate)
    return QcPanel(
        report=report_view(row.qc_report, row.qc_failed),
        has_mp4=rendition_path(store_root, row.renditions, "mp4") is not None,
        has_poster=rendition_path(store_root, row.renditions, "poster") is not None,
        signed_off=signed_off,
    )


def pending_panel_args(recording: Recording, position: int | None) -> dict[str, Any]:
    """What qc_panel needs besides the ingest to say when a pending report will come: the queue place, the length."""
    return {"position": position, "clip_seconds": recording.duration_frames * recording.frame_rate_den
            / recording.frame_rate_num}


def rendition_path(store_root: Path, renditions: dict[str, str], kind: str) -> Path | None:
    """The file of one rendition if the ingest made it and it is still in the store (never outside it)."""
    relative = renditions.get(kind)
    if not relative:
        return None
    try:
        path = path_in_store(relative, store_root)
    except OutsideMediaStore:
        return None
    return path if path.is_file() else None


def status_label(status: str) -> str:
    """A QC verdict (pass, info, warn, fail) in the page's words."""
    return str(STATUS_LABELS.get(status, status))


def failed_labels(failed: str | None) -> str:
    """'black, silence' as the page's words for those checks."""
    names = [name.strip() for name in (failed or "").split(",") if name.strip()]
    return ", ".join(str(CHECK_LABELS.get(name, name)) for name in names)


def report_view(report: dict[str, Any], failed: str | None) -> ReportView:
    """The stored report (QcReport.to_dict) as rows, a chart and a timeline."""
    duration = float(report.get("duration_seconds") or 0.0)
    checks = tuple(_check_row(check) for check in report.get("checks", ()))
    status = str(report.get("status") or _worst(c.status for c in checks))
    return ReportView(
        status=status,
        status_label=str(STATUS_LABELS.get(status, status)),
        failed=tuple(name.strip() for name in (failed or "").split(",") if name.strip()),
        checks=checks,
        duration=clock(duration, tenths=True),
        chart=loudness_chart(report.get("loudness_series", ()), duration, _target(report)),
        timeline=marks_timeline(report.get("checks", ()), duration),
    )


def _worst(statuses: Iterable[str]) -> str:
    order = ("pass", "info", "warn", "fail")
    worst = max(statuses, key=order.index, default="pass")
    return "pass" if worst == "info" else worst  # information leaves a report passed


def _target(report: dict[str, Any]) -> float:
    loudness = next((c for c in report.get("checks", ()) if c.get("name") == "loudness"), None)
    target = (loudness or {}).get("figures", {}).get("target_lufs")
    return float(target) if isinstance(target, int | float) else TARGET_LUFS


def _check_row(check: dict[str, Any]) -> CheckRow:
    name = str(check.get("name", ""))
    figures = tuple(_figure(key, value) for key, value in (check.get("figures") or {}).items() if value != [])
    ranges = tuple(range_label(float(a), float(b)) for a, b in check.get("ranges", ()))
    status = str(check.get("status", "pass"))
    return CheckRow(name, str(CHECK_LABELS.get(name, name)), status, str(STATUS_LABELS.get(status, status)),
                    Finding.of(check), figures, ranges)


def _figure(key: str, value: Any) -> Figure:
    label, unit = FIGURE_LABELS.get(key, (key, ""))
    if value is None:
        shown = "—"
    elif isinstance(value, bool):
        shown = _("yes") if value else _("no")
    elif isinstance(value, float):
        shown = f"{value:.1f}"
    elif isinstance(value, list):
        shown = " · ".join(map(str, value))
    else:
        shown = str(value)
    return Figure(str(label), f"{shown} {unit}".strip() if value is not None else shown)


def clock(seconds: float, *, tenths: bool = False) -> str:
    """m:ss (or m:ss.s) of a time in the recording."""
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes)}:{rest:04.1f}" if tenths else f"{int(minutes)}:{int(rest):02d}"


def range_label(start: float, end: float) -> str:
    """'0:01.0–0:03.5 (2.5 s)'."""
    return f"{clock(start, tenths=True)}–{clock(end, tenths=True)} ({max(end - start, 0.0):.1f} s)"


# --- drawing -----------------------------------------------------------------------------------

def time_ticks(duration: float, width: float, offset: float = 0.0) -> tuple[Tick, ...]:
    """Tick marks along a time axis `width` units wide, at a round step giving at most MAX_TICKS."""
    if duration <= 0:
        return ()
    step = next((s for s in TICK_STEPS if duration / s <= MAX_TICKS), TICK_STEPS[-1])
    count = int(duration // step)
    return tuple(Tick(round(offset + i * step / duration * width, 1), clock(i * step)) for i in range(count + 1))


def loudness_chart(series: Sequence[dict[str, float]], duration: float, target: float,
                   width: float = 600, height: float = 180) -> Chart | None:
    """Momentary and short-term loudness against time, with the target line and its tolerance band."""
    if duration <= 0 or not series:
        return None

    def y(lufs: float) -> float:
        clamped = min(max(lufs, CHART_FLOOR), CHART_TOP)
        return round(Chart.TOP + (CHART_TOP - clamped) / (CHART_TOP - CHART_FLOOR) * height, 1)

    def x(seconds: float) -> float:
        return round(Chart.LEFT + min(max(seconds, 0.0), duration) / duration * width, 1)

    def points(key: str) -> str:
        read = (p for p in series if p["seconds"] >= METER_WINDOWS[key] - 0.05)  # readings at whole seconds
        return " ".join(f"{x(p['seconds'])},{y(p[key])}" for p in read)

    levels = range(int(CHART_FLOOR), int(CHART_TOP) + 1, 12)
    band_top, band_bottom = y(target + TOLERANCE_LU), y(target - TOLERANCE_LU)
    return Chart(
        width=width, height=height, target=target,
        momentary=points("momentary"), short_term=points("short_term"),
        target_y=y(target), band_y=band_top, band_height=round(band_bottom - band_top, 1),
        x_ticks=time_ticks(duration, width, Chart.LEFT),
        y_ticks=tuple(Tick(y(level), str(level)) for level in levels),
    )


def marks_timeline(checks: Sequence[dict[str, Any]], duration: float, width: float = 600) -> Timeline | None:
    """One lane per kind (black, silence, freeze) with its ranges, on a bar as long as the recording."""
    if duration <= 0:
        return None
    by_name = {c.get("name"): c for c in checks}
    lanes = []
    for i, kind in enumerate(MARK_KINDS):
        check = by_name.get(kind, {})
        minor = check.get("status", "pass") == "pass"  # a passed check's ranges are all under its threshold
        marks = tuple(
            Mark(kind, round(min(a, duration) / duration * width, 1),
                 round(max((min(b, duration) - a) / duration * width, 2.0), 1),
                 f"{CHECK_LABELS[kind]} {range_label(a, b)}", minor)
            for a, b in ((float(a), float(b)) for a, b in check.get("ranges", ()))
        )
        lanes.append(Lane(kind, str(CHECK_LABELS[kind]), i * (Timeline.LANE_HEIGHT + Timeline.LANE_GAP), marks))
    return Timeline(width, tuple(lanes), time_ticks(duration, width))
