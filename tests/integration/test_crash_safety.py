"""kill -9 of the web process during an upload and during publishing leaves nothing half-done.

The server is `airclass serve` in a subprocess on the test's database and media store; the test
kills it with SIGKILL (no handler runs), restarts it and checks what a user and an auditor would:
no recording without its file, no file left in incoming/ after the start-up sweep, either none or
all of a publication's days, never two published versions of a day, the audit trail unchanged.
"""
from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scheduler.services import accounts
from scheduler.store.media_store import STALE_UPLOAD
from scheduler.store.models import AuditEvent, ChannelDay, DayStatus, Recording
from tests.support.channels_world import CHANNEL, next_monday
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.ffmpeg
BOUNDARY = "airclass-crash-test"
PUBLISH_DAYS = 200


@pytest.fixture
def server(settings, tmp_path):  # type: ignore[no-untyped-def]
    live = LiveServer(settings.database_url, settings.media_dir, tmp_path / "serve.log")
    yield live
    live.stop()


def token_for(sessions, world, username: str) -> str:  # type: ignore[no-untyped-def]
    return accounts.create_token(sessions(), world.user(username).id, "crash-test", at=datetime.now(UTC))


def fresh_count(sessions, query) -> int:  # type: ignore[no-untyped-def]
    sessions.kw["bind"].dispose()  # reopen: see the database as the restarted server does
    with sessions() as session:
        return session.scalar(query) or 0


def start_upload(server: LiveServer, token: str, lesson_id: int, size: int, payload: bytes = b""):  # type: ignore[no-untyped-def]
    """Send the headers and the first part of a multipart upload of `size` bytes; return the connection."""
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="课.mp4"\r\n'
            "Content-Type: video/mp4\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    conn = server.connection()
    conn.putrequest("POST", f"/api/lessons/{lesson_id}/recordings")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    conn.putheader("Content-Length", str(len(head) + size + len(tail)))
    conn.endheaders()
    conn.send(head + payload)
    return conn, tail


def assert_no_half_uploads(sessions, media_dir: Path) -> None:  # type: ignore[no-untyped-def]
    sessions.kw["bind"].dispose()
    with sessions() as session:
        names = set(session.scalars(select(Recording.media_name)))
    on_disk = {p.name for p in (media_dir / "recordings").glob("*")}
    assert names <= on_disk, "a recording row without its file"
    assert not any(name.endswith(".part") for name in names)


def test_kill_during_upload_leaves_no_recording_and_the_restart_sweeps_incoming(server, sessions, world, settings,
                                                                                 clips):
    token = token_for(sessions, world, "teacher_a")
    server.start()
    before = fresh_count(sessions, select(func.count(Recording.id)))
    conn, _tail = start_upload(server, token, world.lesson_a, 8 * 1024 * 1024)
    for _ in range(3):  # 3 of 8 MiB, streamed in pieces, then the process dies
        conn.send(b"\x00" * (1024 * 1024))
    server.kill()
    conn.close()

    assert fresh_count(sessions, select(func.count(Recording.id))) == before
    assert_no_half_uploads(sessions, settings.media_dir)
    # waitress spools a request body itself before the app reads it, so a body cut off mid-stream
    # never reaches incoming/. A kill while the app copies or probes leaves a .part there: the
    # next start deletes those untouched for STALE_UPLOAD (a younger one may be another process's).
    incoming = settings.media_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    stale, live = incoming / f"{'a' * 32}.part", incoming / f"{'b' * 32}.part"
    stale.write_bytes(b"\x00" * 1024)
    live.write_bytes(b"\x00" * 1024)
    old = time.time() - STALE_UPLOAD.total_seconds() - 60
    os.utime(stale, (old, old))
    server.start()
    assert not stale.exists() and live.exists()

    upload = clips["lesson_2s.mp4"].read_bytes()
    conn, tail = start_upload(server, token, world.lesson_a, len(upload), upload)
    conn.send(tail)
    response = conn.getresponse()
    status, body = response.status, response.read()
    conn.close()
    assert status == 201, body
    assert fresh_count(sessions, select(func.count(Recording.id))) == before + 1  # still serving
    assert_no_half_uploads(sessions, settings.media_dir)


def test_kill_right_after_an_upload_arrives_leaves_a_consistent_store(server, sessions, world, settings, clips):
    token = token_for(sessions, world, "teacher_a")
    server.start()
    upload = clips["lesson_2s.mp4"].read_bytes()
    conn, tail = start_upload(server, token, world.lesson_a, len(upload), upload)
    conn.send(tail)  # complete: the app receives, probes and registers it while it dies
    server.kill()
    conn.close()
    assert fresh_count(sessions, select(func.count(Recording.id))) in (0, 1)
    assert_no_half_uploads(sessions, settings.media_dir)


def publish_request(server: LiveServer, token: str, first: str):  # type: ignore[no-untyped-def]
    conn = server.connection(timeout=120)
    body = json.dumps({"from": first, "days": PUBLISH_DAYS})
    conn.request("POST", f"/api/channels/{CHANNEL}/days/publish", body=body,
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    return conn


def published_days(sessions) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(published versions, distinct days with one) of the test channel."""
    query = select(func.count(ChannelDay.id), func.count(func.distinct(ChannelDay.day))).where(
        ChannelDay.channel_id == CHANNEL, ChannelDay.status == DayStatus.PUBLISHED)
    sessions.kw["bind"].dispose()
    with sessions() as session:
        rows, days = session.execute(query).one()
    return rows, days


def test_kill_during_a_long_publish_publishes_all_days_or_none(server, sessions, on_air):
    token = token_for(sessions, on_air, "operator")
    audit_before = fresh_count(sessions, select(func.count(AuditEvent.id)))
    first = (next_monday() + timedelta(days=7)).isoformat()
    server.start()
    conn = publish_request(server, token, first)
    time.sleep(0.3)  # the publication is under way (it takes seconds for 200 days)
    server.kill()
    conn.close()

    rows, days = published_days(sessions)
    print(f"published after the kill: {days} of {PUBLISH_DAYS} days")
    assert rows == days, "a day with two published versions"
    assert days in (0, PUBLISH_DAYS), f"{days} of {PUBLISH_DAYS} days published: a half-published run"
    assert fresh_count(sessions, select(func.count(AuditEvent.id))) == audit_before

    server.start()  # publishing again after the crash completes the run
    conn = publish_request(server, token, first)
    response = conn.getresponse()
    status, body = response.status, response.read()
    conn.close()
    assert status == 200, body
    assert published_days(sessions) == (PUBLISH_DAYS, PUBLISH_DAYS)
    assert fresh_count(sessions, select(func.count(AuditEvent.id))) == audit_before
