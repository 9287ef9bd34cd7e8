"""Every stored string has a limit (issue 14), checked before SQL is sent: SQLite stored a 210-character lesson title
in a 200-character column and PostgreSQL answered a DataError (a 500); both now refuse it as TextTooLong."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from scheduler.domain.catalogue import InvalidInput, TextTooLong
from scheduler.domain.review_terms import Role
from scheduler.services import accounts, curriculum
from scheduler.store.models import Lesson, User
from scheduler.store.text_limits import DEFAULT_TEXT_CHARS, TEXT_LIMITS
from tests.support.world import AT, PASSWORD


def test_a_title_past_its_column_is_refused_and_nothing_is_stored(sessions, world):
    with pytest.raises(TextTooLong) as refused:
        curriculum.create_lesson(sessions(), grade=3, subject="math", sequence=99, title="两位数乘两位数" * 30,
                                 county_id=world.county_a)
    assert (refused.value.field, refused.value.limit, refused.value.length) == ("title", 200, 210)
    assert isinstance(refused.value, InvalidInput) and str(refused.value) == "title: at most 200 characters (210 given)"
    with sessions() as session:
        assert session.scalar(select(Lesson.id).where(Lesson.sequence == 99)) is None
    fits = curriculum.create_lesson(sessions(), grade=3, subject="math", sequence=98, title="乘" * 200,
                                    county_id=world.county_a)
    assert len(fits.title) == 200


def test_a_name_past_its_column_is_refused(sessions, world):
    with pytest.raises(TextTooLong, match="display_name: at most 100 characters"):
        accounts.create_user(sessions(), username="long", password=PASSWORD, role=Role.OPERATOR,
                             display_name="播" * 101, at=AT)
    with sessions() as session:
        assert session.scalar(select(User.id).where(User.username == "long")) is None


def test_text_columns_have_limits_too():
    assert TEXT_LIMITS["audit_event.comment"] == 4000 and DEFAULT_TEXT_CHARS >= 10_000
