"""Admins edit, disable and reset accounts, search them in pages, create and rename channels; every user changes
their own password; each change is in the admin audit trail; the house always keeps an active admin."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from scheduler.services import accounts, admin_audit
from scheduler.services.channels import list_channels
from scheduler.store.models import AdminEvent
from tests.support.world import PASSWORD
from tests.web.test_pages import Browser

AT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def field_errors(page: str, field: str) -> list[str]:
    return re.findall(rf'data-field="{field}" role="alert">([^<]+)<', page)


def edit(admin: Browser, user_id: int, **fields: str):  # type: ignore[no-untyped-def]
    url = f"/admin/users/{user_id}"
    data = {"csrf_token": admin.token(url), "display_name": "南湖初审", "role": "county_reviewer", "school_id": "",
            "county_id": "1", "city_id": "", "active": "y", **fields}
    return admin.client.post(url, data={k: v for k, v in data.items() if v is not None})


def signs_in(app, username: str, password: str = PASSWORD) -> bool:  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert token
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)})
    return response.status_code == 302


def actions(sessions, user_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.action.value for e in admin_audit.events_about(sessions(), "user", user_id)]


def test_the_account_list_is_searched_and_paged(client, sessions, world):
    for n in range(55):
        accounts.create_user(sessions(), username=f"teacher{n:02d}", password=PASSWORD, role=world.user("teacher_a").role,
                             display_name=f"教师{n}", at=AT, school_id=world.user("teacher_a").school_id)
    admin = Browser(client, "admin")
    found = admin.page("/admin/users/?q=初审")
    assert "南湖初审" in found and "秀洲初审" in found and "王老师" not in found and "共 3 个账号" in found
    first = admin.page("/admin/users/?q=teacher")
    assert "共 57 个账号" in first and "第 1 页，共 2 页" in first and 'href="/admin/users/?page=2&amp;q=teacher"' in first
    second = admin.page("/admin/users/?q=teacher&page=2")
    assert "teacher_b" in second and "teacher00" not in second
    assert "没有符合条件的账号" in admin.page("/admin/users/?q=nobody%25")


def test_an_account_is_edited_and_the_change_recorded(client, sessions, world):
    admin = Browser(client, "admin")
    county_a = world.user("county_a")
    saved = edit(admin, county_a.id, display_name="秀洲新审", county_id=str(world.county_b))
    assert saved.status_code == 303
    assert "账号 county_a 已保存。" in admin.page(f"/admin/users/{county_a.id}")
    assert accounts.get_account(sessions(), county_a.id).county_id == world.county_b
    [event] = admin_audit.events_about(sessions(), "user", county_a.id)
    assert event.action.value == "user_edited" and event.actor_id == world.user("admin").id
    assert event.changes == {"display_name": ["南湖初审", "秀洲新审"], "county_id": [world.county_a, world.county_b]}


def test_a_disabled_account_cannot_sign_in_and_its_open_sessions_stop(app, client, sessions, world, api_as):
    county_a = world.user("county_a")
    theirs = Browser(app.test_client(), "county_a")
    token_client = api_as("county_a")
    assert token_client.get("/api/users/me").status_code == 200
    refused_edit = edit(Browser(client, "admin"), county_a.id, active=None)  # the box unticked
    assert refused_edit.status_code == 303
    assert theirs.client.get("/review/").headers["Location"].startswith("/login")
    assert token_client.get("/api/users/me").status_code == 401
    assert not signs_in(app, "county_a")
    assert actions(sessions, county_a.id) == ["user_disabled"]
    assert "此账号已停用" in Browser(client, "admin").page(f"/admin/users/{county_a.id}")
    edit(Browser(client, "admin"), county_a.id)
    assert signs_in(app, "county_a") and actions(sessions, county_a.id) == ["user_disabled", "user_enabled"]


def test_the_last_admin_cannot_disable_themselves_or_give_up_the_role(client, sessions, world):
    admin = Browser(client, "admin")
    me = world.user("admin")
    for fields in ({"active": None}, {"role": "operator"}):
        refused = edit(admin, me.id, display_name="管理员", role=fields.get("role", "admin"), county_id="",
                       active=fields.get("active", "y"))
        assert refused.status_code == 422
        field = "active" if "active" in fields else "role"
        assert field_errors(refused.get_data(as_text=True), field) == [
            "系统至少需要一名启用的管理员：请先让另一个账号成为管理员。"]
    assert accounts.get_account(sessions(), me.id).active and actions(sessions, me.id) == []
    edit(admin, world.user("operator").id, display_name="第二管理员", role="admin", county_id="")
    assert edit(admin, me.id, display_name="管理员", role="admin", county_id="", active=None).status_code == 303


def test_a_password_reset_keeps_the_rule_and_is_recorded_without_the_password(app, client, sessions, world):
    admin = Browser(client, "admin")
    teacher = world.user("teacher_a")
    url = f"/admin/users/{teacher.id}/password"
    short = client.post(url, data={"csrf_token": admin.token(f"/admin/users/{teacher.id}"), "password": "short"})
    assert short.status_code == 422 and field_errors(short.get_data(as_text=True), "password") == ["至少 8 个字符。"]
    assert signs_in(app, "teacher_a")
    reset = client.post(url, data={"csrf_token": admin.token(f"/admin/users/{teacher.id}"), "password": "new-secret-42"})
    assert reset.status_code == 303
    assert signs_in(app, "teacher_a", "new-secret-42") and not signs_in(app, "teacher_a")
    [event] = admin_audit.events_about(sessions(), "user", teacher.id)
    assert event.action.value == "password_reset" and event.changes == {}


def test_a_password_reset_ends_the_users_open_sessions_and_api_tokens(app, client, sessions, world, api_as):
    teacher = world.user("teacher_a")
    theirs = Browser(app.test_client(), "teacher_a")
    token_client = api_as("teacher_a")
    assert theirs.client.get("/teacher/").status_code == 200 and token_client.get("/api/users/me").status_code == 200
    admin = Browser(client, "admin")
    reset = client.post(f"/admin/users/{teacher.id}/password",
                        data={"csrf_token": admin.token(f"/admin/users/{teacher.id}"), "password": "new-secret-42"})
    assert reset.status_code == 303
    assert theirs.client.get("/teacher/").headers["Location"].startswith("/login")
    assert token_client.get("/api/users/me").status_code == 401
    assert signs_in(app, "teacher_a", "new-secret-42")
    assert admin.client.get(f"/admin/users/{teacher.id}").status_code == 200  # the admin's own session goes on


@pytest.mark.parametrize("who", ["teacher_a", "auditor", "admin"])
def test_every_user_changes_their_own_password(app, client, sessions, world, who):
    mine = Browser(client, who)
    assert "修改密码" in mine.page("/account/password")

    def change(current: str, new: str):  # type: ignore[no-untyped-def]
        data = {"csrf_token": mine.token("/account/password"), "current": current, "new": new}
        return client.post("/account/password", data=data)

    wrong = change("not-my-password", "brand-new-pass")
    assert wrong.status_code == 422 and field_errors(wrong.get_data(as_text=True), "current") == ["这不是您的当前密码。"]
    short = change(PASSWORD, "short")
    assert short.status_code == 422 and field_errors(short.get_data(as_text=True), "new") == ["至少 8 个字符。"]
    assert signs_in(app, who)
    assert change(PASSWORD, "brand-new-pass").status_code == 303
    assert signs_in(app, who, "brand-new-pass") and not signs_in(app, who)
    assert mine.page("/account/password")  # the session that changed it stays signed in
    assert actions(sessions, world.user(who).id) == ["password_changed"]


def test_a_channel_is_created_renamed_and_made_public_by_form(client, sessions, world):
    admin = Browser(client, "admin")
    data = {"csrf_token": admin.token("/admin/channels/"), "id": "rehearsal.jiaxing.airclass", "name": "排练频道",
            "grades": "3，4"}  # no 'public': the box unticked, an internal channel
    created = client.post("/admin/channels/", data=data)
    assert created.status_code == 303 and created.headers["Location"] == "/admin/channels/rehearsal.jiaxing.airclass"
    page = admin.page("/admin/channels/")
    assert "排练频道" in page and "内部" in page
    assert [c.id for c in list_channels(sessions(), public_only=True)] == []
    url = "/admin/channels/rehearsal.jiaxing.airclass/settings"
    renamed = client.post(url, data={"csrf_token": admin.token("/admin/channels/"), "name": "嘉兴空中课堂·排练",
                                     "public": "y"})
    assert renamed.status_code == 303
    [channel] = list_channels(sessions(), public_only=True)
    assert channel.name == "嘉兴空中课堂·排练" and channel.grades == (3, 4)
    events = admin_audit.events_about(sessions(), "channel", "rehearsal.jiaxing.airclass")
    assert [(e.action.value, e.changes) for e in events] == [
        ("channel_created", {"name": "排练频道", "public": False}),
        ("channel_edited", {"name": ["排练频道", "嘉兴空中课堂·排练"], "public": [False, True]}),
    ]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"id": "no dots"}, "id", "请使用由字母、数字和点组成的类域名标识，例如 grade3.jiaxing.airclass。"),
        ({"grades": "三"}, "grades", "请输入 1 至 12 之间的一个或多个年级，用逗号分隔。"),
        ({"grades": "13"}, "grades", "请输入 1 至 12 之间的一个或多个年级，用逗号分隔。"),
        ({"name": ""}, "name", "请输入频道名称。"),
    ],
)
def test_a_refused_channel_says_why_and_nothing_is_stored(client, sessions, world, fields, field, message):
    admin = Browser(client, "admin")
    data = {"csrf_token": admin.token("/admin/channels/"), "id": "x.jiaxing.airclass", "name": "频道", "grades": "3",
            **fields}
    refused = client.post("/admin/channels/", data=data)
    assert refused.status_code == 422 and field_errors(refused.get_data(as_text=True), field) == [message]
    assert list_channels(sessions()) == []
    session = sessions()
    with session.begin():
        assert session.query(AdminEvent).count() == 0


def test_the_api_edits_accounts_and_channels_through_the_same_services(app, client, sessions, world, api_as):
    admin = api_as("admin")
    county_a = world.user("county_a")
    edited = admin.patch(f"/api/users/{county_a.id}", json={"display_name": "南湖初审", "role": "county_reviewer",
                                                             "county_id": world.county_a, "active": False})
    assert edited.status_code == 200 and edited.get_json()["active"] is False
    assert not signs_in(app, "county_a")
    me = world.user("admin").id
    last = admin.patch(f"/api/users/{me}", json={"display_name": "管理员", "role": "admin", "active": False})
    assert last.status_code == 422 and last.content_type == "application/problem+json"
    assert admin.put(f"/api/users/{county_a.id}/password", json={"password": "short"}).status_code == 422
    assert admin.put(f"/api/users/{county_a.id}/password", json={"password": "long-enough-2"}).status_code == 204
    teacher = api_as("teacher_a")
    assert teacher.put("/api/users/me/password", json={"current": "wrong", "new": "long-enough-3"}).status_code == 422
    assert teacher.put("/api/users/me/password", json={"current": PASSWORD, "new": "long-enough-3"}).status_code == 204
    assert signs_in(app, "teacher_a", "long-enough-3")
    assert teacher.patch(f"/api/users/{me}", json={}).status_code == 403
    assert actions(sessions, county_a.id) == ["user_disabled", "password_reset"]
    assert actions(sessions, world.user("teacher_a").id) == ["password_changed"]


def test_the_api_records_channel_changes(client, sessions, world, api_as):
    from tests.support.channels_world import CHANNEL, channel_doc

    admin = api_as("admin")
    assert admin.post("/api/channels/", json=channel_doc()).status_code == 201
    renamed = admin.patch(f"/api/channels/{CHANNEL}", json={"name": "三年级·内部", "public": False})
    assert renamed.status_code == 200 and renamed.get_json()["public"] is False
    assert admin.patch(f"/api/channels/{CHANNEL}", json={"name": " ", "public": False}).status_code == 422
    assert admin.put(f"/api/channels/{CHANNEL}/template", json={"template": {"week": [[]] * 7}}).status_code == 200
    events = admin_audit.events_about(sessions(), "channel", CHANNEL)
    assert [e.action.value for e in events] == ["channel_created", "channel_edited", "template_saved"]
    assert all(e.actor_id == world.user("admin").id for e in events)


def test_the_account_and_channel_pages_list_their_changes(client, sessions, world):
    admin = Browser(client, "admin")
    county_a = world.user("county_a")
    assert "尚无修改记录" in admin.page(f"/admin/users/{county_a.id}")
    edit(admin, county_a.id, display_name="南湖初审甲", active=None)
    edit(admin, county_a.id, display_name="南湖初审甲")
    page = admin.page(f"/admin/users/{county_a.id}")
    listed = re.findall(r'<tr data-action="(\w+)">\s*<td>[^<]+</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>', page)
    assert listed == [("user_enabled", "管理员", "重新启用账号"), ("user_disabled", "管理员", "停用账号")]
    client.post("/admin/channels/", data={"csrf_token": admin.token("/admin/channels/"), "id": "r.jiaxing.airclass",
                                          "name": "排练", "grades": "3", "public": "y"})
    client.post("/admin/channels/r.jiaxing.airclass/settings",
                data={"csrf_token": admin.token("/admin/channels/"), "name": "排练二"})
    page = admin.page("/admin/channels/r.jiaxing.airclass")
    assert "修改名称或可见性：频道名称、公开" in page and "创建频道" in page
