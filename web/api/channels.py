"""API: channels and their templates, channel days (assemble, publish, read, render), readiness, exports, alerts."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from scheduler.domain.frames import frames_to_timecode
from scheduler.ops.timed_jobs import list_timed_jobs
from scheduler.services import channel_days, channels, exports, operator_alerts, playout
from scheduler.services.permissions import Permission
from scheduler.store import plan_json
from web.api.channel_schemas import (
    AlertSchema,
    ChannelCreateSchema,
    ChannelDaySchema,
    ChannelEditSchema,
    ChannelSchema,
    ChannelWithTemplateSchema,
    DayArgsSchema,
    DayOutcomeSchema,
    DayVersionSchema,
    RangeArgsSchema,
    SlotReportSchema,
    TemplateRequestSchema,
    TimedJobSchema,
    XmltvArgsSchema,
)
from web.api.jobs import JobSchema
from web.api.schemas import ROW_ID
from web.context import api_login_required, current_actor, db, free_bytes, now, permission_required, store


class RenderRequestSchema(Schema):
    version = fields.Integer(required=True, validate=ROW_ID,
                             metadata={"description": "the published version to render, as the caller saw it"})


bp = Blueprint("channels", __name__, url_prefix="/api", description="Channels, channel days and their exports")


def _today(channel_id: str | None = None) -> date:
    zone = channels.get_channel(db(), channel_id)[0].zone if channel_id else ZoneInfo("Asia/Shanghai")
    return now().astimezone(zone).date()


def _first(args: dict[str, Any], channel_id: str | None = None) -> date:
    return args.get("from_") or _today(channel_id)


@bp.route("/channels/")
@api_login_required
@bp.response(200, ChannelSchema(many=True))
def list_channels() -> Any:
    """Channels on air."""
    return [plan_json.channel_to_dict(c) for c in channels.list_channels(db())]


@bp.route("/channels/", methods=["POST"])
@api_login_required
@permission_required(Permission.EDIT_CHANNELS)
@bp.arguments(ChannelCreateSchema)
@bp.response(201, ChannelWithTemplateSchema)
def create_channel(args: dict[str, Any]) -> Any:
    """Create a channel with its weekly slot template (refused when the template breaks the screen-time policy)."""
    template_doc = args.pop("template")
    channel = plan_json.channel_from_dict(args)
    template = plan_json.template_from_dict(template_doc, channel.fps)
    channels.save_channel(db(), channel, template, at=now(), new=True, by=current_actor())
    return _channel_doc(channel.id)


def _channel_doc(channel_id: str) -> dict[str, Any]:
    channel, template = channels.get_channel(db(), channel_id)
    return {**plan_json.channel_to_dict(channel), "template": plan_json.template_to_dict(template, channel.fps)}


@bp.route("/channels/<channel_id>")
@api_login_required
@bp.response(200, ChannelWithTemplateSchema)
def get_channel(channel_id: str) -> Any:
    """A channel with its weekly slot template."""
    return _channel_doc(channel_id)


@bp.route("/channels/<channel_id>", methods=["PATCH"])
@api_login_required
@permission_required(Permission.EDIT_CHANNELS)
@bp.arguments(ChannelEditSchema)
@bp.response(200, ChannelWithTemplateSchema)
def edit_channel(args: dict[str, Any], channel_id: str) -> Any:
    """Rename a channel or switch it between public and internal (admin)."""
    channels.edit_channel(db(), current_actor(), channel_id, name=args["name"], public=args["public"], at=now())
    return _channel_doc(channel_id)


@bp.route("/channels/<channel_id>/template", methods=["PUT"])
@api_login_required
@permission_required(Permission.EDIT_CHANNELS)
@bp.arguments(TemplateRequestSchema)
@bp.response(200, ChannelWithTemplateSchema)
def put_template(args: dict[str, Any], channel_id: str) -> Any:
    """Replace a channel's weekly slot template (checked against the screen-time policy)."""
    channel, _old = channels.get_channel(db(), channel_id)
    template = plan_json.template_from_dict(args["template"], channel.fps)
    channels.save_channel(db(), channel, template, at=now(), new=False, by=current_actor())
    return _channel_doc(channel_id)


@bp.route("/channels/<channel_id>/days")
@api_login_required
@permission_required(Permission.READ_SCHEDULE)
@bp.arguments(RangeArgsSchema, location="query")
@bp.response(200, DayVersionSchema(many=True))
def list_days(args: dict[str, Any], channel_id: str) -> Any:
    """Every stored version (draft, published, superseded) of some days."""
    return channel_days.day_versions(db(), channel_id, _first(args, channel_id), args["days"])


@bp.route("/channels/<channel_id>/days/assemble", methods=["POST"])
@api_login_required
@permission_required(Permission.STEER_SCHEDULE)
@bp.arguments(RangeArgsSchema)
@bp.response(200, DayOutcomeSchema(many=True))
def assemble(args: dict[str, Any], channel_id: str) -> Any:
    """Assemble days as drafts from the curriculum plan and the approved recordings (all or nothing)."""
    return _over_range(channel_days.assemble, args, channel_id)


@bp.route("/channels/<channel_id>/days/publish", methods=["POST"])
@api_login_required
@permission_required(Permission.STEER_SCHEDULE)
@bp.arguments(RangeArgsSchema)
@bp.response(200, DayOutcomeSchema(many=True))
def publish(args: dict[str, Any], channel_id: str) -> Any:
    """Publish the days' drafts; each outcome lists what changed against the version it replaces."""
    return _over_range(channel_days.publish, args, channel_id)


@bp.route("/channels/<channel_id>/days/<isodate:day>/render", methods=["POST"])
@api_login_required
@permission_required(Permission.STEER_SCHEDULE)
@bp.arguments(RenderRequestSchema)
@bp.response(202, JobSchema)
def render(args: dict[str, Any], channel_id: str, day: date) -> Any:
    """Queue the render of the published version's playout file (the same job if asked again); 422 if that
    version is no longer published; 507 when the media store's disk has no room for it (a 24 h day at 10 Mb/s
    is about 108 GB): nothing queued or written."""
    return playout.request_published_render(db(), channel_id, day, args["version"], at=now(),
                                            by=current_actor().user_id, media_dir=store().root,
                                            free_bytes=free_bytes())


def _over_range(operation: Callable[..., list[channel_days.DayOutcome]], args: dict[str, Any], channel_id: str) -> Any:
    """Run an assembly or a publication over the requested days, as the signed-in user."""
    return operation(db(), channel_id, _first(args, channel_id), args["days"], at=now(), by=current_actor().user_id)


@bp.route("/channels/<channel_id>/days/<isodate:day>")
@api_login_required
@permission_required(Permission.READ_SCHEDULE)
@bp.arguments(DayArgsSchema, location="query")
@bp.response(200, ChannelDaySchema)
def get_day(args: dict[str, Any], channel_id: str, day: date) -> Any:
    """The published day (or its draft) with every event, offsets in frames and as timecodes."""
    channel, plan, row = channel_days.day_plan(db(), channel_id, day, drafts=args["draft"])
    events = [plan_json.event_to_dict(event) for event in plan.events]
    for event in events:
        event["timecode"] = frames_to_timecode(event["start"], channel.fps)
        event["starts_at"] = channel.moment(day, event["start"]).isoformat()
    version = {field: getattr(row, field) for field in DayVersionSchema().fields}
    return {**version, "frames": plan.frames, "events": events, "slots": plan_json.slot_reports_to_list(plan.slots)}


@bp.route("/channels/<channel_id>/days/<isodate:day>/playlist.<any(json,csv,txt):fmt>")
@api_login_required
@permission_required(Permission.READ_SCHEDULE)
@bp.arguments(DayArgsSchema, location="query")
@bp.response(200, content_type="application/json")
def playlist(args: dict[str, Any], channel_id: str, day: date, fmt: str) -> Any:
    """The day's operator playlist: JSON (schema in the repo), CSV for spreadsheets, or an as-run text log."""
    body = exports.playlist(db(), channel_id, day, fmt, drafts=args["draft"])
    mimetype = {"json": "application/json", "csv": "text/csv", "txt": "text/plain"}[fmt]
    return _download(body, mimetype, f"{channel_id}-{day}.{fmt}")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    if mimetype.startswith("text/") or mimetype.endswith("xml"):
        response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/channels/<channel_id>/readiness")
@api_login_required
@permission_required(Permission.READ_SCHEDULE)
@bp.arguments(RangeArgsSchema, location="query")
@bp.response(200, SlotReportSchema(many=True))
def readiness(args: dict[str, Any], channel_id: str) -> Any:
    """Lesson and replay slots of the coming days: filled, at risk (still in review), unfilled or overlong."""
    return list(channel_days.readiness_report(db(), channel_id, _first(args, channel_id), args["days"]))


@bp.route("/exports/xmltv")
@api_login_required
@permission_required(Permission.READ_SCHEDULE)
@bp.arguments(XmltvArgsSchema, location="query")
@bp.response(200, content_type="application/xml")
def xmltv(args: dict[str, Any]) -> Any:
    """XMLTV for chosen channels (or every channel of a grade, or all) and days; published days only unless draft."""
    ids = args["channel"] or [c.id for c in channels.list_channels(db(), args.get("grade"))]
    body = exports.xmltv(db(), ids, _first(args), args["days"], drafts=args["draft"])
    return _download(body, "application/xml", "airclass.xml")


@bp.route("/alerts/")
@api_login_required
@permission_required(Permission.READ_SCHEDULE)
@bp.response(200, AlertSchema(many=True))
def alerts() -> Any:
    """Open operator alerts, newest first (e.g. a published day that lost a revoked recording)."""
    return operator_alerts.list_alerts(db())


@bp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@api_login_required
@permission_required(Permission.STEER_SCHEDULE)
@bp.response(200, AlertSchema)
def acknowledge(alert_id: int) -> Any:
    """Mark an alert as seen."""
    return operator_alerts.acknowledge_alert(db(), alert_id, at=now(), by=current_actor().user_id)



@bp.route("/schedule/jobs")
@api_login_required
@permission_required(Permission.READ_SCHEDULE)
@bp.response(200, TimedJobSchema(many=True))
def timed_jobs() -> Any:
    """The timed jobs (nightly assembly, publication, export drop): next run and last outcome."""
    return list_timed_jobs(db())
