"""Marshmallow schemas of channels, channel days, readiness and alerts."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from scheduler.ops.timed_jobs import message_in_english, summary_as_data

MAX_DAYS = 400


class DistributorSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    number = fields.String(required=True, validate=validate.Length(min=1, max=20))


class ChannelSchema(Schema):
    """A channel and its settings; its slot template is a separate document."""

    id = fields.String(required=True, validate=validate.Length(min=3, max=100))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    grades = fields.List(fields.Integer(validate=validate.Range(min=1, max=12)), required=True,
                         validate=validate.Length(min=1))
    distributors = fields.List(fields.Nested(DistributorSchema), load_default=list)
    tz = fields.String(load_default="Asia/Shanghai", metadata={"description": "IANA time zone"})
    day_start = fields.String(load_default="06:00", metadata={"description": "broadcast day start, HH:MM"})
    fps = fields.Integer(load_default=25, validate=validate.OneOf([25]))
    standby_id = fields.String(load_default="standby")
    break_filler_id = fields.String(load_default="eye-exercise")
    tail_filler_id = fields.String(load_default="slate")
    programme_filler_id = fields.String(load_default="programme-filler")
    on_demand_url = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300),
                                  metadata={"description": "on-demand address of a lesson, with {recording}: "
                                            "https://host/watch/{recording}, or /watch/{recording} on this service"})
    public = fields.Boolean(load_default=True, metadata={"description": "false: an internal channel (tests, rehearsals) "
                                                                        "that no guide, feed or public file shows"})
    day_minutes = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=1440),
                                 metadata={"description": "a shorter broadcast day, e.g. for a test channel"})


class ChannelCreateSchema(ChannelSchema):
    template = fields.Dict(required=True, metadata={"description": "weekly slot template (see README)"})


class ChannelWithTemplateSchema(ChannelSchema):
    template = fields.Dict()


class ChannelEditSchema(Schema):
    """What an admin may change of a channel after creating it."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    public = fields.Boolean(required=True, metadata={"description": "false: internal, never shown to families"})


class TemplateRequestSchema(Schema):
    template = fields.Dict(required=True, metadata={"description": "weekly slot template (see README)"})


class RangeArgsSchema(Schema):
    from_ = fields.Date(data_key="from", metadata={"description": "first day (default: today in the channel's zone)"})
    days = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_DAYS))


class DayArgsSchema(Schema):
    draft = fields.Boolean(load_default=False, metadata={"description": "the draft instead of the published day"})


class XmltvArgsSchema(RangeArgsSchema, DayArgsSchema):
    channel = fields.List(fields.String(), load_default=list, metadata={"description": "channel ids"})
    grade = fields.Integer(validate=validate.Range(min=1, max=12))


class SlotReportSchema(Schema):
    day = fields.Date()
    slot = fields.Integer()
    kind = fields.String()
    start = fields.Integer(metadata={"description": "frames from the day start"})
    frames = fields.Integer()
    status = fields.String()
    note = fields.String()
    lesson_id = fields.Integer(allow_none=True)
    recording_id = fields.Integer(allow_none=True)


class SlotChangeSchema(Schema):
    slot = fields.Integer(allow_none=True)
    change = fields.String()
    summary = fields.Function(str)


class _DaySchema(Schema):
    """Which version of which channel day, and where it stands."""

    channel_id = fields.String()
    day = fields.Date()
    version = fields.Integer()
    status = fields.String()


class DayOutcomeSchema(_DaySchema):
    action = fields.String()
    problems = fields.List(fields.Nested(SlotReportSchema))
    changes = fields.List(fields.Nested(SlotChangeSchema))
    refilled = fields.Integer(metadata={"description": "publishing re-assembled the draft first: the lesson slots "
                                                      "recordings approved since it was made now fill"})


class DayVersionSchema(_DaySchema):
    problems = fields.Integer()
    note = fields.String()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)


class ChannelDaySchema(DayVersionSchema):
    """A stored version of a day with its events (offsets in frames from the day start, and timecodes)."""

    frames = fields.Integer()
    events = fields.List(fields.Dict())
    slots = fields.List(fields.Dict())


class AlertSchema(Schema):
    id = fields.Integer()
    channel_id = fields.String()
    day = fields.Date()
    kind = fields.String()
    message = fields.String()
    recording_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)


class TimedJobSchema(Schema):
    id = fields.String()
    description = fields.String()
    trigger = fields.String()
    next_run_at = fields.DateTime(allow_none=True)
    last_run_at = fields.DateTime(allow_none=True)
    last_outcome = fields.String(allow_none=True, metadata={"description": "ok or failed"})
    last_message = fields.Function(lambda job: message_in_english(job.last_message), allow_none=True,
                                   metadata={"description": "a failed run's error, or a successful run's summary "
                                                            "in English, one line per channel"})
    last_summary = fields.Function(lambda job: summary_as_data(job.last_message), allow_none=True,
        metadata={"description": "a successful run's summary as data: per line, what it says (days_drafted, "
                                 "days_published, files_exported, feeds_refreshed, orphans_set_aside, prepared_removed, "
                                 "no_channels) "
                                 "and its facts"})
