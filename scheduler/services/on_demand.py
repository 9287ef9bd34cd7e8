"""Watching a lesson again (点播): a recording families may watch, when and where it aired, and the lessons
of its subject before and after it. Only approved recordings that a published day of a public channel airs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.catalogue import NotFound, lesson_label
from scheduler.domain.review_terms import ReviewState
from scheduler.services import renditions
from scheduler.services.channels import channel_from_row, channel_rows
from scheduler.store import plan_json
from scheduler.store.models import ChannelDay, DayStatus, Lesson, Recording


@dataclass(frozen=True)
class Airing:
    """One time a recording is on air: the channel's name and the start, in the channel's zone."""

    channel: str
    starts: datetime


@dataclass(frozen=True)
class Neighbour:
    """The lesson before or after in the subject, when it can be watched again."""

    recording_id: int
    title: str


@dataclass(frozen=True)
class OnDemand:
    """A lesson families may watch again, with its air times and the lessons around it."""

    recording_id: int
    title: str
    teacher: str
    grade: int
    subject_name: str
    video: str | None  # the on-demand MP4 in the media store, once the ingest made it
    poster: str | None
    airings: tuple[Airing, ...] = ()
    previous: Neighbour | None = None
    next: Neighbour | None = None


def on_demand(session: Session, recording_id: int) -> OnDemand:
    """The on-demand view of a recording; NotFound unless it is approved and a public channel's published day airs it."""
    with session.begin():
        recording = session.get(Recording, recording_id)
        airings = _airings(session, recording) if recording and recording.state is ReviewState.APPROVED else ()
        if recording is None or not airings:
            raise NotFound("lesson on demand", recording_id)
        lesson = recording.lesson
        made = renditions.ingest_of(session, recording_id)
        files = made.renditions if made else {}
        before, after = _neighbours(session, lesson)
        return OnDemand(
            recording_id, _label(lesson), recording.teacher.display_name, lesson.grade, lesson.subject.name,
            files.get("mp4"), files.get("poster"), airings, before, after,
        )


def _label(lesson: Lesson) -> str:
    return lesson_label(lesson.grade, lesson.subject.name, lesson.sequence, lesson.title)


def _airings(session: Session, recording: Recording) -> tuple[Airing, ...]:
    """When public channels carrying the lesson's grade air the recording in their published days, in time order."""
    rows = {row.id: row for row in channel_rows(session, recording.lesson.grade, public_only=True)}
    days = session.scalars(
        select(ChannelDay).where(ChannelDay.channel_id.in_(rows), ChannelDay.status == DayStatus.PUBLISHED)
    )
    found = []
    for day in (d for d in days if recording.id in d.recording_ids):
        channel = channel_from_row(rows[day.channel_id])[0]
        plan = plan_json.plan_from_dict(day.plan)
        starts = [e.start for e in plan.events if e.airing and e.airing.recording and e.airing.recording.id == recording.id]
        found += [Airing(channel.name, channel.moment(day.day, start)) for start in starts]
    return tuple(sorted(found, key=lambda airing: airing.starts))


def _neighbours(session: Session, lesson: Lesson) -> tuple[Neighbour | None, Neighbour | None]:
    """The nearest lessons before and after in the grade's subject that can be watched again."""
    others = session.scalars(
        select(Lesson).where(Lesson.grade == lesson.grade, Lesson.subject_id == lesson.subject_id, Lesson.id != lesson.id)
        .order_by(Lesson.sequence)
    ).all()
    watchable = [(other, rec) for other in others if (rec := _watchable(session, other)) is not None]
    before = [pair for pair in watchable if pair[0].sequence < lesson.sequence]
    after = [pair for pair in watchable if pair[0].sequence > lesson.sequence]
    return (
        Neighbour(before[-1][1].id, _label(before[-1][0])) if before else None,
        Neighbour(after[0][1].id, _label(after[0][0])) if after else None,
    )


def _watchable(session: Session, lesson: Lesson) -> Recording | None:
    """The lesson's approved recording (the highest revision) if a public channel airs it."""
    recording = session.scalars(
        select(Recording).where(Recording.lesson_id == lesson.id, Recording.state == ReviewState.APPROVED)
        .order_by(Recording.revision.desc())
    ).first()
    return recording if recording is not None and _airings(session, recording) else None
