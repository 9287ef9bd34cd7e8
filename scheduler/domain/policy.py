"""Per-grade screen-time policy, checked on every slot template and every assembled channel day.

Pure, standard library only. Defaults per grade band, from the 2020 guidance (see SPECS.md):

    grades  lessons/day  lesson min/day  min at a time  break min  lessons end by
    1-2         5            120              15            10         17:00
    3-6         5            120              20            10         17:00
    7-9         6            180              30            10         18:00
    10-12       8            240              30            10         18:00

Sources: at most 5 lessons a day (Sichuan); 2 h a day primary, 3 h junior, 4 h senior (Ministry
of Education, Aug 2020); 20 min at a time primary, 30 secondary (Health Commission, Shanghai),
15 for grades 1-2 (issue 3); at least 10 min of active rest after each lesson (Health
Commission). The latest end times are ours: the guidance names none.

Replays count where a rule is about one sitting (length, break before the next, latest end: a
pupil watching a replay sits as long and as late) and not where it is about the day's total
(lessons per day, lesson minutes per day: a replay repeats the same lesson, and a pupil watches
the lesson or its replay, not both). The template check measures slots; the day check measures
what airs (recordings, which may be shorter than their slots; standby is not a lesson).

    ScheduleError (channels.py)
    └── PolicyViolation           .violations: every broken rule, each naming its rule and slot

A `Violation` carries its figures (what was measured, the policy's limit) beside its English
`detail`, so the web layer words it in the page's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum

from scheduler.domain.channels import (
    WEEKDAYS,
    Channel,
    InvalidTemplate,
    ScheduleError,
    SlotKind,
    SlotSpec,
    WeeklyTemplate,
    place_slots,
)
from scheduler.domain.plan import ChannelDayPlan, EventKind
from scheduler.domain.sentences import N_


class Rule(StrEnum):
    """A screen-time rule, named in every violation."""

    MAX_LESSONS = "max_lessons"
    MAX_LESSON_MINUTES = "max_lesson_minutes"
    MAX_SINGLE_LESSON = "max_single_lesson"
    MIN_BREAK = "min_break"
    LATEST_END = "latest_end"


@dataclass(frozen=True)
class ScreenTimePolicy:
    """How much a grade may watch: per day, at a time, with breaks, and until when."""

    max_lessons: int
    max_lesson_minutes: int  # per day
    max_single_lesson_minutes: int
    min_break_minutes: int  # between the end of one lesson (or replay) and the start of the next
    latest_end: time  # wall-clock time in the channel's zone


_PRIMARY_LOWER = ScreenTimePolicy(5, 120, 15, 10, time(17, 0))
_PRIMARY = ScreenTimePolicy(5, 120, 20, 10, time(17, 0))
_JUNIOR = ScreenTimePolicy(6, 180, 30, 10, time(18, 0))
_SENIOR = ScreenTimePolicy(8, 240, 30, 10, time(18, 0))


def default_policy(grade: int) -> ScreenTimePolicy:
    """The default policy of a grade's band."""
    if grade not in range(1, 13):
        raise ValueError(f"grade must be 1..12, not {grade}")
    return _PRIMARY_LOWER if grade <= 2 else _PRIMARY if grade <= 6 else _JUNIOR if grade <= 9 else _SENIOR


def strictest(policies: Iterable[ScreenTimePolicy]) -> ScreenTimePolicy:
    """One policy that satisfies all: for a channel carrying several grades."""
    given = list(policies)
    return ScreenTimePolicy(
        min(p.max_lessons for p in given),
        min(p.max_lesson_minutes for p in given),
        min(p.max_single_lesson_minutes for p in given),
        max(p.min_break_minutes for p in given),
        min(p.latest_end for p in given),
    )


def policy_for(channel: Channel) -> ScreenTimePolicy:
    """The default policy of a channel: the strictest of its grades'."""
    return strictest(default_policy(grade) for grade in channel.grades)


SECONDS = N_("%(n)s s")
SPAN_UNITS = (N_("%(n)s min"), SECONDS, N_("%(n)s frames"))  # the words of Span.parts, in its messages


@dataclass(frozen=True)
class Span:
    """A length of time on air, in frames, for messages: '5 min', '5 min 30 s', '12 s 3 frames'."""

    frames: int
    fps: int

    @property
    def parts(self) -> tuple[int, int, int]:
        """Minutes, seconds and frames."""
        seconds, rest = divmod(self.frames, self.fps)
        minutes, seconds = divmod(seconds, 60)
        return minutes, seconds, rest

    def __str__(self) -> str:
        words = [unit % {"n": n} for unit, n in zip(SPAN_UNITS, self.parts, strict=True) if n]
        return " ".join(words) or SECONDS % {"n": 0}


# What each rule says of the slot breaking it: `measured` is a Span (a count for max_lessons),
# `limit` the policy's figure (minutes, a count, or the latest end as HH:MM), `previous` a slot.
# Each is a msgid: the web layer translates it and fills it in with the figures in the page's language.
DETAILS = {
    Rule.MAX_SINGLE_LESSON: N_("lasts %(measured)s; at most %(limit)s min at a time"),
    Rule.MIN_BREAK: N_("starts %(measured)s after slot %(previous)s ends; at least %(limit)s min required"),
    Rule.LATEST_END: N_("ends %(measured)s after %(limit)s, the latest end"),
    Rule.MAX_LESSONS: N_("is lesson %(measured)s of the day; at most %(limit)s"),
    Rule.MAX_LESSON_MINUTES: N_("brings the day's lessons to %(measured)s; at most %(limit)s min a day"),
}


@dataclass(frozen=True)
class Violation:
    """One broken rule at one slot, with the figures its detail names."""

    rule: Rule
    where: str  # a weekday, an override or a date
    slot: int | None
    start: time | None
    measured: Span | int
    limit: int | str
    previous: int | None = None  # min_break: the slot the break follows

    @property
    def detail(self) -> str:
        """What the slot does against the rule, in English."""
        return DETAILS[self.rule] % {"measured": self.measured, "limit": self.limit, "previous": self.previous}

    def __str__(self) -> str:
        where = self.where if self.slot is None else f"{self.where} slot {self.slot} ({_clock(self.start)})"
        return f"rule {self.rule}: {where} {self.detail}"


class PolicyViolation(ScheduleError):
    """A template or day breaks the screen-time policy."""

    AND_MORE = N_("%(first)s (and %(more)s more)")  # the first violation and how many follow

    def __init__(self, violations: Sequence[Violation]) -> None:
        super().__init__(tuple(violations))
        self.violations = tuple(violations)

    def __str__(self) -> str:
        first, more = str(self.violations[0]), len(self.violations) - 1
        return self.AND_MORE % {"first": first, "more": more} if more else first


@dataclass(frozen=True)
class _Sitting:
    """A stretch of teaching on screen: a lesson or a replay, in frames from the day start."""

    slot: int
    clock: time
    start: int
    frames: int
    counts_for_day: bool

    @property
    def end(self) -> int:
        """The offset just after the sitting."""
        return self.start + self.frames


def _clock(moment: time | None) -> str:
    """A wall-clock time as HH:MM, with seconds when not on the minute."""
    if moment is None:
        return "--:--"
    return f"{moment:%H:%M}" if not moment.second else f"{moment:%H:%M:%S}"


@dataclass(frozen=True)
class _Found:
    """A broken rule at a sitting, before it is placed in a day."""

    rule: Rule
    sitting: _Sitting
    measured: Span | int
    limit: int | str
    previous: int | None = None


def _single(policy: ScreenTimePolicy, sitting: _Sitting, fps: int) -> _Found | None:
    """The sitting, if it is too long."""
    if sitting.frames <= policy.max_single_lesson_minutes * 60 * fps:
        return None
    return _Found(Rule.MAX_SINGLE_LESSON, sitting, Span(sitting.frames, fps), policy.max_single_lesson_minutes)


def _rest(policy: ScreenTimePolicy, previous: _Sitting | None, sitting: _Sitting, fps: int) -> _Found | None:
    """The sitting, if the break before it is too short."""
    if previous is None or sitting.start - previous.end >= policy.min_break_minutes * 60 * fps:
        return None
    gap = Span(sitting.start - previous.end, fps)
    return _Found(Rule.MIN_BREAK, sitting, gap, policy.min_break_minutes, previous.slot)


def _late(policy: ScreenTimePolicy, sitting: _Sitting, latest: int, fps: int) -> _Found | None:
    """The sitting, if it ends too late."""
    if sitting.end <= latest:
        return None
    return _Found(Rule.LATEST_END, sitting, Span(sitting.end - latest, fps), _clock(policy.latest_end))


def _daily(policy: ScreenTimePolicy, sittings: Sequence[_Sitting], fps: int) -> list[_Found]:
    """The sittings that take the day past its number of lessons or its lesson minutes."""
    found, lessons, total = [], 0, 0
    limit = policy.max_lesson_minutes * 60 * fps
    for sitting in (s for s in sittings if s.counts_for_day):
        lessons, total = lessons + 1, total + sitting.frames
        if lessons == policy.max_lessons + 1:
            found.append(_Found(Rule.MAX_LESSONS, sitting, lessons, policy.max_lessons))
        if total - sitting.frames <= limit < total:
            found.append(_Found(Rule.MAX_LESSON_MINUTES, sitting, Span(total, fps), policy.max_lesson_minutes))
    return found


def _check(
    policy: ScreenTimePolicy, sittings: Sequence[_Sitting], latest: int, fps: int, where: str
) -> list[Violation]:
    """Every violation in a day's sittings, in the order of the day."""
    found: list[_Found] = []
    for previous, sitting in zip([None, *sittings], sittings, strict=False):
        checks = (_single(policy, sitting, fps), _rest(policy, previous, sitting, fps), _late(policy, sitting, latest, fps))
        found += [f for f in checks if f is not None]
    found += _daily(policy, sittings, fps)
    found.sort(key=lambda f: f.sitting.start)
    return [Violation(f.rule, where, f.sitting.slot, f.sitting.clock, f.measured, f.limit, f.previous) for f in found]


def _template_day(policy: ScreenTimePolicy, channel: Channel, slots: Sequence[SlotSpec], where: str) -> list[Violation]:
    """Violations of one weekday or override of a template, measured on its slots."""
    sittings = [
        _Sitting(p.number, p.spec.start, p.start, p.spec.frames, p.spec.kind is SlotKind.LESSON)
        for p in place_slots(channel, slots, where=where)
        if p.spec.kind in (SlotKind.LESSON, SlotKind.REPLAY)
    ]
    return _check(policy, sittings, channel.nominal_offset(policy.latest_end), channel.fps, where)


def _template_days(template: WeeklyTemplate) -> list[tuple[str, Sequence[SlotSpec]]]:
    """Each weekday and override of a template, named as messages name it, with its slots."""
    return [*zip(WEEKDAYS, template.week, strict=True), *((o.where, o.slots) for o in template.overrides)]


def template_violations(policy: ScreenTimePolicy, channel: Channel, template: WeeklyTemplate) -> tuple[Violation, ...]:
    """Every violation of the policy in a template's weekdays and overrides (its slots must be valid)."""
    return tuple(v for where, slots in _template_days(template) for v in _template_day(policy, channel, slots, where))


def template_problems(
    policy: ScreenTimePolicy, channel: Channel, template: WeeklyTemplate
) -> tuple[InvalidTemplate | Violation, ...]:
    """Everything wrong in a template, day by day: the flaw that keeps a day's slots from making a day (the
    first one: slots are placed in order), else the day's policy violations. Empty when it can be saved."""
    found: list[InvalidTemplate | Violation] = []
    for where, slots in _template_days(template):
        try:
            found += _template_day(policy, channel, slots, where)
        except InvalidTemplate as flaw:
            found.append(flaw)
    return tuple(found)


def check_template(policy: ScreenTimePolicy, channel: Channel, template: WeeklyTemplate) -> None:
    """Refuse a template that breaks the policy, naming the rule and the slot."""
    violations = template_violations(policy, channel, template)
    if violations:
        raise PolicyViolation(violations)


def day_violations(policy: ScreenTimePolicy, channel: Channel, plan: ChannelDayPlan) -> tuple[Violation, ...]:
    """Every violation of the policy in what an assembled day puts on air."""
    sittings = [
        _Sitting(e.slot or 0, channel.moment(plan.day, e.start).time(), e.start, e.length, e.kind is EventKind.LESSON)
        for e in plan.events
        if e.kind in (EventKind.LESSON, EventKind.REPLAY)
    ]
    latest = channel.offset(plan.day, policy.latest_end)
    return tuple(_check(policy, sittings, latest, channel.fps, _day_name(plan.day)))


def check_day(policy: ScreenTimePolicy, channel: Channel, plan: ChannelDayPlan) -> None:
    """Refuse an assembled day that breaks the policy, naming the rule and the slot."""
    violations = day_violations(policy, channel, plan)
    if violations:
        raise PolicyViolation(violations)


def _day_name(day: date) -> str:
    """A date for messages: 2020-02-10 (Monday)."""
    return f"{day} ({WEEKDAYS[day.weekday()]})"
