"""Changes to a channel day after assembly: what differs between two versions, and standing in for a revoked recording.

Pure, standard library only. A published day is never edited in place: the service stores what
these functions return as the day's next version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from scheduler.domain.assembly import loop_clip, require_clip
from scheduler.domain.channels import Channel
from scheduler.domain.plan import (
    Airing,
    ChannelDayPlan,
    Clip,
    DayEvents,
    Event,
    EventKind,
    SlotReport,
    SlotStatus,
    StandIn,
)


class Change(StrEnum):
    """How a slot differs between two versions of a day."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class SlotChange:
    """A slot (None: the filler between slots) whose events differ between two versions of a day."""

    slot: int | None
    change: Change
    before: tuple[Event, ...]
    after: tuple[Event, ...]

    def __str__(self) -> str:
        name = "between slots" if self.slot is None else f"slot {self.slot}"
        was = self.before[0].title if self.before else "nothing"
        now = self.after[0].title if self.after else "nothing"
        return f"{name} {self.change}: {was} → {now}"


def _by_slot(events: Sequence[Event]) -> dict[int | None, tuple[Event, ...]]:
    """Group a day's events by slot."""
    groups: dict[int | None, list[Event]] = {}
    for event in events:
        groups.setdefault(event.slot, []).append(event)
    return {slot: tuple(group) for slot, group in groups.items()}


def diff_days(old: ChannelDayPlan, new: ChannelDayPlan) -> tuple[SlotChange, ...]:
    """What changed on air between two versions of the same channel day, slot by slot."""
    if (old.channel_id, old.day) != (new.channel_id, new.day):
        raise ValueError(f"cannot compare {old.channel_id} {old.day} with {new.channel_id} {new.day}")
    before, after = _by_slot(old.events), _by_slot(new.events)
    changes = []
    for slot in sorted(before.keys() | after.keys(), key=lambda s: -1 if s is None else s):
        was, now = before.get(slot, ()), after.get(slot, ())
        if was != now:
            change = Change.ADDED if not was else Change.REMOVED if not now else Change.CHANGED
            changes.append(SlotChange(slot, change, was, now))
    return tuple(changes)


def uses_recording(plan: ChannelDayPlan, recording_id: int) -> bool:
    """Whether a recording airs anywhere in the day."""
    return any(report.recording_id == recording_id and report.status is SlotStatus.FILLED for report in plan.slots)


def _stood_in(report: SlotReport, stand_in: StandIn) -> SlotReport:
    why = replace(report.why, stood_in=stand_in) if report.why else None
    return replace(report, status=SlotStatus.UNFILLED, note=f"{report.note}: {stand_in}", why=why)


def without_recording(
    channel: Channel, plan: ChannelDayPlan, recording_id: int, clips: Mapping[str, Clip], revoked_because: str | None,
) -> ChannelDayPlan:
    """The day with the standby programme in every slot that aired the recording; all else unchanged.

    `revoked_because` is the reviewer's reason for revoking it, or None when publication found it unapproved.
    """
    slots = {r.slot: r for r in plan.slots if r.recording_id == recording_id and r.status is SlotStatus.FILLED}
    if not slots:
        return plan
    standby = require_clip(clips, channel.standby_id)
    events: list[Event] = []
    for event in plan.events:
        report = slots.get(event.slot) if event.slot is not None else None
        if report is None:
            events.append(event)
        elif event.start == report.start:
            events += loop_clip(standby, report.start, report.frames, EventKind.STANDBY, report.slot)
    stand_in = StandIn(recording_id, revoked_because)
    reports = tuple(_stood_in(r, stand_in) if r.slot in slots else r for r in plan.slots)
    airings = {n: _unaired(a, recording_id) for n, a in plan.airings.items()}
    return replace(plan, events=DayEvents(events), slots=reports, airings=airings)


def _unaired(airing: Airing, recording_id: int) -> Airing:
    """An airing whose recording no longer airs (so a replay of it stands in too)."""
    if airing.recording is not None and airing.recording.id == recording_id:
        return Airing(airing.lesson, None)
    return airing
