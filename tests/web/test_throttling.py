"""Login throttling: 5 failed sign-ins per username and address within 15 minutes lock both doors."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from scheduler.services import login_throttle
from tests.support.world import PASSWORD

OTHER_ADDRESS = {"REMOTE_ADDR": "10.1.2.3"}


def token(client, username: str, password: str, **kw):  # type: ignore[no-untyped-def]
    return client.post("/api/tokens", json={"username": username, "password": password}, **kw)


def page_login(client, username: str, password: str, **kw):  # type: ignore[no-untyped-def]
    page = client.get("/login", **kw).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert csrf, page
    data = {"username": username, "password": password, "csrf_token": csrf.group(1)}
    return client.post("/login", data=data, **kw)


def fail_five_times(client, username: str = "operator", **kw) -> None:  # type: ignore[no-untyped-def]
    for _ in range(login_throttle.MAX_FAILURES):
        assert token(client, username, "wrong-password", **kw).status_code == 401


def test_api_answers_429_problem_with_retry_after_even_for_the_right_password(client, world):
    fail_five_times(client)
    refused = token(client, "operator", PASSWORD)
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["status"] == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "token" not in refused.get_json()


def test_login_page_answers_429_with_a_message_after_failures(client, world):
    for _ in range(login_throttle.MAX_FAILURES):
        assert page_login(client, "county_a", "wrong-password").status_code == 401
    refused = page_login(client, "county_a", PASSWORD)
    assert refused.status_code == 429
    assert "登录失败次数过多" in refused.get_data(as_text=True)
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed out: the landing page, no start page
    english = page_login(client, "county_a", PASSWORD, query_string={"lang": "en"})
    assert english.status_code == 429 and "Too many failed sign-ins" in english.get_data(as_text=True)


def test_failures_through_the_api_lock_the_page_too(client, world):
    fail_five_times(client, "county_a")
    assert page_login(client, "county_a", PASSWORD).status_code == 429


def test_another_user_or_another_address_is_unaffected(client, world):
    fail_five_times(client, "operator")
    assert token(client, "admin", PASSWORD).status_code == 201
    assert token(client, "operator", PASSWORD, environ_base=OTHER_ADDRESS).status_code == 201
    assert page_login(client, "operator", PASSWORD, environ_base=OTHER_ADDRESS).status_code == 302


def test_a_success_resets_the_count(client, world):
    for _ in range(login_throttle.MAX_FAILURES - 1):
        assert token(client, "operator", "wrong-password").status_code == 401
    assert token(client, "operator", PASSWORD).status_code == 201
    for _ in range(login_throttle.MAX_FAILURES - 1):
        assert token(client, "operator", "wrong-password").status_code == 401
    assert token(client, "operator", PASSWORD).status_code == 201


def _fail_at(sessions, when: datetime, username: str = "operator") -> None:  # type: ignore[no-untyped-def]
    for _ in range(login_throttle.MAX_FAILURES):
        assert login_throttle.sign_in(sessions(), username, "wrong-password", address="127.0.0.1", at=when) is None


def test_failures_older_than_the_window_no_longer_count(client, sessions, world):
    _fail_at(sessions, datetime.now(UTC) - login_throttle.WINDOW - timedelta(minutes=1))
    assert token(client, "operator", PASSWORD).status_code == 201
    assert page_login(client, "operator", PASSWORD).status_code == 302


def test_failures_inside_the_window_count_until_it_passes(client, sessions, world):
    _fail_at(sessions, datetime.now(UTC) - login_throttle.WINDOW + timedelta(minutes=2))
    refused = token(client, "operator", PASSWORD)
    assert refused.status_code == 429
    assert 60 < int(refused.headers["Retry-After"]) <= 120  # the oldest failure leaves the window in ~2 min


def test_unknown_usernames_are_throttled_too(client, world):
    fail_five_times(client, "no-such-user")
    assert token(client, "no-such-user", "whatever").status_code == 429
