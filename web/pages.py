"""Browser pages: sign in and out, and each role's start page."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from scheduler import accounts, services
from web.context import current_actor, current_user, db

bp = Blueprint("pages", __name__)


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired(), Length(max=200)])


@bp.route("/")
def home() -> Any:
    """The signed-in user's start page, or the sign-in page."""
    user = current_user()
    if user is None:
        return redirect(url_for("pages.login"))
    actor = current_actor()
    queue = services.queue_counts(db(), actor)
    recent = services.list_recordings(db(), actor, per_page=10)
    return render_template("home.html", user=user, queue=queue, recent=recent)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in with a username and password."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = accounts.authenticate(db(), form.username.data or "", form.password.data or "")
        if user is not None:
            session.clear()
            session["user_id"] = user.id
            return redirect(_safe_next(request.args.get("next")))
        error = "用户名或密码错误"
    status = 401 if error else 200
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
