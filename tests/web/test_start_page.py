"""The operator's start page: every channel's next seven days at a glance, and publishing all public channels for a
range, previewed per channel and day before anything is saved. The clock is frozen on the Sunday evening before
the test channel's next Monday, so "tomorrow" is that Monday whatever day the tests run."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from scheduler.services.operator_alerts import alert_failed_job
from scheduler.store.models import TimedJobRun
from tests.support.channels_world import CHANNEL, channel_doc, freeze_sunday_evening
from tests.web.test_chinese_pages import english_words
from tests.web.test_pages import Browser
from web.pages import operator as operator_pages

pytestmark = pytest.mark.ffmpeg
INTERNAL = "rehearsal.test.airclass"


@pytest.fixture
def sunday_evening(monkeypatch) -> date:  # type: ignore[no-untyped-def]
    """The pages' clock at 20:00 on the Sunday before next Monday (Shanghai); that Monday."""
    return freeze_sunday_evening(monkeypatch, operator_pages)


def cell(page: str, channel: str, day: date) -> str:
    row = page.split(f'<tr data-channel="{channel}">')[1].split("</tr>")[0]
    found = re.search(rf'<td class="day-glance ([^"]*)" data-day="{day}">(.*?)</td>', row, re.DOTALL)
    assert found, f"no cell for {channel} {day}"
    return f"{found.group(1)} {found.group(2)}"


def publish_all(person: Browser, first: date, days: int, **extra: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": person.token("/operator/"), "first": first.isoformat(), "days": days, **extra}
    return person.client.post("/operator/publish-all", data=data)


def confirm_preview(person: Browser, first: date, days: int, preview: str):  # type: ignore[no-untyped-def]
    """Press the preview page's confirm button: the form as it stands, fingerprint of the preview included."""
    form = preview.split('class="range form-confirm-publish-all"')[1].split("</form>")[0]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    assert fields["fingerprint"], "the confirm form names the preview it confirms"
    return publish_all(person, first, days, confirm=fields["confirm"], fingerprint=fields["fingerprint"])


def test_the_start_page_says_tomorrow_is_not_published_and_projects_its_lessons(client, on_air, sunday_evening):
    operator, monday = Browser(client, "operator"), sunday_evening
    assert client.get("/", follow_redirects=True).request.path == "/operator/"  # the operator's landing page
    page = operator.page("/operator/")
    assert f"明天（{monday.year}年{monday.month}月{monday.day}日" in page and "有 1 个频道尚未发布：</strong>" in page
    assert "嘉兴空中课堂·三年级" in page and "华数 803" in page and english_words(page) == []
    dates = re.findall(r'data-day="(\d{4}-\d{2}-\d{2})"', page)
    assert dates == [(monday + timedelta(days=n)).isoformat() for n in range(-1, 6)]
    tuesday = cell(page, CHANNEL, monday + timedelta(days=1))
    assert "未组装" in tuesday and "课程 1/2" in tuesday and "1 个未填充" in tuesday and "（预测）" in tuesday
    assert "attention" in tuesday  # 语文 has no lesson left on Tuesday
    assert "课程 2/2" in cell(page, CHANNEL, monday) and "课程" not in cell(page, CHANNEL, monday - timedelta(days=1))
    english = operator.page("/operator/?lang=en")
    assert "is not published on 1 channels" in english and "Not assembled" in english


def test_publishing_all_channels_shows_each_day_first_and_saves_nothing_until_confirmed(
        client, api_as, on_air, sunday_evening):
    operator, monday = Browser(client, "operator"), sunday_evening
    internal = api_as("admin").post("/api/channels/", json=channel_doc(id=INTERNAL, name="排练频道", public=False))
    assert internal.status_code == 201, internal.get_json()
    asked = publish_all(operator, monday, 2)
    preview = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "有 1 个课程时段将播出备用节目" in preview and "尚未保存任何内容" in preview
    rows = re.findall(r'<tr class="outcome-(\w+)" data-day="(\d{4}-\d{2}-\d{2})">(.*?)</tr>', preview, re.DOTALL)
    assert [(action, day) for action, day, _row in rows] == [("published", str(monday)), ("published", str(monday + timedelta(1)))]
    assert '<td class="standby">0</td>' in rows[0][2] and "已发布 · 第 1 版" in rows[0][2]
    assert '<summary class="st-unfilled">1</summary>' in rows[1][2] and "时段 3" in rows[1][2]
    assert "课程计划中已无可排的 语文 课" in rows[1][2]
    assert english_words(preview) == []
    assert f'data-channel="{INTERNAL}"' not in preview  # internal channels are not the range action's
    assert api_as("operator").get(f"/api/channels/{CHANNEL}/days?from={monday}&days=2").get_json() == []
    assert "有 1 个频道尚未发布" in operator.page("/operator/")
    done = confirm_preview(operator, monday, 2, preview)
    report = done.get_data(as_text=True)
    assert done.status_code == 200 and "所有公开频道的这些日期均已发布" in report and english_words(report) == []
    assert report.count('class="outcome-published"') == 2
    stored = api_as("operator").get(f"/api/channels/{CHANNEL}/days?from={monday}&days=2").get_json()
    assert [(d["day"], d["status"]) for d in stored] == [(str(monday), "published"), (str(monday + timedelta(1)), "published")]
    assert api_as("operator").get(f"/api/channels/{INTERNAL}/days?from={monday}&days=2").get_json() == []
    page = operator.page("/operator/")
    assert "尚未发布：" not in page and "已发布 · 第 1 版" in cell(page, CHANNEL, monday)
    assert "未组装" in cell(page, INTERNAL, monday)  # shown, but left alone


def test_a_confirmation_of_a_preview_that_no_longer_holds_shows_the_range_again_and_saves_nothing(
        client, api_as, on_air, sunday_evening):
    """Monday is published by someone else between the preview and the confirm: the confirmed preview said Monday
    would be published as version 1; the operator sees what the action would do now and confirms again."""
    operator, monday = Browser(client, "operator"), sunday_evening
    preview = publish_all(operator, monday, 2).get_data(as_text=True)
    meanwhile = api_as("operator").post(f"/api/channels/{CHANNEL}/days/publish", json={"from": str(monday), "days": 1})
    assert meanwhile.status_code == 200, meanwhile.get_json()

    stale = confirm_preview(operator, monday, 2, preview)
    again = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "此操作将带来的变化已有不同" in again and english_words(again) == []
    rows = re.findall(r'<tr class="outcome-(\w+)" data-day="(\d{4}-\d{2}-\d{2})">', again)
    assert rows == [("unchanged", str(monday)), ("published", str(monday + timedelta(1)))]
    stored = api_as("operator").get(f"/api/channels/{CHANNEL}/days?from={monday}&days=2").get_json()
    assert [(d["day"], d["status"]) for d in stored] == [(str(monday), "published")]  # Tuesday left as it was
    assert publish_all(operator, monday, 2, confirm="y").status_code == 409  # no fingerprint: no confirmation

    done = confirm_preview(operator, monday, 2, again)
    assert done.status_code == 200 and "所有公开频道的这些日期均已发布" in done.get_data(as_text=True)
    stored = api_as("operator").get(f"/api/channels/{CHANNEL}/days?from={monday}&days=2").get_json()
    assert [(d["day"], d["status"]) for d in stored] == [(str(monday), "published"), (str(monday + timedelta(1)), "published")]


def test_a_channel_that_cannot_be_assembled_is_reported_and_the_others_are_published(
        client, api_as, on_air, sunday_evening):
    """A channel whose standby clip is missing cannot assemble its days: nothing of it is saved, the report names
    it, and the other public channels are published."""
    operator, monday = Browser(client, "operator"), sunday_evening
    broken = channel_doc(id="grade3b.test.airclass", name="残缺频道", standby_id="no-such-clip")
    assert api_as("admin").post("/api/channels/", json=broken).status_code == 201
    preview = publish_all(operator, monday, 2).get_data(as_text=True)  # Tuesday's 语文 slot needs the standby clip
    assert "有 1 个频道无法组装，将保持原样： 残缺频道" in preview and "该频道无法组装" in preview
    done = confirm_preview(operator, monday, 2, preview)
    report = done.get_data(as_text=True)
    assert done.status_code == 200 and "2 个频道中有 1 个未发布" in report and "未发布：该频道的内容均未保存" in report
    assert "no-such-clip" in report.split('data-channel="grade3b.test.airclass"')[1]  # why, in the channel's section
    assert english_words(report.replace("no-such-clip", "")) == []
    assert api_as("operator").get(f"/api/channels/grade3b.test.airclass/days?from={monday}&days=2").get_json() == []
    assert len(api_as("operator").get(f"/api/channels/{CHANNEL}/days?from={monday}&days=2").get_json()) == 2


def test_failed_timed_jobs_show_on_their_day_and_above_the_grid(client, sessions, on_air, sunday_evening):
    operator, monday = Browser(client, "operator"), sunday_evening
    alert_failed_job(sessions(), "export_drop", {CHANNEL: (monday, "has no published day")}, at=datetime.now(UTC))
    with sessions() as session, session.begin():
        session.add(TimedJobRun(id="export_drop", description="drop", trigger="cron", last_outcome="failed",
                                last_message="has no published day"))
    page = operator.page("/operator/")
    assert "1 个定时任务失败" in cell(page, CHANNEL, monday)
    assert "1 个定时任务失败" not in cell(page, CHANNEL, monday + timedelta(days=1))
    banner = re.search(r'class="conflict failed-timed-jobs".*?</p>', page, re.DOTALL)
    assert banner and "上次运行失败的定时任务" in banner.group(0) and 'href="/operator/timed-jobs/"' in banner.group(0)


def test_auditors_read_the_start_page_but_may_not_publish(client, on_air, sunday_evening):
    auditor = Browser(client, "auditor")
    page = auditor.page("/operator/")
    assert "嘉兴空中课堂·三年级" in page and "组装并发布所有公开频道" not in page
    refused = client.post("/operator/publish-all", data={"first": sunday_evening.isoformat(), "days": 1})
    assert refused.status_code in (400, 403)


def test_a_bad_range_is_refused_with_a_message(client, on_air, sunday_evening):
    operator = Browser(client, "operator")
    bad = publish_all(operator, sunday_evening, 0)
    assert bad.status_code == 422 and "1 到 400 天" in bad.get_data(as_text=True)
