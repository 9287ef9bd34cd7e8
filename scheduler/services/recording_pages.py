"""Page-shaped reads of recordings: all a page shows, gathered in one transaction after one visibility check.

The recording page, the review queue and the teacher's lesson pages each call one of these; the
JSON API reads the same things one resource at a time (services/recordings.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain import review
from scheduler.domain.catalogue import Page
from scheduler.domain.review import Actor
from scheduler.domain.review_errors import ReviewError
from scheduler.domain.review_terms import Action, ReviewState
from scheduler.services import air_dates, channel_days, curriculum, permissions, recordings, renditions
from scheduler.services.permissions import Permission
from scheduler.store.db import MAX_PER_PAGE, paginate
from scheduler.store.models import AuditEvent, Job, Lesson, Recording, RecordingIngest


@dataclass(frozen=True)
class Revision:
    """One revision of a lesson's recording with its audit trail and what its ingest made (None until it has)."""

    recording: Recording
    history: list[AuditEvent]
    ingest: RecordingIngest | None
    ingest_job: Job | None
    ingest_position: int | None = None  # the queued ingest job's place in the media queue


@dataclass(frozen=True)
class RecordingPage:
    """A recording's page: the recording with its lesson, its audit trail, whether the actor decides on recordings
    at all, what they may decide on this one now (and whether their approval waits for technical QC), what its
    ingest made (None until it has) with the newest ingest job, and why the previous revision was sent back."""

    recording: Recording
    history: list[AuditEvent]
    allowed_actions: list[Action]
    ingest: RecordingIngest | None
    ingest_job: Job | None
    decides: bool = False
    waits_for_qc: bool = False
    sent_back: AuditEvent | None = None  # the previous revision's request for changes or revocation
    airs_on: list[tuple[str, date]] = field(default_factory=list)  # published days a revocation would change
    ingest_position: int | None = None  # the queued ingest job's place in the media queue


@dataclass(frozen=True)
class QueueItem:
    """A recording waiting on the reviewer, the earliest day a slot needs its lesson (None: none within the
    horizon), and its technical QC verdict (None while QC has not reported on its media)."""

    recording: Recording
    airs: date | None
    qc_status: str | None
    qc_failed: str | None = None


@dataclass(frozen=True)
class ReviewQueue:
    """What waits on a reviewer's decision, most urgent first (the earliest planned air date, then the oldest
    upload), and how many per review step."""

    waiting: Page[QueueItem]
    counts: dict[ReviewState, int]


@dataclass(frozen=True)
class LessonRow:
    """A lesson with the teacher's latest revision of it, the latest reviewer comment on that revision and the
    earliest day a slot needs the lesson."""

    lesson: Lesson
    latest: Recording | None
    revisions: int
    comment: AuditEvent | None
    airs: date | None = None


@dataclass(frozen=True)
class LessonPage:
    """A lesson with every revision the teacher uploaded, newest first, and whether they may upload another."""

    lesson: Lesson
    revisions: list[Revision]
    may_upload: bool
    airs: date | None = None  # the earliest day a slot needs the lesson


def _revision(session: Session, recording: Recording) -> Revision:
    job = renditions.ingest_job(session, recording.id)
    return Revision(
        recording=recording,
        history=recordings.audit_trail(session, recording.id),
        ingest=renditions.ingest_of(session, recording.id),
        ingest_job=job,
        ingest_position=renditions.queue_position(session, job),
    )


def recording_page(session: Session, actor: Actor, recording_id: int, *, at: datetime | None = None) -> RecordingPage:
    """A recording the actor may see, with its lesson, trail, ingest and the decisions open to the actor (and,
    when they may revoke it, the published days from `at` on that revoking would change)."""
    with session.begin():
        recording = recordings.load_recording(session, actor, recording_id)  # the one visibility check
        allowed = recordings.next_actions(session, actor, recording)
        airs_on = (channel_days.published_days_airing(session, recording.id, at=at)
                   if at is not None and Action.REVOKE in allowed else [])
        job = renditions.ingest_job(session, recording.id)
        return RecordingPage(
            recording=recording,
            history=recordings.audit_trail(session, recording.id),
            allowed_actions=allowed,
            airs_on=airs_on,
            ingest=renditions.ingest_of(session, recording.id),
            ingest_job=job,
            ingest_position=renditions.queue_position(session, job),
            decides=review.takes_decisions(actor),
            waits_for_qc=recordings.waits_for_qc(session, actor, recording),
            sent_back=recordings.why_sent_back(session, actor, recording),
        )


def review_queue(
    session: Session, actor: Actor, *, at: datetime, page: int = 1, per_page: int = 20
) -> ReviewQueue:
    """A reviewer's queue: one page of what waits on them, most urgent first, and the counts per step."""
    permissions.check(actor, Permission.REVIEW)
    per_page, page = max(1, min(per_page, MAX_PER_PAGE)), max(1, page)
    with session.begin():
        ordered = _by_urgency(session, actor, at)
        shown = ordered[(page - 1) * per_page:page * per_page]
        loaded = {r.id: r for r in session.scalars(
            recordings.visible_recordings(actor).where(Recording.id.in_([i for i, _a in shown])))}
        verdicts = _qc_verdicts(session, list(loaded))
        items = [QueueItem(loaded[i], airs, *verdicts.get(i, (None, None))) for i, airs in shown]
        waiting = Page(items=items, total=len(ordered), page=page, per_page=per_page)
        return ReviewQueue(waiting=waiting, counts=recordings.count_waiting(session, actor))


def next_in_queue(session: Session, actor: Actor, *, after: int, at: datetime) -> int | None:
    """The most urgent recording still waiting on the actor other than `after` (None: nothing, or not a reviewer)."""
    if not permissions.may(actor, Permission.REVIEW):
        return None
    with session.begin():
        return next((i for i, _airs in _by_urgency(session, actor, at) if i != after), None)


def _by_urgency(session: Session, actor: Actor, at: datetime) -> list[tuple[int, date | None]]:
    """Every recording waiting on the actor (id, planned air date): the earliest air date first, then the oldest
    upload; a lesson no slot needs soon comes last."""
    waiting = recordings.listing(actor, awaiting_me=True).with_only_columns(
        Recording.id, Recording.lesson_id, Recording.created_at)
    rows = session.execute(waiting).all()
    airs = air_dates.planned_air_dates(session, {lesson for _i, lesson, _c in rows}, at=at)
    ordered = sorted(rows, key=lambda r: (airs.get(r[1], date.max), r[2], r[0]))
    return [(recording_id, airs.get(lesson)) for recording_id, lesson, _created in ordered]


def _qc_verdicts(session: Session, recording_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """QC's verdict (and failed checks) on the current media of each recording that has one."""
    query = (select(RecordingIngest.recording_id, RecordingIngest.qc_status, RecordingIngest.qc_failed)
             .join(Recording, Recording.id == RecordingIngest.recording_id)
             .where(RecordingIngest.recording_id.in_(recording_ids), RecordingIngest.checksum == Recording.checksum))
    return {recording_id: (status, failed) for recording_id, status, failed in session.execute(query)}


def latest_comment(history: list[AuditEvent]) -> AuditEvent | None:
    """The most recent decision that carries a comment."""
    return next((event for event in reversed(history) if event.comment), None)


def teacher_lessons(
    session: Session, actor: Actor, *, at: datetime, page: int = 1, per_page: int = 20
) -> Page[LessonRow]:
    """The lessons the teacher's county produces, each with the teacher's latest revision, its last comment and
    the lesson's planned air date."""
    permissions.check(actor, Permission.RECORD_LESSONS)
    plan = curriculum.list_lessons(session, county_id=actor.county_id, page=page, per_page=per_page)
    with session.begin():
        airs = air_dates.planned_air_dates(session, [lesson.id for lesson in plan.items], at=at)
        rows = [_lesson_row(session, actor, lesson, airs.get(lesson.id)) for lesson in plan.items]
    return Page(items=rows, total=plan.total, page=plan.page, per_page=plan.per_page)


def _lesson_row(session: Session, actor: Actor, lesson: Lesson, airs: date | None) -> LessonRow:
    mine = paginate(session, recordings.listing(actor, lesson_id=lesson.id), 1, 1)
    latest = mine.items[0] if mine.items else None
    comment = latest_comment(recordings.audit_trail(session, latest.id)) if latest else None
    return LessonRow(lesson=lesson, latest=latest, revisions=mine.total, comment=comment, airs=airs)


def lesson_page(session: Session, actor: Actor, lesson_id: int, *, at: datetime) -> LessonPage:
    """A lesson of the plan with the revisions of it the teacher may see (their own), newest first, and its
    planned air date."""
    permissions.check(actor, Permission.RECORD_LESSONS)
    lesson = curriculum.get_lesson(session, lesson_id)
    with session.begin():
        mine = paginate(session, recordings.listing(actor, lesson_id=lesson_id), 1, MAX_PER_PAGE).items
        airs = air_dates.planned_air_dates(session, [lesson_id], at=at).get(lesson_id)
        return LessonPage(lesson=lesson, revisions=[_revision(session, r) for r in mine],
                          may_upload=_may_upload(actor, lesson), airs=airs)


def _may_upload(actor: Actor, lesson: Lesson) -> bool:
    # The upload form shows when the upload itself would be accepted: one rule for both.
    try:
        review.check_may_upload(actor, lesson_county_id=lesson.county_id)
    except ReviewError:
        return False
    return True
