"""API: recordings, their review actions and their audit trail."""
from __future__ import annotations

from typing import Any

from flask import send_file
from flask_smorest import Blueprint

from scheduler import services
from web.api.schemas import (
    ActionRequestSchema,
    AuditEventSchema,
    QueueCountSchema,
    RecordingQuerySchema,
    RecordingSchema,
    page_of,
)
from web.context import api_login_required, current_actor, db, now, store

bp = Blueprint("recordings", __name__, url_prefix="/api/recordings", description="Recordings and their review")
RecordingPage = page_of(RecordingSchema, "RecordingPage")


@bp.route("/")
@bp.arguments(RecordingQuerySchema, location="query")
@bp.response(200, RecordingPage)
@api_login_required
def list_recordings(args: dict[str, Any]) -> Any:
    """Recordings you may see; `queue=mine` gives what waits on you, oldest first."""
    return services.list_recordings(
        db(),
        current_actor(),
        state=args.get("state"),
        lesson_id=args.get("lesson_id"),
        awaiting_me=args.get("queue") == "mine",
        page=args["page"],
        per_page=args["per_page"],
    )


@bp.route("/queue")
@bp.response(200, QueueCountSchema(many=True))
@api_login_required
def queue_counts() -> Any:
    """How many recordings wait on you, per review step."""
    counts = services.queue_counts(db(), current_actor())
    return [{"state": state, "count": n} for state, n in counts.items()]


@bp.route("/<int:recording_id>")
@bp.response(200, RecordingSchema)
@api_login_required
def get_recording(recording_id: int) -> Any:
    """One recording (404 if it is not yours to see)."""
    return services.get_recording(db(), current_actor(), recording_id)


@bp.route("/<int:recording_id>/history")
@bp.response(200, AuditEventSchema(many=True))
@api_login_required
def history(recording_id: int) -> Any:
    """The audit trail: who decided what, when and why."""
    return services.recording_history(db(), current_actor(), recording_id)


@bp.route("/<int:recording_id>/actions", methods=["POST"])
@bp.arguments(ActionRequestSchema)
@bp.response(200, RecordingSchema)
@api_login_required
def act(args: dict[str, Any], recording_id: int) -> Any:
    """Submit, approve, request changes, withdraw or revoke (409 if someone decided meanwhile)."""
    return services.act_on_recording(
        db(),
        current_actor(),
        recording_id,
        args["action"],
        at=now(),
        comment=args.get("comment"),
        reviewed_checksum=args.get("checksum"),
        expected_version=args.get("version"),
    )


@bp.route("/<int:recording_id>/media")
@bp.response(200, content_type="application/octet-stream")
@api_login_required
def media(recording_id: int) -> Any:
    """The uploaded file, for reviewers' preview (supports range requests)."""
    recording = services.get_recording(db(), current_actor(), recording_id)
    return send_file(
        store().recording_path(recording.media_name),
        mimetype="video/mp4" if recording.container == "mp4" else "application/octet-stream",
        conditional=True,
        etag=recording.checksum,
    )
