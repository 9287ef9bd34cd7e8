"""The operator's start page: every channel's next days at a glance, read in one pass, and the range action that
assembles and publishes all public channels, previewed before it is applied.

The glance reads the version numbers and only the slot reports of the stored days (not their ~9,000 events) in
one query for all channels, the open failed-job alerts in another, and projects the days not assembled yet.
The range action runs channel by channel, each channel's days in one transaction: a channel that fails keeps
its days as they were and is reported; the others are published (a day's cursor follows from the day before,
so a channel is never left with half its range applied). A script confirms it with the fingerprint of the preview
it was shown: the action is refused (`RangeChanged`) when what it would do now is no longer that.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from scheduler.domain.channels import Channel, ScheduleError
from scheduler.domain.day_glance import DayGlance, DayState, glance
from scheduler.domain.plan import PlannedLesson, SlotReport
from scheduler.domain.review import Actor
from scheduler.services import channel_days, permissions
from scheduler.services.channel_days import DayOutcome
from scheduler.services.channels import channel_from_row, channel_rows
from scheduler.services.guide import broadcast_day
from scheduler.services.operator_alerts import JOB_FAILED_ALERT
from scheduler.services.permissions import Permission
from scheduler.store.models import ChannelDay, DayStatus, OperatorAlert, TimedJobRun

DAYS = 7


@dataclass(frozen=True)
class ChannelGlance:
    """A channel and its days from the first day of the page."""

    channel: Channel
    days: tuple[DayGlance, ...]


@dataclass(frozen=True)
class StartPage:
    """Every channel's days from `first` (the broadcast day now), the channels whose tomorrow is not published,
    and the timed jobs whose last run failed."""

    first: date
    channels: tuple[ChannelGlance, ...]
    failed_timed_jobs: tuple[str, ...]

    @property
    def dates(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(DAYS)]

    @property
    def tomorrow(self) -> date:
        return self.first + timedelta(days=1)

    def not_published(self, day: date) -> list[Channel]:
        """The public channels that have no published version of a day (internal ones air to no family)."""
        return [c.channel for c in self.channels if c.channel.public
                for g in c.days if g.day == day and g.state is not DayState.PUBLISHED]


@dataclass(frozen=True)
class ChannelRun:
    """What the range action would do, or did, to one channel: each day's outcome, or why nothing was saved."""

    channel: Channel
    outcomes: tuple[DayOutcome, ...] = ()
    error: ScheduleError | None = None

    @property
    def standby(self) -> list[SlotReport]:
        return channel_days.standby_lessons(self.outcomes)


@dataclass(frozen=True)
class RangeAction:
    """The range action over `days` days from `first`, every public channel's run, and the fingerprint of what it
    would do (or did): a confirmation names the fingerprint of the preview it answers."""

    first: date
    days: int
    runs: tuple[ChannelRun, ...]

    @property
    def standby(self) -> int:
        """Lesson slots of every channel that air the standby programme."""
        return sum(len(run.standby) for run in self.runs)

    @property
    def nothing_applied(self) -> bool:
        """Every public channel failed (none is not a failure)."""
        return bool(self.runs) and all(run.error is not None for run in self.runs)

    @property
    def fingerprint(self) -> str:
        """sha256 of the range and of each channel's error or day outcomes: versions, actions, changes and the
        slots that air the standby programme (a later approval, publication or template edit changes it)."""
        runs = [[run.channel.id, _error_facts(run.error), [_outcome_facts(o) for o in run.outcomes]] for run in self.runs]
        text = json.dumps([self.first.isoformat(), self.days, runs], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def _error_facts(error: ScheduleError | None) -> list[str] | None:
    return None if error is None else [type(error).__name__, str(error)]


def _outcome_facts(outcome: DayOutcome) -> list[object]:
    problems = [[p.slot, p.kind, p.status, p.lesson_id, p.recording_id, p.note] for p in outcome.problems]
    return [outcome.day.isoformat(), outcome.version, outcome.status, outcome.action, outcome.refilled, problems,
            [str(change) for change in outcome.changes]]


class RangeChanged(ScheduleError):
    """The range action was confirmed with the fingerprint of a preview that no longer holds."""

    def __init__(self, first: date, days: int, confirmed: str, current: RangeAction) -> None:
        super().__init__(f"what publishing {days} day(s) from {first} would do has changed since the preview "
                         f"(confirmed {confirmed[:12]}, now {current.fingerprint[:12]}): nothing was applied; "
                         "preview again")
        self.current = current


def start_page(session: Session, actor: Actor, *, now: datetime) -> StartPage:
    """Every channel on air with its next seven days at a glance."""
    permissions.check(actor, Permission.READ_SCHEDULE)
    with session.begin():
        channels = [channel_from_row(row) for row in channel_rows(session)]
        first = min((broadcast_day(c, now) for c, _t in channels), default=now.date())
        last = first + timedelta(days=DAYS)
        stored = _stored(session, first, last)
        failed = _failed_jobs(session, first, last)
        lessons: list[PlannedLesson] | None = None  # read once, if some day is not assembled
        shown = []
        for channel, template in channels:
            missing = [d for d in _dates(first) if (channel.id, d) not in stored]
            if missing and lessons is None:
                lessons = channel_days.planned_lessons(session, sorted({g for c, _t in channels for g in c.grades}))
            projected = channel_days.project(session, channel, template, missing[0], (last - missing[0]).days,
                                             lessons or []) if missing else ()
            days = tuple(_glance(channel.id, d, stored.get((channel.id, d)), projected, failed) for d in _dates(first))
            shown.append(ChannelGlance(channel, days))
        jobs = session.scalars(select(TimedJobRun.id).where(TimedJobRun.last_outcome == "failed").order_by(TimedJobRun.id))
        return StartPage(first, tuple(shown), tuple(jobs))


def _dates(first: date) -> list[date]:
    return [first + timedelta(days=n) for n in range(DAYS)]


_Stored = dict[DayStatus, tuple[int, tuple[SlotReport, ...]]]


def _stored(session: Session, first: date, last: date) -> dict[tuple[str, date], _Stored]:
    """The current versions of every channel's days: number and slot reports (a plan's events are most of it)."""
    rows = list(session.scalars(select(ChannelDay).options(defer(ChannelDay.plan), defer(ChannelDay.feeds)).where(
        ChannelDay.day >= first, ChannelDay.day < last, ChannelDay.status != DayStatus.SUPERSEDED)))
    reports = channel_days.slot_reports(session, rows)
    found: dict[tuple[str, date], _Stored] = {}
    for row in rows:
        found.setdefault((row.channel_id, row.day), {})[row.status] = (row.version, reports[row.id])
    return found


def _failed_jobs(session: Session, first: date, last: date) -> Counter[tuple[str, date]]:
    """Open alerts of failed timed jobs by channel and day."""
    query = (select(OperatorAlert.channel_id, OperatorAlert.day, func.count())
             .where(OperatorAlert.kind == JOB_FAILED_ALERT, OperatorAlert.acknowledged_at.is_(None),
                    OperatorAlert.day >= first, OperatorAlert.day < last)
             .group_by(OperatorAlert.channel_id, OperatorAlert.day))
    return Counter({(channel_id, day): n for channel_id, day, n in session.execute(query)})


def _glance(channel_id: str, day: date, stored: _Stored | None, projected: Sequence[SlotReport],
            failed: Counter[tuple[str, date]]) -> DayGlance:
    published, draft = (stored or {}).get(DayStatus.PUBLISHED), (stored or {}).get(DayStatus.DRAFT)
    airs = published or draft
    reports = airs[1] if airs else [r for r in projected if r.day == day]
    return glance(channel_id, day, published=published and published[0], draft=draft and draft[0], reports=reports,
                  failed_jobs=failed[(channel_id, day)])


# --- the range action ----------------------------------------------------------------------------


def preview_range(session: Session, actor: Actor, first: date, days: int, *, at: datetime) -> RangeAction:
    """What assembling and publishing every public channel's days would do, channel by channel, with its standby
    total and the fingerprint a confirmation names; nothing is saved."""
    permissions.check(actor, Permission.STEER_SCHEDULE)
    return RangeAction(first, days, tuple(
        _run(c, lambda cid: channel_days.assemble_and_publish_preview(session, cid, first, days, at=at))
        for c in _public(session)))


def apply_confirmed_range(session: Session, actor: Actor, first: date, days: int, *, at: datetime,
                          fingerprint: str) -> RangeAction:
    """Assemble and publish every public channel's days (each channel's days together; a channel that cannot be
    assembled is reported with its error, none of its days saved, and the others published), all in one
    transaction kept only if it did what the preview with this fingerprint showed: else `RangeChanged`, with
    what the action would do now, and nothing is saved. What is published is what was confirmed, even when an
    approval lands between the preview and the confirmation, or during the action."""
    permissions.check(actor, Permission.STEER_SCHEDULE)
    channels = _public(session)
    # A session beside the caller's: the rollback of a refused action must not expire the caller's objects (the
    # signed-in user); of the caller's class, whose after-commit hook rewrites the public feed files.
    with type(session)(bind=session.get_bind(), expire_on_commit=False) as own, own.begin():
        done = RangeAction(first, days, tuple(
            _run(channel, lambda cid: channel_days.assemble_and_publish_within(own, cid, first, days, at=at,
                                                                               by=actor.user_id), savepoint_in=own)
            for channel in channels))
        if done.fingerprint != fingerprint:
            raise RangeChanged(first, days, fingerprint, done)
    return done


def _public(session: Session) -> list[Channel]:
    with session.begin():
        return [channel_from_row(row)[0] for row in channel_rows(session, public_only=True)]


def _run(channel: Channel, use_case: Callable[[str], list[DayOutcome]], savepoint_in: Session | None = None
         ) -> ChannelRun:
    """The channel's day outcomes, or the error that stopped it (in a savepoint of savepoint_in when given: its
    days undone, the rest of the transaction kept)."""
    try:
        with savepoint_in.begin_nested() if savepoint_in is not None else nullcontext():
            return ChannelRun(channel, tuple(use_case(channel.id)))
    except ScheduleError as error:
        return ChannelRun(channel, error=error)
