"""Channels and their slot templates: who broadcasts, on which numbers, when each slot starts and what it holds.

Pure, standard library only. A broadcast day runs from the channel's `day_start` (06:00 by
default) to the next day's, in the channel's IANA zone, so it lasts 23 or 25 hours on DST days;
offsets inside it are frames from its start. Slots are numbered from 1 in the order of the day.
A template may leave gaps between slots: assembly fills them with the channel's programme filler,
so a day is still covered end to end (a template need not spell out the quiet hours).

Every refusal of the scheduling core derives from `ScheduleError`:

    ScheduleError                 every refusal of the scheduling core
    ├── InvalidChannel            .channel_id, .field, .reason: a channel value breaks a rule
    ├── InvalidTemplate           .where, .reason, .slot, .start (.why, .facts): slots out of order,
    │                             overlapping, outside the broadcast day, or missing what their kind
    │                             needs (.why: a Flaw of template_flaws.py, which words it)
    ├── PolicyViolation           .violations (policy.py): the screen-time policy is broken
    └── AssemblyError             (assembly.py) the inputs of assembly cannot make a day
        ├── MissingClip           .clip_id: a filler, break or standby clip is not given
        └── InvalidPlan           .reason: a lesson or recording in the plan is unusable
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.domain.frames import FPS, duration_frames, frames_to_timedelta
from scheduler.domain.sentences import N_
from scheduler.domain.template_flaws import FLAWS, Flaw

CHANNEL_ID = re.compile(r"^[-a-zA-Z0-9]+(\.[-a-zA-Z0-9]+)+$")
DEFAULT_ZONE = "Asia/Shanghai"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class ScheduleError(Exception):
    """Base class of every refusal of the scheduling core."""


class InvalidChannel(ScheduleError):
    """A channel value breaks a rule."""

    def __init__(self, channel_id: str, field: str, reason: str) -> None:
        super().__init__(channel_id, field, reason)
        self.channel_id, self.field, self.reason = channel_id, field, reason

    def __str__(self) -> str:
        return f"Channel {self.channel_id!r}: {self.field} {self.reason}."


class InvalidTemplate(ScheduleError):
    """A list of slots cannot make a broadcast day."""

    def __init__(
        self,
        where: str,
        reason: str,
        slot: int | None = None,
        start: time | None = None,
        *,
        why: Flaw | None = None,
        facts: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(where, reason, slot, start)
        self.where, self.reason, self.slot, self.start = where, reason, slot, start
        self.why, self.facts = why, dict(facts or {})

    @classmethod
    def because(cls, where: str, why: Flaw, slot: int | None = None, start: time | None = None, **facts: Any) -> Self:
        """The refusal for a flaw, its English words made from the facts."""
        return cls(where, FLAWS[why] % facts, slot, start, why=why, facts=facts)

    @property
    def sentence(self) -> str:
        """The msgid: where the slots fail, with the slot and its start when known."""
        if self.slot is None:
            return N_("%(where)s: %(reason)s.")
        if self.start is None:
            return N_("%(where)s slot %(slot)s: %(reason)s.")
        return N_("%(where)s slot %(slot)s (%(clock)s): %(reason)s.")

    def __str__(self) -> str:
        clock = None if self.start is None else f"{self.start:%H:%M}"
        return self.sentence % {"where": self.where, "slot": self.slot, "clock": clock, "reason": self.reason}


@dataclass(frozen=True)
class Distributor:
    """A channel's number on one distributor, e.g. 华数 cable 801 or 电信IPTV 501."""

    name: str
    number: str


@dataclass(frozen=True)
class Channel:
    """A channel per grade (or several grades), its numbers, zone, broadcast day and clips."""

    id: str  # stable DNS-like id, never reused, e.g. grade3.jiaxing.airclass
    name: str  # 嘉兴空中课堂·三年级
    grades: tuple[int, ...]
    distributors: tuple[Distributor, ...] = ()
    tz: str = DEFAULT_ZONE
    day_start: time = time(6, 0)
    fps: int = FPS
    standby_id: str = "standby"  # what airs in a lesson slot that cannot be filled
    break_filler_id: str = "eye-exercise"  # break slots: 课间休息·眼保健操
    tail_filler_id: str = "slate"  # after a recording, up to its slot's end
    programme_filler_id: str = "programme-filler"  # filler slots and gaps between slots
    day_minutes: int | None = None  # a shorter broadcast day (test channels); None: until the next day start
    # Where a lesson is watched again: https://host/watch/{recording}, or /watch/{recording} on this
    # service (resolved against its public address when a feed or page is written).
    on_demand_url: str | None = None
    public: bool = True  # False: an internal channel (tests, rehearsals), never shown to families

    def __post_init__(self) -> None:
        problems = _channel_problems(self)
        if problems:
            raise InvalidChannel(self.id, *problems[0])

    @property
    def zone(self) -> ZoneInfo:
        """The channel's IANA time zone."""
        return ZoneInfo(self.tz)

    @property
    def nominal_day_frames(self) -> int:
        """Frames in a 24-hour day (or the channel's shorter one): the length templates are checked against."""
        return (self.day_minutes * 60 if self.day_minutes else 86_400) * self.fps

    def at(self, day: date, moment: time) -> datetime:
        """The instant a wall-clock time falls at in the broadcast day that starts on `day`."""
        on = day if moment >= self.day_start else day + timedelta(days=1)
        return datetime.combine(on, moment, tzinfo=self.zone)

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """Start and end of the broadcast day that starts on `day`."""
        start = self.at(day, self.day_start)
        if self.day_minutes:
            return start, (start.astimezone(UTC) + timedelta(minutes=self.day_minutes)).astimezone(self.zone)
        return start, self.at(day + timedelta(days=1), self.day_start)

    def day_frames(self, day: date) -> int:
        """Length of the broadcast day in frames (from the zone: 23 or 25 hours on DST days)."""
        return duration_frames(*self.day_bounds(day), fps=self.fps)

    def offset(self, day: date, moment: time) -> int:
        """Frames from the start of the broadcast day to a wall-clock time in it."""
        return duration_frames(self.day_bounds(day)[0], self.at(day, moment), fps=self.fps)

    def nominal_offset(self, moment: time) -> int:
        """Frames from the day start to a wall-clock time, ignoring DST (for templates)."""
        return duration_frames(self.day_start, moment, fps=self.fps)

    def moment(self, day: date, offset: int) -> datetime:
        """The instant, in the channel's zone, `offset` frames into the broadcast day."""
        start = self.day_bounds(day)[0]
        return (start.astimezone(UTC) + frames_to_timedelta(offset, self.fps)).astimezone(self.zone)


def _channel_problems(channel: Channel) -> list[tuple[str, str]]:
    """Every rule the channel breaks, as (field, reason)."""
    problems = []
    if not CHANNEL_ID.match(channel.id):
        problems.append(("id", "must be DNS-like, e.g. grade3.jiaxing.airclass"))
    if not channel.name.strip():
        problems.append(("name", "must not be blank"))
    if not channel.grades or any(g not in range(1, 13) for g in channel.grades):
        problems.append(("grades", f"must be one or more of 1..12, not {channel.grades}"))
    if len({d.name for d in channel.distributors}) != len(channel.distributors):
        problems.append(("distributors", "list a distributor once"))
    if any(not d.name.strip() or not d.number.strip() for d in channel.distributors):
        problems.append(("distributors", "need a name and a number"))
    if not _zone_exists(channel.tz):
        problems.append(("tz", f"{channel.tz!r} is not an IANA time zone"))
    if isinstance(channel.fps, bool) or not isinstance(channel.fps, int) or channel.fps <= 0:
        problems.append(("fps", "must be a positive integer"))
    if channel.day_start.tzinfo is not None or channel.day_start.microsecond:
        problems.append(("day_start", "is a wall-clock time on a whole second, without zone"))
    if channel.on_demand_url is not None and (
        not channel.on_demand_url.startswith(("https://", "http://", "/")) or "{recording}" not in channel.on_demand_url
    ):
        problems.append(("on_demand_url", "must be an http(s) address or a /path containing {recording}"))
    if not isinstance(channel.public, bool):
        problems.append(("public", "must be true or false"))
    if channel.day_minutes is not None and not 1 <= channel.day_minutes <= 1440:
        problems.append(("day_minutes", "must be 1..1440 minutes, or none for a full day"))
    return problems


def _zone_exists(name: str) -> bool:
    """Whether the IANA zone is known here."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class SlotKind(StrEnum):
    """What a slot holds."""

    LESSON = "lesson"
    REPLAY = "replay"
    BREAK = "break"
    FILLER = "filler"


@dataclass(frozen=True)
class ReplayRef:
    """Which earlier lesson slot a replay repeats: today's slot 1, yesterday's slot 3."""

    slot: int
    days_back: int = 0

    @property
    def sentence(self) -> str:
        """The msgid naming the slot: today's, yesterday's, or some days ago."""
        days_ago = {0: N_("today's slot %(slot)s"), 1: N_("yesterday's slot %(slot)s")}
        return days_ago.get(self.days_back, N_("%(days)s days ago, slot %(slot)s"))

    def __str__(self) -> str:
        return self.sentence % {"slot": self.slot, "days": self.days_back}


SLOT_TITLE_CHARS = 100  # the guide, XMLTV and the DVB EIT show it; a lesson title is the lesson's (200)


@dataclass(frozen=True)
class SlotSpec:
    """One slot of a template: when it starts, how long it lasts, what it holds."""

    start: time
    frames: int
    kind: SlotKind
    subject: str | None = None  # lesson slots: the subject of the rota, a key of the curriculum plan
    replay_of: ReplayRef | None = None  # replay slots
    filler_id: str | None = None  # break and filler slots: a clip other than the channel's
    title: str | None = None  # break and filler slots: the name on the guide, e.g. 课间休息·眼保健操


@dataclass(frozen=True)
class DayOverride:
    """Slots for a date range (inclusive) instead of the weekly ones: holidays (no slots), exam days."""

    first: date
    last: date
    slots: tuple[SlotSpec, ...] = ()
    label: str = ""

    @property
    def where(self) -> str:
        """How messages name this override."""
        span = f"{self.first}" if self.first == self.last else f"{self.first}..{self.last}"
        return f"{span} ({self.label})" if self.label else span


@dataclass(frozen=True)
class WeeklyTemplate:
    """A channel's slots per weekday (Monday first), with overrides for date ranges and single dates."""

    week: tuple[tuple[SlotSpec, ...], ...]
    overrides: tuple[DayOverride, ...] = ()

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise InvalidTemplate.because("weekly template", Flaw.WEEKDAYS, count=len(self.week))
        for override in self.overrides:
            if override.last < override.first:
                raise InvalidTemplate.because(override.where, Flaw.ENDS_BEFORE_IT_STARTS)

    @classmethod
    def from_weekdays(
        cls, days: Mapping[int, Sequence[SlotSpec]], overrides: Sequence[DayOverride] = ()
    ) -> WeeklyTemplate:
        """Build from {weekday (0 = Monday): slots}; missing weekdays have no slots."""
        return cls(tuple(tuple(days.get(d, ())) for d in range(7)), tuple(overrides))


@dataclass(frozen=True)
class PlacedSlot:
    """A slot placed in a broadcast day: its number and its offset in frames."""

    number: int
    spec: SlotSpec
    start: int

    @property
    def end(self) -> int:
        """The offset just after the slot."""
        return self.start + self.spec.frames


def apply_rota(pattern: Sequence[SlotSpec], subjects: Sequence[str]) -> tuple[SlotSpec, ...]:
    """Give the lesson slots of a day pattern their subjects, in order (Mon: 语文, 数学 ...)."""
    lessons = [i for i, s in enumerate(pattern) if s.kind is SlotKind.LESSON]
    if len(lessons) != len(subjects):
        raise InvalidTemplate.because("rota", Flaw.ROTA, subjects=len(subjects), lessons=len(lessons))
    given = dict(zip(lessons, subjects, strict=True))
    return tuple(replace(s, subject=given[i]) if i in given else s for i, s in enumerate(pattern))


def _override_for(template: WeeklyTemplate, day: date) -> DayOverride | None:
    """The override in force on a date: the narrowest range, then the last listed."""
    matching = [(o.last - o.first, -i, o) for i, o in enumerate(template.overrides) if o.first <= day <= o.last]
    return min(matching, key=lambda m: m[:2])[2] if matching else None


def slots_for(template: WeeklyTemplate, day: date) -> tuple[SlotSpec, ...]:
    """The effective slots of a date: its override's, else its weekday's."""
    override = _override_for(template, day)
    return override.slots if override is not None else template.week[day.weekday()]


def describe_day(template: WeeklyTemplate, day: date) -> str:
    """Where a date's slots come from, for messages: '2020-02-10 (Monday)' or its override."""
    override = _override_for(template, day)
    return f"{day} ({WEEKDAYS[day.weekday()] if override is None else override.where})"


def place_slots(
    channel: Channel, slots: Sequence[SlotSpec], day: date | None = None, where: str = ""
) -> tuple[PlacedSlot, ...]:
    """Number and place slots in a broadcast day (a nominal 24-hour one without date), or refuse them."""
    where = where or (str(day) if day else "template")
    limit = channel.nominal_day_frames if day is None else channel.day_frames(day)
    placed: list[PlacedSlot] = []
    for number, spec in enumerate(slots, start=1):
        _check_contents(spec, number, placed, where)
        slot = PlacedSlot(number, spec, _start_offset(channel, spec, number, day, where))
        _check_position(slot, placed[-1] if placed else None, limit, where)
        placed.append(slot)
    return tuple(placed)


def _start_offset(channel: Channel, spec: SlotSpec, number: int, day: date | None, where: str) -> int:
    """A slot's offset from the day start, refused unless on a whole frame."""
    try:
        return channel.nominal_offset(spec.start) if day is None else channel.offset(day, spec.start)
    except ValueError as error:
        raise InvalidTemplate.because(where, Flaw.BETWEEN_FRAMES, number, spec.start, fps=channel.fps) from error


def _check_contents(spec: SlotSpec, number: int, earlier: Sequence[PlacedSlot], where: str) -> None:
    """Refuse a slot that lacks what its kind needs or carries what it cannot use."""
    flaw: Flaw | None = None
    if spec.frames <= 0:
        raise InvalidTemplate.because(where, Flaw.NO_FRAMES, number, spec.start, frames=spec.frames)
    if spec.title is not None and len(spec.title) > SLOT_TITLE_CHARS:
        raise InvalidTemplate.because(where, Flaw.TITLE_TOO_LONG, number, spec.start, length=len(spec.title),
                                      limit=SLOT_TITLE_CHARS)
    if (spec.kind is SlotKind.LESSON) != bool(spec.subject):
        flaw = Flaw.SUBJECT
    elif (spec.kind is SlotKind.REPLAY) != (spec.replay_of is not None):
        flaw = Flaw.REPLAY_OF
    elif spec.kind in (SlotKind.LESSON, SlotKind.REPLAY) and (spec.filler_id or spec.title):
        flaw = Flaw.LESSON_CLIP
    elif spec.replay_of is not None:
        flaw = _replay_flaw(spec.replay_of, number, earlier)
    if flaw:
        raise InvalidTemplate.because(where, flaw, number, spec.start, ref=spec.replay_of)


def _replay_flaw(ref: ReplayRef, number: int, earlier: Sequence[PlacedSlot]) -> Flaw | None:
    """Why a replay reference cannot work, if it cannot (earlier days are checked at assembly)."""
    if ref.days_back < 0 or ref.slot < 1:
        return Flaw.NOT_AN_EARLIER_SLOT
    if ref.days_back > 0:
        return None
    if ref.slot >= number or earlier[ref.slot - 1].spec.kind is not SlotKind.LESSON:
        return Flaw.NOT_AN_EARLIER_LESSON
    return None


def _check_position(slot: PlacedSlot, previous: PlacedSlot | None, limit: int, where: str) -> None:
    """Refuse a slot that starts before the previous one ends or ends after the broadcast day."""
    if previous is not None and slot.start < previous.end:
        raise InvalidTemplate.because(where, Flaw.OVERLAP, slot.number, slot.spec.start, previous=previous.number,
                                      previous_start=f"{previous.spec.start:%H:%M}")
    if slot.end > limit:
        raise InvalidTemplate.because(where, Flaw.AFTER_THE_DAY, slot.number, slot.spec.start)


def validate_template(channel: Channel, template: WeeklyTemplate) -> None:
    """Refuse a template with a weekday or override whose slots cannot make a broadcast day."""
    for weekday, slots in zip(WEEKDAYS, template.week, strict=True):
        place_slots(channel, slots, where=weekday)
    for override in template.overrides:
        place_slots(channel, override.slots, where=override.where)
