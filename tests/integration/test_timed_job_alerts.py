"""A failed timed job alerts operators, once per channel it failed on; the timed jobs page shows the outcomes."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.ops import timed_jobs
from scheduler.services.operator_alerts import JOB_FAILED_ALERT, list_alerts
from scheduler.store.models import TimedJobRun
from tests.support.channels_world import CHANNEL, next_monday
from tests.web.test_chinese_pages import english_words
from tests.web.test_pages import Browser

pytestmark = pytest.mark.ffmpeg


def test_an_export_drop_with_no_published_day_alerts_each_channel_once(on_air, settings, api_as, sessions, client, tmp_path):
    monday = datetime.combine(next_monday(), datetime.min.time(), tzinfo=UTC)
    for _run in range(2):  # the second failure while the first alert is open adds none
        with pytest.raises(Exception, match="no published day"):
            timed_jobs.export_drop(settings.database_url, str(tmp_path), now=monday)
    shown = api_as("operator").get("/api/alerts/").get_json()
    assert [(a["channel_id"], a["kind"]) for a in shown] == [(CHANNEL, JOB_FAILED_ALERT)]
    assert "export_drop failed" in shown[0]["message"] and "no published day" in shown[0]["message"]
    operator = Browser(client, "operator")
    alerts = operator.page("/operator/alerts/")
    assert "定时任务“导出投放（XMLTV 与节目单）”失败" in alerts and "嘉兴空中课堂·三年级" in alerts
    day = (monday + timedelta(days=1)).date()  # the drop exports tomorrow
    said = f"{CHANNEL} 在 {day} 没有已发布的播出日。"
    assert said in alerts and "no published day" not in alerts  # the error in the page's language too
    jobs = operator.page("/operator/timed-jobs/")
    assert "导出投放（XMLTV 与节目单）" in jobs and "失败" in jobs and said in jobs and "no published day" not in jobs
    english = operator.page("/operator/timed-jobs/?lang=en")
    assert f"{CHANNEL} has no published day on {day}." in english
    assert 'href="/operator/timed-jobs/"' in jobs  # the operator nav links it


def test_a_job_failing_as_a_whole_alerts_every_channel_and_a_success_none(on_air, settings, sessions, tmp_path):
    sunday = datetime.combine(next_monday() - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    assert "of 1 days drafted" in timed_jobs.assemble_ahead(settings.database_url, 1, now=sunday)
    assert list_alerts(sessions()) == []
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    with pytest.raises(OSError):
        timed_jobs.refresh_feeds(settings.database_url, str(blocker), now=sunday)
    alerts = list_alerts(sessions())
    assert [(a.channel_id, a.facts["job"]) for a in alerts] == [(CHANNEL, "refresh_feeds")]


def test_a_successful_runs_summary_is_shown_in_the_pages_language(on_air, settings, api_as, client, tmp_path):
    """Issue 14: a run's summary (per channel: days drafted, files exported) was shown in English on the Chinese page."""
    sunday = datetime.combine(next_monday() - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    monday = next_monday()
    assert "1 of 1 days drafted" in timed_jobs.assemble_ahead(settings.database_url, 1, now=sunday)
    timed_jobs.sweep_orphans(settings.database_url, str(tmp_path / "media"), now=sunday)
    operator = Browser(client, "operator")
    jobs = operator.page("/operator/timed-jobs/")
    assert f"{CHANNEL}：自 {monday} 起 1 天中 1 天已编排为草稿" in jobs and "days drafted" not in jobs
    assert "0 个孤立文件已移至" in jobs and "set aside" not in jobs
    assert "已删除 0 个 30 天内未被任何播出日文件使用的预制片段" in jobs and "prepared clip" not in jobs
    english = operator.page("/operator/timed-jobs/?lang=en")
    assert f"{CHANNEL}: 1 of 1 days drafted from {monday}" in english
    shown = {j["id"]: j for j in api_as("operator").get("/api/schedule/jobs").get_json()}
    assert shown["assemble_ahead"]["last_message"] == f"{CHANNEL}: 1 of 1 days drafted from {monday}"
    assert shown["assemble_ahead"]["last_summary"] == [
        {"what": "days_drafted", "channel": CHANNEL, "done": 1, "span": 1, "first": str(monday)}]


def test_the_timed_jobs_page_says_when_and_what_each_job_does_in_the_pages_language(on_air, settings, sessions, client):
    """Found walking the demo's pages: the schedule showed "run by hand" and "cron[hour='1']", each job's description
    and the demo's summary ("the demo published 15 days from …") were English sentences on the Chinese page."""
    with sessions() as session, session.begin():  # as a running scheduler records its jobs
        for job in timed_jobs.timed_jobs(settings):
            if job.id != "sweep_orphans":
                session.add(TimedJobRun(id=job.id, description=job.description, trigger=str(job.trigger)))
    monday = next_monday()
    published = [timed_jobs.Said("days_published", {"channel": CHANNEL, "done": 15, "span": 15, "first": str(monday)})]
    timed_jobs.record_success(sessions, "publish_ahead", published, datetime.now(UTC))  # as the demo records it
    timed_jobs.record_success(sessions, "sweep_orphans", [], datetime.now(UTC))  # run by hand, no scheduler yet

    page = Browser(client, "operator").page("/operator/timed-jobs/")
    rows = dict(re.findall(r'<code>(\w+)</code>.*?</td>\s*<td>([^<]*)</td>', page, re.DOTALL))
    assert rows == {"assemble_ahead": "每天 01:00", "export_drop": "每天 18:30", "publish_ahead": "每天 18:00",
                    "refresh_feeds": "每 5 分钟", "sweep_orphans": "仅手动运行（尚未排定）"}, rows
    assert "根据教学计划和已通过审核的录像，将未来几天编排为草稿。" in page
    assert f"{CHANNEL}：自 {monday} 起 15 天中 15 天已发布" in page
    assert english_words(page) == []
    english = Browser(client, "operator").page("/operator/timed-jobs/?lang=en")
    assert "daily at 18:30" in english and "every 5 minutes" in english and "by hand only" in english
