"""The families' guide through the test client: no sign-in, the week of a grade, now and next, subscribe links, QR code."""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.domain.plan import EventKind
from scheduler.services import channel_days, guide
from tests.support.channels_world import CHANNEL, channel_doc, next_monday
from web.pages import guide as guide_pages

pytestmark = pytest.mark.ffmpeg
SHANGHAI = ZoneInfo("Asia/Shanghai")


def published_monday(sessions) -> datetime:  # type: ignore[no-untyped-def]
    """Publish next Monday on the test channel; its 08:35 local time, as an aware datetime."""
    monday = next_monday()
    channel_days.publish(sessions(), CHANNEL, monday, 1, at=datetime.now(UTC), by=None)
    return datetime.combine(monday, time(8, 35), tzinfo=SHANGHAI)


def test_the_grade_chooser_needs_no_sign_in(client, on_air):
    page = client.get("/guide/").get_data(as_text=True)
    assert re.search(r'<a href="/guide/grade3">三年级</a>', page)  # named as the channels name it, not 3年级
    assert "3年级" not in page


def test_the_grade_week_lists_the_published_lessons_at_their_times(client, sessions, on_air):
    monday = published_monday(sessions).date()
    page = client.get(f"/guide/grade3/{monday}").get_data(as_text=True)
    day = re.search(rf'data-day="{monday}">(.*?)</section>', page, re.DOTALL).group(1)  # type: ignore[union-attr]
    lesson = re.search(r'<time datetime="[^"]+">08:30</time>\s*<span class="title">([^<]+)</span>', day)
    assert lesson and lesson.group(1) == "三年级 数学 第12课《两位数乘两位数》"
    assert "09:00" in day and "三年级 语文 第1课《秋天的雨》" in day and "（重播）" in day
    assert "华数" in page and "803" in page and "电信IPTV" in page and "503" in page
    assert page.count("尚未发布") == 6  # the other days of the week
    assert "暂未开通" not in page and "时间均为北京时间。" in page and "Asia/Shanghai" not in page
    assert "<h1>三年级节目表</h1>" in page


def test_subscribe_links_and_the_qr_code(client, sessions, on_air):
    monday = published_monday(sessions).date()
    page = client.get(f"/guide/grade3/{monday}").get_data(as_text=True)
    assert 'href="webcal://localhost/feeds/grade3.ics"' in page
    assert 'value="http://localhost/feeds/grade3.ics"' in page
    assert 'href="webcal://localhost/feeds/grade3/math.ics"' in page and 'href="http://localhost/feeds/grade3/chinese.ics"' in page
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="qr">.*?<path [^>]*d="M', page)
    assert "style=" not in page and "<script>" not in page  # nothing the Content-Security-Policy would refuse
    feed = client.get("/feeds/grade3.ics")
    assert feed.content_type == "text/calendar; charset=utf-8" and "两位数乘两位数" in feed.get_data(as_text=True)


def test_what_is_on_now_and_next_is_highlighted(client, sessions, on_air, monkeypatch):
    moment = published_monday(sessions)
    monkeypatch.setattr(guide_pages, "now", lambda: moment.astimezone(UTC))
    page = client.get("/guide/grade3").get_data(as_text=True)
    on_now = re.search(r'<p class="on-now">(.*?)</p>', page, re.DOTALL).group(1)  # type: ignore[union-attr]
    assert "08:30–08:50" in on_now and "第12课" in on_now
    up_next = re.search(r'<p class="up-next">(.*?)</p>', page, re.DOTALL).group(1)  # type: ignore[union-attr]
    assert "09:00" in up_next and "三年级 语文 第1课《秋天的雨》" in up_next  # the next lesson, not the break
    assert re.search(r'<li class="entry kind-lesson now">\s*<time[^>]*>08:30', page)


def test_the_guide_service_reads_published_days_in_the_channels_zone(sessions, on_air):
    moment = published_monday(sessions)
    found = guide.grade_guide(sessions(), 3, now=moment)
    assert [d.published for d in found.days] == [True] + [False] * 6
    monday = found.days[0]
    assert [e.kind for e in monday.entries] == [EventKind.LESSON, EventKind.BREAK, EventKind.LESSON, EventKind.REPLAY]
    assert monday.entries[0].starts == moment - timedelta(minutes=5) and str(monday.entries[0].starts.tzinfo) == "Asia/Shanghai"
    assert found.on_now == (monday.entries[0],) and found.up_next == (monday.entries[2],)  # the break is skipped
    assert found.subjects == (("chinese", "语文"), ("math", "数学"))
    before_dawn = datetime.combine(moment.date(), time(5, 0), tzinfo=SHANGHAI)  # the broadcast day starts at 06:00
    assert guide.broadcast_day(found.channels[0], before_dawn) == moment.date() - timedelta(days=1)


def test_drafts_never_reach_the_guide(client, sessions, on_air):
    monday = next_monday()
    channel_days.assemble(sessions(), CHANNEL, monday, 1, at=datetime.now(UTC), by=None)
    page = client.get(f"/guide/grade3/{monday}").get_data(as_text=True)
    assert "两位数乘两位数" not in page and page.count("尚未发布") == 7


def test_a_grade_without_a_channel_is_a_404_page(client, on_air):
    response = client.get("/guide/grade9")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_the_guide_in_english(client, sessions, on_air):
    monday = published_monday(sessions).date()
    page = client.get(f"/guide/grade3/{monday}?lang=en").get_data(as_text=True)
    assert "Grade 3 on air" in page and "Subscribe in my calendar" in page and "Not published yet." in page
    assert "三年级 数学 第12课《两位数乘两位数》" in page  # lesson titles are data, the same in both languages


def test_up_next_during_a_break_is_the_next_lesson_and_never_the_standby_programme(client, sessions, on_air, monkeypatch):
    moment = published_monday(sessions) + timedelta(minutes=17)  # 08:52, in the eye-exercise break
    monkeypatch.setattr(guide_pages, "now", lambda: moment.astimezone(UTC))
    found = guide.grade_guide(sessions(), 3, now=moment)
    assert [e.title for e in found.up_next] == ["三年级 语文 第1课《秋天的雨》"]
    assert all(e.kind in (EventKind.LESSON, EventKind.REPLAY) for e in found.up_next)


def test_lessons_that_have_aired_link_to_watching_them_again(client, sessions, on_air, monkeypatch):
    moment = published_monday(sessions) + timedelta(minutes=30)  # 09:05: the maths lesson has aired, chinese airs
    monkeypatch.setattr(guide_pages, "now", lambda: moment.astimezone(UTC))
    page = client.get("/guide/grade3").get_data(as_text=True)
    links = dict(re.findall(r'<a class="watch-again" href="(/watch/\d+)">([^<]+)</a>', page))
    assert sorted(links.values()) == ["三年级 数学 第12课《两位数乘两位数》", "三年级 语文 第1课《秋天的雨》"]
    assert "（重播）" not in "".join(links.values())  # the 14:00 replay has not aired yet
    for href in links:
        assert client.get(href).status_code == 200
    assert "点击已播出的课程名称即可点播回看" in page


def test_the_grade_in_english_keeps_its_english_name(client, sessions, on_air):
    page = client.get("/guide/?lang=en").get_data(as_text=True)
    assert '<a href="/guide/grade3">Grade 3</a>' in page
    monday = published_monday(sessions).date()
    page = client.get(f"/guide/grade3/{monday}?lang=en").get_data(as_text=True)
    assert "Times are in Beijing time." in page


def test_an_internal_channel_is_in_no_guide_and_no_feed(client, sessions, on_air, api_as, settings):
    rehearsal = channel_doc(id="grade3.rehearsal.airclass", name="空中课堂·排练频道", public=False)
    grade4 = channel_doc([[]] * 7, id="grade4.rehearsal.airclass", name="空中课堂·四年级排练", grades=[4], public=False)
    for doc in (rehearsal, grade4):
        assert api_as("admin").post("/api/channels/", json=doc).status_code == 201
    monday = next_monday()
    for channel_id in (CHANNEL, "grade3.rehearsal.airclass", "grade4.rehearsal.airclass"):
        channel_days.publish(sessions(), channel_id, monday, 1, at=datetime.now(UTC), by=None)
    guide_page = client.get(f"/guide/grade3/{monday}").get_data(as_text=True)
    assert "排练频道" not in guide_page and "嘉兴空中课堂·三年级" in guide_page
    assert client.get("/guide/grade4").status_code == 404  # a grade only an internal channel carries
    assert 'href="/guide/grade4"' not in client.get("/guide/").get_data(as_text=True)
    feed = client.get("/feeds/grade3.ics").get_data(as_text=True)
    assert "rehearsal" not in feed and "@grade3.test.airclass" in feed
    assert client.get("/feeds/grade4.ics").status_code == 404
    written = settings.public / "feeds"
    assert not (written / "grade4.ics").exists() and "rehearsal" not in (written / "grade3.ics").read_text()
