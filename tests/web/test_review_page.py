"""The recording page as reviewers use it (issue 14): each comment box says what its comment is for, the revoke
form asks for a reason, a revocation is 撤销通过, only those who decide see 您的决定, and a new revision says why
the previous one was sent back."""
from __future__ import annotations

import re

import pytest

from tests.support.qc import qc_passed
from tests.web.test_pages import Browser, submitted_recording

pytestmark = pytest.mark.ffmpeg


def approved_recording(app, world, clips, sessions) -> int:  # type: ignore[no-untyped-def]
    """Teacher A's recording of lesson A through QC and the three reviews."""
    recording_id = submitted_recording(app, world, clips)
    qc_passed(sessions, recording_id)
    for username in ("county_a", "city", "final"):
        assert Browser(app.test_client(), username).decide(recording_id, "approve").status_code == 303
    return recording_id


def comment_label(page: str, action: str) -> str:
    form = re.search(rf'class="stack action action-{action}">(.*?)</form>', page, re.DOTALL)
    assert form, f"no {action} form on the page"
    label = re.search(r"<label>(.*?)<textarea", form.group(1), re.DOTALL)
    assert label, f"no comment box in the {action} form"
    return label.group(1).strip()


def test_the_approve_and_request_changes_boxes_say_what_each_comment_is_for(app, client, world, clips):
    recording_id = submitted_recording(app, world, clips)
    page = Browser(client, "county_a").page(f"/recordings/{recording_id}")
    assert comment_label(page, "approve") == "通过意见（选填）"
    assert comment_label(page, "request_changes") == "需要修改的内容（必填）"
    english = Browser(app.test_client(), "county_a").page(f"/recordings/{recording_id}?lang=en")
    assert comment_label(english, "approve") != comment_label(english, "request_changes")


def test_revoking_asks_for_a_reason_and_is_called_revoking_the_approval(app, client, world, clips, sessions):
    recording_id = approved_recording(app, world, clips, sessions)
    final = Browser(client, "final")
    page = final.page(f"/recordings/{recording_id}")
    assert comment_label(page, "revoke") == "撤销原因（必填）"
    blank = final.decide(recording_id, "revoke", comment="  ")
    refused = blank.get_data(as_text=True)
    assert blank.status_code == 422 and "请填写撤销原因" in refused and "必须修改" not in refused
    unconfirmed = final.decide(recording_id, "revoke", comment="内容有误")  # the check box left empty
    assert unconfirmed.status_code == 422 and "请勾选以确认撤销通过" in unconfirmed.get_data(as_text=True)
    assert "尚无已发布的日期播出该录像" in unconfirmed.get_data(as_text=True)
    assert final.decide(recording_id, "revoke", comment="内容有误", confirm="y").status_code == 303
    page = final.page(f"/recordings/{recording_id}")
    assert "已完成：撤销通过。" in page and 'class="state state-revoked">已撤销通过' in page
    assert "撤回" not in page
    teacher = Browser(app.test_client(), "teacher_a")
    assert "撤回" not in teacher.page("/teacher/") and "已撤销通过" in teacher.page("/teacher/")


@pytest.mark.parametrize(("username", "decides"),
                         [("auditor", False), ("operator", False), ("county_a", True), ("admin", True)])
def test_only_those_who_decide_on_recordings_see_your_decision(app, client, world, clips, username, decides):
    recording_id = submitted_recording(app, world, clips)
    page = Browser(client, username).page(f"/recordings/{recording_id}")
    assert ("您的决定" in page) is decides
    assert "两位数乘两位数" in page  # the recording itself is shown to all of them


def test_a_new_revision_says_why_the_previous_one_was_sent_back(app, client, world, clips):
    first = submitted_recording(app, world, clips)
    county = Browser(client, "county_a")
    assert county.decide(first, "request_changes", comment="板书字太小，请重新录制").status_code == 303
    second = submitted_recording(app, world, clips)
    for person in (county, Browser(app.test_client(), "teacher_a")):
        page = person.page(f"/recordings/{second}")
        sent_back = re.search(r'<div class="sent-back"[^>]*>(.*?)</div>', page, re.DOTALL)
        assert sent_back, "the page does not say why revision 1 was sent back"
        assert "第 1 版已被退回修改" in re.sub(r"<a [^>]*>|</a>", "", sent_back.group(1))
        assert "<q>板书字太小，请重新录制</q>" in sent_back.group(1)
        assert f'href="/recordings/{first}"' in sent_back.group(1) and "南湖初审" in sent_back.group(1)
    assert 'class="sent-back"' not in county.page(f"/recordings/{first}")


def test_the_teacher_goes_back_to_the_lesson_and_sees_a_sent_back_revision_marked(app, client, world, clips):
    recording_id = submitted_recording(app, world, clips)
    teacher = Browser(client, "teacher_a")
    page = teacher.page(f"/recordings/{recording_id}")
    assert f'<a class="back" href="/teacher/lessons/{world.lesson_a}">' in page
    assert 'class="back"' not in Browser(app.test_client(), "county_a").page(f"/recordings/{recording_id}")
    assert 'class="sent-back"' not in teacher.page("/teacher/")
    assert Browser(app.test_client(), "county_a").decide(recording_id, "request_changes",
                                                         comment="板书字太小").status_code == 303
    row = re.search(r'<tr class="sent-back">(.*?)</tr>', teacher.page("/teacher/"), re.DOTALL)
    assert row and "两位数乘两位数" in row.group(1) and "已退回，请上传新版本" in row.group(1)


def test_the_revoke_form_lists_the_published_days_that_would_air_the_standby_programme(client, sessions, on_air):
    from datetime import UTC, datetime

    from scheduler.services import channel_days
    from tests.support.channels_world import CHANNEL, next_monday

    channel_days.publish(sessions(), CHANNEL, next_monday(), 1, at=datetime.now(UTC), by=None)
    page = Browser(client, "final").page(f"/recordings/{on_air.recordings['math12']}")
    revoke = re.search(r'class="stack action action-revoke">(.*?)</form>', page, re.DOTALL)
    assert revoke and "播出该录像的已发布日期" in revoke.group(1)
    assert re.search(r"<li>嘉兴空中课堂·三年级 \d{4}年\d{1,2}月\d{1,2}日星期一</li>", revoke.group(1))
    assert "我确认：播出该录像的已发布日期将改播备用节目" in revoke.group(1)
