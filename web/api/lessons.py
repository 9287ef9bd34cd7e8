"""API: the lesson catalogue (curriculum plan)."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from scheduler.services import curriculum, recordings
from scheduler.services.permissions import Permission
from web.api.schemas import LessonCreateSchema, LessonQuerySchema, LessonSchema, RecordingSchema, UploadSchema, page_of
from web.context import api_login_required, current_actor, db, now, permission_required, store

bp = Blueprint("lessons", __name__, url_prefix="/api/lessons", description="Lessons of the curriculum plan")
LessonPage = page_of(LessonSchema, "LessonPage")


@bp.route("/")
@api_login_required
@bp.arguments(LessonQuerySchema, location="query")
@bp.response(200, LessonPage)
def list_lessons(args: dict[str, Any]) -> Any:
    """List lessons, in plan order (grade, subject, sequence)."""
    return curriculum.list_lessons(
        db(),
        grade=args.get("grade"),
        subject_code=args.get("subject"),
        county_id=args.get("county_id"),
        page=args["page"],
        per_page=args["per_page"],
    )


@bp.route("/", methods=["POST"])
@api_login_required
@permission_required(Permission.EDIT_CURRICULUM)
@bp.arguments(LessonCreateSchema)
@bp.response(201, LessonSchema)
def create_lesson(args: dict[str, Any]) -> Any:
    """Add a lesson to the plan (admin)."""
    return curriculum.create_lesson(db(), **args)


@bp.route("/<int:lesson_id>")
@api_login_required
@bp.response(200, LessonSchema)
def get_lesson(lesson_id: int) -> Any:
    """One lesson."""
    return curriculum.get_lesson(db(), lesson_id)


@bp.route("/<int:lesson_id>/recordings", methods=["POST"])
@api_login_required
@permission_required(Permission.RECORD_LESSONS)
@bp.arguments(UploadSchema, location="files")
@bp.response(201, RecordingSchema)
def upload_recording(files: dict[str, Any], lesson_id: int) -> Any:
    """Upload a new revision of this lesson's recording (teacher of the producing county)."""
    upload = files["file"]
    return recordings.upload_recording(
        db(), store(), current_actor(), lesson_id, upload.stream, upload.filename or "", at=now()
    )
