"""A small city built through the services, shared by integration and web tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from scheduler.domain.review_terms import Role
from scheduler.services import accounts, curriculum
from scheduler.store.models import Lesson, User

PASSWORD = "correct-horse-9"
AT = datetime(2020, 2, 10, 1, 0, tzinfo=UTC)


@dataclass
class World:
    """Ids of what the tests act on: two counties (A produces grade 3, B grade 4)."""

    city_id: int = 0
    county_a: int = 0
    county_b: int = 0
    lesson_a: int = 0
    lesson_b: int = 0
    users: dict[str, User] = field(default_factory=dict)

    def user(self, key: str) -> User:
        return self.users[key]


def build_world(sessions: sessionmaker[Session]) -> World:
    """嘉兴市 with 南湖区 (A) and 秀洲区 (B), one lesson each, and a user for every role."""
    world = World()
    city = curriculum.create_city(sessions(), "嘉兴市", ["南湖区", "秀洲区"])
    world.city_id = city.id
    world.county_a, world.county_b = (c.id for c in city.counties)
    school_a = curriculum.create_school(sessions(), world.county_a, "南湖区实验小学")
    school_b = curriculum.create_school(sessions(), world.county_b, "秀洲区实验小学")
    curriculum.ensure_subjects(sessions(), {"math": "数学", "chinese": "语文"})
    lesson_a: Lesson = curriculum.create_lesson(
        sessions(), grade=3, subject="math", sequence=12, title="两位数乘两位数", county_id=world.county_a
    )
    lesson_b: Lesson = curriculum.create_lesson(
        sessions(), grade=4, subject="语文", sequence=1, title="观潮", county_id=world.county_b
    )
    world.lesson_a, world.lesson_b = lesson_a.id, lesson_b.id
    people = {
        "teacher_a": {"role": Role.TEACHER, "display_name": "王老师", "school_id": school_a.id},
        "teacher_b": {"role": Role.TEACHER, "display_name": "李老师", "school_id": school_b.id},
        "county_a": {"role": Role.COUNTY_REVIEWER, "display_name": "南湖初审", "county_id": world.county_a},
        "county_a2": {"role": Role.COUNTY_REVIEWER, "display_name": "南湖初审二", "county_id": world.county_a},
        "county_b": {"role": Role.COUNTY_REVIEWER, "display_name": "秀洲初审", "county_id": world.county_b},
        "city": {"role": Role.CITY_REVIEWER, "display_name": "市级复审", "city_id": world.city_id},
        "final": {"role": Role.FINAL_REVIEWER, "display_name": "终审", "city_id": world.city_id},
        "final2": {"role": Role.FINAL_REVIEWER, "display_name": "终审二", "city_id": world.city_id},
        "operator": {"role": Role.OPERATOR, "display_name": "播出员"},
        "admin": {"role": Role.ADMIN, "display_name": "管理员"},
        "auditor": {"role": Role.AUDITOR, "display_name": "审计"},
    }
    for username, fields in people.items():
        world.users[username] = accounts.create_user(sessions(), username=username, password=PASSWORD, at=AT, **fields)
    return world
