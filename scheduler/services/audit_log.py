"""The audit log as auditors browse and export it: review decisions and admin changes, filtered, newest first,
scoped to the reader.

Who reads it: roles with Permission.READ_AUDIT_LOG (auditors, admins). What each reads is the trail of the
recordings they may see (review.visibility, applied in the query by recordings.visible_recordings): a county
auditor their county's entries, a city auditor their city's, an auditor without a scope and an admin all.
Admin changes (accounts, channels: the admin_event table) belong to no county: only readers who see every county
(an auditor without a scope, an admin) read them, and a county filter leaves them out.
Dates are calendar days in the service's time zone, both ends included.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session

from scheduler.domain.admin_actions import AdminAction
from scheduler.domain.catalogue import Page
from scheduler.domain.review import Actor, Reach, visibility
from scheduler.domain.review_terms import Action, ReviewState, Role
from scheduler.services import permissions
from scheduler.services.permissions import Permission
from scheduler.services.recordings import visible_recordings
from scheduler.store.db import MAX_PER_PAGE
from scheduler.store.models import AdminEvent, AuditEvent, City, County, Lesson, Recording, Subject, User

EXPORT_MAX_ROWS = 100_000  # one export; a wider one is asked for by narrower dates


@dataclass(frozen=True)
class AuditFilters:
    """What the reader narrowed the log to; None is no filter."""

    actor_id: int | None = None
    action: Action | AdminAction | None = None
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
class AdminEntry:
    """One admin change (to an account or a channel) as the log shows it."""

    id: int
    at: datetime
    actor_username: str | None
    actor_name: str | None
    role: Role
    action: AdminAction
    target_kind: str  # user, channel
    target: str  # the account's username, the channel's id
    changes: dict[str, Any]  # field: [before, after]


@dataclass(frozen=True)
class AuditChoices:
    """What the filters offer the reader: the people and counties of the entries they may read."""

    actors: list[tuple[int, str]]  # id, "display name (username)"
    counties: list[tuple[int, str]]
    admin_changes: bool = False  # whether the reader reads admin changes too


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
    if isinstance(filters.action, AdminAction):
        query = query.where(false())
    elif filters.action is not None:
        query = query.where(AuditEvent.action == filters.action)
    if filters.county_id is not None:
        query = query.where(Lesson.county_id == filters.county_id)
    query = query.where(*_days(AuditEvent.at, filters, tz))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _days(column: Any, filters: AuditFilters, tz: str) -> list[Any]:
    zone, conditions = ZoneInfo(tz), []
    if filters.first is not None:
        conditions.append(column >= datetime.combine(filters.first, time(), zone))
    if filters.last is not None:
        conditions.append(column < datetime.combine(filters.last + timedelta(days=1), time(), zone))
    return conditions


def _reads_admin_changes(actor: Actor) -> bool:
    return visibility(actor).reach is Reach.ALL


def _admin_entries(actor: Actor, filters: AuditFilters, tz: str) -> Select[AdminEvent, User | None]:
    """The admin changes the actor may read, filtered, newest first (none for a scoped reader or a county filter)."""
    query = select(AdminEvent, User).outerjoin(User, User.id == AdminEvent.actor_id)
    if not _reads_admin_changes(actor) or filters.county_id is not None or isinstance(filters.action, Action):
        query = query.where(false())
    if isinstance(filters.action, AdminAction):
        query = query.where(AdminEvent.action == filters.action)
    if filters.actor_id is not None:
        query = query.where(AdminEvent.actor_id == filters.actor_id)
    query = query.where(*_days(AdminEvent.at, filters, tz))
    return query.order_by(AdminEvent.at.desc(), AdminEvent.id.desc())


def _admin_entry_rows(session: Session, rows: list[Any]) -> list[AdminEntry]:
    user_ids = {int(e.target_id) for e, _u in rows if e.target_kind == "user" and e.target_id.isdigit()}
    found = session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all() if user_ids else []
    names: dict[int, str] = dict(found)
    return [
        AdminEntry(
            id=e.id, at=e.at, actor_username=u.username if u else None, actor_name=u.display_name if u else None,
            role=e.role, action=e.action, target_kind=e.target_kind,
            target=names.get(int(e.target_id), e.target_id) if e.target_id.isdigit() else e.target_id,
            changes=e.changes,
        )
        for e, u in rows
    ]


def _newest_first(session: Session, actor: Actor, filters: AuditFilters, tz: str,
                  limit: int) -> list[AuditEntry | AdminEntry]:
    """The newest `limit` entries of both trails, merged (each trail read up to `limit`, newest first)."""
    reviews: list[AuditEntry | AdminEntry] = [
        _entry(*row) for row in session.execute(_entries(actor, filters, tz).limit(limit))
    ]
    admin: list[AuditEntry | AdminEntry] = []
    admin += _admin_entry_rows(session, list(session.execute(_admin_entries(actor, filters, tz).limit(limit))))
    merged = heapq.merge(reviews, admin, key=lambda entry: entry.at, reverse=True)
    return list(merged)[:limit]


def _count(session: Session, query: Any) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


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
) -> Page[AuditEntry | AdminEntry]:
    """One page of the entries the actor may read."""
    permissions.check(actor, Permission.READ_AUDIT_LOG)
    per_page, page = max(1, min(per_page, MAX_PER_PAGE)), max(1, page)
    with session.begin():
        total = _count(session, _entries(actor, filters, tz)) + _count(session, _admin_entries(actor, filters, tz))
        # Two tables, one order: read each trail up to this page's end and merge (auditors page near the start).
        items = _newest_first(session, actor, filters, tz, page * per_page)[(page - 1) * per_page:]
        return Page(items=items, total=total, page=page, per_page=per_page)


def export(session: Session, actor: Actor, filters: AuditFilters, *, tz: str) -> list[AuditEntry | AdminEntry]:
    """Every entry the actor may read under the filters (up to EXPORT_MAX_ROWS), newest first."""
    permissions.check(actor, Permission.READ_AUDIT_LOG)
    with session.begin():
        return _newest_first(session, actor, filters, tz, EXPORT_MAX_ROWS)


def choices(session: Session, actor: Actor) -> AuditChoices:
    """The people who took the decisions the actor may read, and the counties of those recordings."""
    permissions.check(actor, Permission.READ_AUDIT_LOG)
    visible = visible_recordings(actor).with_only_columns(Recording.id)
    deciders = select(AuditEvent.actor_id).where(AuditEvent.recording_id.in_(visible))
    admins = select(AdminEvent.actor_id).where(AdminEvent.actor_id.is_not(None))
    wide = _reads_admin_changes(actor)
    people = (
        select(User.id, User.display_name, User.username)
        .where(or_(User.id.in_(deciders), User.id.in_(admins)) if wide else User.id.in_(deciders))
        .order_by(User.username)
    )
    counties = (
        select(County.id, County.name).distinct().join(Lesson, Lesson.county_id == County.id)
        .join(Recording, Recording.lesson_id == Lesson.id).where(Recording.id.in_(visible)).order_by(County.id)
    )
    with session.begin():
        return AuditChoices(
            actors=[(uid, f"{name} ({username})") for uid, name, username in session.execute(people)],
            counties=[(cid, name) for cid, name in session.execute(counties)],
            admin_changes=wide,
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
