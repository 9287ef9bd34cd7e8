"""API: user accounts and API tokens."""
from __future__ import annotations

from typing import Any

from flask import abort
from flask_smorest import Blueprint

from scheduler import accounts
from scheduler.review import Role
from web.api.schemas import PageArgsSchema, TokenRequestSchema, TokenSchema, UserSchema, page_of
from web.context import api_login_required, current_user, db, now, roles_required

bp = Blueprint("users", __name__, url_prefix="/api", description="Accounts and API tokens")
UserPage = page_of(UserSchema, "UserPage")


@bp.route("/users/")
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, UserPage)
@api_login_required
@roles_required(Role.ADMIN, Role.AUDITOR)
def list_users(args: dict[str, Any]) -> Any:
    """All accounts (admin, auditor)."""
    return accounts.list_users(db(), page=args["page"], per_page=args["per_page"])


@bp.route("/users/", methods=["POST"])
@bp.arguments(UserSchema)
@bp.response(201, UserSchema)
@api_login_required
@roles_required(Role.ADMIN)
def create_user(args: dict[str, Any]) -> Any:
    """Create an account with its role and scope (admin)."""
    return accounts.create_user(db(), at=now(), **args)


@bp.route("/users/me")
@bp.response(200, UserSchema)
@api_login_required
def me() -> Any:
    """The signed-in account."""
    return current_user()


@bp.route("/tokens", methods=["POST"])
@bp.arguments(TokenRequestSchema)
@bp.response(201, TokenSchema)
def create_token(args: dict[str, Any]) -> Any:
    """Exchange a username and password for an API token (shown once)."""
    user = accounts.authenticate(db(), args["username"], args["password"])
    if user is None:
        abort(401, description="wrong username or password")
    return {"token": accounts.create_token(db(), user.id, args["name"], at=now())}
