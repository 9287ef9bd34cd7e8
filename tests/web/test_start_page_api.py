"""The start page as JSON (GET /api/schedule/glance) and its range action (POST /api/schedule/publish-all/preview,
then POST /api/schedule/publish-all confirmed with the preview's fingerprint). The clock is frozen on the Sunday
evening before the test channel's next Monday, so "tomorrow" is that Monday whatever day the tests run."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from scheduler.domain.review_terms import Action
from scheduler.services import curriculum, recordings
from scheduler.services.operator_alerts import alert_failed_job
from scheduler.store.models import TimedJobRun
from tests.support.channels_world import CHANNEL, approved_recording, channel_doc, freeze_sunday_evening
from web.api import start_page as start_page_api

pytestmark = pytest.mark.ffmpeg
GLANCE, PREVIEW, PUBLISH_ALL = "/api/schedule/glance", "/api/schedule/publish-all/preview", "/api/schedule/publish-all"
INTERNAL = "rehearsal.test.airclass"


@pytest.fixture
def sunday_evening(monkeypatch) -> date:  # type: ignore[no-untyped-def]
    """The API's clock at 20:00 on the Sunday before next Monday (Shanghai); that Monday."""
    return freeze_sunday_evening(monkeypatch, start_page_api)


def day_of(glance: dict, channel_id: str, day: date) -> dict:  # type: ignore[type-arg]
    channel = next(c for c in glance["channels"] if c["channel_id"] == channel_id)
    return next(d for d in channel["days"] if d["day"] == day.isoformat())


def stored_days(api_as, channel_id: str, monday: date) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    days = api_as("operator").get(f"/api/channels/{channel_id}/days?from={monday}&days=2").get_json()
    return [(d["day"], d["status"]) for d in days]


def test_the_glance_lists_tomorrow_not_published_until_the_confirmed_range_action_publishes_it(
        api_as, on_air, sunday_evening, client, settings):
    operator, monday = api_as("operator"), sunday_evening
    assert api_as("admin").post("/api/channels/", json=channel_doc(id=INTERNAL, name="排练频道", public=False)).status_code == 201
    before = operator.get(GLANCE).get_json()
    assert before["tomorrow"] == monday.isoformat() and before["not_published_tomorrow"] == [CHANNEL]
    ours = next(c for c in before["channels"] if c["channel_id"] == CHANNEL)
    assert ours["name"] == "嘉兴空中课堂·三年级" and ours["tz"] == "Asia/Shanghai"
    assert [d["day"] for d in ours["days"]] == [(monday + timedelta(days=n)).isoformat() for n in range(-1, 6)]
    tomorrow, tuesday = day_of(before, CHANNEL, monday), day_of(before, CHANNEL, monday + timedelta(days=1))
    assert (tomorrow["state"], tomorrow["projected"], tomorrow["filled"], tomorrow["lessons"]) == ("not_assembled", True, 2, 2)
    assert (tuesday["filled"], tuesday["unfilled"], tuesday["needs_attention"]) == (1, 1, True)  # no 语文 lesson left

    preview = operator.post(PREVIEW, json={"from": monday.isoformat(), "days": 2}).get_json()
    assert [c["channel_id"] for c in preview["channels"]] == [CHANNEL]  # internal channels are not the action's
    assert [(d["day"], d["action"], d["standby"]) for d in preview["channels"][0]["days"]] == [
        (monday.isoformat(), "published", 0), ((monday + timedelta(days=1)).isoformat(), "published", 1)]
    assert preview["standby"] == 1 and preview["channels"][0]["standby"] == 1
    assert stored_days(api_as, CHANNEL, monday) == []  # the preview saved nothing

    done = operator.post(PUBLISH_ALL, json={"from": monday.isoformat(), "days": 2, "confirm": preview["fingerprint"]})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["standby"] == preview["standby"] and done.get_json()["channels"] == preview["channels"]
    assert stored_days(api_as, CHANNEL, monday) == [(monday.isoformat(), "published"),
                                                    ((monday + timedelta(days=1)).isoformat(), "published")]
    after = operator.get(GLANCE).get_json()
    assert after["not_published_tomorrow"] == []
    assert (day_of(after, CHANNEL, monday)["state"], day_of(after, CHANNEL, monday)["version"]) == ("published", 1)
    assert day_of(after, INTERNAL, monday)["state"] == "not_assembled"  # shown, but left alone
    feed = settings.public / "feeds/grade3.ics"  # families' feed file, rewritten once the action committed
    assert feed.read_bytes() == client.get("/feeds/grade3.ics").data
    lessons = Calendar.from_ical(feed.read_bytes()).walk("VEVENT")
    assert {event.decoded("DTSTART").date() for event in lessons} >= {monday, monday + timedelta(days=1)}


def test_a_recording_in_review_is_at_risk_and_counted_among_the_standby_slots(api_as, sessions, world, on_air, clips,
                                                                              sunday_evening):
    operator, tuesday = api_as("operator"), sunday_evening + timedelta(days=1)
    waiting = curriculum.create_lesson(sessions(), grade=3, subject="chinese", sequence=2, title="搭船的鸟",
                                       county_id=world.county_a)
    teacher = recordings.actor_for(world.user("teacher_a"))
    with clips["lesson_1s_b.mp4"].open("rb") as stream:
        upload = recordings.upload_recording(sessions(), world.store, teacher, waiting.id, stream, "课.mp4",
                                             at=datetime.now(UTC))
    recordings.act_on_recording(sessions(), teacher, upload.id, Action.SUBMIT, at=datetime.now(UTC))
    cell = day_of(operator.get(GLANCE).get_json(), CHANNEL, tuesday)
    assert (cell["filled"], cell["at_risk"], cell["unfilled"]) == (1, 1, 0)
    preview = operator.post(PREVIEW, json={"from": sunday_evening.isoformat(), "days": 2}).get_json()
    assert preview["standby"] == 1  # the standby programme airs unless the recording is approved first
    assert [(p["slot"], p["status"]) for p in preview["channels"][0]["days"][1]["problems"]] == [(3, "at_risk")]


def test_an_unconfirmed_or_stale_confirmation_is_refused_and_changes_nothing(api_as, sessions, world, on_air, clips,
                                                                            sunday_evening):
    operator, monday = api_as("operator"), sunday_evening
    asked = {"from": monday.isoformat(), "days": 2}
    unconfirmed = operator.post(PUBLISH_ALL, json=asked)
    assert unconfirmed.status_code == 422 and unconfirmed.mimetype == "application/problem+json"
    assert list(unconfirmed.get_json()["errors"]) == ["confirm"]
    made_up = operator.post(PUBLISH_ALL, json={**asked, "confirm": "0" * 64})
    assert made_up.status_code == 409 and made_up.mimetype == "application/problem+json"
    preview = operator.post(PREVIEW, json=asked).get_json()
    assert preview["standby"] == 1
    other_range = operator.post(PUBLISH_ALL, json={**asked, "days": 1, "confirm": preview["fingerprint"]})
    assert other_range.status_code == 409  # a preview confirms its own range only

    chinese2 = curriculum.create_lesson(sessions(), grade=3, subject="chinese", sequence=2, title="搭船的鸟",
                                        county_id=world.county_a)
    approved_recording(sessions, world, clips["lesson_1s_b.mp4"], chinese2.id)  # Tuesday's 语文 slot is filled now
    stale = operator.post(PUBLISH_ALL, json={**asked, "confirm": preview["fingerprint"]})
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json", stale.get_json()
    assert stale.get_json()["error"] == "RangeChanged" and "preview again" in stale.get_json()["detail"]
    assert stored_days(api_as, CHANNEL, monday) == []
    assert operator.get(GLANCE).get_json()["not_published_tomorrow"] == [CHANNEL]

    again = operator.post(PREVIEW, json=asked).get_json()
    assert again["standby"] == 0 and again["fingerprint"] != preview["fingerprint"]
    done = operator.post(PUBLISH_ALL, json={**asked, "confirm": again["fingerprint"]})
    assert done.status_code == 200 and done.get_json()["standby"] == 0
    assert len(stored_days(api_as, CHANNEL, monday)) == 2


@pytest.mark.parametrize("body", [
    {"from": "2026-02-30", "days": 1},
    {"from": "tomorrow", "days": 1},
    {"days": 1},
    {"from": "2026-03-02", "days": 0},
    {"from": "2026-03-02", "days": 401},
    {"from": "2026-03-02", "days": 1, "channel": CHANNEL},
])
def test_a_bad_range_is_refused_and_nothing_is_applied(api_as, on_air, sunday_evening, body):
    operator = api_as("operator")
    for url, sent in ((PREVIEW, body), (PUBLISH_ALL, {**body, "confirm": "0" * 64})):
        refused = operator.post(url, json=sent)
        assert refused.status_code == 422 and refused.mimetype == "application/problem+json", refused.get_json()
        assert refused.get_json()["errors"], refused.get_json()
    assert operator.get(GLANCE).get_json()["not_published_tomorrow"] == [CHANNEL]


def test_teachers_and_reviewers_get_403_auditors_read_the_glance_only(client, api_as, on_air, sunday_evening):
    body = {"from": sunday_evening.isoformat(), "days": 1, "confirm": "0" * 64}
    for who in ("teacher_a", "county_a", "final"):
        for refused in (api_as(who).get(GLANCE), api_as(who).post(PREVIEW, json=body),
                        api_as(who).post(PUBLISH_ALL, json=body)):
            assert refused.status_code == 403 and refused.mimetype == "application/problem+json", who
    auditor = api_as("auditor")
    assert auditor.get(GLANCE).status_code == 200
    assert auditor.post(PREVIEW, json=body).status_code == 403
    assert auditor.post(PUBLISH_ALL, json=body).status_code == 403
    assert client.get(GLANCE).status_code == 401 and client.get(GLANCE).mimetype == "application/problem+json"


def test_failed_timed_jobs_show_on_their_day_and_by_name(api_as, sessions, on_air, sunday_evening):
    monday = sunday_evening
    alert_failed_job(sessions(), "export_drop", {CHANNEL: (monday, "has no published day")}, at=datetime.now(UTC))
    with sessions() as session, session.begin():
        session.add(TimedJobRun(id="export_drop", description="drop", trigger="cron", last_outcome="failed",
                                last_message="has no published day"))
    glance = api_as("operator").get(GLANCE).get_json()
    assert glance["failed_timed_jobs"] == ["export_drop"]
    assert day_of(glance, CHANNEL, monday)["failed_jobs"] == 1
    assert day_of(glance, CHANNEL, monday + timedelta(days=1))["failed_jobs"] == 0


def test_a_channel_that_cannot_be_assembled_is_reported_and_422_when_no_channel_could_be(api_as, on_air,
                                                                                        sunday_evening):
    """A channel whose standby clip is missing cannot assemble Tuesday: nothing of it is saved, the others are."""
    operator, admin, monday = api_as("operator"), api_as("admin"), sunday_evening
    broken = "grade3b.test.airclass"
    assert admin.post("/api/channels/", json=channel_doc(id=broken, name="残缺频道", standby_id="no-such-clip")).status_code == 201
    asked = {"from": monday.isoformat(), "days": 2}
    preview = operator.post(PREVIEW, json=asked).get_json()
    reported = {c["channel_id"]: c for c in preview["channels"]}
    assert reported[broken]["error"] == "MissingClip" and "no-such-clip" in reported[broken]["detail"]
    assert reported[broken]["days"] == [] and reported[CHANNEL]["error"] is None
    done = operator.post(PUBLISH_ALL, json={**asked, "confirm": preview["fingerprint"]})
    assert done.status_code == 200 and done.get_json()["channels"] == preview["channels"]
    assert stored_days(api_as, broken, monday) == [] and len(stored_days(api_as, CHANNEL, monday)) == 2

    assert admin.patch(f"/api/channels/{CHANNEL}", json={"name": "嘉兴空中课堂·三年级", "public": False}).status_code == 200
    alone = operator.post(PREVIEW, json=asked).get_json()
    refused = operator.post(PUBLISH_ALL, json={**asked, "confirm": alone["fingerprint"]})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["error"] == "NothingApplied"
    assert [c["channel_id"] for c in refused.get_json()["channels"]] == [broken]
    assert stored_days(api_as, broken, monday) == []
