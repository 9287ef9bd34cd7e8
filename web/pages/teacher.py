"""Teacher pages: my county's lessons, my recordings of each with their review state and comments, upload."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from scheduler.domain.catalogue import UploadRejected
from scheduler.services import curriculum, recordings
from scheduler.services.permissions import Permission
from scheduler.store.models import AuditEvent, Lesson, Recording
from web.context import current_actor, db, now, store
from web.pages.auth import page_login_required
from web.presenters.qc_panel import qc_panel
from web.problems import problem

bp = Blueprint("teacher", __name__, url_prefix="/teacher")


class UploadForm(FlaskForm):
    file = FileField(_l("Video file"), validators=[FileRequired(_l("Choose a video file to upload."))])


@dataclass(frozen=True)
class LessonRow:
    """A lesson with my latest revision of it and the latest reviewer comment on that revision."""

    lesson: Lesson
    latest: Recording | None
    revisions: int
    comment: AuditEvent | None


def latest_comment(history: list[AuditEvent]) -> AuditEvent | None:
    """The most recent decision that carries a comment."""
    return next((event for event in reversed(history) if event.comment), None)


def _lesson_row(lesson: Lesson) -> LessonRow:
    actor = current_actor()
    mine = recordings.list_recordings(db(), actor, lesson_id=lesson.id, per_page=1)
    latest = mine.items[0] if mine.items else None
    comment = latest_comment(recordings.recording_history(db(), actor, latest.id)) if latest else None
    return LessonRow(lesson=lesson, latest=latest, revisions=mine.total, comment=comment)


@bp.route("/")
@page_login_required(Permission.RECORD_LESSONS)
def lessons() -> Any:
    """The lessons my county produces, each with the state of my latest revision."""
    page = request.args.get("page", 1, type=int)
    plan = curriculum.list_lessons(db(), county_id=current_actor().county_id, page=page, per_page=20)
    rows = [_lesson_row(lesson) for lesson in plan.items]
    return render_template("teacher/lessons.html", plan=plan, rows=rows)


def _lesson_page(lesson_id: int, form: UploadForm, *, error: str | None = None, status: int = 200) -> Any:
    actor = current_actor()
    lesson = curriculum.get_lesson(db(), lesson_id)
    revisions = recordings.list_recordings(db(), actor, lesson_id=lesson_id, per_page=100).items
    histories = {r.id: recordings.recording_history(db(), actor, r.id) for r in revisions}
    panels = {r.id: qc_panel(db(), actor, r, store().root, histories[r.id]) for r in revisions}
    may_upload = lesson.county_id == actor.county_id
    page = render_template(
        "teacher/lesson.html",
        lesson=lesson,
        revisions=revisions,
        histories=histories,
        qc_panels=panels,
        form=form,
        may_upload=may_upload,
        error=error,
    )
    return page, status


@bp.route("/lessons/<int:lesson_id>")
@page_login_required(Permission.RECORD_LESSONS)
def lesson(lesson_id: int) -> Any:
    """One lesson: every revision I uploaded, its technical QC and history, and the upload form."""
    return _lesson_page(lesson_id, UploadForm())


def _wants_json() -> bool:
    # The upload script asks for JSON so that it can show errors beside the progress bar.
    return request.accept_mimetypes.best == "application/json"


def _refuse_upload(lesson_id: int, form: UploadForm, message: str) -> Any:
    if _wants_json():
        return problem(422, message)
    return _lesson_page(lesson_id, form, error=message, status=422)


@bp.route("/lessons/<int:lesson_id>/recordings", methods=["POST"])
@page_login_required(Permission.RECORD_LESSONS)
def upload(lesson_id: int) -> Any:
    """Upload a new revision; it lands as a draft on its recording page."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _refuse_upload(lesson_id, form, _("Choose a video file to upload."))
    upload = form.file.data
    try:
        recording = recordings.upload_recording(
            db(), store(), current_actor(), lesson_id, upload.stream, upload.filename or "", at=now()
        )
    except UploadRejected as exc:
        return _refuse_upload(lesson_id, form, _("The file was not accepted: %(reason)s", reason=exc.reason))
    target = url_for("review.recording", recording_id=recording.id)
    if _wants_json():
        return jsonify(location=target), 201
    return redirect(target, 303)
