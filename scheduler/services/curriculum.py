"""Use cases of the curriculum plan: the region, schools, subjects and lessons."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from scheduler.domain.catalogue import AlreadyExists, InvalidInput, NotFound, Page
from scheduler.store.db import paginate
from scheduler.store.models import City, County, Lesson, School, Subject


def create_city(session: Session, name: str, county_names: list[str]) -> City:
    """A city with its counties/districts."""
    with session.begin():
        if session.scalar(select(City.id).where(City.name == name)) is not None:
            raise AlreadyExists("city", name)
        city = City(name=name, counties=[County(name=n) for n in county_names])
        session.add(city)
    return city


def create_school(session: Session, county_id: int, name: str) -> School:
    """A school in a county."""
    with session.begin():
        if session.get(County, county_id) is None:
            raise InvalidInput("county_id", f"unknown county {county_id}")
        school = School(county_id=county_id, name=name)
        session.add(school)
    return school


def ensure_subjects(session: Session, subjects: dict[str, str]) -> None:
    """Make sure these subjects (code -> Chinese name) exist."""
    with session.begin():
        known = set(session.scalars(select(Subject.code)))
        session.add_all(Subject(code=code, name=name) for code, name in subjects.items() if code not in known)


def list_subjects(session: Session) -> list[tuple[str, str]]:
    """Every subject of the curriculum as (code, name), by code: what a lesson slot may name."""
    with session.begin():
        return [(code, name) for code, name in session.execute(select(Subject.code, Subject.name).order_by(Subject.code))]


def list_lessons(
    session: Session,
    *,
    grade: int | None = None,
    subject_code: str | None = None,
    county_id: int | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[Lesson]:
    """The curriculum plan, filtered and in plan order."""
    query = select(Lesson).join(Lesson.subject).options(joinedload(Lesson.subject), joinedload(Lesson.county))
    if grade is not None:
        query = query.where(Lesson.grade == grade)
    if subject_code is not None:
        query = query.where(Subject.code == subject_code)
    if county_id is not None:
        query = query.where(Lesson.county_id == county_id)
    query = query.order_by(Lesson.grade, Subject.id, Lesson.sequence)
    with session.begin():
        return paginate(session, query, page, per_page)


def create_lesson(
    session: Session, *, grade: int, subject: str, sequence: int, title: str, county_id: int
) -> Lesson:
    """Add a lesson to the plan; the subject is given by its code or its name."""
    with session.begin():
        subject_row = session.scalar(select(Subject).where((Subject.code == subject) | (Subject.name == subject)))
        if subject_row is None:
            raise InvalidInput("subject", f"unknown subject {subject!r}")
        if session.get(County, county_id) is None:
            raise InvalidInput("county_id", f"unknown county {county_id}")
        taken = select(Lesson.id).where(
            Lesson.grade == grade, Lesson.subject_id == subject_row.id, Lesson.sequence == sequence
        )
        if session.scalar(taken) is not None:
            raise AlreadyExists("lesson", f"grade {grade} {subject_row.name} #{sequence}")
        lesson = Lesson(grade=grade, subject=subject_row, sequence=sequence, title=title.strip(), county_id=county_id)
        session.add(lesson)
        session.flush()
        session.refresh(lesson, ["county"])
        return lesson


def get_lesson(session: Session, lesson_id: int) -> Lesson:
    """One lesson of the plan."""
    with session.begin():
        lesson = session.get(Lesson, lesson_id, options=[joinedload(Lesson.subject), joinedload(Lesson.county)])
        if lesson is None:
            raise NotFound("lesson", lesson_id)
        return lesson


