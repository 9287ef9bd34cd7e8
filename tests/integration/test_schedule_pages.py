"""Page-shaped reads of the schedule: one call per operator page, refused to roles that may not read the schedule."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.domain.plan import SlotStatus
from scheduler.domain.review_terms import ReviewState
from scheduler.services import recordings, schedule_pages, start_page
from scheduler.services.channels import save_channel
from scheduler.services.guide import broadcast_day
from scheduler.services.permissions import NotAllowed
from scheduler.store import plan_json
from tests.integration.test_recording_pages import add_recording
from tests.support.channels_world import CHANNEL, channel_doc, next_monday

NOW = datetime.now(UTC)


@pytest.fixture
def channel(sessions, world):  # type: ignore[no-untyped-def]
    """The grade-3 test channel; lesson A (math 12) is the first math lesson it needs."""
    doc = channel_doc()
    template_doc = doc.pop("template")
    found = plan_json.channel_from_dict(doc)
    save_channel(sessions(), found, plan_json.template_from_dict(template_doc, found.fps), at=NOW, new=True)
    return found


def actor(world, name: str):  # type: ignore[no-untyped-def]
    return recordings.actor_for(world.user(name))


def test_a_day_not_assembled_shows_its_projection(sessions, world, channel, tmp_path):
    monday = next_monday()
    page = schedule_pages.day_page(sessions(), actor(world, "auditor"), CHANNEL, monday, now=NOW, media_dir=tmp_path)
    assert (page.day, page.versions, page.plan, page.published) == (monday, [], None, None)
    assert page.projected and {r.day for r in page.projected} == {monday}
    today = schedule_pages.day_page(sessions(), actor(world, "auditor"), CHANNEL, None, now=NOW, media_dir=tmp_path)
    assert today.day == broadcast_day(channel, NOW)


def test_readiness_names_each_needed_lesson_with_its_latest_recording(sessions, world, channel):
    waiting = add_recording(sessions, world, ReviewState.COUNTY_REVIEW, 1)
    page = schedule_pages.readiness_page(sessions(), actor(world, "operator"), CHANNEL, next_monday(), 1, now=NOW)
    needed = page.lessons[world.lesson_a]
    assert needed.lesson.title == "两位数乘两位数" and needed.latest is not None and needed.latest.id == waiting
    assert sum(page.counts.values()) == len(page.reports) and page.counts[SlotStatus.AT_RISK] >= 1


def test_the_week_has_seven_days_each_projected_until_assembled(sessions, world, channel):
    page = schedule_pages.week_page(sessions(), actor(world, "admin"), CHANNEL, next_monday(), now=NOW)
    assert len(page.days) == schedule_pages.WEEK and all(d.version is None and d.plan is None for d in page.days)
    assert page.days[0].projected and not page.days[5].projected  # Monday has lessons, Saturday none


@pytest.mark.parametrize("name", ["teacher_a", "county_a", "city", "final"])
def test_schedule_pages_are_refused_to_roles_that_may_not_read_the_schedule(sessions, world, channel, tmp_path, name):
    who = actor(world, name)
    reads = [
        lambda: start_page.start_page(sessions(), who, now=NOW),
        lambda: schedule_pages.day_page(sessions(), who, CHANNEL, None, now=NOW, media_dir=tmp_path),
        lambda: schedule_pages.week_page(sessions(), who, CHANNEL, None, now=NOW),
        lambda: schedule_pages.readiness_page(sessions(), who, CHANNEL, None, 1, now=NOW),
    ]
    for read in reads:
        with pytest.raises(NotAllowed):
            read()
