"""SQLAlchemy 2 typed mappings of the catalogue, accounts and review trail."""
from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from scheduler.review import Action, ReviewState, Role


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; airclass stores aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _enum(cls: type[StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    """Declarative base of every airclass table."""


class City(Base):
    __tablename__ = "city"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    counties: Mapped[list[County]] = relationship(back_populates="city", order_by="County.id")


class County(Base):
    __tablename__ = "county"
    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id"))
    name: Mapped[str] = mapped_column(String(100))
    city: Mapped[City] = relationship(back_populates="counties")
    __table_args__ = (UniqueConstraint("city_id", "name"),)


class School(Base):
    __tablename__ = "school"
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("county.id"))
    name: Mapped[str] = mapped_column(String(200))
    county: Mapped[County] = relationship()
    __table_args__ = (UniqueConstraint("county_id", "name"),)


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(_enum(Role))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("city.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    school: Mapped[School | None] = relationship()
    county: Mapped[County | None] = relationship()
    city: Mapped[City | None] = relationship()


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    user: Mapped[User] = relationship()


class Subject(Base):
    __tablename__ = "subject"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class Lesson(Base):
    __tablename__ = "lesson"
    id: Mapped[int] = mapped_column(primary_key=True)
    grade: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    county_id: Mapped[int] = mapped_column(ForeignKey("county.id"))
    subject: Mapped[Subject] = relationship()
    county: Mapped[County] = relationship()
    __table_args__ = (UniqueConstraint("grade", "subject_id", "sequence"),)


class Recording(Base):
    __tablename__ = "recording"
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"))
    revision: Mapped[int] = mapped_column(Integer)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    state: Mapped[ReviewState] = mapped_column(_enum(ReviewState))
    version: Mapped[int] = mapped_column(Integer)
    media_name: Mapped[str] = mapped_column(String(100), unique=True)
    original_filename: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))
    container: Mapped[str] = mapped_column(String(32))
    video_codec: Mapped[str] = mapped_column(String(32))
    audio_codec: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    frame_rate_num: Mapped[int] = mapped_column(Integer)
    frame_rate_den: Mapped[int] = mapped_column(Integer)
    duration_frames: Mapped[int] = mapped_column(Integer)
    audio_sample_rate: Mapped[int] = mapped_column(Integer)
    audio_channels: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lesson: Mapped[Lesson] = relationship()
    teacher: Mapped[User] = relationship()
    __table_args__ = (UniqueConstraint("lesson_id", "revision"),)
    __mapper_args__ = {"version_id_col": version}


class AuditEvent(Base):
    """One review decision; rows are append-only (guarded here and by database triggers)."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recording.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    role: Mapped[Role] = mapped_column(_enum(Role))
    action: Mapped[Action] = mapped_column(_enum(Action))
    from_state: Mapped[ReviewState] = mapped_column(_enum(ReviewState))
    to_state: Mapped[ReviewState] = mapped_column(_enum(ReviewState))
    comment: Mapped[str | None] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[User | None] = relationship()


class AuditTrailImmutable(Exception):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_audit_change(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise AuditTrailImmutable(f"audit event {target.id} is append-only")
