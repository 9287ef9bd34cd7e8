"""API: user accounts and API tokens."""
from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_smorest import Blueprint

from scheduler.services import accounts, login_throttle
from scheduler.services.permissions import Permission
from web.api.schemas import (
    PageArgsSchema,
    PasswordChangeSchema,
    PasswordResetSchema,
    TokenRequestSchema,
    TokenSchema,
    UserEditSchema,
    UserSchema,
    page_of,
)
from web.context import api_login_required, current_actor, current_user, db, now, permission_required
from web.problems import problem

bp = Blueprint("users", __name__, url_prefix="/api", description="Accounts and API tokens")
UserPage = page_of(UserSchema, "UserPage")


@bp.route("/users/")
@api_login_required
@permission_required(Permission.READ_ACCOUNTS)
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, UserPage)
def list_users(args: dict[str, Any]) -> Any:
    """All accounts (admin, auditor)."""
    return accounts.list_users(db(), page=args["page"], per_page=args["per_page"])


@bp.route("/users/", methods=["POST"])
@api_login_required
@permission_required(Permission.EDIT_ACCOUNTS)
@bp.arguments(UserSchema)
@bp.response(201, UserSchema)
def create_user(args: dict[str, Any]) -> Any:
    """Create an account with its role and scope (admin)."""
    return accounts.create_user(db(), current_actor(), at=now(), **args)


@bp.route("/users/<int:user_id>", methods=["PATCH"])
@api_login_required
@permission_required(Permission.EDIT_ACCOUNTS)
@bp.arguments(UserEditSchema)
@bp.response(200, UserSchema)
def edit_user(args: dict[str, Any], user_id: int) -> Any:
    """Change an account's name, role, scope, or disable it (admin); 422 if no active admin would be left."""
    return accounts.edit_user(db(), current_actor(), user_id, at=now(), **args)


@bp.route("/users/<int:user_id>/password", methods=["PUT"])
@api_login_required
@permission_required(Permission.EDIT_ACCOUNTS)
@bp.arguments(PasswordResetSchema)
@bp.response(204)
def reset_password(args: dict[str, Any], user_id: int) -> Any:
    """Set another account's password (admin), kept to the password rule."""
    accounts.reset_password(db(), current_actor(), user_id, args["password"], at=now())


@bp.route("/users/me/password", methods=["PUT"])
@api_login_required
@bp.arguments(PasswordChangeSchema)
@bp.response(204)
def change_own_password(args: dict[str, Any]) -> Any:
    """Change the signed-in account's password, giving the current one."""
    accounts.change_own_password(db(), current_actor(), args["current"], args["new"], at=now())


@bp.route("/users/me")
@api_login_required
@bp.response(200, UserSchema)
def me() -> Any:
    """The signed-in account."""
    return current_user()


@bp.route("/tokens", methods=["POST"])
@bp.arguments(TokenRequestSchema)
@bp.response(201, TokenSchema)
@bp.alt_response(429, response="TOO_MANY_REQUESTS")  # with Retry-After: repeated failed sign-ins
def create_token(args: dict[str, Any]) -> Any:
    """Exchange a username and password for an API token (shown once); throttled after repeated failures."""
    try:
        user = login_throttle.sign_in(db(), args["username"], args["password"], address=request.remote_addr or "", at=now())
    except login_throttle.LoginThrottled as exc:
        response = problem(429, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if user is None:
        abort(401, description="wrong username or password")
    return {"token": accounts.create_token(db(), user.id, args["name"], at=now())}
