"""Marshmallow schemas of the JSON API (they also generate /api/openapi.json)."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from scheduler.domain.review_terms import Action, ReviewState, Role

SQL_INTEGER_MAX = 2**31 - 1
# An id or version number: 1 and up, within a SQL INTEGER column (beyond it PostgreSQL's driver overflows).
ROW_ID = validate.Range(min=1, max=SQL_INTEGER_MAX)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    error = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """A paginated envelope schema around items of one kind."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "pages": fields.Integer(),
        },
        name=name,
    )


class SubjectSchema(Schema):
    code = fields.String()
    name = fields.String()


class LessonSchema(Schema):
    id = fields.Integer(dump_only=True)
    grade = fields.Integer()
    subject = fields.Nested(SubjectSchema)
    sequence = fields.Integer()
    title = fields.String()
    county_id = fields.Integer()
    county_name = fields.Function(lambda lesson: lesson.county.name)


class LessonQuerySchema(PageArgsSchema):
    grade = fields.Integer(validate=validate.Range(min=1, max=12))
    subject = fields.String(validate=validate.Length(max=32))
    county_id = fields.Integer(validate=ROW_ID)


class LessonCreateSchema(Schema):
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=32))
    sequence = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    county_id = fields.Integer(required=True, validate=ROW_ID)


class UserRefSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()


class RecordingSchema(Schema):
    id = fields.Integer()
    lesson_id = fields.Integer()
    lesson_title = fields.Function(lambda r: r.lesson.title)
    revision = fields.Integer()
    teacher = fields.Nested(UserRefSchema)
    state = fields.Enum(ReviewState, by_value=True)
    version = fields.Integer()
    original_filename = fields.String()
    size_bytes = fields.Integer()
    checksum = fields.String()
    container = fields.String()
    video_codec = fields.String()
    audio_codec = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    frame_rate = fields.Function(lambda r: f"{r.frame_rate_num}/{r.frame_rate_den}")
    duration_frames = fields.Integer()
    audio_sample_rate = fields.Integer()
    audio_channels = fields.Integer()
    created_at = fields.AwareDateTime()


class RecordingQuerySchema(PageArgsSchema):
    state = fields.Enum(ReviewState, by_value=True)
    lesson_id = fields.Integer(validate=ROW_ID)
    queue = fields.String(validate=validate.OneOf(["mine"]), metadata={"description": "'mine': what waits on me, oldest first"})


class UploadSchema(Schema):
    file = Upload(required=True)


class ActionRequestSchema(Schema):
    action = fields.Enum(Action, by_value=True, required=True)
    comment = fields.String(validate=validate.Length(max=4000), allow_none=True)
    checksum = fields.String(
        validate=validate.Regexp(r"^[0-9a-f]{64}$"),
        allow_none=True,
        metadata={"description": "sha256 of the media the reviewer checked; required to approve"},
    )
    version = fields.Integer(
        validate=ROW_ID,
        allow_none=True,
        metadata={"description": "the recording version the decision was made on; 409 if it moved"},
    )


class AuditEventSchema(Schema):
    id = fields.Integer()
    revision = fields.Integer()
    actor = fields.Nested(UserRefSchema, allow_none=True)
    role = fields.Enum(Role, by_value=True)
    action = fields.Enum(Action, by_value=True)
    from_state = fields.Enum(ReviewState, by_value=True)
    to_state = fields.Enum(ReviewState, by_value=True)
    comment = fields.String(allow_none=True)
    checksum = fields.String()
    at = fields.AwareDateTime()


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.Enum(Role, by_value=True, required=True)
    school_id = fields.Integer(allow_none=True, validate=ROW_ID)
    county_id = fields.Integer(allow_none=True, validate=ROW_ID)
    city_id = fields.Integer(allow_none=True, validate=ROW_ID)
    password = fields.String(load_only=True, required=True, validate=validate.Length(min=8, max=200))
    active = fields.Boolean(dump_only=True)


class UserEditSchema(Schema):
    """An account's name, role, scope and whether it may sign in (false: disabled, signed out everywhere)."""

    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.Enum(Role, by_value=True, required=True)
    school_id = fields.Integer(allow_none=True, validate=ROW_ID)
    county_id = fields.Integer(allow_none=True, validate=ROW_ID)
    city_id = fields.Integer(allow_none=True, validate=ROW_ID)
    active = fields.Boolean(required=True)


class PasswordResetSchema(Schema):
    password = fields.String(load_only=True, required=True, validate=validate.Length(min=1, max=200))


class PasswordChangeSchema(Schema):
    current = fields.String(load_only=True, required=True, validate=validate.Length(min=1, max=200))
    new = fields.String(load_only=True, required=True, validate=validate.Length(min=1, max=200))


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(load_default="script", validate=validate.Length(min=1, max=100))


class TokenSchema(Schema):
    token = fields.String()


class QueueCountSchema(Schema):
    state = fields.Enum(ReviewState, by_value=True)
    count = fields.Integer()


class IngestSchema(Schema):
    """A recording's technical QC report and renditions (404 until its ingest job has finished)."""

    recording_id = fields.Integer()
    qc_status = fields.String(metadata={"description": "pass, warn or fail: the worst check"})
    qc_failed = fields.String(allow_none=True, metadata={"description": "failed checks, until signed off"})
    qc_report = fields.Dict(metadata={"description": "checks with figures and time ranges, loudness series"})
    renditions = fields.Dict(keys=fields.String(), values=fields.String(),
                             metadata={"description": "profile -> path in the media store"})
    loudness_gain_db = fields.Float()
    finished_at = fields.DateTime()
