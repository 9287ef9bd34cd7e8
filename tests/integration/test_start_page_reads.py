"""The start page's read model: all channels x 7 days in one pass whatever the number of channels, the stored days'
slot reports read without their plans; the range action's preview saves nothing."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import event, select

from scheduler.domain.day_glance import DayState
from scheduler.domain.review_terms import ReviewState
from scheduler.services import channel_days, recordings, start_page
from scheduler.services.channels import save_channel, save_clip
from scheduler.store import plan_json
from scheduler.store.db import alembic_config
from scheduler.store.models import ChannelDay
from tests.integration.test_recording_pages import add_recording
from tests.support.channels_world import CHANNEL, channel_doc, next_monday
from tests.support.clips import filler_clips

MONDAY = next_monday()
SUNDAY_EVENING = datetime.combine(MONDAY - timedelta(days=1), time(19), tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


def add_channel(sessions, channel_id: str) -> None:  # type: ignore[no-untyped-def]
    doc = channel_doc(id=channel_id, name=channel_id)
    template_doc = doc.pop("template")
    found = plan_json.channel_from_dict(doc)
    save_channel(sessions(), found, plan_json.template_from_dict(template_doc, found.fps), at=SUNDAY_EVENING, new=True)


@pytest.fixture
def channels(sessions, world):  # type: ignore[no-untyped-def]
    for clip in filler_clips(seconds=30).values():
        save_clip(sessions(), clip)
    add_channel(sessions, CHANNEL)
    return world


def operator(world):  # type: ignore[no-untyped-def]
    return recordings.actor_for(world.user("operator"))


def statements(sessions, read):  # type: ignore[no-untyped-def]
    """The SQL statements a read runs."""
    seen: list[str] = []
    engine = sessions.kw["bind"]

    def note(_conn, _cursor, sql, *_args):  # type: ignore[no-untyped-def]
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", note)
    try:
        read()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def test_the_glance_reads_every_channel_in_the_same_statements_and_no_whole_plan(sessions, channels):
    who = operator(channels)
    channel_days.assemble_and_publish(sessions(), CHANNEL, MONDAY - timedelta(days=1), 7, at=SUNDAY_EVENING, by=None)
    one = statements(sessions, lambda: start_page.start_page(sessions(), who, now=SUNDAY_EVENING))
    add_channel(sessions, "second.test.airclass")
    channel_days.assemble_and_publish(sessions(), "second.test.airclass", MONDAY - timedelta(days=1), 7,
                                      at=SUNDAY_EVENING, by=None)
    page = start_page.start_page(sessions(), who, now=SUNDAY_EVENING)
    assert [len(c.days) for c in page.channels] == [7, 7]
    assert all(g.state is DayState.PUBLISHED for c in page.channels for g in c.days)
    assert page.not_published(page.tomorrow) == []
    two = statements(sessions, lambda: start_page.start_page(sessions(), who, now=SUNDAY_EVENING))
    assert len(two) == len(one) <= 6, two  # one pass for all channels: no statement per channel or day
    plan_reads = [sql for sql in two if "channel_day.plan" in sql]
    assert plan_reads == [], plan_reads  # the slot reports are read from their own column, never from the plan


def test_a_recording_in_review_puts_its_slot_at_risk_on_the_day_not_assembled(sessions, channels):
    add_recording(sessions, channels, ReviewState.COUNTY_REVIEW, 1)  # math 12, Monday's first lesson
    page = start_page.start_page(sessions(), operator(channels), now=SUNDAY_EVENING)
    monday = next(g for g in page.channels[0].days if g.day == MONDAY)
    assert (monday.state, monday.projected, monday.at_risk, monday.lessons) == (DayState.NOT_ASSEMBLED, True, 1, 2)
    assert monday.needs_attention and [c.id for c in page.not_published(MONDAY)] == [CHANNEL]


def test_the_preview_of_the_range_action_saves_nothing(sessions, channels):
    runs = start_page.preview_range(sessions(), operator(channels), MONDAY, 2, at=SUNDAY_EVENING).runs
    assert [(r.channel.id, [o.action for o in r.outcomes], r.error) for r in runs] == [
        (CHANNEL, ["published", "published"], None)]
    assert len(runs[0].standby) == 4  # nothing approved: every lesson slot of both days airs the standby programme
    assert channel_days.day_versions(sessions(), CHANNEL, MONDAY, 2) == []


def test_days_stored_before_the_slots_column_get_it_from_their_plan(sessions, channels, database_url):
    """Migration 0009 copies each stored plan's slot reports into the column the start page reads."""
    channel_days.assemble_and_publish(sessions(), CHANNEL, MONDAY, 2, at=SUNDAY_EVENING, by=None)
    before = start_page.start_page(sessions(), operator(channels), now=SUNDAY_EVENING).channels[0].days
    sessions.kw["bind"].dispose()  # PostgreSQL: no open connection may hold the table while it is altered
    config = alembic_config(database_url)
    command.downgrade(config, "0008")
    command.upgrade(config, "head")
    with sessions() as session, session.begin():
        rows = session.scalars(select(ChannelDay).where(ChannelDay.channel_id == CHANNEL)).all()
        assert len(rows) == 2 and all(row.slots == row.plan["slots"] for row in rows)
    after = start_page.start_page(sessions(), operator(channels), now=SUNDAY_EVENING).channels[0].days
    assert after == before and after[1].filled + after[1].unfilled == 2


def test_publishing_a_range_again_leaves_days_nothing_on_air_would_change(sessions, channels):
    """A new version revises the families' feeds and needs a new playout file: only a change on air makes one."""
    first = channel_days.assemble_and_publish(sessions(), CHANNEL, MONDAY, 2, at=SUNDAY_EVENING, by=None)
    add_recording(sessions, channels, ReviewState.COUNTY_REVIEW, 1)  # in the airings' states, not on air
    again = channel_days.assemble_and_publish(sessions(), CHANNEL, MONDAY, 2, at=SUNDAY_EVENING + timedelta(hours=1),
                                              by=None)
    assert [o.action for o in first] == ["published", "published"]
    assert [(o.action, o.version) for o in again] == [("unchanged", 1), ("unchanged", 1)]
    assert [v.version for v in channel_days.day_versions(sessions(), CHANNEL, MONDAY, 2)] == [1, 1]
