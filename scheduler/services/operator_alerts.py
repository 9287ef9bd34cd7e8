"""Operator alerts: what needs an operator's eye (a revoked recording replaced by the standby programme, a timed
job that failed), and their acknowledgement."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.domain.catalogue import NotFound
from scheduler.services.channels import channel_from_row, channel_rows
from scheduler.store.models import OperatorAlert

REVOKED_ALERT = "revoked"
REVOKED_ALERT_TEXT = ("{channel} {day}: {lesson}, recording {recording} revoked: {reason}; "
                      "the standby programme airs instead (version {version})")
JOB_FAILED_ALERT = "timed_job_failed"
JOB_FAILED_ALERT_TEXT = "{channel} {day}: timed job {job} failed: {error}"
SI_TEXT_ALERT = "si_text_replaced"
SI_TEXT_ALERT_TEXT = ("{channel} {day}: the programme guide in the stream (GB2312) lacks {characters}, "
                      "written as 〓 in: {texts}")


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


def count_open_alerts(session: Session) -> int:
    """How many alerts no operator has acknowledged yet."""
    query = select(func.count()).select_from(OperatorAlert).where(OperatorAlert.acknowledged_at.is_(None))
    if session.in_transaction():  # the nav of a page rendered inside its view's transaction
        return session.scalar(query) or 0
    with session.begin():
        return session.scalar(query) or 0


def alert_failed_job(session: Session, job_id: str, errors: Mapping[str, tuple[date, str]] | str, *,
                     at: datetime) -> list[OperatorAlert]:
    """Alert operators to a failed timed job: one alert per channel it failed for (`errors`: channel id -> the
    day it worked on and the error), or on every channel for an error of the whole job (a string). A channel
    that still has an open alert of the same job gets no second one (a job every 5 minutes would flood them)."""
    with session.begin():
        channels = {row.id: channel_from_row(row)[0] for row in channel_rows(session, None)}
        if isinstance(errors, str):
            errors = {cid: (at.astimezone(channel.zone).date(), errors) for cid, channel in channels.items()}
        open_ones = session.scalars(select(OperatorAlert).where(
            OperatorAlert.kind == JOB_FAILED_ALERT, OperatorAlert.acknowledged_at.is_(None)))
        already = {(a.channel_id, (a.facts or {}).get("job")) for a in open_ones}
        raised = []
        for channel_id, (day, error) in errors.items():
            if channel_id not in channels or (channel_id, job_id) in already:
                continue
            facts = {"channel": channels[channel_id].name, "day": day.isoformat(), "job": job_id, "error": error}
            raised.append(OperatorAlert(channel_id=channel_id, day=day, kind=JOB_FAILED_ALERT, created_at=at,
                                        message=JOB_FAILED_ALERT_TEXT.format(**facts)[:4000], facts=facts))
        session.add_all(raised)
        return raised


def alert_si_text(session: Session, channel_id: str, channel_name: str, day: date, replaced: Sequence[tuple[str, str]],
                  *, at: datetime) -> OperatorAlert | None:
    """Alert operators that the DVB SI of a channel day wrote characters its table lacks as 〓 (`replaced`: each
    character and the text it was in). An open alert saying the same for the day is not raised twice."""
    if not replaced:
        return None
    facts = {"channel": channel_name, "day": day.isoformat(),
             "characters": " ".join(dict.fromkeys(char for char, _text in replaced)),
             "texts": " / ".join(dict.fromkeys(text for _char, text in replaced))}
    message = SI_TEXT_ALERT_TEXT.format(**facts)[:4000]
    with session.begin():
        same = select(OperatorAlert).where(
            OperatorAlert.channel_id == channel_id, OperatorAlert.day == day, OperatorAlert.kind == SI_TEXT_ALERT,
            OperatorAlert.acknowledged_at.is_(None), OperatorAlert.message == message)
        if session.scalars(same).first() is not None:
            return None
        alert = OperatorAlert(channel_id=channel_id, day=day, kind=SI_TEXT_ALERT, created_at=at, message=message,
                              facts=facts)
        session.add(alert)
        return alert
