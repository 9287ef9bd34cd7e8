"""Use cases of user accounts: creation, editing, disabling, passwords, password login and API tokens.

Every change goes into the admin audit trail (services/admin_audit.py) in the same transaction."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from scheduler.domain.admin_actions import AdminAction
from scheduler.domain.catalogue import AlreadyExists, InvalidInput, NotFound, Page
from scheduler.domain.review import Actor
from scheduler.domain.review_terms import Role
from scheduler.services import admin_audit
from scheduler.store.db import paginate
from scheduler.store.models import ApiToken, City, County, School, User

MIN_PASSWORD_LENGTH = 8
LAST_ADMIN = "the last active admin cannot be disabled or given another role"  # the house keeps an admin
PASSWORD_METHOD = "scrypt"  # werkzeug's default; the test suite swaps in a cheaper one for speed
# Checked against when the username is unknown, so a miss costs as much as a wrong password.
_DUMMY_HASH = generate_password_hash("airclass-timing-equaliser", method=PASSWORD_METHOD)


def create_user(
    session: Session,
    by: Actor | None = None,
    /,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str,
    at: datetime,
    school_id: int | None = None,
    county_id: int | None = None,
    city_id: int | None = None,
) -> User:
    """Create an account; reviewers need their scope, teachers their school; recorded when made by someone."""
    username = username.strip()
    if not username or len(username) > 64:
        raise InvalidInput("username", "must be 1 to 64 characters")
    _check_password(password)
    with session.begin():
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise AlreadyExists("user", username)
        county_id, city_id = _scope(session, role, school_id, county_id, city_id)
        user = User(
            username=username,
            display_name=display_name.strip() or username,
            password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
            role=role,
            school_id=school_id,
            county_id=county_id,
            city_id=city_id,
            created_at=at,
        )
        session.add(user)
        if by is not None:
            session.flush()
            admin_audit.record(session, by, AdminAction.USER_CREATED, ("user", user.id),
                               {"username": username, "role": role.value}, at)
    return user


def _check_password(password: str, field: str = "password") -> None:
    """The one password rule: long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(field, f"must be at least {MIN_PASSWORD_LENGTH} characters")


def _account_facts(user: User) -> dict[str, object]:
    return {"display_name": user.display_name, "role": user.role.value, "school_id": user.school_id,
            "county_id": user.county_id, "city_id": user.city_id, "active": user.active}


def edit_user(
    session: Session,
    by: Actor,
    user_id: int,
    *,
    display_name: str,
    role: Role,
    active: bool,
    at: datetime,
    school_id: int | None = None,
    county_id: int | None = None,
    city_id: int | None = None,
) -> User:
    """Change an account's name, role, scope or whether it may sign in; the house always keeps an active admin."""
    with session.begin():
        # Two admins disabling each other at once must not both see the other still active: lock the admins first.
        session.execute(select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).with_for_update())
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("user", user_id)
        before = _account_facts(user)
        county_id, city_id = _scope(session, role, school_id, county_id, city_id)
        user.display_name = display_name.strip() or user.username
        user.role, user.active = role, active
        user.school_id = school_id if role is Role.TEACHER else None
        user.county_id, user.city_id = county_id, city_id
        session.flush()
        if _active_admins(session) == 0:
            field = "active" if before["active"] and not active else "role"
            raise InvalidInput(field, LAST_ADMIN)
        changes = admin_audit.changed(before, _account_facts(user))
        if changes:
            action = AdminAction.USER_EDITED
            if "active" in changes:
                action = AdminAction.USER_ENABLED if active else AdminAction.USER_DISABLED
            admin_audit.record(session, by, action, ("user", user.id), changes, at)
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).where(User.role == Role.ADMIN, User.active.is_(True))) or 0


def reset_password(session: Session, by: Actor, user_id: int, password: str, *, at: datetime) -> None:
    """An admin sets another account's password; the user's API tokens go, and their open sessions end
    (their session stamp no longer matches)."""
    _check_password(password)
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("user", user_id)
        user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        admin_audit.record(session, by, AdminAction.PASSWORD_RESET, ("user", user.id), {}, at)


def change_own_password(session: Session, by: Actor, current: str, new: str, *, at: datetime) -> None:
    """A signed-in user changes their own password, giving the current one first."""
    with session.begin():
        user = session.get(User, by.user_id) if by.user_id is not None else None
        if user is None or not user.active:
            raise NotFound("user", by.user_id)
        if not check_password_hash(user.password_hash, current):
            raise InvalidInput("current", "is not your current password")
        _check_password(new, "new")
        user.password_hash = generate_password_hash(new, method=PASSWORD_METHOD)
        admin_audit.record(session, by, AdminAction.PASSWORD_CHANGED, ("user", user.id), {}, at)


def _scope(
    session: Session, role: Role, school_id: int | None, county_id: int | None, city_id: int | None
) -> tuple[int | None, int | None]:
    if role is Role.SYSTEM:
        raise InvalidInput("role", "the system role is not for people")
    if school_id is not None and session.get(School, school_id) is None:
        raise InvalidInput("school_id", "no such school")
    if role is Role.TEACHER:
        school = session.get(School, school_id) if school_id is not None else None
        if school is None:
            raise InvalidInput("school_id", "a teacher belongs to an existing school")
        return school.county_id, school.county.city_id
    if role is Role.COUNTY_REVIEWER or (role is Role.AUDITOR and county_id is not None):
        # A county auditor reads their county's trail (review.visibility); without a county, their city's or all.
        county = session.get(County, county_id) if county_id is not None else None
        if county is None:
            raise InvalidInput("county_id", f"{'an auditor' if role is Role.AUDITOR else 'a county reviewer'} "
                               "needs an existing county")
        return county.id, county.city_id
    if role is Role.CITY_REVIEWER and city_id is None:
        raise InvalidInput("city_id", "a city reviewer needs a city")
    if city_id is not None and session.get(City, city_id) is None:
        raise InvalidInput("city_id", "no such city")
    return None, city_id


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None."""
    with session.begin():
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def session_stamp(user: User) -> str:
    """What a browser session keeps of the password it was opened with: a new password ends older sessions."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def get_account(session: Session, user_id: int) -> User:
    """One account, active or not (for admins editing it)."""
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("user", user_id)
        return user


def get_user(session: Session, user_id: int) -> User:
    """One active user account."""
    with session.begin():
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("user", user_id)
        return user


def find_user(session: Session, username: str) -> User:
    """The active account with this username."""
    with session.begin():
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if user is None:
            raise NotFound("user", username)
        return user


def list_users(session: Session, *, page: int = 1, per_page: int = 20, search: str = "") -> Page[User]:
    """All accounts, by username; with `search`, those whose username or name shown contains it."""
    query = select(User).order_by(User.username)
    if text := search.strip():
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(User.username).like(pattern, escape="\\"),
                                func.lower(User.display_name).like(pattern, escape="\\")))
    with session.begin():
        return paginate(session, query, page, per_page)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user_id: int, name: str, *, at: datetime) -> str:
    """Issue an API token; only its hash is stored, so it is shown this once."""
    token = "ac_" + secrets.token_urlsafe(32)
    with session.begin():
        if session.get(User, user_id) is None:
            raise NotFound("user", user_id)
        session.add(ApiToken(user_id=user_id, name=name, token_sha256=_token_digest(token), created_at=at))
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user an API token belongs to, or None."""
    query = (
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_sha256 == _token_digest(token), User.active.is_(True))
    )
    with session.begin():
        return session.scalar(query)
