"""Use cases of the catalogue and the review chain; each owns its transaction."""
from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import BinaryIO

from sqlalchemy import ColumnElement, Select, and_, false, func, select, true
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from media.errors import MediaError, UnsupportedMedia
from media.probe import MediaProbe, probe_upload
from media.runner import MediaTool
from scheduler.domain import review, review_errors
from scheduler.domain.catalogue import NotFound, Page, UploadRejected
from scheduler.domain.job_states import JobPriority
from scheduler.domain.review import Actor, Reach
from scheduler.domain.review_terms import Action, ReviewState, Role
from scheduler.services import channel_days, ingest, renditions
from scheduler.store.db import paginate
from scheduler.store.media_store import MediaStore, display_filename
from scheduler.store.models import AuditEvent, County, Job, Lesson, Recording, RecordingIngest, User

SYSTEM = Actor(user_id=None, role=Role.SYSTEM)


def actor_for(user: User) -> Actor:
    """The review-chain view of a user account."""
    return Actor(user_id=user.id, role=user.role, county_id=user.county_id, city_id=user.city_id)


# --- recordings: visibility lives in the query ------------------------------------------------

def visible_recordings(actor: Actor) -> Select[Recording]:
    """Recordings this actor may see, as a select: review.visibility (the rule) applied to the catalogue."""
    query = (
        select(Recording)
        .join(Recording.lesson)
        .join(Lesson.county)
        .options(joinedload(Recording.lesson).joinedload(Lesson.subject), joinedload(Recording.teacher))
    )
    return query.where(_seen_by(review.visibility(actor)))


def _seen_by(visibility: review.Visibility) -> ColumnElement[bool]:
    """The recordings within a visibility, as a condition on Recording, Lesson and County."""
    reach, key = visibility.reach, visibility.key
    if reach is Reach.OWN:
        return Recording.teacher_id == key
    if reach is Reach.NONE:
        return false()
    within = {
        Reach.COUNTY: Lesson.county_id == key,
        Reach.CITY: County.city_id == key,
        Reach.ALL: true(),
    }[reach]
    return and_(Recording.state != ReviewState.DRAFT, within)


def listing(
    actor: Actor, *, state: ReviewState | None = None, lesson_id: int | None = None, awaiting_me: bool = False
) -> Select[Recording]:
    """Recordings the actor may see, filtered and ordered as list_recordings lists them, as a select."""
    query = visible_recordings(actor)
    if state is not None:
        query = query.where(Recording.state == state)
    if lesson_id is not None:
        query = query.where(Recording.lesson_id == lesson_id)
    if awaiting_me:
        query = query.where(Recording.state.in_(review.queue_states(actor)))
        return query.order_by(Recording.created_at, Recording.id)
    return query.order_by(Recording.created_at.desc(), Recording.id.desc())


def list_recordings(
    session: Session,
    actor: Actor,
    *,
    state: ReviewState | None = None,
    lesson_id: int | None = None,
    awaiting_me: bool = False,
    page: int = 1,
    per_page: int = 20,
) -> Page[Recording]:
    """Recordings the actor may see; `awaiting_me` gives their review queue, oldest first."""
    query = listing(actor, state=state, lesson_id=lesson_id, awaiting_me=awaiting_me)
    with session.begin():
        return paginate(session, query, page, per_page)


def count_waiting(session: Session, actor: Actor) -> dict[ReviewState, int]:
    """How many recordings wait on this actor, per state, in the caller's transaction."""
    states = review.queue_states(actor)
    query = visible_recordings(actor).where(Recording.state.in_(states)).subquery()
    rows = session.execute(select(query.c.state, func.count()).group_by(query.c.state))
    counts = dict.fromkeys(states, 0)
    counts.update({ReviewState(state): n for state, n in rows})
    return counts


def queue_counts(session: Session, actor: Actor) -> dict[ReviewState, int]:
    """How many recordings wait on this actor, per state."""
    with session.begin():
        return count_waiting(session, actor)


def load_recording(session: Session, actor: Actor, recording_id: int) -> Recording:
    """One recording the actor may see, in the caller's transaction (RecordingNotFound otherwise)."""
    recording = session.scalars(visible_recordings(actor).where(Recording.id == recording_id)).first()
    if recording is None:
        raise review_errors.RecordingNotFound(recording_id)
    return recording


def get_recording(session: Session, actor: Actor, recording_id: int) -> Recording:
    """One recording, if the actor may see it."""
    with session.begin():
        return load_recording(session, actor, recording_id)


def audit_trail(session: Session, recording_id: int) -> list[AuditEvent]:
    """A recording's audit trail, oldest first, in the caller's transaction (the caller checked visibility)."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.recording_id == recording_id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return list(session.scalars(query))


_SENT_BACK = (Action.REQUEST_CHANGES, Action.REVOKE)


def why_sent_back(session: Session, actor: Actor, recording: Recording) -> AuditEvent | None:
    """The decision that sent the lesson's previous revision back (changes requested, or approval revoked),
    if the actor may see that revision, in the caller's transaction."""
    previous = (
        select(Recording.id)
        .join(Recording.lesson)
        .join(Lesson.county)
        .where(_seen_by(review.visibility(actor)), Recording.lesson_id == recording.lesson_id,
               Recording.revision == recording.revision - 1)
    )
    query = (
        select(AuditEvent)
        .where(AuditEvent.recording_id.in_(previous), AuditEvent.action.in_(_SENT_BACK))
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def recording_history(session: Session, actor: Actor, recording_id: int) -> list[AuditEvent]:
    """The audit trail of a recording the actor may see, oldest first."""
    with session.begin():
        load_recording(session, actor, recording_id)
        return audit_trail(session, recording_id)


def recording_ingest(session: Session, actor: Actor, recording_id: int) -> tuple[RecordingIngest | None, Job | None]:
    """The QC report and renditions of a recording the actor may see (None until the ingest finished),
    and its newest ingest job, whoever submitted it."""
    with session.begin():
        load_recording(session, actor, recording_id)
        return renditions.ingest_of(session, recording_id), renditions.ingest_job(session, recording_id)


def _under_review(session: Session, recording: Recording) -> review.RecordingUnderReview:
    approvers = session.scalars(
        select(AuditEvent.actor_id).where(
            AuditEvent.recording_id == recording.id, AuditEvent.action == Action.APPROVE
        )
    ).all()
    qc_signed_off = session.scalar(
        select(func.count()).where(AuditEvent.recording_id == recording.id, AuditEvent.action == Action.SIGN_OFF_QC)
    )
    return review.RecordingUnderReview(
        recording_id=recording.id,
        revision=recording.revision,
        teacher_id=recording.teacher_id,
        county_id=recording.lesson.county_id,
        city_id=recording.lesson.county.city_id,
        state=recording.state,
        checksum=recording.checksum,
        approvers=frozenset(a for a in approvers if a is not None),
        qc_failed=None if qc_signed_off else renditions.qc_failed(session, recording),
        qc_finished=renditions.qc_finished(session, recording),
    )


def next_actions(session: Session, actor: Actor, recording: Recording) -> list[Action]:
    """What the actor may do to the recording now, in the caller's transaction."""
    return review.allowed_actions(_under_review(session, recording), actor)


def waits_for_qc(session: Session, actor: Actor, recording: Recording) -> bool:
    """Whether the actor's final approval waits only for technical QC to finish, in the caller's transaction."""
    return review.waits_for_qc(_under_review(session, recording), actor)


def act_on_recording(
    session: Session,
    actor: Actor,
    recording_id: int,
    action: Action,
    *,
    at: datetime,
    comment: str | None = None,
    reviewed_checksum: str | None = None,
    expected_version: int | None = None,
) -> Recording:
    """Apply one review-chain action; exactly one of two racing reviewers wins."""
    try:
        with session.begin():
            recording = load_recording(session, actor, recording_id)
            if expected_version is not None and expected_version != recording.version:
                raise review_errors.ReviewConflict(recording_id)
            was_approved = recording.state is ReviewState.APPROVED
            _apply(session, recording, actor, action, at=at, comment=comment, checksum=reviewed_checksum)
            if was_approved and recording.state is not ReviewState.APPROVED:
                channel_days.stand_in_for_revoked(session, recording.id, at=at, by=actor.user_id, reason=comment or "")
            if recording.state is ReviewState.SUBMITTED:
                # Technical QC (the ingest job) runs beside the chain and holds only the final approval,
                # so intake follows submission at once.
                _apply(session, recording, SYSTEM, Action.INTAKE, at=at)
    except StaleDataError as exc:
        raise review_errors.ReviewConflict(recording_id) from exc
    if action is Action.SUBMIT:  # reviewers now wait for its QC: a backfilled ingest still queued goes first
        ingest.hurry_ingest(session, recording_id)
    return recording


def _apply(
    session: Session,
    recording: Recording,
    actor: Actor,
    action: Action,
    *,
    at: datetime,
    comment: str | None = None,
    checksum: str | None = None,
) -> None:
    transition = review.decide(
        _under_review(session, recording), actor, action, at=at, comment=comment, reviewed_checksum=checksum
    )
    recording.state = transition.to_state
    session.add(
        AuditEvent(
            recording_id=recording.id,
            revision=transition.revision,
            actor_id=transition.actor_id,
            role=transition.role,
            action=transition.action,
            from_state=transition.from_state,
            to_state=transition.to_state,
            comment=transition.comment,
            checksum=transition.checksum,
            at=transition.at,
        )
    )
    session.flush()


# --- upload ----------------------------------------------------------------------------------

_SUFFIX = {"mp4": "mp4", "matroska": "mkv", "mpegts": "ts", "mxf": "mxf"}


def upload_recording(
    session: Session,
    store: MediaStore,
    actor: Actor,
    lesson_id: int,
    stream: BinaryIO,
    original_filename: str,
    *,
    at: datetime,
    tool: MediaTool | None = None,
    ingest_priority: int = JobPriority.URGENT,
) -> Recording:
    """Store, probe and register a new revision of a lesson's recording as a draft; queue its ingest.

    Its teacher waits for the QC, so the ingest is URGENT unless the caller backfills (JobPriority.BACKFILL).
    """
    with session.begin():
        lesson = session.get(Lesson, lesson_id)
        if lesson is None:
            raise NotFound("lesson", lesson_id)
        review.check_may_upload(actor, lesson_county_id=lesson.county_id)
    incoming = store.receive(stream)
    try:
        probe = probe_upload(incoming.path, store.root, tool)
    except UnsupportedMedia as exc:
        store.discard(incoming)
        raise UploadRejected(exc.reason, exc.key, exc.values) from exc
    except MediaError as exc:
        store.discard(incoming)
        raise UploadRejected(str(exc)) from exc
    media_name = store.keep(incoming, _SUFFIX.get(probe.container, "bin"))
    try:
        with session.begin():
            recording = _new_revision(session, lesson_id, actor, probe, media_name, at)
            recording.original_filename = display_filename(original_filename)
            recording.size_bytes = incoming.size_bytes
            recording.checksum = incoming.sha256
            session.add(recording)
    except BaseException:
        store.remove(media_name)
        raise
    ingest.request_ingest(session, recording.id, at=at, by=actor.user_id, priority=ingest_priority)
    return recording


def _new_revision(
    session: Session, lesson_id: int, actor: Actor, probe: MediaProbe, media_name: str, at: datetime
) -> Recording:
    last = session.scalar(select(func.max(Recording.revision)).where(Recording.lesson_id == lesson_id))
    rate = Fraction(probe.frame_rate)
    return Recording(
        lesson_id=lesson_id,
        revision=(last or 0) + 1,
        teacher_id=actor.user_id,
        state=ReviewState.DRAFT,
        media_name=media_name,
        container=probe.container,
        video_codec=probe.video_codec,
        audio_codec=probe.audio_codec,
        width=probe.width,
        height=probe.height,
        frame_rate_num=rate.numerator,
        frame_rate_den=rate.denominator,
        duration_frames=probe.duration_frames,
        audio_sample_rate=probe.audio_sample_rate,
        audio_channels=probe.audio_channels,
        created_at=at,
    )
