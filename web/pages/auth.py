"""Browser pages: sign in and out, each role's start page, and the guards the other page blueprints share."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from scheduler.domain.catalogue import InvalidInput
from scheduler.domain.review import Actor
from scheduler.domain.review_terms import Role
from scheduler.services import accounts, audit_log, login_throttle, permissions, recordings
from scheduler.services.permissions import Permission
from web.context import current_actor, current_user, db, now
from web.family_pages import family_page

F = TypeVar("F", bound=Callable[..., Any])
bp = Blueprint("pages", __name__)

START_PAGES = {
    Role.TEACHER: "teacher.lessons", **dict.fromkeys(permissions.GRANTS[Permission.REVIEW], "review.queue"),
    Role.OPERATOR: "operator.channels", Role.ADMIN: "admin.users",
}


def page_login_required(permission: Permission | None = None) -> Callable[[F], F]:
    """Pages for signed-in users (sent to the sign-in page otherwise), optionally only those with a permission."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user() is None:
                return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
            if permission is not None:
                permissions.check(current_actor(), permission)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


@bp.route("/")
@family_page
def home() -> Any:
    """Families find the way to the guide here and staff to sign in; a signed-in user goes to their start page."""
    user = current_user()
    if user is None:
        return render_template("landing.html")
    return redirect(url_for(START_PAGES.get(user.role, "pages.overview")))


@bp.route("/overview")
@page_login_required()
def overview() -> Any:
    """Start page of roles without a page of their own yet: the latest recordings they may see."""
    actor: Actor = current_actor()
    recent = recordings.list_recordings(db(), actor, per_page=20)
    scope = audit_log.reader_scope(db(), actor) if actor.role is Role.AUDITOR else None  # how far they read
    return render_template("home.html", user=current_user(), recent=recent, scope=scope)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in with a username and password."""
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            user = login_throttle.sign_in(db(), form.username.data or "", form.password.data or "",
                                    address=request.remote_addr or "", at=now())
        except login_throttle.LoginThrottled as exc:
            minutes = -(-exc.retry_after // 60)
            error, status = _("Too many failed sign-ins. Try again in %(minutes)d minutes.", minutes=minutes), 429
        else:
            if user is not None:
                session.clear()
                session["user_id"], session["stamp"] = user.id, accounts.session_stamp(user)
                return redirect(_safe_next(request.args.get("next")))
            error, status = _("Wrong username or password."), 401
    return render_template("login.html", form=form, error=error), status


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our login page.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("pages.home")


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out."""
    session.clear()
    return redirect(url_for("pages.login"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password.")),
                                                                 Length(max=200)])
    new = PasswordField(_l("New password"), validators=[DataRequired(_l("Enter a password.")), Length(max=200)])


@bp.route("/account/password", methods=["GET", "POST"])
@page_login_required()
def change_password() -> Any:
    """Every signed-in user changes their own password, giving the current one (the password rule applies)."""
    form, status = PasswordChangeForm(), 200
    if form.validate_on_submit():
        try:
            accounts.change_own_password(db(), current_actor(), form.current.data or "", form.new.data or "", at=now())
        except InvalidInput as refused:
            field = form.current if refused.field == "current" else form.new
            field.errors.append(_("This is not your current password.") if refused.field == "current" else
                                _("Use at least %(n)s characters.", n=accounts.MIN_PASSWORD_LENGTH))
        else:  # this session stays signed in; the user's other sessions end
            session["stamp"] = accounts.session_stamp(accounts.get_user(db(), session["user_id"]))
            flash(_("Your password was changed."))
            return redirect(url_for("pages.home"), 303)
    if form.errors:
        status = 422
    return render_template("account_password.html", form=form, min_password=accounts.MIN_PASSWORD_LENGTH), status


@bp.app_context_processor
def signed_in_user() -> dict[str, Any]:
    """Every page's header shows who is signed in (error pages too)."""
    return {"signed_in": current_user()}
