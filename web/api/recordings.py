"""API: recordings, their review actions and their audit trail."""
from __future__ import annotations

from typing import Any

from flask import send_file
from flask_smorest import Blueprint

from scheduler.domain.catalogue import NotFound
from scheduler.services import recordings
from web.api.schemas import (
    ActionRequestSchema,
    AuditEventSchema,
    IngestSchema,
    QueueCountSchema,
    RecordingQuerySchema,
    RecordingSchema,
    page_of,
)
from web.context import api_login_required, current_actor, db, now, store
from web.presenters.qc_panel import rendition_path

bp = Blueprint("recordings", __name__, url_prefix="/api/recordings", description="Recordings and their review")
RecordingPage = page_of(RecordingSchema, "RecordingPage")


@bp.route("/")
@api_login_required
@bp.arguments(RecordingQuerySchema, location="query")
@bp.response(200, RecordingPage)
def list_recordings(args: dict[str, Any]) -> Any:
    """Recordings you may see; `queue=mine` gives what waits on you, oldest first."""
    return recordings.list_recordings(
        db(),
        current_actor(),
        state=args.get("state"),
        lesson_id=args.get("lesson_id"),
        awaiting_me=args.get("queue") == "mine",
        page=args["page"],
        per_page=args["per_page"],
    )


@bp.route("/queue")
@api_login_required
@bp.response(200, QueueCountSchema(many=True))
def queue_counts() -> Any:
    """How many recordings wait on you, per review step."""
    counts = recordings.queue_counts(db(), current_actor())
    return [{"state": state, "count": n} for state, n in counts.items()]


@bp.route("/<int:recording_id>")
@api_login_required
@bp.response(200, RecordingSchema)
def get_recording(recording_id: int) -> Any:
    """One recording (404 if it is not yours to see)."""
    return recordings.get_recording(db(), current_actor(), recording_id)


@bp.route("/<int:recording_id>/history")
@api_login_required
@bp.response(200, AuditEventSchema(many=True))
def history(recording_id: int) -> Any:
    """The audit trail: who decided what, when and why."""
    return recordings.recording_history(db(), current_actor(), recording_id)


@bp.route("/<int:recording_id>/qc")
@api_login_required
@bp.response(200, IngestSchema)
def qc(recording_id: int) -> Any:
    """Technical QC report and renditions of a recording you may see (404 while its ingest job runs)."""
    return _ingested(recording_id)


def _ingested(recording_id: int) -> Any:
    row, _job = recordings.recording_ingest(db(), current_actor(), recording_id)
    if row is None:
        raise NotFound("QC report of recording", recording_id)
    return row


@bp.route("/<int:recording_id>/actions", methods=["POST"])
@api_login_required
@bp.arguments(ActionRequestSchema)
@bp.response(200, RecordingSchema)
def act(args: dict[str, Any], recording_id: int) -> Any:
    """Submit, approve, request changes, withdraw, revoke or sign off a failed QC (409 if someone decided meanwhile)."""
    return recordings.act_on_recording(
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
@api_login_required
@bp.response(200, content_type="application/octet-stream")
def media(recording_id: int) -> Any:
    """The uploaded file, for reviewers' preview (supports range requests)."""
    recording = recordings.get_recording(db(), current_actor(), recording_id)
    return send_file(
        store().recording_path(recording.media_name),
        mimetype="video/mp4" if recording.container == "mp4" else "application/octet-stream",
        conditional=True,
        etag=recording.checksum,
    )


@bp.route("/<int:recording_id>/renditions/mp4")
@api_login_required
@bp.response(200, content_type="video/mp4")
def rendition_mp4(recording_id: int) -> Any:
    """The on-demand MP4 the ingest made, for the preview (404 until it exists; range requests)."""
    return _rendition(recording_id, "mp4", "video/mp4")


@bp.route("/<int:recording_id>/renditions/poster")
@api_login_required
@bp.response(200, content_type="image/jpeg")
def rendition_poster(recording_id: int) -> Any:
    """The poster image the ingest made (404 until it exists)."""
    return _rendition(recording_id, "poster", "image/jpeg")


def _rendition(recording_id: int, kind: str, mimetype: str) -> Any:
    row = _ingested(recording_id)  # the same visibility rule as /media
    path = rendition_path(store().root, row.renditions, kind)
    if path is None:
        raise NotFound(f"{kind} rendition of recording", recording_id)
    return send_file(path, mimetype=mimetype, conditional=True)
