"""The audit log as auditors browse and export it: review decisions, filtered, newest first, scoped to the reader.

Who reads it: roles with Permission.READ_AUDIT_LOG (auditors, admins). What each reads is the trail of the
recordings they may see (review.visibility, applied in the query by recordings.visible_recordings): a county
auditor their county's entries, a city auditor their city's, an auditor without a scope and an admin all.
Dates are calendar days in the service's time zone, both ends included.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from scheduler.domain.catalogue import Page
from scheduler.domain.review import Actor, Reach, visibility
from scheduler.domain.review_terms import Action, ReviewState, Role
from scheduler.services import permissions
from scheduler.services.permissions import Permission
from scheduler.services.recordings import visible_recordings
from scheduler.store.db import MAX_PER_PAGE
from scheduler.store.models import AuditEvent, City, County, Lesson, Recording, Subject, User

EXPORT_MAX_ROWS = 100_000  # one export; a wider one is asked for by narrower dates


@dataclass(frozen=True)
class AuditFilters:
    """What the reader narrowed the log to; None is no filter."""

    actor_id: int | None = None
    action: Action | None = None
    county_id: int | None = None
    first: date | None = None  # from this day on (local)
    last: date | None = None  # up to this day, included (local)


@dataclass(frozen=True)
class AuditEntry:
    """One review decision as the log shows it."""

    id: int
    at: datetime
    actor_username: str | None  # None: the system
    actor_name: str | None
    role: Role
    action: Action
    from_state: ReviewState
    to_state: ReviewState
    comment: str | None
    recording_id: int
    revision: int
    grade: int
    subject: str
    sequence: int
    title: str
    county: str
    checksum: str


@dataclass(frozen=True)
class AuditChoices:
    """What the filters offer the reader: the people and counties of the entries they may read."""

    actors: list[tuple[int, str]]  # id, "display name (username)"
    counties: list[tuple[int, str]]


class ScopeLevel(StrEnum):
    """How far a reader's view of the log reaches."""

    COUNTY = "county"
    CITY = "city"
    ALL = "all"


@dataclass(frozen=True)
class ReaderScope:
    """The reach of a reader of the log, for their start page: the level and the county or city named."""

    level: ScopeLevel
    county: str | None = None
    city: str | None = None


def _entries(actor: Actor, filters: AuditFilters, tz: str) -> Select[AuditEvent, User | None, Lesson, str, str]:
    """The entries the actor may read, filtered, newest first."""
    visible = visible_recordings(actor).with_only_columns(Recording.id)
    query = (
        select(AuditEvent, User, Lesson, Subject.name, County.name)
        .join(Recording, Recording.id == AuditEvent.recording_id)
        .join(Lesson, Lesson.id == Recording.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .join(County, County.id == Lesson.county_id)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.recording_id.in_(visible))
    )
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action is not None:
        query = query.where(AuditEvent.action == filters.action)
    if filters.county_id is not None:
        query = query.where(Lesson.county_id == filters.county_id)
    zone = ZoneInfo(tz)
    if filters.first is not None:
        query = query.where(AuditEvent.at >= datetime.combine(filters.first, time(), zone))
    if filters.last is not None:
        query = query.where(AuditEvent.at < datetime.combine(filters.last + timedelta(days=1), time(), zone))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _entry(event: AuditEvent, user: User | None, lesson: Lesson, subject: str, county: str) -> AuditEntry:
    return AuditEntry(
        id=event.id, at=event.at, actor_username=user.username if user else None,
        actor_name=user.display_name if user else None, role=event.role, action=event.action,
        from_state=event.from_state, to_state=event.to_state, comment=event.comment,
        recording_id=event.recording_id, revision=event.revision, grade=lesson.grade, subject=subject,
        sequence=lesson.sequence, title=lesson.title, county=county, checksum=event.checksum,
    )


def browse(
    session: Session, actor: Actor, filters: AuditFilters, *, tz: str, page: int = 1, per_page: int = 50
) -> Page[AuditEntry]:
    """One page of the entries the actor may read."""
    permissions.check(actor, Permission.READ_AUDIT_LOG)
    per_page, page = max(1, min(per_page, MAX_PER_PAGE)), max(1, page)
    query = _entries(actor, filters, tz)
    with session.begin():
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
        return Page(items=[_entry(*row) for row in rows], total=total, page=page, per_page=per_page)


def export(session: Session, actor: Actor, filters: AuditFilters, *, tz: str) -> list[AuditEntry]:
    """Every entry the actor may read under the filters (up to EXPORT_MAX_ROWS), newest first."""
    permissions.check(actor, Permission.READ_AUDIT_LOG)
    with session.begin():
        rows = session.execute(_entries(actor, filters, tz).limit(EXPORT_MAX_ROWS))
        return [_entry(*row) for row in rows]


def choices(session: Session, actor: Actor) -> AuditChoices:
    """The people who took the decisions the actor may read, and the counties of those recordings."""
    permissions.check(actor, Permission.READ_AUDIT_LOG)
    visible = visible_recordings(actor).with_only_columns(Recording.id)
    people = (
        select(User.id, User.display_name, User.username).distinct()
        .join(AuditEvent, AuditEvent.actor_id == User.id)
        .where(AuditEvent.recording_id.in_(visible)).order_by(User.username)
    )
    counties = (
        select(County.id, County.name).distinct().join(Lesson, Lesson.county_id == County.id)
        .join(Recording, Recording.lesson_id == Lesson.id).where(Recording.id.in_(visible)).order_by(County.id)
    )
    with session.begin():
        return AuditChoices(
            actors=[(uid, f"{name} ({username})") for uid, name, username in session.execute(people)],
            counties=[(cid, name) for cid, name in session.execute(counties)],
        )


def reader_scope(session: Session, actor: Actor) -> ReaderScope:
    """How far the actor reads the log: their county, their city, or everything."""
    seen = visibility(actor)
    with session.begin():
        if seen.reach is Reach.COUNTY and seen.key is not None:
            county = session.get(County, seen.key)
            return ReaderScope(ScopeLevel.COUNTY, county.name if county else None,
                               county.city.name if county else None)
        if seen.reach is Reach.CITY and seen.key is not None:
            city = session.get(City, seen.key)
            return ReaderScope(ScopeLevel.CITY, city=city.name if city else None)
    return ReaderScope(ScopeLevel.ALL)
