"""Page-shaped reads of the schedule: all an operator page shows, from one call that checks who may read it.

A channel day, its week and the readiness report each call one of these; the
JSON API reads the same use cases one resource at a time (services/channel_days.py). The use
cases each read in a transaction of their own.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from scheduler.domain.changes import SlotChange, diff_days
from scheduler.domain.channels import Channel
from scheduler.domain.plan import ChannelDayPlan, SlotReport, SlotStatus
from scheduler.domain.review import Actor
from scheduler.services import channel_days, permissions, playout, recordings
from scheduler.services.channels import get_channel
from scheduler.services.guide import broadcast_day
from scheduler.services.permissions import Permission
from scheduler.store.db import paginate
from scheduler.store.models import ChannelDay, DayStatus, Job, Lesson, Recording

WEEK = 7


@dataclass(frozen=True)
class DayPage:
    """One channel day: its stored versions and the plan shown (the draft, else the published one), what
    publishing the draft would change, the readiness projection of a day not assembled, the playout file."""

    channel: Channel
    day: date
    versions: list[ChannelDay]
    draft: ChannelDay | None
    published: ChannelDay | None
    plan: ChannelDayPlan | None = None
    shown: ChannelDay | None = None
    pending: tuple[SlotChange, ...] | None = None
    projected: tuple[SlotReport, ...] | None = None
    render_job: Job | None = None
    playout_ready: bool = False


@dataclass(frozen=True)
class WeekDay:
    """A day of the week grid: its current version and plan, or the readiness projection if none is stored."""

    day: date
    version: ChannelDay | None
    plan: ChannelDayPlan | None
    projected: tuple[SlotReport, ...]


@dataclass(frozen=True)
class WeekPage:
    channel: Channel
    first: date
    days: list[WeekDay]


@dataclass(frozen=True)
class MissingLesson:
    """A lesson a slot needs and its latest recording the reader may see (what must be finished before air)."""

    lesson: Lesson
    latest: Recording | None


@dataclass(frozen=True)
class ReadinessPage:
    channel: Channel
    first: date
    days: int
    reports: tuple[SlotReport, ...]
    counts: dict[SlotStatus, int]
    lessons: dict[int, MissingLesson]


def _current(versions: Sequence[ChannelDay], status: DayStatus) -> ChannelDay | None:
    return next((v for v in versions if v.status is status), None)


def day_page(
    session: Session, actor: Actor, channel_id: str, day: date | None, *, now: datetime, media_dir: Path
) -> DayPage:
    """A channel day (`None`: the broadcast day now) as the day page shows it."""
    permissions.check(actor, Permission.READ_SCHEDULE)
    channel, _template = get_channel(session, channel_id)
    day = day or broadcast_day(channel, now)
    versions = channel_days.day_versions(session, channel_id, day, 1, plans=False)
    draft, published = _current(versions, DayStatus.DRAFT), _current(versions, DayStatus.PUBLISHED)
    if draft is None and published is None:
        projected = channel_days.readiness_report(session, channel_id, day, 1)
        return DayPage(channel, day, versions, draft, published, projected=projected)
    _channel, plan, shown = channel_days.day_plan(session, channel_id, day, drafts=True)
    pending = None
    if draft is not None and published is not None:
        _channel, before, _row = channel_days.day_plan(session, channel_id, day)
        pending = diff_days(before, plan)
    job, ready = None, False
    if published is not None:
        job = playout.render_job(session, channel_id, day, published.version)
        ready = playout.rendered_file(session, media_dir, channel_id, day, published.version) is not None
    return DayPage(channel, day, versions, draft, published, plan=plan, shown=shown, pending=pending,
                   render_job=job, playout_ready=ready)


def week_page(session: Session, actor: Actor, channel_id: str, first: date | None, *, now: datetime) -> WeekPage:
    """Seven days from `first` (`None`: the broadcast day now): each stored day's plan, else its projection."""
    permissions.check(actor, Permission.READ_SCHEDULE)
    channel, _template = get_channel(session, channel_id)
    first = first or broadcast_day(channel, now)
    versions = channel_days.day_versions(session, channel_id, first, WEEK, plans=False)
    stored = {v.day: v for v in versions if v.status is not DayStatus.SUPERSEDED}
    missing = [first + timedelta(days=n) for n in range(WEEK) if first + timedelta(days=n) not in stored]
    projected = channel_days.readiness_report(session, channel_id, missing[0], (first - missing[0]).days + WEEK) if missing else ()
    days = []
    for day in (first + timedelta(days=n) for n in range(WEEK)):
        if day in stored:
            _channel, plan, row = channel_days.day_plan(session, channel_id, day, drafts=True)
            days.append(WeekDay(day, row, plan, ()))
        else:
            days.append(WeekDay(day, None, None, tuple(r for r in projected if r.day == day)))
    return WeekPage(channel, first, days)


def readiness_page(
    session: Session, actor: Actor, channel_id: str, first: date | None, days: int, *, now: datetime
) -> ReadinessPage:
    """The readiness report of `days` days from `first` (`None`: the broadcast day now), with each needed
    lesson and its latest recording the reader may see."""
    permissions.check(actor, Permission.READ_SCHEDULE)
    channel, _template = get_channel(session, channel_id)
    first = first or broadcast_day(channel, now)
    reports = channel_days.readiness_report(session, channel_id, first, days)
    counts = {status: sum(1 for r in reports if r.status is status) for status in SlotStatus}
    with session.begin():
        lessons = _missing(session, actor, {r.lesson_id for r in reports if r.lesson_id is not None})
    return ReadinessPage(channel, first, days, reports, counts, lessons)


def _missing(session: Session, actor: Actor, lesson_ids: set[int]) -> dict[int, MissingLesson]:
    query = select(Lesson).where(Lesson.id.in_(lesson_ids)).options(joinedload(Lesson.subject), joinedload(Lesson.county))
    found = {}
    for lesson in session.scalars(query):
        latest = paginate(session, recordings.listing(actor, lesson_id=lesson.id), 1, 1).items
        found[lesson.id] = MissingLesson(lesson, latest[0] if latest else None)
    return found
