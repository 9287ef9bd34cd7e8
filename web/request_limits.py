"""Limits on what a request may carry, checked before any view reads it.

- Size: an upload (UPLOAD_ENDPOINTS) may be as large as Settings.max_upload_bytes (MAX_CONTENT_LENGTH); every other
  request body is capped at Settings.max_request_bytes (AIRCLASS_MAX_REQUEST_KB, 1 MiB by default): past it, 413
  (problem+json for the API, the error page in the page's language for a browser). A body without a
  Content-Length is cut at the same limit as it is read (Flask's per-request max_content_length).
- Encoding: form fields (an upload's excepted) and query arguments must be UTF-8. Werkzeug would keep invalid bytes as the literal text
  "%FF%FE" (url-encoded forms) or U+FFFD (multipart forms), and that text would be stored; such a request is
  refused with 400 and a message instead. A JSON body that is not UTF-8 is refused by the JSON parser already.
- NUL: no text (query, form or JSON string) may hold the character U+0000: PostgreSQL cannot store or even
  compare it (SQLite would keep it), so the same request is refused with 400 on either database.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, request
from flask_babel import gettext as _

from web.problems import refuse

UPLOAD_ENDPOINTS = frozenset({"teacher.upload", "lessons.upload_recording"})  # the views that take a lesson video
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def init_app(app: Flask) -> None:
    """Check every request's size and encoding before its view runs."""
    app.before_request(check_request)


def check_request() -> Any:
    """Refuse a request too large for its kind or carrying text that is not UTF-8; None lets it through."""
    if request.endpoint not in UPLOAD_ENDPOINTS:
        limit = current_app.config["AIRCLASS_SETTINGS"].max_request_bytes
        request.max_content_length = limit
        if request.content_length is not None and request.content_length > limit:
            kib = str(limit // 1024)
            return refuse(413, f"the request body is larger than the limit of {kib} KiB",
                          page_detail=_("The request is larger than the limit of %(kib)s KiB.", kib=kib))
    if not _all_utf8():
        return refuse(400, "a form field or query argument is not valid UTF-8 text; nothing was saved",
                      page_detail=_("The form held text that is not valid UTF-8: nothing was saved. "
                                    "Check what was typed or pasted, and send it again."))
    if _holds_nul():
        return refuse(400, "a text holds the character NUL (U+0000); nothing was saved",
                      page_detail=_("The form held an invisible NUL character: nothing was saved. "
                                    "Check what was pasted, and send it again."))
    return None


def _holds_nul() -> bool:
    """Whether a query argument, a form field (an upload's file excepted) or a JSON string holds U+0000."""
    texts: list[str] = [*request.args.keys(), *request.args.values()]
    if request.mimetype in FORM_TYPES and request.endpoint not in UPLOAD_ENDPOINTS:
        texts += [*request.form.keys(), *request.form.values()]
    elif request.is_json:
        texts += _json_strings(request.get_json(silent=True))  # cached: the view reads the same parse
    return any("\0" in text for text in texts)


def _json_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value.keys(), *(text for item in value.values() for text in _json_strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in _json_strings(item)]
    return []


def _all_utf8() -> bool:
    """Tell whether the query string and a form body decode as UTF-8 (a multipart form's text fields, as parsed)."""
    if not _urlencoded_utf8(request.environ.get("QUERY_STRING", "").encode("latin-1")):
        return False
    if request.mimetype == FORM_TYPES[0]:
        return _urlencoded_utf8(request.get_data(cache=True))  # the form is parsed from this copy afterwards
    if request.mimetype == FORM_TYPES[1] and request.endpoint not in UPLOAD_ENDPOINTS:
        # An upload's only text field is its CSRF token; its file name is cleaned where it is stored, and a
        # malformed upload is refused by the upload's own checks (naming the file field).
        return not any("\ufffd" in key or "\ufffd" in value for key, value in request.form.items(multi=True))
    return True


def _urlencoded_utf8(raw: bytes) -> bool:
    try:
        for pair in raw.replace(b"+", b" ").split(b"&"):
            unquote_to_bytes(pair).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
