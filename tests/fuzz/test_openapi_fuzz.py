"""Property-based fuzzing of every API operation from /api/openapi.json (schemathesis, in-process WSGI).

Each operation gets a bounded number of generated requests as the admin (bearer token), once with
generated ids and once with ids of a channel, lesson and approved recording that exist, and once
anonymous. Every answer must be a documented
status code with a documented content type and a body matching its schema; never a 5xx.
"""
from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from scheduler.services import accounts
from scheduler.settings import Settings
from tests.support.channels_world import CHANNEL
from web.app import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
REAL_DAYS = 7
FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,  # the same examples on every CI run: a failure reproduces
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _spec_app():  # type: ignore[no-untyped-def]
    """An app built only to serve the OpenAPI document at collection time (it never opens its database)."""
    folder = Path(tempfile.gettempdir()) / "airclass-fuzz-spec"
    spec_settings = Settings(database_url=f"sqlite:///{folder}/unused.sqlite3", media_dir=folder / "media",
                             secret_key="fuzz", max_upload_bytes=1024, production=False, timezone="Asia/Shanghai")
    return create_app({"TESTING": True}, settings=spec_settings)


@pytest.fixture
def admin_headers(sessions, world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token = accounts.create_token(sessions(), world.user("admin").id, "fuzz", at=datetime.now(UTC))
    return {"Authorization": f"Bearer {token}"}


# The document is static, so it is loaded once; each test sends its requests to its own app and database.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", _spec_app())


@schema.parametrize()
@FUZZ
def test_api_as_admin(case, app, admin_headers):  # type: ignore[no-untyped-def]
    case.call_and_validate(app=app, headers=admin_headers, checks=CHECKS, buffered=True)


@schema.parametrize()
@settings(FUZZ, max_examples=10)
def test_api_as_admin_on_real_ids(case, app, on_air, admin_headers):  # type: ignore[no-untyped-def]
    """The same, with path ids pointing at rows that exist, so bodies and queries reach the services."""
    known = {"channel_id": CHANNEL, "lesson_id": on_air.lesson_a, "recording_id": on_air.recordings["math12"]}
    for name, value in known.items():
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = value
    if isinstance(case.body, dict) and type(case.body.get("days")) is int:
        # Assembling a year of real days takes ~10 s a request on SQLite: a week keeps the run short.
        case.body["days"] = min(case.body["days"], REAL_DAYS)
    case.call_and_validate(app=app, headers=admin_headers, checks=CHECKS, buffered=True)


@schema.parametrize()
@settings(FUZZ, max_examples=5)
def test_api_anonymous(case, app, world):  # type: ignore[no-untyped-def]
    case.call_and_validate(app=app, checks=CHECKS, buffered=True)


def test_found_by_fuzzing_a_body_that_is_not_json_is_a_problem_naming_the_body(client, admin_headers):
    response = client.post("/api/users/", data=b"\x80\x00", content_type="application/json", headers=admin_headers)
    assert response.status_code in (400, 422) and response.mimetype == "application/problem+json"
    assert list(response.get_json()["errors"]) == ["json"]


def test_found_by_fuzzing_an_id_past_sql_integer_is_404(client, admin_headers):
    for url in ("/api/lessons/9223372036854775808", "/api/jobs/2147483648"):
        assert client.get(url, headers=admin_headers).status_code == 404


def test_found_by_fuzzing_a_user_in_a_missing_city_or_school_is_422(client, admin_headers):
    body = {"username": "x1", "display_name": "x", "role": "admin", "password": "long-enough-1"}
    for scope in ({"city_id": 86400}, {"school_id": 86400}):
        response = client.post("/api/users/", json={**body, **scope}, headers=admin_headers)
        assert response.status_code == 422 and list(response.get_json()["errors"]) == list(scope)


def test_found_by_fuzzing_nested_validation_errors_are_flat_field_paths(client, admin_headers):
    response = client.post("/api/channels/", json={"id": "abc.x", "name": "x", "grades": ["a"], "template": {}},
                           headers=admin_headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"grades.0": ["Not a valid integer."]}
