"""The slot template editor by form: rows of weekday, start, length, kind and subject; rows added and removed
without JavaScript; flaws and screen-time violations shown next to their row; nothing stored until all is well."""
from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from scheduler.services import admin_audit
from scheduler.services.channels import get_channel
from scheduler.store.models import AdminEvent
from tests.support.channels_world import CHANNEL, channel_doc, school_day, slot
from tests.web.test_chinese_pages import english_words
from tests.web.test_pages import Browser

EDITOR = f"/admin/channels/{CHANNEL}"
FIELDS = ("weekday", "start", "length", "kind", "subject", "replay_slot", "replay_days", "title", "filler_id")


@pytest.fixture
def channel(client, world, api_as):  # type: ignore[no-untyped-def]
    response = api_as("admin").post("/api/channels/", json=channel_doc())
    assert response.status_code == 201, response.get_json()
    return CHANNEL


def row(weekday: int, start: str, length: str, kind: str = "lesson", subject: str = "", replay: str = "",
        title: str = "") -> dict[str, str]:
    return {"weekday": str(weekday), "start": start, "length": length, "kind": kind, "subject": subject,
            "replay_slot": replay, "replay_days": "0", "title": title, "filler_id": ""}


def school_rows(weekday: int) -> list[dict[str, str]]:
    """The rows of channels_world.school_day on one weekday."""
    return [row(weekday, "08:30", "20", subject="math"), row(weekday, "08:50", "10", "break", title="课间休息·眼保健操"),
            row(weekday, "09:00", "20", subject="chinese"), row(weekday, "14:00", "20", "replay", replay="1")]


def week_rows() -> list[dict[str, str]]:
    return [r for day in range(5) for r in school_rows(day)]


def post(admin: Browser, rows: list[dict[str, str]], lang: str = "", **buttons: str):  # type: ignore[no-untyped-def]
    data = MultiDict([("csrf_token", admin.token(EDITOR))])
    for each in rows:
        for name in FIELDS:
            data.add(name, each[name])
    for name, value in (buttons or {"save": "1"}).items():
        data.add(name, value)
    return admin.client.post(EDITOR + lang, data=data)


def shown_rows(page: str) -> list[tuple[str, str]]:
    """(start, length) of each row of the editor, in order."""
    return re.findall(r'name="start" value="([^"]*)".*?name="length" value="([^"]*)"', page, re.DOTALL)


def problems_by_row(page: str) -> dict[str, list[str]]:
    """The messages under each row, by the row's start."""
    found: dict[str, list[str]] = {}
    for chunk in re.split(r'<tr class="slot-row', page)[1:]:
        start = re.search(r'name="start" value="([^"]*)"', chunk)
        assert start
        found[start.group(1)] = re.findall(r'class="error row-problem" role="alert">([^<]+)<', chunk)
    return found


def stored_monday(sessions):  # type: ignore[no-untyped-def]
    return [(f"{s.start:%H:%M}", s.frames // 25 // 60, s.kind.value) for s in get_channel(sessions(), CHANNEL)[1].week[0]]


def test_the_editor_shows_the_template_as_rows_with_subjects_from_the_curriculum(client, channel):
    page = Browser(client, "admin").page(EDITOR)
    assert shown_rows(page)[:4] == [("08:30:00", "00:20:00:00"), ("08:50:00", "00:10:00:00"),
                                    ("09:00:00", "00:20:00:00"), ("14:00:00", "00:20:00:00")]
    assert '<option value="math" selected>数学</option>' in page and '<option value="chinese">语文</option>' in page
    assert '<option value="0" selected>星期一</option>' in page and "高级：JSON" in page
    assert "每次最多 20 分钟" in page


def test_a_row_is_added_and_removed_without_javascript_and_nothing_is_saved(client, sessions, channel):
    admin = Browser(client, "admin")
    added = post(admin, week_rows(), add="1")
    assert added.status_code == 200
    page = added.get_data(as_text=True)
    assert len(shown_rows(page)) == 21 and shown_rows(page)[-1] == ("", "")
    removed = post(admin, week_rows(), remove="1")
    assert removed.status_code == 200 and len(shown_rows(removed.get_data(as_text=True))) == 19
    assert stored_monday(sessions) == [("08:30", 20, "lesson"), ("08:50", 10, "break"), ("09:00", 20, "lesson"),
                                       ("14:00", 20, "replay")]


def test_a_screen_time_violation_is_shown_next_to_its_row_and_nothing_is_saved(client, sessions, channel):
    admin = Browser(client, "admin")
    rows = [*week_rows(), row(0, "10:00", "00:25:00:00", subject="math")]  # 25 min at a time for grade 3: 20 allowed
    refused = post(admin, rows)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "未保存任何内容：请修改下方标出的行。" in page
    problems = problems_by_row(page)
    assert problems["10:00"] == ["每次时长：时长 25 分钟；每次最多 20 分钟"]
    assert problems["08:30"] == [] and problems["09:00"] == []
    assert len(stored_monday(sessions)) == 4  # unchanged


def test_overlapping_rows_are_refused_at_the_row_that_overlaps(client, sessions, channel):
    rows = [*week_rows(), row(1, "09:10", "5", "break")]  # inside Tuesday's 09:00 lesson
    refused = post(Browser(client, "admin"), rows)
    assert refused.status_code == 422
    message = problems_by_row(refused.get_data(as_text=True))["09:10"]
    assert len(message) == 1 and "星期二" in message[0] and "在时段 3（09:00）结束前就开始" in message[0], message


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (row(0, "8.30", "20", subject="math"), "请按 HH:MM、HH:MM:SS 或 HH:MM:SS.ff 填写开始时间。"),
        (row(0, "10:00", "twenty", subject="math"), "请按分钟数、HH:MM:SS 或时间码 HH:MM:SS:FF 填写时长。"),
        (row(0, "10:00", "20", subject="physics"), "请从列表中选择该课程的学科。"),
        (row(0, "10:00", "20", kind="concert"), "请从列表中选择类型。"),
        (row(0, "15:00", "20", kind="replay"), "重播需填写所重播时段的序号以及前几天。"),
        (row(9, "10:00", "20", subject="math"), "请选择星期。"),
    ],
)
def test_a_row_that_cannot_be_read_gets_a_message_and_nothing_is_saved(client, sessions, channel, bad, message):
    refused = post(Browser(client, "admin"), [*week_rows(), bad])
    assert refused.status_code == 422
    assert problems_by_row(refused.get_data(as_text=True))[bad["start"]] == [message]
    assert len(stored_monday(sessions)) == 4


def test_messages_follow_the_page_language(client, channel):
    rows = [*week_rows(), row(0, "10:00", "25", subject="math")]
    page = post(Browser(client, "admin"), rows, lang="?lang=en").get_data(as_text=True)
    assert problems_by_row(page)["10:00"] == ["Minutes at a time: lasts 25 min; at most 20 min at a time"]


def test_rows_keeping_the_policy_are_saved_and_recorded(client, sessions, world, channel):
    admin = Browser(client, "admin")
    rows = [*week_rows(), row(0, "10:00", "00:15:00:00", subject="math"), row(5, "09:00:00.04", "20", subject="chinese")]
    saved = post(admin, rows)
    assert saved.status_code == 303, problems_by_row(saved.get_data(as_text=True))
    assert "嘉兴空中课堂·三年级 的模板已保存。" in admin.page(EDITOR)
    assert stored_monday(sessions)[3] == ("10:00", 15, "lesson")  # rows are placed by their start
    saturday = get_channel(sessions(), CHANNEL)[1].week[5]
    assert [(s.start.isoformat(), s.subject) for s in saturday] == [("09:00:00.040000", "chinese")]  # frame 1
    events = admin_audit.events_about(sessions(), "channel", CHANNEL)
    assert [e.action.value for e in events] == ["channel_created", "template_saved"] and events[-1].actor_id == world.user("admin").id
    before, after = events[-1].changes["template"]
    assert len(after["week"][0]) == 5 and len(before["week"][0]) == 4


def test_a_start_between_two_frames_is_refused_at_its_row(client, sessions, channel):
    refused = post(Browser(client, "admin"), [*week_rows(), row(5, "09:00:00.01", "20", subject="math")])
    assert refused.status_code == 422
    [message] = problems_by_row(refused.get_data(as_text=True))["09:00:00.01"]
    assert "星期六 时段 1" in message and "开始时间不在 25 fps 的整帧上" in message


def test_date_overrides_are_kept_by_the_editor(client, sessions, world, api_as):
    doc = channel_doc()
    doc["template"]["overrides"] = [{"first": "2030-10-01", "last": "2030-10-07", "label": "国庆", "slots": []}]  # type: ignore[index]
    assert api_as("admin").post("/api/channels/", json=doc).status_code == 201
    admin = Browser(client, "admin")
    assert "1 个按日期的例外安排保持不变" in admin.page(EDITOR)
    assert post(admin, week_rows()).status_code == 303
    assert [o.label for o in get_channel(sessions(), CHANNEL)[1].overrides] == ["国庆"]


def test_the_admin_trail_is_append_only(sessions, world, channel, client):
    post(Browser(client, "admin"), week_rows())
    session = sessions()
    with session.begin():
        event = session.query(AdminEvent).first()
        assert event is not None
        event.target_id = "forged"
        with pytest.raises(Exception, match="append-only"):
            session.flush()


def test_the_admin_pages_hold_no_english(client, world, channel):
    admin = Browser(client, "admin")
    refused = post(admin, [*week_rows(), row(0, "10:00", "25", subject="math"), row(1, "x", "20", subject="math")])
    found = {"refused rows": english_words(refused.get_data(as_text=True))}
    urls = ["/admin/users/", f"/admin/users/{world.user('county_a').id}", "/admin/channels/", EDITOR,
            "/account/password", "/admin/users/?q=nobody"]
    usernames = re.compile("|".join(rf">{name}<" for name in world.users))  # data, like lesson titles
    found |= {url: english_words(usernames.sub("><", admin.page(url))) for url in urls}
    assert {url: words for url, words in found.items() if words} == {}


def test_the_editor_speaks_english_on_english_pages(client, world, channel):
    page = Browser(client, "admin").page(EDITOR + "?lang=en")
    assert "Weekly slots" in page and "Add a row" in page and "Check and save" in page and ">Monday<" in page
    assert "Advanced: JSON" in page and "每周时段" not in page


def test_a_break_keeps_its_own_clip_through_the_editor(client, sessions, world, api_as):
    week = [[*school_day()[:1], slot("08:50", 10, "break", title="广播操", filler_id="exercise"), *school_day()[2:]]]
    assert api_as("admin").post("/api/channels/", json=channel_doc(week * 5 + [[], []])).status_code == 201
    admin = Browser(client, "admin")
    page = admin.page(EDITOR)
    assert '<input type="hidden" name="filler_id" value="exercise">' in page
    rows = [dict(r, filler_id="exercise") if r["kind"] == "break" else r for r in week_rows()]
    assert post(admin, rows).status_code == 303
    assert get_channel(sessions(), CHANNEL)[1].week[0][1].filler_id == "exercise"
