"""Drawing a channel day: slot blocks on a time axis (an SVG drawn server-side), grid cells, and their labels.

Presentation only: positions in SVG user units (the axis is `WIDTH` wide), clock labels in the
channel's zone. The page's CSS colours blocks by their classes (kind and readiness), so the page
needs no inline style, which the Content-Security-Policy forbids.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from scheduler.domain.channels import Channel
from scheduler.domain.plan import ChannelDayPlan, Event, EventKind, SlotReport, SlotStatus
from scheduler.store.models import DayStatus
from web.presenters.messages import slot_note

WIDTH = 1000
HOUR = 60

KIND_LABELS = {
    "lesson": _l("Lesson"),
    "replay": _l("Replay"),
    "break": _l("Break"),
    "filler": _l("Filler"),
    "standby": _l("Standby programme"),
    "tail_filler": _l("Tail filler"),
}
STATUS_LABELS = {
    SlotStatus.FILLED: _l("Filled"),
    SlotStatus.AT_RISK: _l("At risk"),
    SlotStatus.UNFILLED: _l("Unfilled"),
    SlotStatus.OVERLONG: _l("Overlong"),
}
DAY_STATUS_LABELS = {
    DayStatus.DRAFT: _l("Draft"),
    DayStatus.PUBLISHED: _l("Published"),
    DayStatus.SUPERSEDED: _l("Superseded"),
}


@dataclass(frozen=True)
class Block:
    """One slot on the axis; `recording` is the width of the lesson itself (the rest is tail filler)."""

    slot: int
    x: float
    width: float
    recording: float
    kind: str  # lesson, replay, break, filler, standby
    status: SlotStatus
    clock: str
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    blocks: tuple[Block, ...]
    ticks: tuple[Tick, ...]
    width: int = WIDTH


@dataclass(frozen=True)
class Cell:
    """One slot of a day in the week grid."""

    slot: int
    clock: str
    kind: str
    status: SlotStatus
    subject_name: str | None
    sequence: int | None
    title: str


def _minutes(frames: int, fps: int) -> float:
    return frames / fps / 60


def _window(reports: Sequence[SlotReport], fps: int) -> tuple[int, int]:
    """Whole hours (from the day start) around the slots; the whole day when there are none."""
    if not reports:
        return 0, 24 * HOUR
    first = int(_minutes(reports[0].start, fps)) // HOUR * HOUR
    last = -(-int(_minutes(reports[-1].start + reports[-1].frames, fps) + 0.999) // HOUR) * HOUR
    return first, max(last, first + HOUR)


def _first_events(plan: ChannelDayPlan) -> dict[int, Event]:
    """Each slot's first event, read from the day's runs (a slot's first event starts its first run)."""
    first: dict[int, Event] = {}
    for run in plan.events.runs:
        if run.first.slot is not None:
            first.setdefault(run.first.slot, run.first)
    return first


def _clock(channel: Channel, plan: ChannelDayPlan, frames: int) -> str:
    return channel.moment(plan.day, frames).strftime("%H:%M")


def day_timeline(channel: Channel, plan: ChannelDayPlan) -> Timeline:
    """The slots of a day as blocks on an axis spanning the whole hours around them."""
    fps = channel.fps
    low, high = _window(plan.slots, fps)
    scale = WIDTH / (high - low)
    first = _first_events(plan)
    blocks = []
    for report in plan.slots:
        event = first[report.slot]
        width = round(_minutes(report.frames, fps) * scale, 1)
        on_air = event.kind in (EventKind.LESSON, EventKind.REPLAY)
        recording = round(width * event.length / report.frames, 1) if on_air else 0.0
        x = round((_minutes(report.start, fps) - low) * scale, 1)
        blocks.append(Block(report.slot, x, width, recording, event.kind.value, report.status,
                            _clock(channel, plan, report.start), event.title))
    ticks = tuple(
        Tick(round((minute - low) * scale, 1), _clock(channel, plan, minute * 60 * fps))
        for minute in range(low, high + 1, HOUR)
    )
    return Timeline(tuple(blocks), ticks)


def day_cells(channel: Channel, plan: ChannelDayPlan) -> tuple[Cell, ...]:
    """The slots of an assembled day for the week grid."""
    first = _first_events(plan)
    cells = []
    for report in plan.slots:
        event = first[report.slot]
        airing = event.airing or plan.airings.get(report.slot)
        lesson = airing.lesson if airing else None
        cells.append(Cell(
            report.slot, _clock(channel, plan, report.start), event.kind.value, report.status,
            lesson.subject_name if lesson else None, lesson.sequence if lesson else None, event.title,
        ))
    return tuple(cells)


def projected_cells(channel: Channel, reports: Sequence[SlotReport]) -> tuple[Cell, ...]:
    """Lesson and replay slots of a day not assembled yet, from the readiness projection."""
    return tuple(
        Cell(r.slot, channel.moment(r.day, r.start).strftime("%H:%M"), r.kind.value, r.status, None, None, slot_note(r))
        for r in reports
    )
