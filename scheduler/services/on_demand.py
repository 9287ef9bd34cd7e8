"""Watching lessons again (点播): the recordings families may watch, when and where they aired, the lessons of
a subject before and after, and the library of a grade (subject → lessons in curriculum order).

Only approved recordings that a published day of a public channel airs. The airings come from one pass over
the published days (`_airings_by_recording`), whose plans channel_days keeps parsed.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.catalogue import NotFound, lesson_label
from scheduler.domain.review_terms import ReviewState
from scheduler.services import channel_days
from scheduler.services.channels import channel_from_row, channel_rows
from scheduler.services.guide import day_entries
from scheduler.store.models import ChannelDay, DayStatus, Lesson, Recording, RecordingIngest


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
    subject_code: str
    subject_name: str
    video: str | None  # the on-demand MP4 in the media store, once the ingest made it
    poster: str | None
    hls: str | None  # the HLS ladder's master playlist in the media store
    airings: tuple[Airing, ...] = ()
    previous: Neighbour | None = None
    next: Neighbour | None = None


@dataclass(frozen=True)
class LibrarySubject:
    """A subject of a grade's library: its lessons that can be watched, in curriculum order."""

    code: str
    name: str
    lessons: tuple[OnDemand, ...]


@dataclass(frozen=True)
class GradeLibrary:
    grade: int
    subjects: tuple[LibrarySubject, ...]

    def subject(self, code: str) -> LibrarySubject:
        found = next((s for s in self.subjects if s.code == code), None)
        if found is None:
            raise NotFound("subject", code)
        return found


def on_demand(session: Session, recording_id: int) -> OnDemand:
    """The on-demand view of a recording; NotFound unless it is approved and a public channel's published day airs it."""
    with session.begin():
        recording = session.get(Recording, recording_id)
        grade = recording.lesson.grade if recording else None
    if recording is None or grade is None or recording.state is not ReviewState.APPROVED:
        raise NotFound("lesson on demand", recording_id)
    airings = _airings_by_recording(session, grade)
    with session.begin():
        recording = session.get(Recording, recording_id)
        if recording is None or recording.state is not ReviewState.APPROVED:  # revoked in between
            raise NotFound("lesson on demand", recording_id)
        subject = _subject_lessons(session, recording.lesson, airings)
        found = next((i for i, lesson in enumerate(subject) if lesson.recording_id == recording_id), None)
        if found is None:
            raise NotFound("lesson on demand", recording_id)
        return _with_neighbours(subject, found)


def library(session: Session, grade: int) -> GradeLibrary:
    """Every lesson of the grade that can be watched again, by subject (in the order of their codes)."""
    airings = _airings_by_recording(session, grade)
    with session.begin():
        lessons = session.scalars(select(Lesson).where(Lesson.grade == grade).order_by(Lesson.subject_id, Lesson.sequence))
        by_subject: dict[int, Lesson] = {}
        for lesson in lessons:
            by_subject.setdefault(lesson.subject_id, lesson)
        subjects = []
        for first in sorted(by_subject.values(), key=lambda lesson: lesson.subject.code):
            watchable = _subject_lessons(session, first, airings)
            if watchable:
                subjects.append(LibrarySubject(first.subject.code, first.subject.name, tuple(
                    _with_neighbours(watchable, index) for index in range(len(watchable)))))
        return GradeLibrary(grade, tuple(subjects))


def watchable_ids(session: Session) -> set[int]:
    """Every recording that can be watched again, in any grade."""
    return set(_airings_by_recording(session, None))


def _label(lesson: Lesson) -> str:
    return lesson_label(lesson.grade, lesson.subject.name, lesson.sequence, lesson.title)


_AIRINGS: dict[tuple[object, ...], dict[int, tuple[Airing, ...]]] = {}  # by the published versions read


def _airings_by_recording(session: Session, grade: int | None) -> dict[int, tuple[Airing, ...]]:
    """When public channels (of the grade, or all) air each recording in their published days, in time order.
    Outside a transaction: the plans are read one short transaction each; the answer is kept until a day is
    published (each watch page asks for its grade's)."""
    with session.begin():
        rows = channel_rows(session, grade, public_only=True)
        channels = {row.id: channel_from_row(row)[0] for row in rows}
        versions = tuple((row.id, row.updated_at) for row in rows)
        days = session.execute(
            select(ChannelDay.id, ChannelDay.channel_id, ChannelDay.published_at)
            .where(ChannelDay.channel_id.in_(channels), ChannelDay.status == DayStatus.PUBLISHED)
            .order_by(ChannelDay.id)
        ).all()
    key = (grade, versions, tuple(days))
    if key not in _AIRINGS:
        plans = channel_days.published_plans(session, [day.id for day in days])
        found: dict[int, list[Airing]] = defaultdict(list)
        for day in days:
            channel = channels[day.channel_id]
            for entry in day_entries(channel, plans[day.id]) if day.id in plans else ():
                if entry.recording_id is not None:
                    found[entry.recording_id].append(Airing(channel.name, entry.starts))
        if len(_AIRINGS) > 32:
            _AIRINGS.clear()
        _AIRINGS[key] = {rid: tuple(sorted(airings, key=lambda a: a.starts)) for rid, airings in found.items()}
    return _AIRINGS[key]


def _subject_lessons(session: Session, lesson: Lesson, airings: dict[int, tuple[Airing, ...]]) -> list[OnDemand]:
    """The lessons of the lesson's grade and subject that can be watched, in curriculum order (each lesson's
    approved recording of the highest revision that a public channel airs)."""
    recordings = session.scalars(
        select(Recording).join(Lesson)
        .where(Lesson.grade == lesson.grade, Lesson.subject_id == lesson.subject_id, Recording.state == ReviewState.APPROVED)
        .order_by(Lesson.sequence, Recording.revision.desc())
    )
    chosen: dict[int, Recording] = {}
    for recording in recordings:
        if recording.id in airings:
            chosen.setdefault(recording.lesson_id, recording)
    made = {row.recording_id: row.renditions for row in session.scalars(
        select(RecordingIngest).where(RecordingIngest.recording_id.in_([r.id for r in chosen.values()])))}
    return [_view(recording, airings[recording.id], made.get(recording.id) or {}) for recording in chosen.values()]


def _view(recording: Recording, airings: tuple[Airing, ...], files: dict[str, str]) -> OnDemand:
    lesson = recording.lesson
    return OnDemand(recording.id, _label(lesson), recording.teacher.display_name, lesson.grade, lesson.subject.code,
                    lesson.subject.name, files.get("mp4"), files.get("poster"), files.get("hls"), airings)


def _with_neighbours(lessons: list[OnDemand], index: int) -> OnDemand:
    before = lessons[index - 1] if index > 0 else None
    after = lessons[index + 1] if index + 1 < len(lessons) else None
    return replace(lessons[index], previous=Neighbour(before.recording_id, before.title) if before else None,
                   next=Neighbour(after.recording_id, after.title) if after else None)
