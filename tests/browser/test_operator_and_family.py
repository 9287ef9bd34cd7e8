"""An operator publishes a day and downloads its exports; a family finds the lesson on a phone and subscribes.

Headless chromium on the live server; screenshots in var/screenshots/.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from lxml import etree
from playwright.sync_api import Page, expect

from scheduler.services.channels import get_channel
from scheduler.services.guide import broadcast_day
from tests.browser.conftest import PHONE
from tests.support.channels_world import CHANNEL

pytestmark = pytest.mark.ffmpeg
LESSON = "三年级 数学 第12课《两位数乘两位数》"


def next_school_day(sessions) -> date:  # type: ignore[no-untyped-def]
    """The first weekday after the current broadcast day: always inside the guide's week."""
    channel, _template = get_channel(sessions(), CHANNEL)
    day = broadcast_day(channel, datetime.now(UTC)) + timedelta(days=1)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


def downloaded(page: Page, link: str) -> bytes:
    with page.expect_download() as download:
        page.click(link)
    path = download.value.path()
    return path.read_bytes()


def assemble_and_publish(operator: Page, day: date, screenshot) -> None:  # type: ignore[no-untyped-def]
    operator.goto(f"/operator/channels/{CHANNEL}/days/{day}")
    expect(operator.locator("main")).to_contain_text("这一天尚未组装")
    operator.get_by_role("button", name="组装草稿").click()
    expect(operator.locator(".outcome .action")).to_have_text("已组装为草稿")
    operator.get_by_role("link", name=re.compile(str(day.day))).first.click()
    expect(operator.locator("svg.timeline-svg g.block")).to_have_count(4)
    expect(operator.locator(".shown")).to_contain_text("草稿 · 第 1 版")
    screenshot(operator, "operator-day-draft")
    operator.get_by_role("button", name="发布", exact=True).click()
    expect(operator.locator(".outcome .action")).to_have_text("已发布")
    screenshot(operator, "operator-published")


def test_an_operator_publishes_a_day_and_a_family_finds_the_lesson(on_air, sessions, signed_in, new_page, screenshot):
    day = next_school_day(sessions)
    operator = signed_in("operator")
    expect(operator).to_have_url(re.compile(r"/operator/$"))
    expect(operator.locator("table.glance")).to_contain_text("嘉兴空中课堂·三年级")
    screenshot(operator, "operator-channels")
    assemble_and_publish(operator, day, screenshot)

    operator.goto(f"/operator/channels/{CHANNEL}/days/{day}")
    expect(operator.locator(".shown")).to_contain_text("已发布 · 第 1 版")
    screenshot(operator, "operator-day-published")
    xmltv = etree.fromstring(downloaded(operator, "a.export-xmltv"))
    assert "嘉兴空中课堂·三年级" in xmltv.xpath("//channel/display-name/text()")
    first = xmltv.xpath("//programme[title[contains(., '两位数乘两位数')]]")[0]
    assert first.get("start") == f"{day:%Y%m%d}083000 +0800"
    playlist = json.loads(downloaded(operator, "a.export-json"))
    assert playlist["channel_name"] == "嘉兴空中课堂·三年级" and playlist["date"] == day.isoformat()
    lesson = next(item for item in playlist["items"] if item["title"] == LESSON)
    assert lesson["kind"] == "lesson" and lesson["start"].startswith(f"{day}T08:30:00.000+08:00")
    operator.goto(f"/operator/channels/{CHANNEL}/week?from={day}")
    expect(operator.locator("table.week")).to_contain_text("数学 第12课")
    screenshot(operator, "operator-week")
    operator.goto(f"/operator/channels/{CHANNEL}/readiness?from={day}")
    screenshot(operator, "operator-readiness")

    family = new_page(viewport=PHONE)
    family.goto("/guide/")
    screenshot(family, "guide-grades-phone")
    family.get_by_role("link", name="三年级", exact=True).click()
    entry = family.locator(f'section[data-day="{day}"] li.entry', has=family.locator("time", has_text="08:30"))
    expect(entry.locator(".title")).to_have_text(LESSON)
    expect(family.locator(".numbers")).to_contain_text("华数 803")
    assert family.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, "wider than the phone"
    screenshot(family, "guide-grade3-phone")
    expect(family.locator("a.webcal")).to_have_attribute("href", re.compile(r"^webcal://127\.0\.0\.1:\d+/feeds/grade3\.ics$"))
    expect(family.locator("svg.qr")).to_be_visible()
    feed = family.request.get(family.locator("#feed-url").input_value())
    assert feed.status == 200 and feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "两位数乘两位数" in feed.text() and "BEGIN:VCALENDAR" in feed.text()


def test_an_admin_sees_the_policy_check_beside_the_template(on_air, signed_in, screenshot):
    admin = signed_in("admin")
    expect(admin).to_have_url(re.compile(r"/admin/users/$"))
    screenshot(admin, "admin-users")
    admin.goto(f"/admin/channels/{CHANNEL}/json")  # the advanced view; test_template_editor_walk edits by rows
    text = admin.locator("textarea").input_value()
    admin.locator("textarea").fill(text.replace('"14:00"', '"16:50"', 1))  # Monday's replay would end at 17:10
    admin.get_by_role("button", name="检查并保存").click()
    expect(admin.locator("table.violations tbody tr")).to_have_count(1)
    expect(admin.locator("table.violations")).to_contain_text("最晚结束")
    expect(admin.locator("div.violations")).to_contain_text("未保存任何内容")
    screenshot(admin, "admin-template-violation")
