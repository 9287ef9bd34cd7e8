"""nginx in front of `airclass serve`, configured by `airclass nginx-config`: feeds and live files from files, the
rest from the app.

Debian's nginx-light (scripts/system-packages.sh) runs the generated configuration from a
temporary folder on a free port, in front of the app on another.
"""
from __future__ import annotations

import datetime as dt
import http.client
import shutil
import subprocess
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scheduler.store.models import LoginAttempt
from tests.support.channels_world import CHANNEL, next_monday
from tests.support.live_server import LiveServer, airclass_command, free_port
from web.app import SECURITY_HEADERS
from web.family_pages import page_file, write_family_pages

pytestmark = pytest.mark.ffmpeg
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Front:
    """nginx on its own port, in front of a running app."""

    def __init__(self, app: LiveServer, run_dir: Path) -> None:
        self.port = free_port()
        run_dir.mkdir()
        config = subprocess.run(
            [*airclass_command(), "nginx-config", "--listen", f"127.0.0.1:{self.port}",
             "--app", f"127.0.0.1:{app.port}", "--standalone", str(run_dir)],
            env=app.env, capture_output=True, text=True, check=True).stdout
        (run_dir / "nginx.conf").write_text(config)
        assert Path(NGINX).exists(), "install Debian's nginx-light: scripts/system-packages.sh"
        self.process = subprocess.Popen([NGINX, "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"),
                                         "-e", str(run_dir / "error.log")])
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.get("/api/openapi.json")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not answer")

    def get(self, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        conn.close()
        return response

    def post(self, path: str, body: str, headers: dict[str, str], source: str = "127.0.0.1") -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(source, 0))
        conn.request("POST", path, body=body.encode(), headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def behind_nginx(on_air, api_as, settings, tmp_path):  # type: ignore[no-untyped-def]
    response = api_as("operator").post(f"/api/channels/{CHANNEL}/days/publish",
                                       json={"from": next_monday().isoformat(), "days": 7})  # days not yet over
    assert response.status_code == 200, response.get_json()
    app = LiveServer(settings.database_url, settings.media_dir, tmp_path / "serve.log")
    app.env["AIRCLASS_TRUSTED_PROXY"] = "127.0.0.1"
    app.start()
    front = Front(app, tmp_path / "nginx")
    yield app, front
    front.stop()
    app.stop()


def test_feeds_come_from_their_files_even_with_the_app_down(behind_nginx, client, settings):
    app, front = behind_nginx
    from_app = client.get("/feeds/grade3/math.ics")
    app.stop()
    served = front.get("/feeds/grade3/math.ics")
    assert served.status == 200 and served.body == from_app.data  # type: ignore[attr-defined]
    assert served.getheader("Content-Type") == "text/calendar; charset=utf-8"
    assert served.getheader("Cache-Control") == "public, max-age=300"
    assert "三年级 数学 第12课《两位数乘两位数》".encode() in served.body  # type: ignore[attr-defined]
    again = front.get("/feeds/grade3/math.ics", {"If-None-Match": served.getheader("ETag")})
    assert again.status == 304 and again.body == b""  # type: ignore[attr-defined]


def test_a_revocation_reaches_families_through_nginx_at_once(behind_nginx, on_air, api_as):
    _app, front = behind_nginx
    before = front.get("/feeds/grade3.ics")
    assert b"STATUS:CANCELLED" not in before.body  # type: ignore[attr-defined]
    revoked = api_as("final").post(f"/api/recordings/{on_air.recordings['math12']}/actions",
                                   json={"action": "revoke", "comment": "画面有误"})
    assert revoked.status_code == 200, revoked.get_json()
    after = front.get("/feeds/grade3.ics", {"If-None-Match": before.getheader("ETag")})
    assert after.status == 200 and b"STATUS:CANCELLED" in after.body  # type: ignore[attr-defined]
    assert after.getheader("ETag") != before.getheader("ETag")


def test_what_has_no_file_goes_to_the_app(behind_nginx, settings):
    _app, front = behind_nginx
    (settings.public / "feeds" / ".grade3.ics.x.part").write_bytes(b"half a feed")
    hidden = front.get("/feeds/.grade3.ics.x.part")
    assert hidden.status == 404 and b"half a feed" not in hidden.body  # type: ignore[attr-defined]
    unknown = front.get("/feeds/grade9.ics")
    assert unknown.status == 404 and unknown.getheader("Content-Security-Policy")  # the app's own 404 page
    (settings.public / "feeds" / "grade3.ics").unlink()  # not written yet: the app builds it
    built = front.get("/feeds/grade3.ics")
    assert built.status == 200 and built.body.startswith(b"BEGIN:VCALENDAR")  # type: ignore[attr-defined]
    assert front.get("/guide/grade3").status == 200


def test_live_playlists_and_segments_come_from_their_files_as_the_app_would_serve_them(behind_nginx, client, settings):
    app, front = behind_nginx
    live = settings.public / "live"
    files = {f"{CHANNEL}/master.m3u8": b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2000000\n720p.m3u8\n",
             "sources/math12/720p_00003.ts": b"\x47" + bytes(187)}
    for name, body in files.items():
        (live / name).parent.mkdir(parents=True, exist_ok=True)
        (live / name).write_bytes(body)
    (live / CHANNEL / ".720p.m3u8").write_bytes(b"#EXTM3U half a playlist")  # a writer's hidden temporary
    hidden = front.get(f"/live/{CHANNEL}/.720p.m3u8")
    assert hidden.status == 404 and b"half a playlist" not in hidden.body  # type: ignore[attr-defined]
    missing = front.get(f"/live/{CHANNEL}/360p.m3u8")
    assert missing.status == 404 and missing.getheader("Content-Security-Policy")  # the app's own 404 page
    assert front.get("/live/grade3").status == 200  # the player page, from the app
    from_app = {name: client.get(f"/live/{name}") for name in files}
    app.stop()
    for name, body in files.items():
        served = front.get(f"/live/{name}")
        assert served.status == 200 and served.body == body  # type: ignore[attr-defined]
        for header in ("Content-Type", "Cache-Control"):
            assert served.getheader(header) == from_app[name].headers[header], (name, header)
        from_app[name].close()
    assert front.get(f"/live/{CHANNEL}/master.m3u8").getheader("Cache-Control") == "public, max-age=1"
    segment = front.get("/live/sources/math12/720p_00003.ts")
    assert segment.getheader("Content-Type") == "video/mp2t"
    assert segment.getheader("Cache-Control") == "public, max-age=31536000, immutable"


def test_sign_in_throttling_sees_the_client_address_nginx_saw_not_one_the_client_claims(behind_nginx, sessions):
    _app, front = behind_nginx
    refused = front.post("/api/tokens", '{"username": "operator", "password": "wrong-password"}',
                         {"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9"}, source="127.0.0.2")
    assert refused.status == 401
    with sessions() as session:
        addresses = session.scalars(select(LoginAttempt.address)).all()
    assert addresses == ["127.0.0.2"]  # not nginx's own 127.0.0.1, nor the forged address


def test_families_pages_come_from_their_files_in_their_language_even_with_the_app_down(behind_nginx, app, settings):
    server, front = behind_nginx
    monday = dt.datetime.combine(next_monday(), dt.time(8, 35), tzinfo=ZoneInfo("Asia/Shanghai"))
    write_family_pages(app, now=monday.astimezone(dt.UTC))
    server.stop()
    for path in ("/", "/guide/", "/guide/grade3", "/library/grade3/math", "/live/grade3"):
        page = front.get(path)
        assert page.status == 200, f"{path}: {page.status}"
        assert page.body == page_file(settings.public, path, "zh").read_bytes()  # type: ignore[attr-defined]
        assert page.getheader("Content-Type") == "text/html; charset=utf-8"
        assert page.getheader("Content-Security-Policy") == SECURITY_HEADERS["Content-Security-Policy"]
        assert page.getheader("Cache-Control") == "public, max-age=30"
    english = front.get("/guide/grade3?lang=en")
    assert english.body == page_file(settings.public, "/guide/grade3", "en").read_bytes()  # type: ignore[attr-defined]
    cookie = english.getheader("Set-Cookie")
    assert cookie.startswith("lang=en;")
    following = front.get("/library/grade3/math", {"Cookie": "lang=en"})  # the next page stays English
    assert b'<html lang="en">' in following.body  # type: ignore[attr-defined]
    assert front.get("/guide/grade3", {"Cookie": "lang=en"}).body == english.body  # type: ignore[attr-defined]
    chinese = front.get("/guide/grade3?lang=zh", {"Cookie": "lang=en"})
    assert b'<html lang="zh-CN">' in chinese.body  # type: ignore[attr-defined]
    assert front.get("/guide/grade3?channel=other").status == 502  # a query no file answers goes to the app (down here)
