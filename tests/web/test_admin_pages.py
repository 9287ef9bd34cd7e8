"""Admin pages through the test client: accounts with role and scope, slot templates with the policy check inline."""
from __future__ import annotations

import json
import re

import pytest

from scheduler.services import accounts
from scheduler.services.channels import get_channel
from tests.support.channels_world import CHANNEL, channel_doc, school_day, slot
from tests.web.test_pages import Browser

TEMPLATE_URL = f"/admin/channels/{CHANNEL}/json"  # the advanced view; the slot table is tested in test_slot_editor


def new_user(admin: Browser, **fields: object):  # type: ignore[no-untyped-def]
    data = {"csrf_token": admin.token("/admin/users/"), "username": "county_new", "display_name": "新初审",
            "password": "long-enough-1", "role": "county_reviewer", "school_id": "", "county_id": "", "city_id": "",
            **fields}
    return admin.client.post("/admin/users/", data=data)


def field_errors(page: str, field: str) -> list[str]:
    return re.findall(rf'data-field="{field}" role="alert">([^<]+)<', page)


def test_admins_land_on_accounts_others_are_refused(client, app, world):
    admin = Browser(client, "admin")
    assert client.get("/", follow_redirects=True).request.path == "/admin/users/"
    users = admin.page("/admin/users/")
    assert "南湖初审" in users and "县区审核员" in users and "南湖区" in users
    assert "您的角色无权" in Browser(app.test_client(), "operator").page("/admin/users/", status=403)
    assert app.test_client().get("/admin/channels/").headers["Location"] == "/login?next=/admin/channels/"


def test_an_account_is_created_with_its_scope(client, sessions, world):
    admin = Browser(client, "admin")
    created = new_user(admin, county_id=str(world.county_b))
    assert created.status_code == 303
    page = admin.page("/admin/users/")
    assert "账号 county_new 已创建" in page and "新初审" in page
    user = accounts.find_user(sessions(), "county_new")
    assert user.county_id == world.county_b and user.city_id == world.city_id


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "county_id", "县区审核员需要所属县区：请选择。"),
        ({"role": "teacher"}, "school_id", "教师需要所属学校：请选择。"),
        ({"password": "short"}, "password", "至少 8 个字符。"),
        ({"username": "county_a", "county_id": "1"}, "username", "此用户名已被占用。"),
        ({"username": ""}, "username", "请输入用户名。"),
    ],
)
def test_a_refused_account_says_why_next_to_the_field(client, sessions, world, fields, field, message):
    admin = Browser(client, "admin")
    refused = new_user(admin, **fields)
    assert refused.status_code == 422
    assert field_errors(refused.get_data(as_text=True), field) == [message]
    assert len(accounts.list_users(sessions(), per_page=100).items) == len(world.users)  # nothing was created


def test_a_form_without_csrf_token_is_refused(client, sessions, world):
    Browser(client, "admin")
    refused = client.post("/admin/users/", data={"username": "x", "password": "long-enough-1", "role": "admin"})
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    with pytest.raises(Exception, match="not found"):
        accounts.find_user(sessions(), "x")


@pytest.fixture
def channel(client, world, api_as):  # type: ignore[no-untyped-def]
    response = api_as("admin").post("/api/channels/", json=channel_doc())
    assert response.status_code == 201, response.get_json()
    return CHANNEL


def save(admin: Browser, template: object) -> tuple[int, str]:
    text = template if isinstance(template, str) else json.dumps(template, ensure_ascii=False)
    response = admin.client.post(TEMPLATE_URL, data={"csrf_token": admin.token(TEMPLATE_URL), "template": text})
    return response.status_code, response.get_data(as_text=True)


def test_the_channel_page_shows_the_template_and_the_policy(client, channel):
    page = Browser(client, "admin").page(TEMPLATE_URL)
    assert "嘉兴空中课堂·三年级" in page and "&#34;start&#34;: &#34;08:30&#34;" in page
    assert "每天最多 5 节课" in page and "每次最多 20 分钟" in page


def test_a_template_breaking_the_policy_is_shown_inline_and_not_saved(client, sessions, channel):
    admin = Browser(client, "admin")
    monday = [slot("08:30", 25, "lesson", subject="math"), slot("08:58", 20, "lesson", subject="chinese")]
    status, page = save(admin, {"week": [monday] + [school_day()] * 4 + [[], []]})
    assert status == 422 and "未保存任何内容：模板违反了屏幕时间规定" in page
    rows = re.findall(r'<tr data-rule="(\w+)">\s*<td>([^<]+)</td><td>([^<]+)</td>\s*<td>([^<]*)</td>', page)
    assert ("max_single_lesson", "每次时长", "星期一", "1 (08:30)") in rows
    assert ("min_break", "课间休息时长", "星期一", "2 (08:58)") in rows
    assert "时长 25 分钟；每次最多 20 分钟" in page and "在时段 1 结束后 3 分钟 即开始；课间至少需休息 10 分钟" in page
    assert "00:25:00:00" in page and "08:58" in page  # the submitted text stays in the form
    _channel, template = get_channel(sessions(), CHANNEL)
    assert template.week[0][0].frames == 20 * 60 * 25  # unchanged


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "不是有效的 JSON：第 1 行第 2 列"), ("[]", "这些时段无法组成播出日"), ('{"week": []}', "这些时段无法组成播出日")],
)
def test_an_unreadable_template_is_refused_with_a_message(client, channel, text, message):
    status, page = save(Browser(client, "admin"), text)
    assert status == 422 and message in page and "未保存任何内容" in page


def test_a_template_keeping_the_policy_is_saved(client, sessions, channel):
    admin = Browser(client, "admin")
    later = school_day()
    later[2] = slot("09:05", 20, "lesson", subject="chinese")
    status, _page = save(admin, {"week": [later] + [school_day()] * 4 + [[], []]})
    assert status == 303
    assert "嘉兴空中课堂·三年级 的模板已保存。" in admin.page(TEMPLATE_URL)
    _channel, template = get_channel(sessions(), CHANNEL)
    assert template.week[0][2].start.strftime("%H:%M") == "09:05"
