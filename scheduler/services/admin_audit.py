"""The admin audit trail: who changed which account or channel, when, and what changed (never a password)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from scheduler.domain.admin_actions import AdminAction
from scheduler.domain.review import Actor
from scheduler.store.models import AdminEvent


def record(
    session: Session, by: Actor, action: AdminAction, target: tuple[str, object], changes: dict[str, Any], at: datetime
) -> None:
    """Append one event, in the caller's transaction, so the change and its record commit together."""
    kind, key = target
    session.add(AdminEvent(actor_id=by.user_id, role=by.role, action=action, target_kind=kind, target_id=str(key),
                           changes=changes, at=at))


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields whose values differ, as {field: [before, after]}."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def events_about(session: Session, kind: str, key: object, *, newest_first: bool = False) -> list[AdminEvent]:
    """The events about one account or channel (with who made them), oldest first unless asked otherwise."""
    query = select(AdminEvent).options(joinedload(AdminEvent.actor))
    query = query.where(AdminEvent.target_kind == kind, AdminEvent.target_id == str(key))
    order = (AdminEvent.at.desc(), AdminEvent.id.desc()) if newest_first else (AdminEvent.at, AdminEvent.id)
    with session.begin():
        return list(session.scalars(query.order_by(*order)))
