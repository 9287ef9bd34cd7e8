"""The families' programme guide: the published days of a grade's channels, with what is on now and next.

Read-only; built on the channel-day use cases (published versions only, drafts never). Times are
in each channel's zone. A guide entry is a slot of a published day (lesson, replay, break or
filler slot); programme filler between slots is left out, as families do not look for it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from scheduler.domain.catalogue import NotFound
from scheduler.domain.channels import Channel
from scheduler.domain.plan import ChannelDayPlan, Event, EventKind
from scheduler.services import channel_days
from scheduler.services.channels import list_channels

WEEK = 7


@dataclass(frozen=True)
class GuideEntry:
    """One slot of a published day as families read it."""

    channel_id: str
    day: date
    slot: int
    kind: EventKind  # lesson, replay, break, filler, or standby (a lesson slot with nothing ready to air)
    title: str
    subject: str | None
    subject_name: str | None
    starts: datetime  # in the channel's zone
    ends: datetime
    recording_id: int | None = None  # the recording a lesson or replay slot airs

    @property
    def is_lesson(self) -> bool:
        """A lesson or a replay of one (not a break, filler or the standby programme)."""
        return self.kind in (EventKind.LESSON, EventKind.REPLAY)

    def on_at(self, moment: datetime) -> bool:
        """Whether the entry is on air at that instant."""
        return self.starts <= moment < self.ends


@dataclass(frozen=True)
class GuideDay:
    """A channel's broadcast day in the guide: its entries, or none if not published yet."""

    channel: Channel
    day: date
    published: bool
    entries: tuple[GuideEntry, ...] = ()

    @property
    def starts_at(self) -> datetime:
        """When the broadcast day starts (its replay's time zero)."""
        return self.channel.day_bounds(self.day)[0]


@dataclass(frozen=True)
class GradeGuide:
    """A grade's channels and their days, with what is on now and what comes next on each channel."""

    grade: int
    channels: tuple[Channel, ...]
    days: tuple[GuideDay, ...]
    on_now: tuple[GuideEntry, ...]
    up_next: tuple[GuideEntry, ...]
    subjects: tuple[tuple[str, str], ...]  # (code, name) of the subjects aired in these days

    def day_list(self, channel_id: str) -> list[GuideDay]:
        """The days of one channel, in order."""
        return [d for d in self.days if d.channel.id == channel_id]


def broadcast_day(channel: Channel, moment: datetime) -> date:
    """The broadcast day an instant falls in (before the day start it is still the previous day's)."""
    local = moment.astimezone(channel.zone)
    return local.date() if local >= channel.at(local.date(), channel.day_start) else local.date() - timedelta(days=1)


def _slot_entry(channel: Channel, plan: ChannelDayPlan, slot: int, events: Sequence[Event]) -> GuideEntry:
    first = events[0]
    lesson = first.airing.lesson if first.airing else None
    recording = first.airing.recording if first.airing else None
    return GuideEntry(
        channel.id, plan.day, slot, first.kind, first.title,
        lesson.subject if lesson else None, lesson.subject_name if lesson else None,
        channel.moment(plan.day, first.start), channel.moment(plan.day, events[-1].end),
        recording.id if recording and first.kind in (EventKind.LESSON, EventKind.REPLAY) else None,
    )


def day_entries(channel: Channel, plan: ChannelDayPlan) -> tuple[GuideEntry, ...]:
    """The slots of a day plan as guide entries, in the order of the day."""
    by_slot: dict[int, list[Event]] = {}
    for event in plan.events:
        if event.slot is not None:
            by_slot.setdefault(event.slot, []).append(event)
    return tuple(_slot_entry(channel, plan, slot, events) for slot, events in sorted(by_slot.items()))


def _guide_day(session: Session, channel: Channel, day: date) -> GuideDay:
    try:
        _channel, plan, _row = channel_days.day_plan(session, channel.id, day)
    except channel_days.DayNotPublished:
        return GuideDay(channel, day, published=False)
    return GuideDay(channel, day, published=True, entries=day_entries(channel, plan))


def _now_and_next(
    days: Sequence[GuideDay], channels: Sequence[Channel], now: datetime
) -> tuple[list[GuideEntry], list[GuideEntry]]:
    on_now: list[GuideEntry] = []
    up_next: list[GuideEntry] = []
    for channel in channels:
        entries = [e for d in days if d.channel.id == channel.id for e in d.entries]
        on_now += [e for e in entries if e.on_at(now)][:1]
        up_next += [e for e in entries if e.starts > now and e.is_lesson][:1]  # the next lesson, not a break
    return on_now, up_next


def grade_guide(session: Session, grade: int, *, now: datetime, first: date | None = None, days: int = WEEK) -> GradeGuide:
    """The published days of a grade's channels from `first` (default: the broadcast day now) for `days` days.

    What is on now and next is only looked for in the default window, the one that holds `now`.
    """
    channels = list_channels(session, grade, public_only=True)
    if not channels:
        raise NotFound("grade", grade)
    found = []
    for channel in channels:
        start = first or broadcast_day(channel, now)
        found += [_guide_day(session, channel, start + timedelta(days=n)) for n in range(days)]
    on_now, up_next = _now_and_next(found, channels, now) if first is None else ([], [])
    subjects = {(e.subject, e.subject_name) for d in found for e in d.entries if e.subject and e.subject_name}
    return GradeGuide(grade, tuple(channels), tuple(found), tuple(on_now), tuple(up_next), tuple(sorted(subjects)))


def guide_grades(session: Session) -> list[int]:
    """The grades that have a channel on air, in order."""
    return sorted({grade for channel in list_channels(session, public_only=True) for grade in channel.grades})
