"""Per-request access to the database session, the media store and the signed-in user."""
from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import abort, current_app, g, request, session
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session, sessionmaker

from media.disk_space import FreeBytes, disk_free
from scheduler.domain.catalogue import NotFound
from scheduler.domain.review import Actor
from scheduler.services import accounts, permissions
from scheduler.services.permissions import Permission
from scheduler.services.recordings import actor_for
from scheduler.settings import Settings
from scheduler.store.media_store import MediaStore
from scheduler.store.models import User

F = TypeVar("F", bound=Callable[..., Any])
csrf = CSRFProtect()


def db() -> Session:
    """The request's database session (opened on first use, closed at teardown)."""
    if "db" not in g:
        factory: sessionmaker[Session] = current_app.extensions["airclass.sessions"]
        g.db = factory()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close the request's session."""
    session_ = g.pop("db", None)
    if session_ is not None:
        session_.close()


def store() -> MediaStore:
    """The media store."""
    return current_app.extensions["airclass.store"]


def free_bytes() -> FreeBytes:
    """How the media store's free space is read: the disk's, or AIRCLASS_FREE_BYTES (a callable) set by tests."""
    probe: FreeBytes = current_app.config.get("AIRCLASS_FREE_BYTES") or disk_free
    return probe


def settings() -> Settings:
    """The app's settings."""
    return current_app.config["AIRCLASS_SETTINGS"]


def now() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


def current_user() -> User | None:
    """The user of this request: a bearer token for scripts, else the browser session."""
    if "user" in g:
        return g.user
    g.user = None
    g.via_token = False
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        g.user = accounts.user_for_token(db(), header[7:].strip())
        g.via_token = g.user is not None
    elif (user_id := session.get("user_id")) is not None:
        g.user = _active_user(user_id, session.get("stamp"))
    # Taken now, while the user is fresh: a refused decision rolls back the request's session, which expires the
    # user, and reading it after that would begin a transaction that the next service could not begin.
    g.actor = actor_for(g.user) if g.user is not None else None
    return g.user


def _active_user(user_id: int, stamp: str | None) -> User | None:
    try:
        user = accounts.get_user(db(), user_id)
    except NotFound:  # the account was removed or deactivated since sign-in
        user = None
    if user is None or stamp != accounts.session_stamp(user):  # or its password was reset since
        session.clear()
        return None
    return user


def current_actor() -> Actor:
    """The signed-in user as a review-chain actor, as they were when the request loaded them; 401 if nobody."""
    if current_user() is None:
        abort(401, description="sign in, or send an API token as 'Authorization: Bearer ...'")
    return g.actor


def api_login_required(view: F) -> F:
    """API guard: a token or a session; unsafe session calls must carry the CSRF token."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        current_actor()
        if not g.via_token and request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def permission_required(permission: Permission) -> Callable[[F], F]:
    """Only roles with this permission may call the view (403 otherwise, before the request is parsed)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            permissions.check(current_actor(), permission)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate
