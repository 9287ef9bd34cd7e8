"""Teacher and review pages through the test client: landing pages, upload, queue, decisions, conflicts, language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from tests.support.world import PASSWORD
from web.i18n import TRANSLATIONS, compile_catalogues

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """The test client as one signed-in person: reads pages, posts their forms with the page's CSRF token."""

    def __init__(self, client, username: str) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        token = self.token("/login")
        signed_in = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)

    def page(self, url: str, status: int = 200, **kw) -> str:  # type: ignore[no-untyped-def]
        response = self.client.get(url, **kw)
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_data(as_text=True)

    def token(self, url: str) -> str:
        found = CSRF.search(self.page(url))
        assert found, url
        return found.group(1)

    def upload(self, lesson_id: int, clip: Path, **kw):  # type: ignore[no-untyped-def]
        token = self.token(f"/teacher/lessons/{lesson_id}")
        with clip.open("rb") as stream:
            data = {"csrf_token": token, "file": (stream, "第12课.mp4")}
            return self.client.post(f"/teacher/lessons/{lesson_id}/recordings", data=data, **kw)

    def decide(self, recording_id: int, action: str, comment: str = "", seen: str | None = None, **extra: str):  # type: ignore[no-untyped-def]
        """Post the decision form of the recording page (`seen`: a copy of the page loaded earlier; `extra`: its
        other fields, e.g. confirm="y" for a revocation's check box)."""
        page = seen or self.page(f"/recordings/{recording_id}")
        form = re.search(rf'class="stack action action-{action}">(.*?)</form>', page, re.DOTALL)
        assert form, f"no {action} form on the page"
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(1)))
        return self.client.post(f"/recordings/{recording_id}/actions", data={**fields, "comment": comment, **extra})


def submitted_recording(app, world, clips) -> int:  # type: ignore[no-untyped-def]
    """Teacher A uploads lesson A and submits it: it waits in county review."""
    teacher = Browser(app.test_client(), "teacher_a")
    uploaded = teacher.upload(world.lesson_a, clips["lesson_2s.mp4"])
    assert uploaded.status_code == 303
    recording_id = int(uploaded.headers["Location"].rsplit("/", 1)[1])
    assert teacher.decide(recording_id, "submit").status_code == 303
    return recording_id


@pytest.mark.parametrize(
    ("username", "start"),
    [("teacher_a", "/teacher/"), ("county_a", "/review/"), ("city", "/review/"), ("final", "/review/"),
     ("operator", "/operator/"), ("admin", "/admin/users/"), ("auditor", "/overview")],
)
def test_each_role_lands_on_its_start_page(client, world, username, start):
    Browser(client, username)
    assert client.get("/", follow_redirects=True).request.path == start


def test_signing_out_ends_the_session(client, world):
    person = Browser(client, "city")
    token = person.token("/review/")
    assert client.post("/logout", data={"csrf_token": token}).headers["Location"] == "/login"
    assert client.get("/review/").status_code == 302


def test_pages_send_strangers_to_the_sign_in_page(client, world):
    response = client.get("/review/")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/review/"


def test_a_teacher_may_not_open_the_review_queue(client, world):
    page = Browser(client, "teacher_a").page("/review/", status=403)
    assert "您的角色无权" in page


@pytest.mark.ffmpeg
def test_teacher_uploads_with_the_form_and_sees_the_draft_in_their_lessons(client, world, clips):
    teacher = Browser(client, "teacher_a")
    assert "两位数乘两位数" in teacher.page("/teacher/") and "尚未上传" in teacher.page("/teacher/")
    uploaded = teacher.upload(world.lesson_a, clips["lesson_2s.mp4"])
    assert uploaded.status_code == 303
    recording = teacher.page(uploaded.headers["Location"])
    assert "第 1 版" in recording and "草稿" in recording and "提交审核" in recording
    assert "第12课.mp4" in recording and "0:02" in recording
    lessons = teacher.page("/teacher/")
    assert "第 1 版" in lessons and "草稿" in lessons


@pytest.mark.ffmpeg
def test_the_upload_script_gets_json_back(client, world, clips):
    teacher = Browser(client, "teacher_a")
    accepted = teacher.upload(world.lesson_a, clips["lesson_2s.mp4"], headers={"Accept": "application/json"})
    assert accepted.status_code == 201 and accepted.get_json()["location"].startswith("/recordings/")
    refused = teacher.upload(world.lesson_a, clips["video_only_1s.mp4"], headers={"Accept": "application/json"})
    assert refused.status_code == 422 and refused.get_json()["detail"].startswith("文件未被接受")


@pytest.mark.ffmpeg
def test_a_refused_upload_says_why_on_the_lesson_page(client, world, clips):
    refused = Browser(client, "teacher_a").upload(world.lesson_a, clips["video_only_1s.mp4"])
    assert refused.status_code == 422
    assert "文件未被接受" in refused.get_data(as_text=True)


@pytest.mark.ffmpeg
def test_the_queue_holds_exactly_what_waits_on_me_oldest_first(app, client, world, clips):
    first = submitted_recording(app, world, clips)
    second = submitted_recording(app, world, clips)
    county = Browser(client, "county_a")
    queue = county.page("/review/")
    assert re.search(r'class="count">2</span>\s*件待县区初审', queue)
    assert queue.index(f"/recordings/{first}\"") < queue.index(f"/recordings/{second}\"")
    assert "没有等待您审核的录像" in Browser(app.test_client(), "county_b").page("/review/")
    assert "没有等待您审核的录像" in Browser(app.test_client(), "city").page("/review/")


@pytest.mark.ffmpeg
def test_another_countys_reviewer_gets_a_404_page(app, client, world, clips):
    recording_id = submitted_recording(app, world, clips)
    page = Browser(client, "county_b").page(f"/recordings/{recording_id}", status=404)
    assert "页面不存在，或您无权查看" in page and "两位数乘两位数" not in page


@pytest.mark.ffmpeg
def test_request_changes_needs_a_comment_and_the_teacher_reads_it(app, client, world, clips):
    recording_id = submitted_recording(app, world, clips)
    county = Browser(client, "county_a")
    missing = county.decide(recording_id, "request_changes", comment="  ")
    assert missing.status_code == 422 and "请填写意见" in missing.get_data(as_text=True)
    assert county.decide(recording_id, "request_changes", comment="板书看不清，请重录第二部分").status_code == 303
    lessons = Browser(app.test_client(), "teacher_a").page("/teacher/")
    assert "退回修改" in lessons and "板书看不清，请重录第二部分" in lessons


@pytest.mark.ffmpeg
def test_a_decision_made_meanwhile_shows_a_conflict_on_the_page(app, client, world, clips):
    recording_id = submitted_recording(app, world, clips)
    second = Browser(app.test_client(), "county_a2")
    seen = second.page(f"/recordings/{recording_id}")
    assert Browser(client, "county_a").decide(recording_id, "approve").status_code == 303
    late = second.decide(recording_id, "approve", seen=seen)
    page = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "其他审核人已对此录像作出决定" in page and "市级复审" in page and "南湖初审" in page


@pytest.mark.ffmpeg
def test_a_decision_form_without_csrf_token_is_refused(app, client, world, clips):
    recording_id = submitted_recording(app, world, clips)
    Browser(client, "county_a")
    response = client.post(f"/recordings/{recording_id}/actions", data={"action": "approve", "version": 1})
    assert response.status_code == 400 and "安全令牌" in response.get_data(as_text=True)


def test_chinese_by_default_english_by_link_cookie_or_browser(client, world):
    assert "登录" in client.get("/login").get_data(as_text=True)
    english = client.get("/login?lang=en")
    assert "Sign in" in english.get_data(as_text=True) and "lang=en" in english.headers["Set-Cookie"]
    assert "Sign in" in client.get("/login").get_data(as_text=True)  # the cookie remembers
    assert "登录" in client.get("/login?lang=zh").get_data(as_text=True)
    fresh = client.application.test_client()
    assert "Sign in" in fresh.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert "登录" in fresh.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)


def test_every_page_message_has_a_chinese_translation():
    web = Path(TRANSLATIONS).parent
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = {message[2] for message in extract_from_dir(web, method_map, keywords={"_": None, "_l": None})}
    found.discard("")
    catalogue = compile_catalogues()["zh"]
    untranslated = sorted(m for m in found if isinstance(m, str) and catalogue.gettext(m) == m)
    assert not untranslated


def test_templates_hold_no_chinese_outside_the_catalogue():
    templates = Path(TRANSLATIONS).parent / "templates"
    cjk = re.compile(r"[\u4e00-\u9fff]")
    offenders = [p.name for p in templates.rglob("*.html") if cjk.search(p.read_text(encoding="utf-8"))]
    assert not offenders, "visible text goes through _() and web/translations"
