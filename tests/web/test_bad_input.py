"""Bad input is refused, not stored (issue 14): request bodies are capped (uploads keep their own limit), every
stored string has a limit on SQLite as on PostgreSQL, text that is not UTF-8 is refused with a message, and a
refused upload never shows the temporary file's name."""
from __future__ import annotations

import dataclasses
import json
import re

import pytest
from sqlalchemy import select

from scheduler.domain.catalogue import TextTooLong
from scheduler.store.models import AuditEvent, Lesson
from tests.support.channels_world import CHANNEL, channel_doc, school_day, slot
from tests.web.test_pages import CSRF, Browser, submitted_recording
from web.app import create_app
from web.problems import handle_catalogue_error

TEN_MB_TITLE = "课间休息" * (10 * 1024 * 1024 // 12)  # a 10 MB slot title, 3 bytes a character


def test_a_10_mb_json_template_is_refused_with_413_and_not_stored(client, world, api_as):
    admin = api_as("admin")
    assert admin.post("/api/channels/", json=channel_doc()).status_code == 201
    week = [[slot("08:50", 10, "break", title=TEN_MB_TITLE)]] * 5 + [[], []]
    response = admin.put(f"/api/channels/{CHANNEL}/template", json={"template": {"week": week}})
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert "1024 KiB" in response.get_json()["detail"]
    template = admin.get(f"/api/channels/{CHANNEL}").get_json()["template"]
    assert TEN_MB_TITLE[:40] not in json.dumps(template, ensure_ascii=False)


def test_the_body_limit_is_a_setting_and_uploads_keep_theirs(settings, sessions, world, clips):
    small = dataclasses.replace(settings, max_request_bytes=2048)
    app = create_app({"TESTING": True}, settings=small)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    refused = client.post("/login", data={"username": "x" * 4000, "password": "p", "csrf_token": "t"})
    assert refused.status_code == 413 and "请求超过 2 KiB 的上限" in refused.get_data(as_text=True)
    assert "上传限制" not in refused.get_data(as_text=True)  # not called a file
    assert CSRF.search(page)
    teacher = Browser(client, "teacher_a")
    assert clips["lesson_2s.mp4"].stat().st_size > 2048
    assert teacher.upload(world.lesson_a, clips["lesson_2s.mp4"]).status_code == 303  # an upload is not capped so


def test_a_slot_title_past_its_limit_is_refused_by_the_template_rules(client, world, api_as):
    admin = api_as("admin")
    assert admin.post("/api/channels/", json=channel_doc()).status_code == 201
    week = [[*school_day()[:1], slot("08:50", 10, "break", title="课" * 101)]] * 5 + [[], []]
    response = admin.put(f"/api/channels/{CHANNEL}/template", json={"template": {"week": week}})
    assert response.status_code == 422, response.get_json()
    assert "its title has 101 characters; a title has at most 100" in response.get_json()["detail"]
    fits = [[*school_day()[:1], slot("08:50", 10, "break", title="课" * 100)]] * 5 + [[], []]
    assert admin.put(f"/api/channels/{CHANNEL}/template", json={"template": {"week": fits}}).status_code == 200


def test_a_text_past_its_limit_is_refused_in_the_pages_language(app):
    """What a page or the API says when the store refuses a text (forms that cap it themselves never get here)."""
    refused = TextTooLong("comment", 4000, 4200)
    with app.test_request_context("/recordings/1/actions?lang=zh"):
        page, status = handle_catalogue_error(refused)
        assert status == 422 and "意见过长：4200 个字符，最多 4000 个。" in page
    with app.test_request_context("/recordings/1/actions?lang=en"):
        page, _status = handle_catalogue_error(TextTooLong("display_name", 100, 101))
        assert "The name shown is too long: 101 characters, at most 100." in page
    with app.test_request_context("/api/lessons/", method="POST"):
        api = handle_catalogue_error(refused)
        assert api.status_code == 422 and api.mimetype == "application/problem+json"
        assert api.get_json()["errors"] == {"comment": ["at most 4000 characters (4200 given)"]}


@pytest.mark.ffmpeg
def test_a_form_field_that_is_not_utf8_is_refused_not_stored(app, client, world, clips, sessions):
    recording_id = submitted_recording(app, world, clips)
    county = Browser(client, "county_a")
    page = county.page(f"/recordings/{recording_id}")
    form = re.search(r'class="stack action action-request_changes">(.*?)</form>', page, re.DOTALL).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    body = "&".join(f"{k}={v}" for k, v in fields.items()).encode() + b"&comment=%FF%FE%C3%28%B7"
    refused = client.post(f"/recordings/{recording_id}/actions", data=body,
                          content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 400
    assert "表单中有不是有效 UTF-8 编码的文字" in refused.get_data(as_text=True)
    boundary = "xYzZY"
    parts = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                     for k, v in fields.items())
    parts += f'--{boundary}\r\nContent-Disposition: form-data; name="comment"\r\n\r\n'.encode() + b"\xff\xfe\xc3(\r\n"
    parts += f"--{boundary}--\r\n".encode()
    as_multipart = client.post(f"/recordings/{recording_id}/actions", data=parts,
                               content_type=f"multipart/form-data; boundary={boundary}")
    assert as_multipart.status_code == 400
    api = client.get("/api/recordings/?state=%FF", headers={"Accept": "application/json"})
    assert api.status_code == 400 and api.mimetype == "application/problem+json"
    assert "not valid UTF-8" in api.get_json()["detail"]
    with sessions() as session:
        comments = [e.comment for e in session.query(AuditEvent)]
    assert comments == [None, None] and all("%FF" not in (c or "") for c in comments)


@pytest.mark.ffmpeg
def test_a_refused_upload_never_shows_the_temporary_files_name(app, client, world, api_as, tmp_path):
    fake = tmp_path / "lesson.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x01\x02\x03" * 5000)
    teacher = Browser(client, "teacher_a")
    page = teacher.upload(world.lesson_a, fake)
    with fake.open("rb") as stream:
        api = api_as("teacher_a").post(f"/api/lessons/{world.lesson_a}/recordings",
                                       data={"file": (stream, "lesson.mp4")}, content_type="multipart/form-data")
    for response in (page, api):
        text = response.get_data(as_text=True)
        assert response.status_code == 422, text
        assert ".part" not in text and not re.search(r"[0-9a-f]{32}", text), text
        assert "incoming" not in text
    assert "ffprobe" in api.get_json()["detail"]


@pytest.mark.parametrize("query", ["/api/lessons/?county_id=2147483648", "/api/recordings/?lesson_id=99999999999"])
def test_an_id_beyond_the_databases_integer_is_refused_not_a_server_error(world, api_as, query):
    """PostgreSQL's INTEGER stops at 2^31 - 1: such an id names no row, and must not reach the driver (it was a 500)."""
    answer = api_as("admin").get(query)
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json", answer.get_data(as_text=True)
    assert "2147483647" in answer.get_data(as_text=True)  # says what is allowed


def test_a_nul_character_is_refused_wherever_it_comes_in_and_nothing_is_stored(app, client, world, api_as, sessions):
    """PostgreSQL cannot hold U+0000 (it was a 500 there, while SQLite stored it): refused alike on both."""
    admin = api_as("admin")
    for answer in (admin.get("/api/jobs/?kind=%00"),
                   admin.post("/api/lessons/", json={"grade": 3, "subject": "math", "sequence": 77, "county_id": 1,
                                                     "title": "两位数\u0000乘法"})):
        assert answer.status_code == 400 and answer.mimetype == "application/problem+json", answer.get_data(as_text=True)
        assert "NUL (U+0000)" in answer.get_json()["detail"]
    with sessions() as session:
        assert session.scalars(select(Lesson).where(Lesson.sequence == 77)).all() == []
    teacher = Browser(client, "teacher_a")
    page = client.post("/account/password", data={"csrf_token": teacher.token("/account/password"),
                                                  "current": "x\u0000", "new": "y", "again": "y"})
    assert page.status_code == 400 and "不可见的 NUL 字符" in page.get_data(as_text=True)
