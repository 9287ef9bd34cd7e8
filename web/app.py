"""The Flask application factory."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, Request
from flask_smorest import Api
from werkzeug.routing import IntegerConverter

from scheduler.ops.job_kinds import load_job_kinds
from scheduler.services import feed_files
from scheduler.settings import Settings, load_settings
from scheduler.store.db import make_session_factory
from scheduler.store.media_store import MediaStore
from web import i18n, problems, request_limits
from web.access_log import AccessLog, open_log
from web.api import channels, jobs, lessons, recordings, start_page, users
from web.api.schemas import SQL_INTEGER_MAX, ProblemSchema
from web.context import close_db, csrf
from web.pages import admin, audit, auth, feeds, guide, library, live, operator, replay, review, teacher, watch
from web.pages import jobs as jobs_page
from web.problems import PROBLEM_TYPE

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
}


class AirclassRequest(Request):
    """Closes upload spool files even when parsing stopped half-way (e.g. at the size limit)."""

    def _get_file_stream(self, *args: Any, **kwargs: Any) -> Any:
        stream = super()._get_file_stream(*args, **kwargs)
        self.__dict__.setdefault("_upload_spools", []).append(stream)
        return stream

    def close(self) -> None:
        super().close()
        for stream in self.__dict__.pop("_upload_spools", []):
            stream.close()


class ProblemApi(Api):
    """flask-smorest Api whose documented error body is an RFC 9457 problem."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # Error bodies go out as application/problem+json (web/problems.py): document them with that type.
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_TYPE
        try:
            super()._register_responses()  # type: ignore[misc]
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE


class RowIdConverter(IntegerConverter):
    """`<int:...>` bounded to a SQL INTEGER, so a huge id is a 404 rather than an overflow in the driver."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", SQL_INTEGER_MAX)
        super().__init__(map, *args, **kwargs)


class InsecureConfiguration(RuntimeError):
    """The app was asked to run in production with an unsafe setting."""


def create_app(config: dict[str, Any] | None = None, settings: Settings | None = None) -> Flask:
    """Build the app from settings (environment by default) and optional config overrides."""
    settings = settings or load_settings()
    load_job_kinds()  # the app submits jobs (uploads, day renders)
    if settings.production and settings.uses_default_secret:
        raise InsecureConfiguration("set AIRCLASS_SECRET_KEY: the default secret key is refused in production")
    app = Flask(__name__)
    app.request_class = AirclassRequest
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable UTF-8
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        WTF_CSRF_TIME_LIMIT=None,
        API_TITLE="airclass",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        AIRCLASS_SETTINGS=settings,
    )
    if config:
        app.config.from_mapping(config)
    app.extensions["airclass.sessions"] = sessions = make_session_factory(settings.database_url)
    feed_files.refresh_after_commit(sessions, settings.public, settings.public_url)
    app.extensions["airclass.store"] = store = MediaStore(settings.media_dir, settings.max_upload_bytes)
    store.sweep_incoming(now=datetime.now(UTC))  # uploads of a process killed mid-upload
    request_limits.init_app(app)  # before CSRF's check reads a form: sizes and encodings first
    _register(app)
    access = open_log(settings.access_log, max_bytes=settings.access_log_max_bytes, backups=settings.access_log_backups)
    app.wsgi_app = AccessLog(app.wsgi_app, access, settings.timezone)  # type: ignore[method-assign]
    return app


def _register(app: Flask) -> None:
    csrf.init_app(app)
    api = ProblemApi(app)
    app.url_map.converters["isodate"] = feeds.IsoDateConverter
    app.url_map.converters["int"] = RowIdConverter
    for module in (lessons, recordings, users, channels, start_page, jobs):
        csrf.exempt(module.bp)
        api.register_blueprint(module.bp)
    i18n.init_app(app)
    page_bps = (auth, teacher, review, operator, jobs_page, guide, admin, audit, watch, live, library, replay)
    for page_bp in (module.bp for module in page_bps):
        app.register_blueprint(page_bp)
    app.register_blueprint(feeds.bp)
    problems.register(app)
    app.teardown_appcontext(close_db)
    app.after_request(_security_headers)


def _security_headers(response: Any) -> Any:
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    return response
