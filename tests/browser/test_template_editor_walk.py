"""An admin edits the channel's slot template by form: adds a row, sees the screen-time violation next to it, fixes
it, saves; the operator then assembles the week and finds the new slot where the template put it. Headless
chromium on the live server; screenshots in var/screenshots/."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from scheduler.services.channels import get_channel
from tests.support.channels_world import CHANNEL, next_monday
from tests.support.world import PASSWORD

pytestmark = pytest.mark.ffmpeg


def test_without_javascript_the_buttons_add_and_remove_rows_through_the_server(on_air, chromium, live_server):
    context = chromium.new_context(base_url=live_server, locale="zh-CN", java_script_enabled=False)
    try:
        admin = context.new_page()
        admin.goto("/login")
        admin.fill("input[name=username]", "admin")
        admin.fill("input[name=password]", PASSWORD)
        admin.click("form.stack button[type=submit]")
        admin.goto(f"/admin/channels/{CHANNEL}")
        rows = admin.locator("tr.slot-row")
        with admin.expect_navigation():
            admin.get_by_role("button", name="添加一行").click()
        expect(rows).to_have_count(21)
        with admin.expect_navigation():
            rows.first.get_by_role("button", name="删除").click()
        expect(rows).to_have_count(20)
        expect(rows.first.locator("input[name=start]")).to_have_value("08:50:00")
    finally:
        context.close()


def test_an_admin_adds_a_slot_by_form_and_the_operator_assembles_it(on_air, sessions, signed_in, screenshot):
    admin = signed_in("admin")
    admin.goto(f"/admin/channels/{CHANNEL}")
    rows = admin.locator("tr.slot-row")
    expect(rows).to_have_count(20)  # Monday to Friday, four slots each
    admin.get_by_role("button", name="添加一行").click()  # in the page (slot_editor.js); a form round trip without
    admin.get_by_role("button", name="添加一行").click()
    expect(rows).to_have_count(22)
    rows.last.get_by_role("button", name="删除").click()
    expect(rows).to_have_count(21)
    added = rows.last
    expect(added.locator("input[name=start]")).to_have_value("")
    added.locator("select[name=weekday]").select_option(label="星期一")
    added.locator("input[name=start]").fill("10:00")
    added.locator("input[name=length]").fill("25")  # 25 minutes: grade 3 watches at most 20 at a time
    added.locator("select[name=kind]").select_option("lesson")
    added.locator("select[name=subject]").select_option(label="数学")
    admin.get_by_role("button", name="检查并保存").click()

    expect(admin.locator(".template-error")).to_contain_text("未保存任何内容")
    flagged = admin.locator("tr.slot-row.has-problem")
    expect(flagged).to_have_count(1)
    expect(flagged.locator("input[name=start]")).to_have_value("10:00")  # the new row, placed in Monday's order
    problem = admin.locator("tr.slot-row.has-problem + tr.row-problems")
    expect(problem).to_have_text(re.compile(r"每次时长：时长 25 分钟；每次最多 20 分钟"))
    screenshot(admin, "admin-slot-editor-violation")
    assert len(get_channel(sessions(), CHANNEL)[1].week[0]) == 4  # nothing saved

    flagged.locator("input[name=length]").fill("15")
    admin.get_by_role("button", name="检查并保存").click()
    expect(admin.locator("p.notice")).to_contain_text("嘉兴空中课堂·三年级 的模板已保存。")
    expect(admin.locator("tr.row-problems")).to_have_count(0)
    screenshot(admin, "admin-slot-editor-saved")
    monday_slots = get_channel(sessions(), CHANNEL)[1].week[0]
    assert [f"{s.start:%H:%M}" for s in monday_slots] == ["08:30", "08:50", "09:00", "10:00", "14:00"]

    monday = next_monday()
    operator = signed_in("operator")
    operator.goto(f"/operator/channels/{CHANNEL}/week?from={monday}")
    operator.fill("#assemble-first", monday.isoformat())
    operator.fill("#assemble-days", "7")
    operator.get_by_role("button", name="组装草稿").click()
    expect(operator.locator(".outcome .action").first).to_have_text("已组装为草稿")
    operator.goto(f"/operator/channels/{CHANNEL}/week?from={monday}")
    week = operator.locator("table.week tbody tr")
    expect(week).to_have_count(7)
    template = get_channel(sessions(), CHANNEL)[1]
    for offset in range(7):
        day = monday + timedelta(days=offset)
        clocks = [f"{s.start:%H:%M}" for s in template.week[day.weekday()]]
        expect(week.nth(offset).locator("td.cell .clock")).to_have_text(clocks)
    expect(week.nth(0).locator("td.cell").nth(3)).to_contain_text("数学 第13课")  # the next math lesson
    screenshot(operator, "operator-week-after-template-edit")
