"""Channel days through the API and the public feeds: publish, revoke, republish, export, cache."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import vobject
from lxml import etree
from sqlalchemy import func, select

from scheduler.domain.frames import FPS
from scheduler.store.models import ChannelDay
from tests.support.channels_world import CHANNEL, channel_doc, next_monday, school_day, slot

pytestmark = pytest.mark.ffmpeg

M = 60 * FPS
DTD = Path("/usr/share/xmltv/xmltv.dtd")


def publish(api, first: date, days: int):  # type: ignore[no-untyped-def]
    response = api.post(f"/api/channels/{CHANNEL}/days/publish", json={"from": first.isoformat(), "days": days})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_published_week_tiles_every_day_and_airs_lessons_in_order(on_air, api_as):
    monday = next_monday()
    outcomes = publish(api_as("operator"), monday, 7)
    assert [o["action"] for o in outcomes] == ["published"] * 7
    days = [api_as("operator").get(f"/api/channels/{CHANNEL}/days/{monday + timedelta(days=n)}").get_json()
            for n in range(7)]
    for day in days:
        events = day["events"]
        assert sum(e["length"] for e in events) == day["frames"] == 24 * 3600 * FPS
        assert [e["start"] for e in events] == [0, *(e["start"] + e["length"] for e in events[:-1])]
    lessons = [e["title"] for e in days[0]["events"] if e["kind"] in ("lesson", "replay")]
    assert lessons == ["三年级 数学 第12课《两位数乘两位数》", "三年级 语文 第1课《秋天的雨》",
                       "三年级 数学 第12课《两位数乘两位数》（重播）"]
    assert [e["title"] for e in days[1]["events"] if e["kind"] == "lesson"] == ["三年级 数学 第13课《面积》"]
    assert days[0]["events"][0]["timecode"] == "00:00:00:00"
    first_lesson = next(e for e in days[0]["events"] if e["kind"] == "lesson")
    assert first_lesson["starts_at"] == f"{monday}T08:30:00+08:00"


def test_a_template_breaking_the_screen_time_policy_is_refused_naming_rule_and_slot(world, api_as):
    too_long = [[slot("08:30", 40, "lesson", subject="math")]] * 5 + [[], []]
    response = api_as("admin").post("/api/channels/", json=channel_doc(too_long))
    assert response.status_code == 422
    body = response.get_json()
    assert body["violations"][0]["slot"] == 1 and body["violations"][0]["rule"]
    assert "slot 1" in body["detail"]
    assert api_as("admin").get(f"/api/channels/{CHANNEL}").status_code == 404


def test_only_schedulers_publish_and_only_admins_make_channels(on_air, api_as):
    monday = next_monday()
    body = {"from": monday.isoformat(), "days": 1}
    assert api_as("teacher_a").post(f"/api/channels/{CHANNEL}/days/publish", json=body).status_code == 403
    assert api_as("auditor").post(f"/api/channels/{CHANNEL}/days/assemble", json=body).status_code == 403
    assert api_as("operator").post("/api/channels/", json=channel_doc(id="x.test.airclass")).status_code == 403


def test_assembly_is_all_or_nothing(on_air, api_as, sessions):
    monday = next_monday()
    template = channel_doc()["template"]
    template["overrides"] = [{"first": str(monday + timedelta(days=2)), "label": "考试日",
                              "slots": [slot("08:30", 20, "filler", filler_id="no-such-clip")]}]
    assert api_as("admin").put(f"/api/channels/{CHANNEL}/template", json={"template": template}).status_code == 200
    response = api_as("operator").post(f"/api/channels/{CHANNEL}/days/assemble",
                                       json={"from": monday.isoformat(), "days": 5})
    assert response.status_code == 422 and "no-such-clip" in response.get_json()["detail"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ChannelDay)) == 0


def feed(client, url: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.get(url, headers=headers)


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_the_grade_feed_is_public_cached_and_parses_with_two_parsers(on_air, api_as, client):
    publish(api_as("operator"), next_monday(), 2)
    response = feed(client, "/feeds/grade3.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert "三年级 数学 第12课《两位数乘两位数》".encode() in response.data.replace(b"\r\n ", b"")
    events = vevents(response.data)
    assert len(events) == 5 and all(e["SEQUENCE"] == 0 for e in events.values())  # Tuesday has no 语文 lesson
    parsed = vobject.readOne(response.data.decode())
    assert len(parsed.vevent_list) == 5
    assert parsed.x_wr_calname.value == "嘉兴空中课堂·三年级"
    again = feed(client, "/feeds/grade3.ics", **{"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    math = feed(client, "/feeds/grade3/math.ics")
    assert {str(e["SUMMARY"]) for e in vevents(math.data).values()} == {
        "三年级 数学 第12课《两位数乘两位数》", "三年级 数学 第12课《两位数乘两位数》（重播）", "三年级 数学 第13课《面积》",
        "三年级 数学 第13课《面积》（重播）",
    }
    assert feed(client, "/feeds/grade9.ics").status_code == 404
    assert feed(client, "/feeds/grade3/nosuch.ics").status_code == 404


def test_revoking_an_approved_recording_updates_every_published_day_and_the_feeds(on_air, api_as, client, sessions):
    monday = next_monday()
    publish(api_as("operator"), monday, 3)
    before = feed(client, "/feeds/grade3.ics")
    math_feed_before = feed(client, "/feeds/grade3/math.ics")
    recording = api_as("final").get(f"/api/recordings/{on_air.recordings['math12']}").get_json()
    revoked = api_as("final").post(f"/api/recordings/{recording['id']}/actions",
                                   json={"action": "revoke", "comment": "画面有误，撤回重审"})
    assert revoked.status_code == 200, revoked.get_json()

    versions = api_as("operator").get(f"/api/channels/{CHANNEL}/days?from={monday}&days=3").get_json()
    assert [(v["day"], v["version"], v["status"]) for v in versions] == [
        (str(monday), 1, "superseded"), (str(monday), 2, "published"), (str(monday + timedelta(days=1)), 1, "published"),
        (str(monday + timedelta(days=2)), 1, "published"),
    ]
    day = api_as("operator").get(f"/api/channels/{CHANNEL}/days/{monday}").get_json()
    assert not any(e["source"] == f"recording:{recording['id']}" for e in day["events"])
    assert [e["kind"] for e in day["events"] if e["slot"] == 1] == ["standby"] * 40
    assert sum(e["length"] for e in day["events"]) == day["frames"]
    alerts = api_as("operator").get("/api/alerts/").get_json()
    assert len(alerts) == 1 and alerts[0]["recording_id"] == recording["id"] and "画面有误" in alerts[0]["message"]

    after = feed(client, "/feeds/grade3.ics", **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    old, new = vevents(before.data), vevents(after.data)
    assert set(old) == set(new)  # UIDs survive republishing
    gone = [uid for uid in old if uid.startswith((f"{monday:%Y%m%d}-s1@", f"{monday:%Y%m%d}-s4@"))]
    assert len(gone) == 2
    for uid in gone:
        assert (new[uid]["STATUS"], new[uid]["SEQUENCE"]) == ("CANCELLED", 1)
    assert all(new[uid]["SEQUENCE"] == 0 and new[uid]["STATUS"] == "CONFIRMED" for uid in set(old) - set(gone))
    math_after = vevents(feed(client, "/feeds/grade3/math.ics").data)
    assert set(math_after) == set(vevents(math_feed_before.data))
    assert {str(math_after[uid]["STATUS"]) for uid in gone} == {"CANCELLED"}


def test_exports_are_byte_identical_until_something_changes(on_air, api_as, client):
    monday = next_monday()
    publish(api_as("operator"), monday, 2)
    url = f"/api/exports/xmltv?channel={CHANNEL}&from={monday}&days=2"
    first, second = api_as("operator").get(url), api_as("operator").get(url)
    assert first.status_code == 200 and first.data == second.data
    assert feed(client, "/feeds/grade3.ics").data == feed(client, "/feeds/grade3.ics").data
    again = publish(api_as("operator"), monday, 2)
    assert [o["action"] for o in again] == ["unchanged", "unchanged"]


def test_xmltv_export_validates_against_the_dtd_and_keeps_chinese(on_air, api_as):
    monday = next_monday()
    publish(api_as("operator"), monday, 1)
    response = api_as("auditor").get(f"/api/exports/xmltv?grade=3&from={monday}")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/xml")
    document = etree.fromstring(response.data)
    assert etree.DTD(str(DTD)).validate(document)
    assert "嘉兴空中课堂·三年级".encode() in response.data
    assert [n.text for n in document.iter("display-name")] == ["嘉兴空中课堂·三年级", "803 嘉兴空中课堂·三年级",
                                                                "503 嘉兴空中课堂·三年级"]


def test_an_unpublished_day_is_a_404_problem_not_an_empty_export(on_air, api_as):
    monday = next_monday()
    response = api_as("operator").get(f"/api/exports/xmltv?channel={CHANNEL}&from={monday}")
    assert response.status_code == 404 and "no published day" in response.get_json()["detail"]
    assert api_as("operator").get(f"/api/channels/{CHANNEL}/days/{monday}/playlist.json").status_code == 404
    drafted = api_as("operator").post(f"/api/channels/{CHANNEL}/days/assemble", json={"from": str(monday)})
    assert drafted.get_json()[0]["status"] == "draft"
    draft = api_as("operator").get(f"/api/channels/{CHANNEL}/days/{monday}/playlist.csv?draft=true")
    assert draft.status_code == 200 and draft.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "三年级 数学 第12课".encode() in draft.data


def test_republishing_shows_what_changed(on_air, api_as, sessions):
    monday = next_monday()
    publish(api_as("operator"), monday, 1)
    template = channel_doc()["template"]
    template["week"][0] = school_day()[:3]  # Monday loses its replay
    assert api_as("admin").put(f"/api/channels/{CHANNEL}/template", json={"template": template}).status_code == 200
    drafted = api_as("operator").post(f"/api/channels/{CHANNEL}/days/assemble", json={"from": str(monday)}).get_json()
    assert [(c["slot"], c["change"]) for c in drafted[0]["changes"]] == [(None, "changed"), (4, "removed")]
    outcome = publish(api_as("operator"), monday, 1)[0]
    assert (outcome["action"], outcome["version"]) == ("republished", 2)
    assert [(c["slot"], c["change"]) for c in outcome["changes"]] == [(None, "changed"), (4, "removed")]


def test_readiness_names_what_is_missing(on_air, api_as):
    monday = next_monday()
    report = api_as("operator").get(f"/api/channels/{CHANNEL}/readiness?from={monday}&days=2").get_json()
    assert [(r["day"], r["slot"], r["status"]) for r in report] == [
        (str(monday), 1, "filled"), (str(monday), 3, "filled"), (str(monday), 4, "filled"),
        (str(monday + timedelta(days=1)), 1, "filled"), (str(monday + timedelta(days=1)), 3, "unfilled"),
        (str(monday + timedelta(days=1)), 4, "filled"),
    ]
    assert report[4]["note"] == "no 语文 lesson left in the plan"


def test_feeds_link_each_lesson_to_its_on_demand_page_which_plays_once_the_ingest_made_the_video(
    on_air, api_as, client, sessions, settings
):
    from scheduler.services.ingest import ingest_now

    publish(api_as("operator"), next_monday(), 1)
    math12 = on_air.recordings["math12"]
    body = feed(client, "/feeds/grade3/math.ics").data.replace(b"\r\n ", b"")
    assert f"https://airclass.example/watch/{math12}".encode() in body
    assert f"点播：https://airclass.example/watch/{math12}".encode() in body
    waiting = client.get(f"/watch/{math12}")
    assert waiting.status_code == 200 and "两位数乘两位数" in waiting.get_data(as_text=True)
    assert client.get(f"/watch/{math12}/video.mp4").status_code == 404
    ingest_now(sessions, settings.media_dir, math12)
    page = client.get(f"/watch/{math12}").get_data(as_text=True)
    assert f"/watch/{math12}/video.mp4" in page and "poster.jpg" in page
    video = client.get(f"/watch/{math12}/video.mp4", headers={"Range": "bytes=0-99"})
    assert video.status_code == 206 and len(video.data) == 100 and video.data[4:8] == b"ftyp"
    video.close()
    not_aired = on_air.recordings["chinese1"] + 1000
    assert client.get(f"/watch/{not_aired}").status_code == 404


def test_a_revoked_lesson_can_no_longer_be_watched(on_air, api_as, client):
    publish(api_as("operator"), next_monday(), 1)
    math12 = on_air.recordings["math12"]
    assert client.get(f"/watch/{math12}").status_code == 200
    recording = api_as("final").get(f"/api/recordings/{math12}").get_json()
    api_as("final").post(f"/api/recordings/{math12}/actions", json={"action": "revoke", "comment": "内容有误"})
    assert api_as("final").get(f"/api/recordings/{math12}").get_json()["state"] == "revoked" != recording["state"]
    assert client.get(f"/watch/{math12}").status_code == 404


def test_the_watch_page_tells_when_the_lesson_airs_leads_back_to_its_grade_and_on_to_the_next_lesson(
    on_air, api_as, client
):
    publish(api_as("operator"), next_monday(), 2)  # Monday airs maths lesson 12 (and its replay), Tuesday lesson 13
    math12, math13 = on_air.recordings["math12"], on_air.recordings["math13"]
    page = client.get(f"/watch/{math12}").get_data(as_text=True)
    assert '<a href="/guide/grade3">三年级</a>' in page  # the breadcrumb goes to the lesson's grade
    airs = re.findall(r'<li><time datetime="([^"]+)">[^<]*</time>\s*(\S+) · ([^<]+)</li>', page)
    monday = next_monday().isoformat()
    assert airs == [(f"{monday}T08:30:00+08:00", "北京时间", "嘉兴空中课堂·三年级"),
                    (f"{monday}T14:00:00+08:00", "北京时间", "嘉兴空中课堂·三年级")]
    assert re.search(rf'<a rel="next" class="next-lesson" href="/watch/{math13}">下一课: 三年级 数学 第13课《面积》', page)
    assert 'rel="prev"' not in page  # lesson 11 was never recorded
    after = client.get(f"/watch/{math13}").get_data(as_text=True)
    assert re.search(rf'<a rel="prev" class="previous-lesson" href="/watch/{math12}">← 上一课: 三年级 数学 第12课', after)


def test_on_demand_links_follow_where_families_reach_the_service_when_the_feed_is_written(
    on_air, api_as, client, sessions, settings
):
    from scheduler.services import exports

    doc = api_as("admin").get(f"/api/channels/{CHANNEL}").get_json()
    relative = {**doc, "id": "grade3.onsite.airclass", "name": "嘉兴空中课堂·三年级（本站点播）",
                "on_demand_url": "/watch/{recording}"}
    assert api_as("admin").post("/api/channels/", json=relative).status_code == 201
    published = api_as("operator").post("/api/channels/grade3.onsite.airclass/days/publish",
                                        json={"from": next_monday().isoformat(), "days": 1})
    assert published.status_code == 200, published.get_json()
    math12 = on_air.recordings["math12"]
    served = feed(client, "/feeds/grade3.ics").data.replace(b"\r\n ", b"")
    assert f"点播：{settings.public_url}/watch/{math12}".encode() in served
    written = (settings.public / "feeds" / "grade3.ics").read_bytes().replace(b"\r\n ", b"")
    assert f"URL:{settings.public_url}/watch/{math12}".encode() in written
    elsewhere = exports.grade_feed(sessions(), 3, now=datetime.now(UTC), public_url="http://127.0.0.1:8100").body
    assert f"URL:http://127.0.0.1:8100/watch/{math12}".encode() in elsewhere.replace(b"\r\n ", b"")


def test_publishing_a_draft_older_than_an_approval_re_assembles_it_first(on_air, api_as, sessions, clips):
    from scheduler.domain.review_terms import Action
    from scheduler.services import curriculum, recordings
    from tests.support.qc import qc_passed

    tuesday = next_monday() + timedelta(days=1)  # slot 3 wants 语文 and the plan has no lesson left for it
    lesson = curriculum.create_lesson(sessions(), grade=3, subject="chinese", sequence=2, title="听听，秋的声音",
                                      county_id=on_air.county_a)

    def act(who: str, action: Action) -> None:
        recordings.act_on_recording(sessions(), recordings.actor_for(on_air.user(who)), rec.id, action,
                                    at=datetime.now(UTC), reviewed_checksum=rec.checksum)

    with clips["lesson_2s.mp4"].open("rb") as stream:
        rec = recordings.upload_recording(sessions(), on_air.store, recordings.actor_for(on_air.user("teacher_a")),
                                          lesson.id, stream, "课.mp4", at=datetime.now(UTC))
    qc_passed(sessions, rec.id, at=datetime.now(UTC))
    for who, action in [("teacher_a", Action.SUBMIT), ("county_a", Action.APPROVE), ("city", Action.APPROVE)]:
        act(who, action)
    operator = api_as("operator")
    monday = tuesday - timedelta(days=1)
    drafted = operator.post(f"/api/channels/{CHANNEL}/days/assemble", json={"from": str(monday), "days": 2}).get_json()
    assert [(p["slot"], p["status"]) for p in drafted[1]["problems"]] == [(3, "at_risk")]
    act("final", Action.APPROVE)  # after the drafts were made
    outcomes = publish(operator, monday, 2)
    assert [(o["action"], o["refilled"], o["problems"]) for o in outcomes] == [("published", 0, []),
                                                                               ("published", 1, [])]
    day = operator.get(f"/api/channels/{CHANNEL}/days/{tuesday}").get_json()
    assert [(s["slot"], s["status"], s["recording_id"]) for s in day["slots"] if s["slot"] == 3] == [(3, "filled", rec.id)]
    assert publish(operator, tuesday, 1)[0]["refilled"] == 0  # nothing left to pick up
