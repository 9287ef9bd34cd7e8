"""Page-shaped reads of recordings: all a page shows, gathered in one transaction after one visibility check.

The recording page, the review queue and the teacher's lesson pages each call one of these; the
JSON API reads the same things one resource at a time (services/recordings.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from scheduler.domain import review
from scheduler.domain.catalogue import Page
from scheduler.domain.review import Actor
from scheduler.domain.review_errors import ReviewError
from scheduler.domain.review_terms import Action, ReviewState
from scheduler.services import channel_days, curriculum, permissions, recordings, renditions
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


@dataclass(frozen=True)
class ReviewQueue:
    """What waits on a reviewer's decision, oldest first, and how many per review step."""

    waiting: Page[Recording]
    counts: dict[ReviewState, int]


@dataclass(frozen=True)
class LessonRow:
    """A lesson with the teacher's latest revision of it and the latest reviewer comment on that revision."""

    lesson: Lesson
    latest: Recording | None
    revisions: int
    comment: AuditEvent | None


@dataclass(frozen=True)
class LessonPage:
    """A lesson with every revision the teacher uploaded, newest first, and whether they may upload another."""

    lesson: Lesson
    revisions: list[Revision]
    may_upload: bool


def _revision(session: Session, recording: Recording) -> Revision:
    return Revision(
        recording=recording,
        history=recordings.audit_trail(session, recording.id),
        ingest=renditions.ingest_of(session, recording.id),
        ingest_job=renditions.ingest_job(session, recording.id),
    )


def recording_page(session: Session, actor: Actor, recording_id: int, *, at: datetime | None = None) -> RecordingPage:
    """A recording the actor may see, with its lesson, trail, ingest and the decisions open to the actor (and,
    when they may revoke it, the published days from `at` on that revoking would change)."""
    with session.begin():
        recording = recordings.load_recording(session, actor, recording_id)  # the one visibility check
        allowed = recordings.next_actions(session, actor, recording)
        airs_on = (channel_days.published_days_airing(session, recording.id, at=at)
                   if at is not None and Action.REVOKE in allowed else [])
        return RecordingPage(
            recording=recording,
            history=recordings.audit_trail(session, recording.id),
            allowed_actions=allowed,
            airs_on=airs_on,
            ingest=renditions.ingest_of(session, recording.id),
            ingest_job=renditions.ingest_job(session, recording.id),
            decides=review.takes_decisions(actor),
            waits_for_qc=recordings.waits_for_qc(session, actor, recording),
            sent_back=recordings.why_sent_back(session, actor, recording),
        )


def review_queue(session: Session, actor: Actor, *, page: int = 1, per_page: int = 20) -> ReviewQueue:
    """A reviewer's queue: one page of what waits on them, oldest first, and the counts per step."""
    permissions.check(actor, Permission.REVIEW)
    with session.begin():
        waiting = paginate(session, recordings.listing(actor, awaiting_me=True), page, per_page)
        return ReviewQueue(waiting=waiting, counts=recordings.count_waiting(session, actor))


def latest_comment(history: list[AuditEvent]) -> AuditEvent | None:
    """The most recent decision that carries a comment."""
    return next((event for event in reversed(history) if event.comment), None)


def teacher_lessons(session: Session, actor: Actor, *, page: int = 1, per_page: int = 20) -> Page[LessonRow]:
    """The lessons the teacher's county produces, each with the teacher's latest revision and its last comment."""
    permissions.check(actor, Permission.RECORD_LESSONS)
    plan = curriculum.list_lessons(session, county_id=actor.county_id, page=page, per_page=per_page)
    with session.begin():
        rows = [_lesson_row(session, actor, lesson) for lesson in plan.items]
    return Page(items=rows, total=plan.total, page=plan.page, per_page=plan.per_page)


def _lesson_row(session: Session, actor: Actor, lesson: Lesson) -> LessonRow:
    mine = paginate(session, recordings.listing(actor, lesson_id=lesson.id), 1, 1)
    latest = mine.items[0] if mine.items else None
    comment = latest_comment(recordings.audit_trail(session, latest.id)) if latest else None
    return LessonRow(lesson=lesson, latest=latest, revisions=mine.total, comment=comment)


def lesson_page(session: Session, actor: Actor, lesson_id: int) -> LessonPage:
    """A lesson of the plan with the revisions of it the teacher may see (their own), newest first."""
    permissions.check(actor, Permission.RECORD_LESSONS)
    lesson = curriculum.get_lesson(session, lesson_id)
    with session.begin():
        mine = paginate(session, recordings.listing(actor, lesson_id=lesson_id), 1, MAX_PER_PAGE).items
        return LessonPage(lesson=lesson, revisions=[_revision(session, r) for r in mine],
                          may_upload=_may_upload(actor, lesson))


def _may_upload(actor: Actor, lesson: Lesson) -> bool:
    # The upload form shows when the upload itself would be accepted: one rule for both.
    try:
        review.check_may_upload(actor, lesson_county_id=lesson.county_id)
    except ReviewError:
        return False
    return True
