"""Technical QC on the pages: the report with figures, loudness chart and marks; the sign-off the final approval
waits for; the preview playing the MP4 rendition."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from media.samples import ClipSpec, write_sequence
from scheduler.services.ingest import ingest_now, rendition_dir
from scheduler.store.models import Recording
from tests.support.qc import qc_passed
from tests.web.test_pages import Browser

pytestmark = pytest.mark.ffmpeg
BLOCKED = "技术质检未通过（黑场）：请先填写意见签认，再作终审通过。"


@pytest.fixture(scope="session")
def black_gap_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 s of picture, 2.5 s of black with no sound, 1 s of picture (320x180, 4.5 s)."""
    path = tmp_path_factory.mktemp("qc_clips") / "black_gap_2_5s.mp4"
    picture = ClipSpec(seconds=1, size="320x180")
    gap = ClipSpec(seconds=2.5, size="320x180", video_source="color=c=black", tone_hz=None)
    return write_sequence(path, [picture, gap, picture])


@pytest.fixture(scope="session")
def made_renditions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the first test's renditions of the black-gap clip are kept for the later tests."""
    return tmp_path_factory.mktemp("qc_renditions") / "black_gap"


def ingest(sessions, settings, recording_id: int, made: Path) -> None:  # type: ignore[no-untyped-def]
    """Run the recording's ingest here, as the worker would.

    The first test encodes for real; later ones find those renditions in place (same source bytes, same
    profiles), so the ingest's own up-to-date rule skips the encode and only the QC runs again.
    """
    with sessions() as session:
        media_name = session.get(Recording, recording_id).media_name
    folder = settings.media_dir / rendition_dir(media_name)
    if made.exists():
        shutil.copytree(made, folder)
    ingest_now(sessions, settings.media_dir, recording_id)
    if not made.exists():
        shutil.copytree(folder, made)


def uploaded(client, world, clip: Path, *, submit: bool = True) -> tuple[Browser, int]:  # type: ignore[no-untyped-def]
    teacher = Browser(client, "teacher_a")
    response = teacher.upload(world.lesson_a, clip)
    assert response.status_code == 303
    recording_id = int(response.headers["Location"].rsplit("/", 1)[1])
    if submit:
        assert teacher.decide(recording_id, "submit").status_code == 303
    return teacher, recording_id


def approved_by(app, username: str, recording_id: int) -> str:  # type: ignore[no-untyped-def]
    reviewer = Browser(app.test_client(), username)
    page = reviewer.page(f"/recordings/{recording_id}")
    assert reviewer.decide(recording_id, "approve", seen=page).status_code == 303
    return page


def form_fields(page: str, action: str) -> dict[str, str]:
    form = re.search(rf'class="stack action action-{action}">(.*?)</form>', page, re.DOTALL)
    assert form, f"no {action} form on the page"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(1)))


def test_the_report_shows_verdicts_figures_loudness_chart_and_marks(app, client, world, sessions, settings,
                                                                      black_gap_clip, made_renditions):
    teacher, recording_id = uploaded(client, world, black_gap_clip)
    lesson = teacher.page(f"/teacher/lessons/{world.lesson_a}")
    assert "技术质检排队中" in lesson and "qc-checks" not in lesson
    assert client.get(f"/api/recordings/{recording_id}/renditions/mp4").status_code == 404  # not made yet

    ingest(sessions, settings, recording_id, made_renditions)
    page = Browser(app.test_client(), "county_a").page(f"/recordings/{recording_id}")
    assert 'class="qc-status qc-fail">不合格' in page and "未通过项：黑场" in page
    black = re.search(r'<tr class="check-black verdict-fail">(.*?)</tr>', page, re.DOTALL)
    assert black and "节目中段出现 1 处 2 秒及以上的黑场" in black.group(1)
    assert re.search(r"最长</span> 2\.[45] s", black.group(1)) and re.search(r"0:01\.0–0:03\.[45]", black.group(1))
    assert re.search(r'<tr class="check-loudness verdict-(pass|warn)">.*?综合响度</span> -\d+\.\d LUFS', page, re.DOTALL)
    assert len(re.search(r'class="momentary" points="([^"]+)"', page).group(1).split()) == 4  # one reading a second
    assert len(re.search(r'class="short-term" points="([^"]+)"', page).group(1).split()) == 2  # 3 s window full
    assert re.search(r'class="target" x1="48" x2="648" y1="98.0"', page)  # -24 LUFS on a 0..-60 axis 180 high
    assert "目标 -24 LUFS" in page and "时间（分:秒）" in page
    marks = {kind: re.findall(rf'class="mark mark-{kind}(?: mark-minor)?" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', page)
             for kind in ("black", "silence", "freeze")}
    (x, width), = marks["black"]  # 1.0-3.5 s of 4.5 s on a 600-unit bar
    assert 126 < float(x) < 141 and 318 < float(width) < 342
    assert marks["silence"] and marks["freeze"]  # the black gap is also mute and a still picture
    assert "黑场：发现 1 处" in page and "静音：发现 1 处" in page
    assert f'src="/api/recordings/{recording_id}/renditions/mp4"' in page
    assert f'poster="/api/recordings/{recording_id}/renditions/poster"' in page

    lesson = teacher.page(f"/teacher/lessons/{world.lesson_a}")
    assert "qc-checks" in lesson and "未通过项：黑场" in lesson and 'class="mark mark-black"' in lesson
    assert "须由播前终审人员填写意见签认" in lesson


def test_a_failed_qc_is_signed_off_with_a_comment_by_the_final_reviewer_before_approval(
        app, client, world, sessions, settings, black_gap_clip, made_renditions):
    _, recording_id = uploaded(client, world, black_gap_clip)
    ingest(sessions, settings, recording_id, made_renditions)
    for username in ("county_a", "city"):
        page = approved_by(app, username, recording_id)
        assert "action-sign_off_qc" not in page and BLOCKED not in page

    final = Browser(client, "final")
    page = final.page(f"/recordings/{recording_id}")
    assert "action-sign_off_qc" in page and "action-approve" not in page and BLOCKED in page
    stale = {**form_fields(page, "sign_off_qc"), "action": "approve"}  # e.g. a page opened before the QC finished
    refused = client.post(f"/recordings/{recording_id}/actions", data=stale)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "您的通过决定未被记录" in body and BLOCKED in body
    assert "两位数乘两位数" in body and "播前终审" in body  # the recording page, not an error page

    blank = final.decide(recording_id, "sign_off_qc", comment="  ")
    assert blank.status_code == 422 and "请填写意见：说明为何质检未通过仍可播出" in blank.get_data(as_text=True)
    assert final.decide(recording_id, "sign_off_qc", comment="黑场为翻页停顿，可播出").status_code == 303
    page = final.page(f"/recordings/{recording_id}")
    assert "已完成：签认质检未通过项。" in page and "播前终审" in page
    assert "action-sign_off_qc" not in page and BLOCKED not in page
    assert re.search(r"终审 已于 .*? 签认：\s*<q>黑场为翻页停顿，可播出</q>", page)
    assert final.decide(recording_id, "approve", seen=page).status_code == 303
    page = final.page(f"/recordings/{recording_id}")
    assert 'class="state state-approved"' in page and "签认质检未通过项" in page  # in the history too


@pytest.mark.parametrize(("lang", "waiting", "refused"), [
    ("zh", "技术质检尚未完成：质检报告出来后才能作终审通过。", "技术质检尚未完成"),
    ("en", "Technical QC has not finished: you can approve once its report is in.", "Technical QC has not finished"),
])
def test_the_final_approval_waits_for_technical_qc_to_finish(app, client, world, clips, sessions, lang, waiting,
                                                             refused):
    _, recording_id = uploaded(client, world, clips["lesson_2s.mp4"])  # its ingest has not run
    for username in ("county_a", "city"):
        page = approved_by(app, username, recording_id)
        assert waiting.replace("：", ":") not in page
    final = Browser(client, "final")
    page = final.page(f"/recordings/{recording_id}?lang={lang}")
    assert "action-approve" not in page and "action-sign_off_qc" not in page and "action-request_changes" in page
    assert waiting.replace("'", "&#39;") in page
    assert f'src="/api/recordings/{recording_id}/media"' in page  # no MP4 rendition yet: the upload plays
    stale = {**form_fields(page, "request_changes"), "action": "approve"}  # a page opened in another tab
    posted = client.post(f"/recordings/{recording_id}/actions", data=stale)
    body = posted.get_data(as_text=True)
    assert posted.status_code == 409 and refused in body and "两位数乘两位数" in body  # the recording page

    qc_passed(sessions, recording_id)
    page = final.page(f"/recordings/{recording_id}")
    assert "action-approve" in page and "action-sign_off_qc" not in page and refused not in page
    assert final.decide(recording_id, "approve", seen=page).status_code == 303


def test_renditions_are_served_to_those_who_may_see_the_recording(app, client, world, sessions, settings,
                                                                 black_gap_clip, made_renditions):
    _, recording_id = uploaded(client, world, black_gap_clip)
    ingest(sessions, settings, recording_id, made_renditions)
    with client.get(f"/api/recordings/{recording_id}/renditions/mp4", headers={"Range": "bytes=0-99"}) as video:
        assert video.status_code == 206 and video.mimetype == "video/mp4" and len(video.data) == 100
        assert video.data[4:8] == b"ftyp"
    with client.get(f"/api/recordings/{recording_id}/renditions/poster") as poster:
        assert poster.status_code == 200 and poster.mimetype == "image/jpeg" and poster.data[:2] == b"\xff\xd8"
    county = Browser(app.test_client(), "county_a")
    with county.client.get(f"/api/recordings/{recording_id}/renditions/poster") as poster:
        assert poster.status_code == 200
    outsider = Browser(app.test_client(), "county_b")
    for kind in ("mp4", "poster"):
        assert outsider.client.get(f"/api/recordings/{recording_id}/renditions/{kind}").status_code == 404
