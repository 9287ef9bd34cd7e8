"""Public programme feeds: a grade's iCal feed, and one per grade and subject. No sign-in, cached by ETag."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, request
from werkzeug.routing import BaseConverter, ValidationError

from scheduler.services import exports
from web.context import db, now

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
FEED_MAX_AGE = 300  # seconds: clients revalidate with If-None-Match after that


class IsoDateConverter(BaseConverter):
    """`<isodate:day>`: a YYYY-MM-DD path segment as a date (404 otherwise)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise ValidationError() from error

    def to_url(self, value: date) -> str:
        return value.isoformat()


@bp.route("/grade<int:grade>.ics")
@bp.route("/grade<int:grade>/<subject>.ics")
def grade_feed(grade: int, subject: str | None = None) -> Response:
    """text/calendar with ETag and Last-Modified; a conditional GET that matches gets 304."""
    public_url = current_app.config["AIRCLASS_SETTINGS"].public_url
    feed = exports.grade_feed(db(), grade, subject, now=now(), public_url=public_url)
    response = Response(feed.body, content_type="text/calendar; charset=utf-8")
    response.set_etag(feed.etag.strip('"'))
    response.last_modified = feed.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = FEED_MAX_AGE
    response.headers["Content-Disposition"] = f'inline; filename="grade{grade}{"-" + subject if subject else ""}.ics"'
    response.make_conditional(request)
    return response
