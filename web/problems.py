"""Map domain errors and HTTP errors to RFC 9457 problem documents (API) or error pages."""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from media.disk_space import NotEnoughSpace, gigabytes
from scheduler.domain import review_errors
from scheduler.domain.catalogue import (
    AlreadyExists,
    CatalogueError,
    InvalidInput,
    NotFound,
    UploadRejected,
    UploadTooLarge,
)
from scheduler.domain.channels import InvalidChannel, ScheduleError
from scheduler.domain.policy import PolicyViolation
from scheduler.services.channel_days import DayNotPublished
from scheduler.services.permissions import NotAllowed
from scheduler.services.start_page import RangeChanged
from scheduler.store.models import AuditTrailImmutable
from web.presenters.messages import catalogue_refusal, review_refusal, schedule_refusal

PROBLEM_TYPE = "application/problem+json"

_REVIEW_STATUS: list[tuple[type[Exception], int]] = [
    (review_errors.RecordingNotFound, 404),
    (review_errors.NotPermitted, 403),
    (review_errors.CommentRequired, 422),
    (review_errors.InvalidTransition, 409),
    (review_errors.ChecksumMismatch, 409),
    (review_errors.ReviewConflict, 409),
]
_CATALOGUE_STATUS: list[tuple[type[Exception], int]] = [
    (NotFound, 404),
    (AlreadyExists, 409),
    (InvalidInput, 422),
    (UploadTooLarge, 413),
    (UploadRejected, 422),
]


def _status_for(exc: Exception, table: list[tuple[type[Exception], int]], default: int) -> int:
    return next((status for cls, status in table if isinstance(exc, cls)), default)


def wants_problem_json() -> bool:
    """API calls get problem+json; browsers get a page."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def problem(status: int, detail: str, *, title: str | None = None, **extra: Any) -> Response:
    """An application/problem+json response."""
    body = {"type": "about:blank", "title": title or _title(status), "status": status, "detail": detail}
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    return response


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _respond(status: int, detail: str, *, page_detail: str | None = None, **extra: Any) -> Response | tuple[str, int]:
    """problem+json with the English detail, or the error page with `page_detail` (in the page's language)."""
    if wants_problem_json():
        return problem(status, detail, **extra)
    shown = detail if page_detail is None else page_detail
    return render_template("error.html", status=status, title=_title(status), detail=shown), status


def refuse(status: int, detail: str, *, page_detail: str) -> Response | tuple[str, int]:
    """Refuse bad input: problem+json with the English detail, or the error page with `page_detail`."""
    return _respond(status, detail, page_detail=page_detail)


def handle_review_error(exc: review_errors.ReviewError) -> Response | tuple[str, int]:
    """Review-chain refusals: 403 not yours, 404 unseen, 409 state or race, 422 missing comment."""
    return _respond(_status_for(exc, _REVIEW_STATUS, 409), str(exc), page_detail=review_refusal(exc),
                    error=type(exc).__name__)


def handle_catalogue_error(exc: CatalogueError) -> Response | tuple[str, int]:
    """Catalogue refusals; validation errors name their field."""
    extra: dict[str, Any] = {"error": type(exc).__name__}
    if isinstance(exc, InvalidInput):
        extra["errors"] = {exc.field: [exc.message]}
    return _respond(_status_for(exc, _CATALOGUE_STATUS, 400), str(exc), page_detail=catalogue_refusal(exc), **extra)


def handle_schedule_error(exc: ScheduleError) -> Response | tuple[str, int]:
    """Scheduling refusals: 404 for a day not published, 409 for a range action confirmed on a stale preview, else
    422 naming the rule, field or slot."""
    extra: dict[str, Any] = {"error": type(exc).__name__}
    if isinstance(exc, PolicyViolation):
        extra["violations"] = [
            {"rule": v.rule.value, "where": v.where, "slot": v.slot, "detail": v.detail} for v in exc.violations
        ]
    if isinstance(exc, InvalidChannel):
        extra["errors"] = {exc.field: [exc.reason]}
    status = 404 if isinstance(exc, DayNotPublished) else 409 if isinstance(exc, RangeChanged) else 422
    return _respond(status, str(exc), page_detail=schedule_refusal(exc), **extra)


def space_refusal(exc: NotEnoughSpace) -> str:
    """A render refused for want of disk space, in the page's language."""
    return _("Not enough free disk space for the playout file: it needs about %(needed)s GB, %(free)s GB are "
             "free. Nothing was queued or written.", needed=gigabytes(exc.needed_bytes), free=gigabytes(exc.free_bytes))


def handle_not_enough_space(exc: NotEnoughSpace) -> Response | tuple[str, int]:
    """507 Insufficient Storage: the render would not fit on the media store's disk (nothing was written)."""
    return _respond(507, str(exc), page_detail=space_refusal(exc), error=type(exc).__name__,
                    needed_bytes=exc.needed_bytes, free_bytes=exc.free_bytes)


def handle_http_error(exc: HTTPException) -> Response | tuple[str, int]:
    """Werkzeug's HTTP errors, including webargs validation (422 with per-field messages)."""
    status = exc.code or 500
    extra: dict[str, Any] = {}
    messages = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
    if messages:
        fields = _field_errors(messages)
        extra["errors"] = fields
        detail = "invalid input: " + "; ".join(f"{f}: {' '.join(map(str, m))}" for f, m in fields.items())
    else:
        detail = exc.description or _title(status)
    # Werkzeug's descriptions are English; the error page explains each status in the page's language instead.
    response = _respond(status, detail, page_detail="", **extra)
    allow = exc.get_response().headers.get("Allow")
    if allow and isinstance(response, Response):
        response.headers["Allow"] = allow
    return response


def _field_errors(messages: dict[str, Any]) -> dict[str, list[str]]:
    """webargs messages per location as {"field" or "field.0.sub": [message, ...]}; a body that is
    not JSON at all ({"json": ["Invalid JSON body."]}) is named by its location."""
    fields: dict[str, list[str]] = {}

    def walk(path: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{path}.{key}" if path else str(key), sub)
        elif isinstance(value, list) and not all(isinstance(item, str) for item in value):
            for item in value:
                walk(path, item)
        else:
            fields.setdefault(path, []).extend(value if isinstance(value, list) else [str(value)])

    for location, value in messages.items():
        walk("" if isinstance(value, dict) else location, value)
    return fields


def handle_not_allowed(exc: NotAllowed) -> Response | tuple[str, int]:
    """A role without the permission the route or the page needs."""
    return _respond(403, "your role may not do this", page_detail=_("This page is not for your role."))


def handle_audit_immutable(exc: AuditTrailImmutable) -> Response | tuple[str, int]:
    """A bug tried to rewrite history; refuse loudly."""
    return _respond(500, "the audit trail is append-only")


def register(app: Flask) -> None:
    """Install the handlers on the app."""
    app.register_error_handler(review_errors.ReviewError, handle_review_error)
    app.register_error_handler(CatalogueError, handle_catalogue_error)
    app.register_error_handler(ScheduleError, handle_schedule_error)
    app.register_error_handler(NotAllowed, handle_not_allowed)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(NotEnoughSpace, handle_not_enough_space)
    app.register_error_handler(AuditTrailImmutable, handle_audit_immutable)
