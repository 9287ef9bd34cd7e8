"""What families' pages show, in brief: a digest that changes exactly when a page must be written again,
and the lists the page writer (web/family_pages.py) walks. Read-only."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.domain.review_terms import ReviewState
from scheduler.services import channel_days, on_demand
from scheduler.services.channels import channel_from_row, channel_rows, list_channels
from scheduler.services.guide import broadcast_day, day_entries
from scheduler.services.live import replay_days as channel_replays
from scheduler.store.models import ChannelDay, DayStatus, Lesson, Recording, RecordingIngest, Subject, User

REPLAY_DAYS = 7  # past broadcast days a grade's replay pages cover


def digest(session: Session, *, now: datetime, public_dir: Path) -> tuple[object, ...]:
    """Everything the family pages show as of now, compared, not read: the published days, the watchable
    recordings and their files, channels, subjects, lessons and teachers' names, each public channel's
    broadcast day and how many of its programmes have started, and the replays written."""
    with session.begin():
        rows = channel_rows(session, public_only=True)
        published = session.execute(
            select(ChannelDay.id, ChannelDay.channel_id, ChannelDay.day)
            .where(ChannelDay.status == DayStatus.PUBLISHED).order_by(ChannelDay.id)).all()
        approved = session.scalars(select(Recording.id).where(Recording.state == ReviewState.APPROVED)
                                   .order_by(Recording.id)).all()
        ingests = session.execute(select(RecordingIngest.recording_id, RecordingIngest.finished_at)
                                  .order_by(RecordingIngest.recording_id)).all()
        catalogue = (
            session.execute(select(Subject.code, Subject.name).order_by(Subject.code)).all(),
            session.execute(select(func.count(Lesson.id), func.max(Lesson.id))).one(),
            hash(tuple(session.scalars(select(Lesson.title).order_by(Lesson.id)))),
            hash(tuple(session.scalars(select(User.display_name).order_by(User.id)))),
        )
        channels = [(r.id, r.name, tuple(r.grades), repr(sorted(r.settings.items()))) for r in rows]
    moments = []
    for row in rows:
        channel = channel_from_row(row)[0]
        today = broadcast_day(channel, now)
        try:
            plan = channel_days.day_plan(session, channel.id, today)[1]
            started = sum(entry.starts <= now for entry in day_entries(channel, plan))
        except channel_days.DayNotPublished:
            started = -1
        moments.append((channel.id, today, started, tuple(channel_replays(public_dir, channel.id))))
    return (tuple(published), tuple(approved), tuple(ingests), catalogue, tuple(channels), tuple(moments))


def grade_today(session: Session, grade: int, *, now: datetime) -> date:
    """The broadcast day now on the grade's first public channel."""
    return broadcast_day(list_channels(session, grade, public_only=True)[0], now)


def replay_days(session: Session, grade: int, *, now: datetime, public_dir: Path) -> list[date]:
    """The grade's first public channel's past days (the last REPLAY_DAYS) whose replay has been written."""
    channel = list_channels(session, grade, public_only=True)[0]
    today = broadcast_day(channel, now)
    return [day for day in channel_replays(public_dir, channel.id) if 0 < (today - day).days <= REPLAY_DAYS]


def watch_media(session: Session) -> dict[int, dict[str, str]]:
    """The media files (in the media store) of every recording families may watch, by recording."""
    watchable = on_demand.watchable_ids(session)
    with session.begin():
        rows = session.scalars(select(RecordingIngest).where(RecordingIngest.recording_id.in_(watchable)))
        found = {row.recording_id: dict(row.renditions) for row in rows}
    return {recording: found.get(recording, {}) for recording in watchable}
