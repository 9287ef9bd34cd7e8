"""Operator pages through the test client: channels, the day timeline, assemble and publish with the diff, week, readiness, alerts."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.domain.review_terms import Action
from scheduler.services import curriculum, recordings
from scheduler.services.operator_alerts import list_alerts
from tests.support.channels_world import CHANNEL, next_monday
from tests.web.test_pages import Browser

pytestmark = pytest.mark.ffmpeg
DAY_URL = f"/operator/channels/{CHANNEL}/days/{{day}}"


def run(person: Browser, verb: str, day, days: int = 1, **extra):  # type: ignore[no-untyped-def]
    """Post the assemble or publish form of the day page, with the page's CSRF token."""
    token = person.token(DAY_URL.format(day=day))
    data = {"csrf_token": token, "first": day.isoformat(), "days": days, **extra}
    return person.client.post(f"/operator/channels/{CHANNEL}/{verb}", data=data)


def test_the_operator_lands_on_the_channel_list(client, on_air):
    page = Browser(client, "operator")
    assert client.get("/", follow_redirects=True).request.path == "/operator/"
    channels = page.page("/operator/")
    assert "嘉兴空中课堂·三年级" in channels and "华数 803" in channels


def test_strangers_sign_in_first_and_teachers_are_refused(client, app, on_air):
    assert client.get("/operator/").headers["Location"] == "/login?next=/operator/"
    assert "您的角色无权" in Browser(client, "teacher_a").page("/operator/", status=403)
    auditor = Browser(app.test_client(), "auditor")
    assert "嘉兴空中课堂·三年级" in auditor.page("/operator/")
    day = auditor.page(DAY_URL.format(day=next_monday()))
    assert "组装草稿" not in day  # auditors read, they do not schedule
    refused = auditor.client.post(f"/operator/channels/{CHANNEL}/publish", data={"first": "2030-01-07", "days": 1})
    assert refused.status_code in (400, 403)


def test_assemble_then_publish_from_the_day_page(client, on_air):
    operator, monday = Browser(client, "operator"), next_monday()
    assert "这一天尚未组装" in operator.page(DAY_URL.format(day=monday))
    assembled = run(operator, "assemble", monday)
    assert assembled.status_code == 200 and "已组装为草稿" in assembled.get_data(as_text=True)
    draft = operator.page(DAY_URL.format(day=monday))
    assert "草稿 · 第 1 版" in draft and "尚未发布" in draft
    assert len(re.findall(r'<g class="block kind-', draft)) == 4  # math, break, chinese, replay
    assert 'class="block kind-lesson st-filled" data-slot="1"' in draft
    assert "三年级 数学 第12课《两位数乘两位数》" in draft and "下载已发布的这一天" not in draft
    published = run(operator, "publish", monday)
    assert "已发布" in published.get_data(as_text=True)
    day = operator.page(DAY_URL.format(day=monday))
    assert "已发布 · 第 1 版" in day
    link = re.search(r'href="([^"]+playlist\.json)"', day).group(1)  # type: ignore[union-attr]
    playlist = json.loads(client.get(link).get_data())
    assert playlist["channel_name"] == "嘉兴空中课堂·三年级" and playlist["items"]
    xmltv = client.get(re.search(r'href="(/api/exports/xmltv[^"]+)"', day).group(1).replace("&amp;", "&"))  # type: ignore[union-attr]
    assert xmltv.status_code == 200 and "嘉兴空中课堂·三年级" in xmltv.get_data(as_text=True)


def test_publishing_standby_in_a_lesson_slot_asks_to_confirm_first(client, on_air, api_as):
    operator, monday = Browser(client, "operator"), next_monday()
    asked = run(operator, "publish", monday, days=2)  # Tuesday's 语文 slot has no lesson left
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "有 1 个课程时段将播出备用节目" in page and "仍然发布" in page
    assert "这一天尚未组装" in operator.page(DAY_URL.format(day=monday))  # nothing was published, nothing drafted
    assert api_as("operator").get(f"/api/channels/{CHANNEL}/days?from={monday}&days=2").get_json() == []
    confirmed = run(operator, "publish", monday, days=2, confirm="y")
    assert confirmed.status_code == 200 and confirmed.get_data(as_text=True).count("已发布") >= 2
    assert "已发布 · 第 1 版" in operator.page(DAY_URL.format(day=monday + timedelta(days=1)))


def test_republishing_shows_what_changed(client, on_air):
    """Day 2 is published first (with math 12); once day 1 airs math 12, day 2 moves on to math 13."""
    operator, monday = Browser(client, "operator"), next_monday()
    tuesday = monday + timedelta(days=1)
    run(operator, "publish", tuesday)
    run(operator, "assemble", monday)
    run(operator, "assemble", tuesday)
    waiting = operator.page(DAY_URL.format(day=tuesday))
    assert "发布草稿将改变什么" in waiting and "第13课《面积》" in waiting
    republished = run(operator, "publish", tuesday, confirm="y").get_data(as_text=True)  # 语文 left: standby
    assert "重新发布" in republished and "第 2 版" in republished
    changed = re.search(r'<tr class="change-changed">\s*<td>1</td>(.*?)</tr>', republished, re.DOTALL)
    assert changed and "第12课" in changed.group(1) and "第13课" in changed.group(1)


def test_forms_without_csrf_token_or_with_bad_days_are_refused(client, on_air):
    operator, monday = Browser(client, "operator"), next_monday()
    refused = client.post(f"/operator/channels/{CHANNEL}/assemble", data={"first": monday.isoformat(), "days": 1})
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    bad = run(operator, "assemble", monday, days=0)
    assert bad.status_code == 422 and "1 到 400 天" in bad.get_data(as_text=True)
    assert "这一天尚未组装" in operator.page(DAY_URL.format(day=monday))


def test_the_week_grid_shows_each_day_by_slot(client, on_air):
    operator, monday = Browser(client, "operator"), next_monday()
    run(operator, "publish", monday)
    week = operator.page(f"/operator/channels/{CHANNEL}/week?from={monday}")
    rows = re.findall(r"<tr>\s*<th><a href=\"/operator/channels/[^\"]+/days/(\d{4}-\d{2}-\d{2})\">", week)
    assert rows == [(monday + timedelta(days=n)).isoformat() for n in range(7)]
    assert "已发布 · 第 1 版" in week and "未组装（预测）" in week
    assert "数学 第12课" in week and 'class="cell kind-lesson st-filled"' in week
    for offset in (0, 1):  # published: every slot; projected: lesson and replay slots only, each in its column
        row = week.split(f"/days/{monday + timedelta(days=offset)}")[1].split("</tr>")[0]
        clocks = re.findall(r'<td class="cell[^>]*>\s*<span class="clock">([\d:]+)</span>|<td></td>', row)
        assert clocks == (["08:30", "08:50", "09:00", "14:00"] if offset == 0 else ["08:30", "", "09:00", "14:00"])


def test_readiness_links_to_what_is_missing(client, sessions, world, on_air, clips):
    """Chinese 2 waits in county review (at risk); chinese 3 has nothing uploaded (unfilled)."""
    operator, monday = Browser(client, "operator"), next_monday()
    chinese2 = curriculum.create_lesson(sessions(), grade=3, subject="chinese", sequence=2, title="搭船的鸟",
                                        county_id=world.county_a)
    curriculum.create_lesson(sessions(), grade=3, subject="chinese", sequence=3, title="金色的草地", county_id=world.county_a)
    teacher = recordings.actor_for(world.user("teacher_a"))
    with clips["lesson_1s_b.mp4"].open("rb") as stream:
        waiting = recordings.upload_recording(sessions(), world.store, teacher, chinese2.id, stream, "课.mp4",
                                            at=datetime.now(UTC))
    recordings.act_on_recording(sessions(), teacher, waiting.id, Action.SUBMIT, at=datetime.now(UTC))
    page = operator.page(f"/operator/channels/{CHANNEL}/readiness?from={monday}&days=3")
    assert re.search(r'class="count">1</span> 有风险', page)
    at_risk = re.search(r'<tr class="st-at_risk">(.*?)</tr>', page, re.DOTALL).group(1)  # type: ignore[union-attr]
    assert "搭船的鸟" in at_risk and f'href="/recordings/{waiting.id}"' in at_risk and "县区初审" in at_risk
    unfilled = [row for row in re.findall(r'<tr class="st-unfilled">(.*?)</tr>', page, re.DOTALL) if "金色的草地" in row]
    assert len(unfilled) == 1 and "尚未上传" in unfilled[0]


def test_a_revoked_recording_raises_an_alert_the_operator_acknowledges(client, app, sessions, world, on_air):
    operator, monday = Browser(client, "operator"), next_monday()
    run(operator, "publish", monday)
    final = recordings.actor_for(world.user("final"))
    recordings.act_on_recording(sessions(), final, world.recordings["math12"], Action.REVOKE, at=datetime.now(UTC),
                              comment="画面有误")
    channels = operator.page("/operator/")
    assert "1 条未处理的提醒" in channels
    assert re.search(r'提醒 <span class="badge" title="1 条未确认的提醒">1</span></a>', channels)  # the nav's count
    alerts = operator.page("/operator/alerts/")
    alert_id = list_alerts(sessions())[0].id
    recording, lesson = world.recordings["math12"], "三年级 数学 第12课《两位数乘两位数》"
    assert f"嘉兴空中课堂·三年级 {monday.isoformat()}</a>" in alerts  # the channel by name, not its id
    assert f"{monday.isoformat()}：{lesson} 的录像 {recording} 已撤销通过（画面有误），改播备用节目（第 2 版）" in alerts
    assert f"/operator/alerts/{alert_id}/acknowledge" in alerts
    in_english = Browser(app.test_client(), "operator").page("/operator/alerts/?lang=en")  # its own language cookie
    assert (f"{monday}: {lesson}, recording {recording} revoked: 画面有误; the standby programme airs instead (version 2)"
            in in_english)
    assert "确认已读" not in Browser(app.test_client(), "auditor").page("/operator/alerts/")
    done = client.post(f"/operator/alerts/{alert_id}/acknowledge", data={"csrf_token": operator.token("/operator/alerts/")},
                       follow_redirects=True)
    assert "提醒已确认" in done.get_data(as_text=True) and "没有未处理的提醒" in done.get_data(as_text=True)
    assert 'class="badge"' not in done.get_data(as_text=True)
    assert "节目预告" in operator.page(DAY_URL.format(day=monday))  # the standby programme now airs in slot 1


def test_the_jobs_page_lists_jobs_and_cancels_or_retries_them(client, app, sessions, world):
    from scheduler.queue import job_control

    at = datetime(2020, 2, 10, 1, 0, tzinfo=UTC)
    queued, _ = job_control.submit(sessions(), "checksum", {"path": "recordings/第12课.mp4"}, now=at, submitted_by=None)
    operator = Browser(client, "operator")
    page = operator.page("/operator/jobs/")
    assert "排队中" in page and 'http-equiv="refresh"' in page  # reloads itself while a job waits or runs
    token = operator.token("/operator/jobs/")
    cancelled = client.post(f"/operator/jobs/{queued.id}/cancel", data={"csrf_token": token}, follow_redirects=True)
    assert f"任务 {queued.id} 已取消" in cancelled.get_data(as_text=True)
    again = client.post(f"/operator/jobs/{queued.id}/cancel", data={"csrf_token": token}, follow_redirects=True)
    assert "未执行任何操作" in again.get_data(as_text=True)
    retried = client.post(f"/operator/jobs/{queued.id}/retry", data={"csrf_token": token}, follow_redirects=True)
    assert f"任务 {queued.id} 已重新排队" in retried.get_data(as_text=True)
    assert job_control.get_job(sessions(), queued.id).state.value == "queued"
    assert client.post(f"/operator/jobs/{queued.id}/cancel").status_code == 400  # no CSRF token
    auditor = Browser(app.test_client(), "auditor")
    assert "取消</button>" not in auditor.page("/operator/jobs/")


def test_the_schedule_pages_in_english(client, on_air):
    operator, monday = Browser(client, "operator"), next_monday()
    run(operator, "publish", monday)
    for url, words in [(DAY_URL.format(day=monday), "Published · version 1"), (f"/operator/channels/{CHANNEL}/week", "Slot 4"),
                       (f"/operator/channels/{CHANNEL}/readiness", "Readiness"), ("/operator/alerts/", "No open alerts."),
                       ("/operator/jobs/", "Media jobs")]:  # the fixture's uploads queued ingest jobs
        assert words in operator.page(url + ("&" if "?" in url else "?") + "lang=en")
