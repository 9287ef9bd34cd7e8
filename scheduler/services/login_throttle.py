"""Login throttling: failed sign-ins are counted per username and client address in the database,
so every web process (and every gunicorn/waitress worker) sees the same count."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scheduler.services import accounts
from scheduler.store.models import LoginAttempt, User

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
KEY_CHARS = 200  # stored username/address prefix; longer input is refused by the forms anyway


class LoginThrottled(Exception):
    """Too many failed sign-ins for this username from this address; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after} seconds")
        self.retry_after = retry_after


def sign_in(session: Session, username: str, password: str, *, address: str, at: datetime) -> User | None:
    """The user for these credentials, or None; raises LoginThrottled while the window is full."""
    key = (username[:KEY_CHARS], (address or "unknown")[:KEY_CHARS])
    _refuse_if_throttled(session, key, at)
    user = accounts.authenticate(session, username, password)
    with session.begin():
        if user is None:
            session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= at - WINDOW))
            session.add(LoginAttempt(username=key[0], address=key[1], attempted_at=at))
        else:
            session.execute(_for_key(delete(LoginAttempt), key))
    return user


def _for_key(statement, key: tuple[str, str]):  # type: ignore[no-untyped-def]
    return statement.where(LoginAttempt.username == key[0], LoginAttempt.address == key[1])


def _refuse_if_throttled(session: Session, key: tuple[str, str], at: datetime) -> None:
    with session.begin():
        recent = session.scalars(
            _for_key(select(LoginAttempt.attempted_at), key)
            .where(LoginAttempt.attempted_at > at - WINDOW)
            .order_by(LoginAttempt.attempted_at.desc())
            .limit(MAX_FAILURES)
        ).all()
    if len(recent) >= MAX_FAILURES:
        # The count drops below the limit when the MAX_FAILURES-th most recent failure leaves the window.
        wait = (recent[-1] + WINDOW - at).total_seconds()
        raise LoginThrottled(max(1, math.ceil(wait)))
