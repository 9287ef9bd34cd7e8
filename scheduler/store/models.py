"""SQLAlchemy 2 typed mappings of the catalogue, accounts and review trail."""
from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from scheduler.domain.admin_actions import AdminAction
from scheduler.domain.job_states import LIVE_STATES, JobPriority, JobState
from scheduler.domain.review_terms import Action, ReviewState, Role


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
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read by SQLAlchemy at class creation)


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


class AdminEvent(Base):
    """One change to an account or a channel, by whom and when; append-only like the review trail."""

    __tablename__ = "admin_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    role: Mapped[Role] = mapped_column(_enum(Role))
    action: Mapped[AdminAction] = mapped_column(_enum(AdminAction))
    target_kind: Mapped[str] = mapped_column(String(16))  # user, channel
    target_id: Mapped[str] = mapped_column(String(100))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)  # field: [before, after]; never a password
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[User | None] = relationship()


class RecordingIngest(Base):
    """What the ingest job made of a recording: its technical QC report and its renditions."""

    __tablename__ = "recording_ingest"
    recording_id: Mapped[int] = mapped_column(ForeignKey("recording.id"), primary_key=True)
    checksum: Mapped[str] = mapped_column(String(64))  # of the media the report and renditions are from
    qc_status: Mapped[str] = mapped_column(String(8))  # pass, warn, fail
    qc_failed: Mapped[str | None] = mapped_column(String(200))  # names of the failed checks
    qc_report: Mapped[dict[str, Any]] = mapped_column(JSON)
    renditions: Mapped[dict[str, str]] = mapped_column(JSON)  # profile -> path in the media store
    loudness_gain_db: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DayStatus(StrEnum):
    """A stored version of a channel day: a draft, the published one, or an earlier published one."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class ChannelRow(Base):
    """A channel: its settings as the pure `Channel` reads them (scheduler.store.plan_json), and its slot template."""

    __tablename__ = "channel"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # stable, never reused: channels retire
    name: Mapped[str] = mapped_column(String(200))
    grades: Mapped[list[int]] = mapped_column(JSON)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    template: Mapped[dict[str, Any]] = mapped_column(JSON)
    retired: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FillerClip(Base):
    """A filler, break, slate or standby clip in the media store (under clips/)."""

    __tablename__ = "filler_clip"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    media_name: Mapped[str] = mapped_column(String(200))
    frames: Mapped[int] = mapped_column(Integer)


class ChannelDay(Base):
    """One version of a channel's broadcast day; a published version is frozen, a change is a new version."""

    __tablename__ = "channel_day"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channel.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[DayStatus] = mapped_column(_enum(DayStatus))
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    slots: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # the plan's slot reports, read without its events
    feeds: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # published: feed events per subject, "*" all
    recording_ids: Mapped[list[int]] = mapped_column(JSON)  # what airs, to find the days a revocation touches
    problems: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    __table_args__ = (
        UniqueConstraint("channel_id", "day", "version"),
        # At most one draft and one published version of a day, whatever two operators do at once.
        Index("channel_day_one_draft", "channel_id", "day", unique=True,
              sqlite_where=text("status = 'draft'"), postgresql_where=text("status = 'draft'")),
        Index("channel_day_one_published", "channel_id", "day", unique=True,
              sqlite_where=text("status = 'published'"), postgresql_where=text("status = 'published'")),
    )


class OperatorAlert(Base):
    """Something operators must look at, e.g. a published day that lost a revoked recording."""

    __tablename__ = "operator_alert"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channel.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)  # in English, for the API and logs
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what `message` names, for pages to word
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recording.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class TimedJobRun(Base):
    """The schedule and last outcome of a timed (APScheduler) job, readable by any process."""

    __tablename__ = "timed_job"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(200))
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    last_message: Mapped[str | None] = mapped_column(Text)


class AuditTrailImmutable(Exception):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
@event.listens_for(AdminEvent, "before_update")
@event.listens_for(AdminEvent, "before_delete")
def _refuse_audit_change(mapper: Any, connection: Any, target: AuditEvent | AdminEvent) -> None:
    raise AuditTrailImmutable(f"{target.__tablename__} {target.id} is append-only")


_LIVE_JOB = text("state IN ({})".format(", ".join(f"'{state.value}'" for state in sorted(LIVE_STATES))))


class Job(Base):
    """One piece of background media work (transcode, QC run, day render); this row is the truth."""

    __tablename__ = "job"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[JobState] = mapped_column(_enum(JobState))
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    priority: Mapped[int] = mapped_column(Integer, default=int(JobPriority.NORMAL), server_default=text("50"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # also the fencing token of a claim
    max_attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)  # the tail of the last error (ffmpeg's stderr)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    available_at: Mapped[datetime] = mapped_column(UTCDateTime())  # queued jobs wait until then
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # last broker message
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    worker_id: Mapped[str | None] = mapped_column(String(200))  # host:pid:token of the claimant
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        Index("ix_job_state_available_at", "state", "available_at"),
        Index("ix_job_claim_order", "state", "priority", "available_at"),
        Index("uq_job_live_dedupe_key", "dedupe_key", unique=True, sqlite_where=_LIVE_JOB, postgresql_where=_LIVE_JOB),
    )


class LoginAttempt(Base):
    """A failed sign-in, kept for the throttling window (scheduler/throttle.py)."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(200))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    __table_args__ = (Index("ix_login_attempt_key", "username", "address", "attempted_at"),)
