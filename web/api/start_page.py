"""API: the operator's start page as JSON (every channel's next seven days at a glance) and its range action,
assembling and publishing every public channel's days, previewed first and confirmed with the preview's
fingerprint (scheduler/services/start_page.py serves the page and these routes alike)."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from scheduler.services import channel_days, start_page
from scheduler.services.permissions import Permission
from web.api.channel_schemas import MAX_DAYS, DayOutcomeSchema
from web.context import api_login_required, current_actor, db, now, permission_required
from web.problems import problem

bp = Blueprint("start_page", __name__, url_prefix="/api/schedule",
               description="The operator's start page: every channel's week at a glance, publishing all channels")


class DayGlanceSchema(Schema):
    """One channel day as the start page shows it."""

    day = fields.Date(metadata={"description": "the broadcast day, in the channel's zone"})
    state = fields.String(metadata={"description": "published, draft or not_assembled"})
    version = fields.Integer(allow_none=True, metadata={"description": "the published version, else the draft's"})
    draft_waiting = fields.Boolean(metadata={"description": "published, with a newer draft not published yet"})
    lessons = fields.Integer(metadata={"description": "lesson slots of the day"})
    filled = fields.Integer()
    at_risk = fields.Integer(metadata={"description": "the recording is still in review: the standby programme airs "
                                                     "unless it is approved"})
    unfilled = fields.Integer(metadata={"description": "no recording, or one longer than its slot: the standby "
                                                       "programme airs"})
    failed_jobs = fields.Integer(metadata={"description": "open alerts of timed jobs that failed on this day"})
    projected = fields.Boolean(metadata={"description": "not assembled: the counts are what assembling now would give"})
    needs_attention = fields.Boolean()


class ChannelGlanceSchema(Schema):
    channel_id = fields.String(attribute="channel.id")
    name = fields.String(attribute="channel.name")
    public = fields.Boolean(attribute="channel.public")
    tz = fields.String(attribute="channel.tz")
    days = fields.List(fields.Nested(DayGlanceSchema))


class StartSchema(Schema):
    """Every channel on air and its next seven days from the broadcast day now."""

    first = fields.Date()
    tomorrow = fields.Date()
    not_published_tomorrow = fields.Function(
        lambda page: [channel.id for channel in page.not_published(page.tomorrow)],
        metadata={"description": "public channels with no published version of tomorrow"})
    failed_timed_jobs = fields.List(fields.String(), metadata={"description": "timed jobs whose last run failed"})
    channels = fields.List(fields.Nested(ChannelGlanceSchema))


class RangeSchema(Schema):
    from_ = fields.Date(required=True, data_key="from", metadata={"description": "first day"})
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_DAYS))


class ConfirmedRangeSchema(RangeSchema):
    confirm = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"),
                            metadata={"description": "the fingerprint of the preview of this range; 409 (nothing "
                                                     "applied) if what the action would do has changed since"})


class RangeDayOutcomeSchema(DayOutcomeSchema):
    standby = fields.Function(lambda outcome: len(channel_days.standby_lessons([outcome])),
                              metadata={"description": "lesson slots of the day that air the standby programme"})


class ChannelRunSchema(Schema):
    """One public channel in the range action: each day's outcome, or why none of its days is saved."""

    channel_id = fields.String(attribute="channel.id")
    name = fields.String(attribute="channel.name")
    error = fields.Function(lambda run: type(run.error).__name__ if run.error else None, allow_none=True)
    detail = fields.Function(lambda run: str(run.error) if run.error else None, allow_none=True)
    standby = fields.Function(lambda run: len(run.standby))
    days = fields.List(fields.Nested(RangeDayOutcomeSchema), attribute="outcomes")


class RangeActionSchema(Schema):
    """What assembling and publishing every public channel's days would do (preview) or did."""

    from_ = fields.Date(attribute="first", data_key="from")
    days = fields.Integer()
    standby = fields.Integer(metadata={"description": "lesson slots of every channel that air the standby programme"})
    fingerprint = fields.String(metadata={"description": "what the action does, hashed: confirm a preview with it"})
    channels = fields.List(fields.Nested(ChannelRunSchema), attribute="runs")


@bp.route("/glance")
@api_login_required
@permission_required(Permission.READ_SCHEDULE)
@bp.response(200, StartSchema)
def glance() -> Any:
    """The start page's facts: per channel and day, published / draft / not assembled, lesson slots filled, at risk
    and unfilled, failed timed jobs."""
    return start_page.start_page(db(), current_actor(), now=now())


@bp.route("/publish-all/preview", methods=["POST"])
@api_login_required
@permission_required(Permission.STEER_SCHEDULE)
@bp.arguments(RangeSchema)
@bp.response(200, RangeActionSchema)
def preview_publish_all(args: dict[str, Any]) -> Any:
    """What assembling and publishing every public channel's days would do, per channel and day, and its
    fingerprint; nothing is saved."""
    return start_page.preview_range(db(), current_actor(), args["from_"], args["days"], at=now())


@bp.route("/publish-all", methods=["POST"])
@api_login_required
@permission_required(Permission.STEER_SCHEDULE)
@bp.arguments(ConfirmedRangeSchema)
@bp.response(200, RangeActionSchema)
@bp.alt_response(409, response="CONFLICT")
def publish_all(args: dict[str, Any]) -> Any:
    """Assemble and publish every public channel's days, as previewed: `confirm` is the preview's fingerprint.
    A channel that cannot be assembled keeps its days and is reported; 422 when no channel could be."""
    done = start_page.apply_confirmed_range(db(), current_actor(), args["from_"], args["days"], at=now(),
                                            fingerprint=args["confirm"])
    if done.nothing_applied:
        return problem(422, "no public channel could be assembled: nothing was saved", error="NothingApplied",
                       channels=ChannelRunSchema(many=True).dump(done.runs))
    return done
