"""What families' pages show, in brief: a digest that changes exactly when a page must be written again,
and the lists the page writer (web/family_pages.py) walks. Read-only."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.review_terms import ReviewState
from scheduler.services import channel_days, on_demand
from scheduler.services.channels import channel_from_row, channel_rows, list_channels
from scheduler.services.guide import broadcast_day, day_entries
from scheduler.services.live import replay_days as channel_replays
from scheduler.store.models import ChannelDay, DayStatus, Lesson, Recording, RecordingIngest, Subject, User


@dataclass(frozen=True)
class FamilyDigest:
    """What the family pages show as of an instant, compared, not read: what every page shares (subjects,
    lessons' titles, teachers' names, the grades on air), each grade's (its channels, published days,
    approved recordings, broadcast day, replays written), each grade's clock (how many of its channels'
    programmes have started) and each recording's renditions."""

    shared: tuple[object, ...]
    grades: dict[int, tuple[object, ...]]
    clock: dict[int, tuple[object, ...]]
    renditions: Mapping[int, object]


def digest(session: Session, *, now: datetime, public_dir: Path) -> FamilyDigest:
    """The digest of the family pages as of now (see FamilyDigest)."""
    with session.begin():
        rows = channel_rows(session, public_only=True)
        published = session.execute(select(ChannelDay.channel_id, ChannelDay.id)
                                    .where(ChannelDay.status == DayStatus.PUBLISHED).order_by(ChannelDay.id)).all()
        approved = session.execute(select(Lesson.grade, Recording.id).join(Lesson)
                                   .where(Recording.state == ReviewState.APPROVED).order_by(Recording.id)).all()
        renditions = dict(session.execute(select(RecordingIngest.recording_id, RecordingIngest.finished_at)).all())
        shared = (
            tuple(tuple(row) for row in session.execute(select(Subject.code, Subject.name).order_by(Subject.code))),
            hash(tuple(session.scalars(select(Lesson.title).order_by(Lesson.id)))),
            hash(tuple(session.scalars(select(User.display_name).order_by(User.id)))),
            tuple(sorted({grade for row in rows for grade in row.grades})),
        )
    grades: dict[int, tuple[object, ...]] = {}
    clock: dict[int, tuple[object, ...]] = {}
    for row in rows:
        channel = channel_from_row(row)[0]
        today = broadcast_day(channel, now)
        try:
            plan = channel_days.day_plan(session, channel.id, today)[1]
            started = sum(entry.starts <= now for entry in day_entries(channel, plan))
        except channel_days.DayNotPublished:
            started = -1
        days = tuple(day_id for channel_id, day_id in published if channel_id == row.id)
        mine = (row.id, row.name, row.updated_at, today, days, tuple(channel_replays(public_dir, row.id, today)))
        for grade in row.grades:
            grades[grade] = (*grades.get(grade, ()), mine)
            clock[grade] = (*clock.get(grade, ()), (row.id, started))
    for grade in grades:
        grades[grade] += (tuple(rid for g, rid in approved if g == grade),)
    return FamilyDigest(shared, grades, clock, renditions)


def grade_today(session: Session, grade: int, *, now: datetime) -> date:
    """The broadcast day now on the grade's first public channel."""
    return broadcast_day(list_channels(session, grade, public_only=True)[0], now)


def replay_days(session: Session, grade: int, *, now: datetime, public_dir: Path) -> list[date]:
    """The past days of the grade's first public channel families can watch again."""
    channel = list_channels(session, grade, public_only=True)[0]
    return channel_replays(public_dir, channel.id, broadcast_day(channel, now))


def watch_media(session: Session) -> dict[int, dict[str, str]]:
    """The media files (in the media store) of every recording families may watch, by recording."""
    watchable = on_demand.watchable_ids(session)
    with session.begin():
        rows = session.scalars(select(RecordingIngest).where(RecordingIngest.recording_id.in_(watchable)))
        found = {row.recording_id: dict(row.renditions) for row in rows}
    return {recording: found.get(recording, {}) for recording in watchable}
