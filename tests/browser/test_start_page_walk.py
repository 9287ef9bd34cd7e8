"""An operator opens the start page on a Sunday evening, sees tomorrow is not published, previews publishing every
public channel for two days, confirms, and sees the days published. Headless chromium on the live server (the
pages' clock frozen); screenshots in var/screenshots/."""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.support.channels_world import CHANNEL, next_monday
from web.pages import operator as operator_pages

pytestmark = pytest.mark.ffmpeg


def test_an_operator_sees_tomorrow_unpublished_and_publishes_every_channel(
        on_air, signed_in, screenshot, monkeypatch):  # type: ignore[no-untyped-def]
    monday = next_monday()
    evening = datetime.combine(monday - timedelta(days=1), time(20), tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(operator_pages, "now", lambda: evening.astimezone(UTC))
    operator = signed_in("operator")
    expect(operator).to_have_url(re.compile(r"/operator/$"))  # the operator's landing page
    expect(operator.locator(".tomorrow-unpublished")).to_contain_text("有 1 个频道尚未发布")
    tomorrow = operator.locator(f'tr[data-channel="{CHANNEL}"] td[data-day="{monday}"]')
    expect(tomorrow).to_contain_text("未组装")
    expect(tomorrow).to_contain_text("课程 2/2")
    screenshot(operator, "operator-start-unpublished")
    expect(operator.locator("#all-first")).to_have_value(monday.isoformat())  # tomorrow by default
    operator.fill("#all-days", "2")
    operator.get_by_role("button", name="预览").click()
    expect(operator.locator(".standby-count")).to_contain_text("有 1 个课程时段将播出备用节目")
    expect(operator.locator(f'section[data-channel="{CHANNEL}"] tr.outcome-published')).to_have_count(2)
    screenshot(operator, "operator-start-preview")
    operator.get_by_role("link", name="取消：返回频道列表").click()
    expect(operator.locator(".tomorrow-unpublished")).to_be_visible()  # the preview saved nothing
    operator.fill("#all-days", "2")
    operator.get_by_role("button", name="预览").click()
    operator.get_by_role("button", name="确认：组装并发布").click()
    expect(operator.locator("main")).to_contain_text("所有公开频道的这些日期均已发布")
    screenshot(operator, "operator-start-published")
    operator.get_by_role("link", name="返回频道列表").click()
    expect(operator.locator(".tomorrow-unpublished")).to_have_count(0)
    expect(tomorrow).to_contain_text("已发布 · 第 1 版")
    expect(operator.locator(f'tr[data-channel="{CHANNEL}"] td[data-day="{monday + timedelta(days=1)}"]')).to_contain_text(
        "1 个未填充")
