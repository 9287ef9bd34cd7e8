"""Families' pages as static files: written when what they show changes, served by the app from the files
(and by nginx: tests/integration/test_nginx_front.py), the same bytes the app would render."""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.services import channel_days
from scheduler.store.models import RecordingIngest
from tests.support.channels_world import CHANNEL, next_monday
from web.family_pages import FamilyPagesTimer, write_family_pages

pytestmark = pytest.mark.ffmpeg  # the on_air world's recordings are probed clips
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def monday_morning(on_air, sessions) -> datetime:  # type: ignore[no-untyped-def]
    monday = next_monday()
    channel_days.publish(sessions(), CHANNEL, monday, 2, at=datetime.now(UTC), by=None)  # maths 13 airs on Tuesday
    return datetime.combine(monday, time(8, 35), tzinfo=SHANGHAI).astimezone(UTC)


def test_every_family_page_is_written_in_both_languages_and_served_from_its_file(
    app, client, settings, on_air, monday_morning
):
    done = write_family_pages(app, now=monday_morning)
    public = settings.public
    math12, math13 = on_air.recordings["math12"], on_air.recordings["math13"]
    monday = monday_morning.astimezone(SHANGHAI).date()
    for page in ("index", "guide/index", "guide/grade3", f"guide/grade3/{monday}", "library/index",
                 "library/grade3", "library/grade3/math", "live/grade3", f"watch/{math12}", f"watch/{math13}"):
        assert f"{page}.html" in done.written and f"{page}.en.html" in done.written
    guide = (public / "guide/grade3.html").read_text()
    assert "<h1>三年级课程表</h1>" in guide or "三年级" in guide
    assert 'href="/library/grade3"' in guide and f'href="/guide/grade3/{monday - timedelta(days=7)}"' in guide
    english = (public / "guide/grade3.en.html").read_text()
    assert 'lang="en"' in english and "Previous week" in english
    library = (public / "library/grade3/math.html").read_text()
    lessons = re.findall(r'<a href="/watch/(\d+)">([^<]+)</a>', library)
    assert lessons == [(str(math12), "三年级 数学 第12课《两位数乘两位数》"), (str(math13), "三年级 数学 第13课《面积》")]

    with client.get("/guide/grade3") as served:  # nobody in front: the app sends the file, not a new rendering
        assert served.get_data() == (public / "guide/grade3.html").read_bytes()
        assert served.headers["Cache-Control"] == "public, max-age=30"
    (public / "guide/grade3.html").write_text("<p>the file</p>")
    with client.get("/guide/grade3") as served:
        assert served.get_data(as_text=True) == "<p>the file</p>"
    with client.get("/guide/grade3?lang=en") as served:
        assert served.get_data() == (public / "guide/grade3.en.html").read_bytes()
    assert write_family_pages(app, now=monday_morning).written == ["guide/grade3.html"]  # only what differs


def test_a_revoked_lesson_leaves_the_library_and_its_watch_page_goes(app, api_as, settings, on_air, monday_morning):
    math12 = on_air.recordings["math12"]
    write_family_pages(app, now=monday_morning)
    assert (settings.public / f"watch/{math12}.html").is_file()
    api_as("final").post(f"/api/recordings/{math12}/actions", json={"action": "revoke", "comment": "内容有误"})
    done = write_family_pages(app, now=monday_morning)
    assert f"watch/{math12}.html" in done.removed and f"watch/{math12}.en.html" in done.removed
    assert f"/watch/{math12}" not in (settings.public / "library/grade3/math.html").read_text()


def test_the_timer_writes_when_what_the_pages_show_changes_and_not_otherwise(app, settings, on_air, sessions,
                                                                               monday_morning):
    clock = [monday_morning]
    timer = FamilyPagesTimer(app, clock=lambda: clock[0])
    try:
        first = timer.tick()
        assert first is not None and "guide/grade3.html" in first.written
        assert timer.tick() is None  # nothing changed: nothing rendered
        clock[0] += timedelta(seconds=30)
        assert timer.tick() is None  # still the same programme on air
        clock[0] = datetime.combine(clock[0].astimezone(SHANGHAI).date(), time(9, 0, 1), tzinfo=SHANGHAI)
        moved = timer.tick()  # the 09:00 lesson started: "on now" moved, on the guide and live pages only
        today = {"guide/grade3", f"guide/grade3/{monday_morning.astimezone(SHANGHAI).date()}", "live/grade3"}
        assert moved is not None and {p.split(".")[0] for p in moved.written} <= today
        assert len(moved.written) + moved.unchanged == 3 * 2  # today's guide (two paths) and live, both languages
        math12 = on_air.recordings["math12"]
        with sessions() as session, session.begin():
            session.merge(RecordingIngest(recording_id=math12, checksum="x", qc_status="pass", qc_report={},
                                          renditions={}, loudness_gain_db=0.0, finished_at=datetime.now(UTC)))
        made = timer.tick()  # renditions made: that lesson's watch page alone
        assert made is not None and len(made.written) + made.unchanged == 2
        monday = monday_morning.astimezone(SHANGHAI).date()
        channel_days.publish(sessions(), CHANNEL, monday + timedelta(days=2), 1, at=datetime.now(UTC), by=None)
        again = timer.tick()
        assert again is not None and "guide/grade3.html" in again.written  # Wednesday is published now
    finally:
        timer.stop()
