"""When a lesson is planned to air (issue 14): from the stored days first, then the template plan's projection."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.services import air_dates, channel_days, curriculum
from scheduler.store.models import Lesson
from tests.support.channels_world import CHANNEL, next_monday

pytestmark = pytest.mark.ffmpeg


def test_stored_days_then_the_projection_say_when_each_lesson_airs(on_air, sessions, world):
    monday = next_monday()
    morning = datetime.combine(monday, time(7), tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    math14 = curriculum.create_lesson(sessions(), grade=3, subject="math", sequence=14, title="小数",
                                      county_id=world.county_a)
    channel_days.publish(sessions(), CHANNEL, monday, 2, at=morning - timedelta(days=3), by=None)
    # Published: Monday math 12 and chinese 1, Tuesday math 13 (chinese 2 is not in the plan). Not stored:
    # Wednesday, the projection's first day, needs math 14.
    with sessions() as session:
        math13 = session.query(Lesson.id).filter_by(grade=3, sequence=13).scalar()
    session = sessions()
    with session.begin():
        found = air_dates.planned_air_dates(session, [world.lesson_a, math13, math14.id], at=morning)
    assert found == {world.lesson_a: monday, math13: monday + timedelta(days=1),
                     math14.id: monday + timedelta(days=2)}
    with session.begin():  # a day that has begun still counts; tomorrow morning, Monday's lessons are behind
        later = air_dates.planned_air_dates(session, [world.lesson_a, math13], at=morning + timedelta(days=1))
    assert later == {math13: monday + timedelta(days=1)}
