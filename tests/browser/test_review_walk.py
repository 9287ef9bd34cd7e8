"""Walks through the review chain in headless chromium, as the people doing it would; screenshots in var/screenshots/."""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, expect

from scheduler.services import recordings
from tests.support.qc import qc_passed
from tests.support.world import PASSWORD

pytestmark = pytest.mark.ffmpeg
RECORDING_URL = re.compile(r"/recordings/(\d+)$")
# Resolves once the video element has read the file's metadata (no wait_for_function: CSP forbids its eval).
METADATA_DURATION = (
    "v => v.readyState >= 1 ? v.duration"
    " : new Promise(done => v.addEventListener('loadedmetadata', () => done(v.duration), {once: true}))"
)


@contextmanager
def held_uploads() -> Iterator[Callable[[], None]]:
    """Uploads reaching the server wait (at most 10 s) until the test calls release()."""
    gate = threading.Event()
    original = recordings.upload_recording

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        gate.wait(timeout=10)
        return original(*args, **kwargs)

    recordings.upload_recording = held
    try:
        yield gate.set
    finally:
        gate.set()
        recordings.upload_recording = original


def submitted_by_api(app, world, clips) -> int:  # type: ignore[no-untyped-def]
    """Teacher A's recording of lesson A, uploaded and submitted by script: it waits in county review."""
    client = app.test_client()
    token = client.post("/api/tokens", json={"username": "teacher_a", "password": PASSWORD}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    with clips["lesson_2s.mp4"].open("rb") as stream:
        created = client.post(
            f"/api/lessons/{world.lesson_a}/recordings", data={"file": (stream, "第12课.mp4")}, headers=auth
        )
    recording_id = created.get_json()["id"]
    submitted = client.post(f"/api/recordings/{recording_id}/actions", json={"action": "submit"}, headers=auth)
    assert submitted.status_code == 200, submitted.get_json()
    return recording_id


def approve_from_queue(page: Page, step: str, next_state: str) -> None:
    """On the review queue: open the waiting recording, check it plays, approve it."""
    expect(page).to_have_url(re.compile(r"/review/$"))
    expect(page.locator(".counts")).to_contain_text(f"1 件待{step}")
    page.get_by_role("link", name="两位数乘两位数").click()
    video = page.locator("video")
    expect(video).to_have_attribute("src", re.compile(r"/api/recordings/\d+/media$"))
    assert 1.9 < video.evaluate(METADATA_DURATION) < 2.1  # the browser read the MP4 it is shown
    recording_url = page.url
    page.get_by_role("button", name="通过", exact=True).click()
    expect(page.locator(".notice")).to_have_text("已完成：通过。")
    expect(page).to_have_url(re.compile(r"/review/$"))  # nothing else waits on this reviewer: back to the queue
    page.goto(recording_url)
    expect(page.locator("h1 .state")).to_have_text(next_state)


def test_a_recording_walks_from_the_teacher_through_three_reviews(signed_in, new_page, clips, screenshot, sessions):
    login = new_page()
    login.goto("/")  # families find the guide here, staff the way to sign in
    expect(login.get_by_role("link", name="打开节目表")).to_have_attribute("href", "/guide/")
    login.get_by_role("link", name="工作人员登录").click()
    expect(login.get_by_role("heading", name="登录")).to_be_visible()
    screenshot(login, "login")

    teacher = signed_in("teacher_a")
    expect(teacher).to_have_url(re.compile(r"/teacher/$"))
    expect(teacher.locator("table.lessons")).to_contain_text("尚未上传")
    screenshot(teacher, "teacher-lessons")
    teacher.get_by_role("link", name="两位数乘两位数").click()
    teacher.set_input_files("input[type=file]", clips["lesson_2s.mp4"])
    screenshot(teacher, "teacher-upload")
    with held_uploads() as release:  # the server holds the upload once received: the finished bar shows
        teacher.get_by_role("button", name="上传").click()
        expect(teacher.locator("progress")).to_have_js_property("value", 100)
        expect(teacher.locator("form.upload .status")).to_have_text("已上传，正在检查视频…")
        screenshot(teacher, "teacher-upload-progress")
        with teacher.expect_response(lambda r: r.request.method == "POST") as upload:
            release()
    assert upload.value.status == 201  # the progress-bar script posted it, not the plain form
    expect(teacher).to_have_url(RECORDING_URL)
    recording_id = int(RECORDING_URL.search(teacher.url).group(1))  # type: ignore[union-attr]
    expect(teacher.locator("h1 .state")).to_have_text("草稿")
    screenshot(teacher, "recording-draft")
    teacher.get_by_role("button", name="提交审核").click()
    expect(teacher.locator("h1 .state")).to_have_text("县区初审")
    teacher.get_by_role("link", name="我的课程").click()
    expect(teacher.locator("table.lessons")).to_contain_text("第 1 版")
    expect(teacher.locator("table.lessons .state")).to_have_text("县区初审")

    county = signed_in("county_a")
    screenshot(county, "review-queue")
    approve_from_queue(county, "县区初审", "市级复审")
    approve_from_queue(signed_in("city"), "市级复审", "播前终审")
    final = signed_in("final")
    qc_passed(sessions, recording_id)  # what the ingest job reports: the final approval waits for it
    approve_from_queue(final, "播前终审", "已通过")
    expect(final.locator("table.history tbody tr")).to_have_count(5)  # submit, intake, three approvals
    screenshot(final, "recording-approved")

    teacher.reload()
    expect(teacher.locator("table.lessons .state")).to_have_text("已通过")


def test_another_countys_reviewer_gets_the_404_page(app, world, clips, signed_in, screenshot):
    recording_id = submitted_by_api(app, world, clips)
    outsider = signed_in("county_b")
    response = outsider.goto(f"/recordings/{recording_id}")
    assert response is not None and response.status == 404
    expect(outsider.get_by_role("heading", level=1)).to_contain_text("404")
    expect(outsider.locator("main")).to_contain_text("页面不存在，或您无权查看")
    expect(outsider.locator("main")).not_to_contain_text("两位数乘两位数")
    screenshot(outsider, "not-found")


def test_a_decision_taken_meanwhile_shows_a_conflict_message(app, world, clips, signed_in, screenshot):
    recording_id = submitted_by_api(app, world, clips)
    first, second = signed_in("county_a"), signed_in("county_a2")
    for page in (first, second):
        page.goto(f"/recordings/{recording_id}")
    first.get_by_role("button", name="通过", exact=True).click()
    expect(first.locator(".notice")).to_be_visible()
    second.get_by_role("button", name="通过", exact=True).click()
    expect(second.locator(".conflict")).to_contain_text("其他审核人已对此录像作出决定")
    expect(second.locator("h1 .state")).to_have_text("市级复审")
    expect(second.locator(".decide")).to_contain_text("此录像目前无需您处理")
    screenshot(second, "recording-conflict")


def test_a_form_posted_without_its_csrf_token_is_refused(app, world, clips, signed_in, screenshot):
    recording_id = submitted_by_api(app, world, clips)
    county = signed_in("county_a")
    county.goto(f"/recordings/{recording_id}")
    county.locator("form.action-approve input[name=csrf_token]").evaluate("input => input.remove()")
    with county.expect_response(lambda r: r.request.method == "POST") as refused:
        county.get_by_role("button", name="通过", exact=True).click()
    assert refused.value.status == 400
    expect(county.get_by_role("heading", level=1)).to_contain_text("400")
    expect(county.locator("main")).to_contain_text("安全令牌")
    screenshot(county, "csrf-refused")
    county.goto(f"/recordings/{recording_id}")
    expect(county.locator("h1 .state")).to_have_text("县区初审")  # nothing was decided


def test_english_on_request_and_remembered(signed_in, screenshot):
    county = signed_in("county_a")
    expect(county.get_by_role("heading", name="我的待审")).to_be_visible()
    county.get_by_role("link", name="English").click()
    expect(county.get_by_role("heading", name="My review queue")).to_be_visible()
    expect(county.locator("html")).to_have_attribute("lang", "en")
    county.goto("/review/")  # the choice is kept in the `lang` cookie
    expect(county.locator("main")).to_contain_text("Nothing waits on you.")
    screenshot(county, "review-queue-english")


def test_pages_fit_a_phone(app, world, clips, signed_in, screenshot):
    recording_id = submitted_by_api(app, world, clips)
    county = signed_in("county_a", viewport={"width": 390, "height": 844})
    for name, url in (("phone-review-queue", "/review/"), ("phone-recording", f"/recordings/{recording_id}")):
        county.goto(url)
        overflow = county.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} is {overflow}px wider than the phone"
        screenshot(county, name)
