"""The app as a whole: OpenAPI document, errors, sessions, CSRF, configuration, CLI."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from openapi_spec_validator import validate

from scheduler.settings import DEFAULT_SECRET_KEY
from tests.support.world import PASSWORD
from web.app import InsecureConfiguration, create_app
from web.cli import cli


def test_openapi_document_is_valid_openapi_3(client, world):
    spec = client.get("/api/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert "/api/recordings/{recording_id}/actions" in spec["paths"]
    assert "/api/lessons/{lesson_id}/recordings" in spec["paths"]


def test_api_without_credentials_is_401_problem(client, world):
    response = client.get("/api/recordings/")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401


def test_validation_error_names_the_field(api_as, world):
    response = api_as("teacher_a").get("/api/lessons/?grade=99")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "grade" in response.get_json()["errors"]


def test_unknown_lesson_is_404_problem(api_as, world):
    response = api_as("teacher_a").get("/api/lessons/99999")
    assert response.status_code == 404
    assert response.get_json()["detail"] == "lesson 99999 not found"


def test_lists_are_paginated(api_as, world):
    first = api_as("admin").get("/api/users/?per_page=3").get_json()
    assert (len(first["items"]), first["per_page"], first["page"]) == (3, 3, 1)
    assert first["total"] == len(world.users) and first["pages"] == -(-len(world.users) // 3)
    last = api_as("admin").get(f"/api/users/?per_page=3&page={first['pages']}").get_json()
    assert 1 <= len(last["items"]) <= 3


def test_only_admins_create_users_and_chinese_names_survive(api_as, world):
    body = {"username": "zhao", "display_name": "赵老师", "role": "operator", "password": "long-enough-1"}
    assert api_as("operator").post("/api/users/", json=body).status_code == 403
    created = api_as("admin").post("/api/users/", json=body)
    assert created.status_code == 201 and created.get_json()["display_name"] == "赵老师"
    assert "password" not in created.get_json()
    assert api_as("admin").post("/api/users/", json=body).status_code == 409


def test_wrong_password_gets_no_token(client, world):
    response = client.post("/api/tokens", json={"username": "admin", "password": "wrong-password"})
    assert response.status_code == 401


def login(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)})


def test_session_login_sets_safe_cookie_and_lands_on_start_page(client, world):
    response = login(client, "county_a")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    home = client.get("/", follow_redirects=True)
    assert home.request.path == "/review/"  # a county reviewer starts at their review queue
    assert "南湖初审" in home.get_data(as_text=True)


def test_login_form_without_csrf_token_is_refused(client, world):
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed out: the landing page, no start page


def test_session_api_writes_need_the_csrf_header(client, world):
    login(client, "admin")
    body = {"username": "qian", "display_name": "钱", "role": "auditor", "password": "long-enough-1"}
    refused = client.post("/api/users/", json=body)
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    assert "CSRF" in refused.get_json()["detail"]


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_wrong_login_shows_a_chinese_message(client, world):
    response = login(client, "admin", "not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_production_refuses_the_default_secret(settings):
    from dataclasses import replace

    with pytest.raises(InsecureConfiguration):
        create_app(settings=replace(settings, production=True, secret_key=DEFAULT_SECRET_KEY))
    app = create_app(settings=replace(settings, production=True, secret_key="a-real-secret-from-the-vault"))
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_cli_lists_its_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "demo", "serve", "user", "token"):
        assert re.search(rf"^\s+{command}\s", result.output, re.MULTILINE), result.output


def test_cli_adds_a_user_and_issues_a_working_token(app, client, world):
    runner = app.test_cli_runner()
    added = runner.invoke(
        cli, ["user", "add", "sun", "--role", "auditor", "--name", "孙审计", "--password", "long-enough-1"]
    )
    assert added.exit_code == 0, added.output
    issued = runner.invoke(cli, ["token", "create", "sun"])
    assert issued.exit_code == 0, issued.output
    me = client.get("/api/users/me", headers={"Authorization": f"Bearer {issued.output.strip()}"})
    assert me.get_json()["display_name"] == "孙审计"
    unknown = runner.invoke(cli, ["token", "create", "nobody"])
    assert unknown.exit_code != 0 and "nobody" in unknown.output


def test_the_home_page_leads_families_to_the_guide_and_staff_to_sign_in(client, world):
    page = client.get("/")
    assert page.status_code == 200  # no redirect to the sign-in page: families have no account
    text = page.get_data(as_text=True)
    assert 'href="/guide/"' in text and "打开节目表" in text and "无需登录" in text
    assert 'href="/login"' in text and "工作人员登录" in text
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Open the programme guide" in english and "Staff sign-in" in english
