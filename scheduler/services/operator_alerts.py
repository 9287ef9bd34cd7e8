"""Operator alerts: what needs an operator's eye (a revoked recording replaced by the standby programme), and their acknowledgement."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.catalogue import NotFound
from scheduler.store.models import OperatorAlert

REVOKED_ALERT = "revoked"
REVOKED_ALERT_TEXT = ("{channel} {day}: recording {recording} revoked: {reason}; "
                      "the standby programme airs instead (version {version})")


def list_alerts(session: Session, *, open_only: bool = True) -> list[OperatorAlert]:
    """Operator alerts, newest first."""
    with session.begin():
        query = select(OperatorAlert).order_by(OperatorAlert.created_at.desc(), OperatorAlert.id.desc())
        if open_only:
            query = query.where(OperatorAlert.acknowledged_at.is_(None))
        return list(session.scalars(query))


def acknowledge_alert(session: Session, alert_id: int, *, at: datetime, by: int | None) -> OperatorAlert:
    """Mark an alert as seen by an operator."""
    with session.begin():
        alert = session.get(OperatorAlert, alert_id)
        if alert is None:
            raise NotFound("alert", alert_id)
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by = at, by
        return alert
