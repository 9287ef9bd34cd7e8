"""A lesson's cable rendition carries its own event as DVB SI (SDT, EIT p/f), read by GStreamer's decoder; characters
the guide's GB2312 lacks reach operators as an alert, not only the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.services import channel_days, exports, stream_si
from scheduler.services.ingest import ingest_now
from scheduler.services.operator_alerts import SI_TEXT_ALERT, list_alerts
from tests.integration.test_playout import xmltv_guide
from tests.support.channels_world import CHANNEL, next_monday, slot
from tests.support.gst_si import SectionSeen, stream_sections
from tests.web.test_pages import Browser

pytestmark = pytest.mark.ffmpeg
MATH_12 = "三年级 数学 第12课《两位数乘两位数》"
TEACHER = "数学 主讲：王老师（南湖区实验小学，南湖区）"


def rendition_si(sessions, media_dir: Path, recording_id: int) -> list[SectionSeen]:  # type: ignore[no-untyped-def]
    """Ingest the recording and read its cable rendition's SI as GStreamer decodes it."""
    made = ingest_now(sessions, media_dir, recording_id)
    return stream_sections(media_dir / made["renditions"]["cable"])


def present(seen: list[SectionSeen]) -> set[tuple[datetime, timedelta, str, str]]:
    """The events the EIT present section names (start, duration, name, text)."""
    return {
        (e.start, e.duration, e.name, e.text)
        for s in seen
        if s.table_id == 0x4E and s.section_number == 0
        for e in s.events
    }


def services(seen: list[SectionSeen]) -> set[tuple[str, bool, bool]]:
    return {
        (s["name"], s["eit_schedule"], s["eit_present_following"])
        for t in seen
        if t.table_id == 0x42
        for s in t.services
    }


def test_a_rendition_not_yet_planned_describes_its_lesson_from_when_it_was_made(on_air, sessions, settings):
    """Start: the rendition's time (no airing to name yet); its own length; the lesson's label, subject and teacher."""
    before = datetime.now(UTC).replace(microsecond=0)
    seen = rendition_si(sessions, settings.media_dir, on_air.recordings["math12"])
    after = datetime.now(UTC)
    ((start, duration, name, text),) = present(seen)
    assert (duration, name, text) == (timedelta(seconds=2), MATH_12, TEACHER)
    assert before <= start <= after, (before, start, after)
    assert services(seen) == {("空中课堂", True, True)}
    first_tdt = next(s.utc for s in seen if s.table_id == 0x70)
    assert abs((first_tdt - start).total_seconds()) <= 1  # the file's clock starts with its event


def test_a_planned_rendition_carries_its_first_airing_as_the_guide_shows_it(on_air, api_as, sessions, settings):
    """Start, stop and title of its slot's programme as XMLTV gives them, under the channel's name."""
    monday = next_monday()
    for day in (monday + timedelta(days=1), monday):  # its first airing is Monday's, published last
        published = api_as("operator").post(f"/api/channels/{CHANNEL}/days/publish", json={"from": str(day)})
        assert published.status_code == 200, published.get_json()
    guide = xmltv_guide(exports.xmltv(sessions(), [CHANNEL], monday, 1))
    slot_start, slot_stop, title = next(entry for entry in guide if entry[2] == MATH_12)
    seen = rendition_si(sessions, settings.media_dir, on_air.recordings["math12"])
    assert present(seen) == {(slot_start, slot_stop - slot_start, title, TEACHER)}
    assert services(seen) == {("嘉兴空中课堂·三年级", True, True)}


def test_characters_gb2312_lacks_are_an_operator_alert(on_air, api_as, sessions, client):
    """喆 is not in GB2312: the day's SI writes 〓, and the alerts page says which character and where (once)."""
    monday = next_monday()
    week = [[slot("08:30", 20, "lesson", subject="math"), slot("08:50", 10, "break", title="课间操·跟喆老师做")]] * 5
    changed = api_as("admin").put(f"/api/channels/{CHANNEL}/template", json={"template": {"week": [*week, [], []]}})
    assert changed.status_code == 200, changed.get_json()
    published = api_as("operator").post(f"/api/channels/{CHANNEL}/days/publish", json={"from": str(monday)})
    assert published.status_code == 200, published.get_json()
    channel, plan, row = channel_days.day_plan(sessions(), CHANNEL, monday)
    for _render in range(2):  # a second render of the same day raises no second alert
        stream_si.day_file_si(sessions, channel, plan, row.version, at=datetime.now(UTC))
    (alert,) = [a for a in list_alerts(sessions()) if a.kind == SI_TEXT_ALERT]
    assert (alert.channel_id, alert.day, alert.facts["characters"]) == (CHANNEL, monday, "喆")
    assert "课间操·跟喆老师做" in alert.facts["texts"]
    operator = Browser(client, "operator")
    page = operator.page("/operator/alerts/")
    assert "流内节目指南（GB2312）没有字符 喆，已写作〓：课间操·跟喆老师做" in page
    assert "lacks 喆, written as 〓 in" in operator.page("/operator/alerts/?lang=en")
