"""A recording with a planted black gap walks through technical QC and the review chain in headless chromium."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from media.samples import ClipSpec, write_sequence
from scheduler.services.ingest import ingest_now
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_review_walk import METADATA_DURATION, RECORDING_URL

pytestmark = pytest.mark.ffmpeg
BLOCKED = "技术质检未通过（黑场）：请先填写意见签认，再作终审通过。"


@pytest.fixture
def black_gap_clip(tmp_path: Path) -> Path:
    """1 s of picture, 2.5 s of mute black, 1 s of picture."""
    picture = ClipSpec(seconds=1, size="320x180")
    gap = ClipSpec(seconds=2.5, size="320x180", video_source="color=c=black", tone_hz=None)
    return write_sequence(tmp_path / "black_gap_2_5s.mp4", [picture, gap, picture])


def open_from_queue(page: Page, step: str) -> None:
    """On the review queue: open the waiting recording and check its preview plays the MP4 rendition."""
    expect(page.locator(".counts")).to_contain_text(f"1 件待{step}")
    page.get_by_role("link", name="两位数乘两位数").click()
    video = page.locator("video")
    expect(video).to_have_attribute("src", re.compile(r"/api/recordings/\d+/renditions/mp4$"))
    expect(video).to_have_attribute("poster", re.compile(r"/api/recordings/\d+/renditions/poster$"))
    assert 4.4 < video.evaluate(METADATA_DURATION) < 4.6  # the browser read the rendition it is shown


def approve(page: Page, next_state: str) -> None:
    recording_url = page.url
    page.get_by_role("button", name="通过", exact=True).click()
    expect(page.locator(".notice")).to_have_text("已完成：通过。")
    expect(page).to_have_url(re.compile(r"/review/$"))  # nothing else waits on this reviewer: back to the queue
    page.goto(recording_url)
    expect(page.locator("h1 .state")).to_have_text(next_state)


# Chromium drops the video's range request once it has the metadata; werkzeug's test server (not waitress) then
# fails reading the reset socket before closing the response, and the MP4's file handle is left to the collector.
@pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io.FileIO name='.*download\.mp4':pytest.PytestUnraisableExceptionWarning"
)
def test_a_black_gap_fails_qc_and_the_final_reviewer_signs_it_off(signed_in, sessions, settings, black_gap_clip,
                                                                  screenshot):
    teacher = signed_in("teacher_a")
    teacher.get_by_role("link", name="两位数乘两位数").click()
    teacher.set_input_files("input[type=file]", black_gap_clip)
    teacher.get_by_role("button", name="上传").click()
    expect(teacher).to_have_url(RECORDING_URL)
    recording_id = int(RECORDING_URL.search(teacher.url).group(1))
    expect(teacher.locator(".qc-pending")).to_contain_text("技术质检排队中")
    teacher.get_by_role("button", name="提交审核").click()
    expect(teacher.locator("h1 .state")).to_have_text("县区初审")

    ingest_now(sessions, settings.media_dir, recording_id)  # what the media worker does with the queued job
    teacher.get_by_role("link", name="我的课程").click()
    teacher.get_by_role("link", name="两位数乘两位数").click()
    expect(teacher.locator("details.qc-details summary").first).to_have_text("技术质检 不合格")
    report = teacher.locator("section.qc").first
    expect(report.locator("tr.check-black .qc-status")).to_have_text("不合格")
    expect(report.locator("tr.check-black")).to_contain_text("0:01.0")
    expect(report).to_contain_text("须由播前终审人员填写意见签认")
    screenshot(teacher, "teacher-lesson-qc")

    county = signed_in("county_a")
    open_from_queue(county, "县区初审")
    approve(county, "市级复审")
    city = signed_in("city")
    open_from_queue(city, "市级复审")
    approve(city, "播前终审")

    final = signed_in("final")
    open_from_queue(final, "播前终审")
    qc = final.locator("section.qc")
    expect(qc.locator(".loudness-svg polyline.short-term")).to_be_visible()
    expect(qc.locator(".loudness-svg line.target")).to_have_count(1)  # a flat line: no box to be "visible"
    expect(qc.locator(".loudness-svg .target-label")).to_have_text("目标 -24 LUFS")
    expect(qc.locator(".marks-svg rect.mark-black")).to_have_count(1)
    expect(qc.locator(".marks-svg rect.mark-black")).to_be_visible()
    expect(qc.locator(".qc-timeline .legend")).to_contain_text("黑场：发现 1 处")
    black_box = qc.locator(".marks-svg rect.mark-black").bounding_box()
    bar_box = qc.locator(".lane-black .lane-bar").bounding_box()
    assert black_box and bar_box
    assert 0.2 < (black_box["x"] - bar_box["x"]) / bar_box["width"] < 0.25  # starts at 1.0 s of 4.5 s
    assert 0.52 < black_box["width"] / bar_box["width"] < 0.58  # lasts 2.5 s
    expect(final.locator(".decide .qc-blocked")).to_have_text(BLOCKED)
    expect(final.get_by_role("button", name="通过", exact=True)).to_have_count(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    qc.screenshot(path=str(SCREENSHOTS / "recording-qc-section.png"))
    screenshot(final, "recording-qc-blocked")

    final.get_by_role("button", name="签认质检未通过项").click()
    expect(final.locator(".action-sign_off_qc .error")).to_have_text("请填写意见：说明为何质检未通过仍可播出。")
    final.fill("#comment-sign_off_qc", "黑场为翻页停顿，可播出")
    final.get_by_role("button", name="签认质检未通过项").click()
    expect(final.locator(".notice")).to_have_text("已完成：签认质检未通过项。")
    expect(final.locator(".qc-signed-off")).to_contain_text("黑场为翻页停顿，可播出")
    expect(final.locator(".qc-blocked")).to_have_count(0)
    approve(final, "已通过")
    expect(final.locator("table.history")).to_contain_text("签认质检未通过项")
    screenshot(final, "recording-qc-signed-off")
