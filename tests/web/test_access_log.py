"""The access log (issue 14): every request is a Combined Log Format line with its duration, in a file under the data
directory, and nothing secret is in it (no query string, cookie, token or password), whatever a client sends."""
from __future__ import annotations

import dataclasses
import re

from tests.support.world import PASSWORD
from web.app import create_app

LINE = re.compile(
    r'^(?P<address>\S+) - - \[(?P<time>\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] '
    r'"(?P<method>[A-Z]+) (?P<path>\S*) HTTP/1\.1" (?P<status>\d{3}) (?P<bytes>\d+|-) '
    r'"(?P<referrer>[^"]*)" "(?P<agent>(?:[^"\\]|\\.)*)" (?P<micros>\d+)$'
)
CLIENT = {"REMOTE_ADDR": "203.0.113.7"}
# A server closes each response once sent (PEP 3333), which writes its line; the test client does when buffered.


def logged(settings) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    lines = settings.access_log.read_text(encoding="utf-8").splitlines()
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), [line for line, match in zip(lines, parsed, strict=True) if not match]
    return [match.groupdict() for match in parsed if match]


def test_each_request_is_logged_with_method_path_status_duration_and_address(app, client, world, settings):
    assert settings.access_log == settings.media_dir.parent / "logs" / "access.log"
    client.get("/login", environ_base=CLIENT, buffered=True)
    client.get("/no/such/page", environ_base={**CLIENT, "HTTP_USER_AGENT": 'evil"\n203.0.113.9 - - [forged\x1b'}, buffered=True)
    entries = logged(settings)
    assert [(e["method"], e["path"], e["status"], e["address"]) for e in entries] == [
        ("GET", "/login", "200", "203.0.113.7"), ("GET", "/no/such/page", "404", "203.0.113.7")]
    assert int(entries[0]["bytes"]) > 0 and int(entries[0]["micros"]) > 0
    assert entries[0]["time"].endswith("+0800")  # the service's zone (Asia/Shanghai)
    assert entries[1]["agent"] == 'evil\\"\\x0a203.0.113.9 - - [forged\\x1b'  # one line, escaped as Apache does


def test_nothing_secret_reaches_the_log(app, client, world, settings, api_as):
    token_page = client.get("/login")
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page.get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "auditor", "password": PASSWORD, "csrf_token": csrf},
                environ_base=CLIENT, buffered=True)
    session_cookie = client.get_cookie("session").value
    client.get("/audit/?token=ac_SECRET_IN_QUERY&from=2020-02-10",
               headers={"Referer": "https://kt.example/overview?reset=SECRET_IN_REFERRER#frag"}, environ_base=CLIENT,
               buffered=True)
    auditor = api_as("auditor")  # posts the password to /api/tokens, then sends the token as a bearer
    auditor.get("/api/recordings/", buffered=True)
    text = settings.access_log.read_text(encoding="utf-8")
    bearer = auditor.headers["Authorization"].removeprefix("Bearer ")
    for secret in (PASSWORD, "SECRET_IN_QUERY", "SECRET_IN_REFERRER", session_cookie, bearer, csrf, "frag"):
        assert secret not in text
    entries = logged(settings)
    assert ("POST", "/login", "302") in [(e["method"], e["path"], e["status"]) for e in entries]
    audit = next(e for e in entries if e["path"] == "/audit/")
    assert audit["referrer"] == "https://kt.example/overview" and audit["status"] == "200"
    assert ("POST", "/api/tokens", "201") in [(e["method"], e["path"], e["status"]) for e in entries]


def test_the_log_is_rotated_by_size(settings, sessions, tmp_path):  # type: ignore[no-untyped-def]
    small = dataclasses.replace(settings, access_log_file=tmp_path / "audit" / "access.log", access_log_max_bytes=400,
                                access_log_backups=2)
    client = create_app({"TESTING": True}, settings=small).test_client()
    for _ in range(12):
        client.get("/login", buffered=True)
    assert small.access_log.exists() and small.access_log.with_name("access.log.1").exists()
    assert small.access_log.with_name("access.log.2").exists() and not small.access_log.with_name("access.log.3").exists()
