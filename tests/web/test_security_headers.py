"""Security headers on every GET route (pages and API, signed in or not) and the session cookie's flags."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from tests.web.test_throttling import page_login
from web.app import create_app

ROLES = ["anonymous", "teacher_a", "county_a", "operator", "admin"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


def get_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every GET route of the app that needs no path parameter, from the URL map."""
    rules = [r for r in app.url_map.iter_rules() if "GET" in (r.methods or ()) and not r.arguments]
    return sorted({r.rule for r in rules})


def assert_secure_headers(response, where: str) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert csp, f"{where}: no Content-Security-Policy"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, f"{where}: {csp}"
    assert "frame-ancestors 'none'" in csp, f"{where}: {csp}"
    assert "default-src 'self'" in csp and "object-src 'none'" in csp, f"{where}: {csp}"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), where


def test_the_route_list_covers_pages_api_and_feeds(app):
    routes = get_routes(app)
    assert {"/", "/login", "/api/openapi.json", "/api/users/me", "/api/recordings/"} <= set(routes)


@pytest.mark.parametrize("role", ROLES)
def test_every_get_route_sends_the_security_headers(app, client, world, role):
    if role != "anonymous":
        assert page_login(client, role, "correct-horse-9").status_code == 302
    for route in get_routes(app):
        response = client.get(route)
        assert response.status_code < 500, f"{route} as {role}: {response.status_code}"
        assert_secure_headers(response, f"{route} as {role} ({response.status_code})")
        if response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            # The CSP forbids inline code, so a page relying on it would silently break in browsers.
            assert not INLINE_SCRIPT.search(body), f"{route} as {role}: inline <script>"
            assert not INLINE_STYLE.search(body), f"{route} as {role}: inline style or handler"


def test_api_errors_and_feeds_carry_the_headers_too(client, api_as, world):
    for response in (
        client.get("/api/recordings/"),  # 401
        api_as("teacher_a").get("/api/lessons/99999"),  # 404
        api_as("teacher_a").post("/api/lessons/", json={}),  # 403 or 422
        client.get("/feeds/grade99.ics"),  # 404
        client.get("/no-such-page"),
    ):
        assert response.status_code >= 400
        assert_secure_headers(response, f"{response.request.path} ({response.status_code})")


def test_session_cookie_is_httponly_and_samesite_lax(client, world):
    response = page_login(client, "admin", "correct-horse-9")
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development config serves plain http on loopback


def test_production_cookies_are_secure(settings, world):
    app = create_app({"TESTING": True}, settings=replace(settings, production=True, secret_key="vault-secret-1"))
    client = app.test_client()
    try:
        cookie = _session_cookie(page_login(client, "admin", "correct-horse-9"))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        app.extensions["airclass.sessions"].kw["bind"].dispose()


def test_language_cookie_is_not_readable_by_scripts(client):
    cookie = client.get("/login?lang=en").headers["Set-Cookie"]
    assert cookie.startswith("lang=en") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _session_cookie(response) -> str:  # type: ignore[no-untyped-def]
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]
