"""What a job works on, in the users' words: the lesson of an ingest (QC or renditions), the channel and day of a
render."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.store.models import ChannelRow, Job, Lesson, Recording, Subject


@dataclass(frozen=True)
class LessonOfJob:
    """The recording an ingest job works on, named by its lesson."""

    recording_id: int
    revision: int
    grade: int
    subject: str
    sequence: int
    title: str


@dataclass(frozen=True)
class DayOfJob:
    """The channel day a render job makes the playout file of."""

    channel_id: str
    channel: str
    day: date


JobSubject = LessonOfJob | DayOfJob
RECORDING_KINDS = frozenset({"ingest", "renditions"})  # their params name a recording


def _param(job: Job, name: str) -> object:
    return job.params.get(name) if isinstance(job.params, dict) else None


def _recording_id(job: Job) -> int | None:
    value = _param(job, "recording_id")
    if job.kind not in RECORDING_KINDS or not isinstance(value, int) or isinstance(value, bool):
        return None
    return value


def _channel_day(job: Job) -> tuple[str, date] | None:
    channel_id, day = _param(job, "channel_id"), _param(job, "day")
    if job.kind != "render_day" or not isinstance(channel_id, str) or not isinstance(day, str):
        return None
    try:
        return channel_id, date.fromisoformat(day)
    except ValueError:
        return None


def job_subjects(session: Session, jobs: Sequence[Job]) -> dict[int, JobSubject]:
    """By job id, what each of these jobs works on (jobs of other kinds, or whose subject is gone, are left out)."""
    recordings = {job.id: r for job in jobs if (r := _recording_id(job)) is not None}
    renders = {job.id: d for job in jobs if (d := _channel_day(job)) is not None}
    with session.begin():
        lessons = _lessons(session, set(recordings.values()))
        channels = _channel_names(session, {channel_id for channel_id, _day in renders.values()})
    subjects: dict[int, JobSubject] = {
        job_id: lessons[recording_id] for job_id, recording_id in recordings.items() if recording_id in lessons
    }
    for job_id, (channel_id, day) in renders.items():
        if channel_id in channels:
            subjects[job_id] = DayOfJob(channel_id, channels[channel_id], day)
    return subjects


def _lessons(session: Session, recording_ids: set[int]) -> dict[int, LessonOfJob]:
    query = (
        select(Recording.id, Recording.revision, Lesson.grade, Subject.name, Lesson.sequence, Lesson.title)
        .join(Lesson, Recording.lesson_id == Lesson.id).join(Subject, Lesson.subject_id == Subject.id)
        .where(Recording.id.in_(recording_ids))
    )
    return {row[0]: LessonOfJob(*row) for row in session.execute(query)} if recording_ids else {}


def _channel_names(session: Session, channel_ids: set[str]) -> dict[str, str]:
    query = select(ChannelRow.id, ChannelRow.name).where(ChannelRow.id.in_(channel_ids))
    return {row[0]: row[1] for row in session.execute(query)} if channel_ids else {}
