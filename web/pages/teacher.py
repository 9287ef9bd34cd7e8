"""Teacher pages: my county's lessons, my recordings of each with their review state and comments, upload."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from scheduler.domain.catalogue import UploadRejected
from scheduler.services import recording_pages, recordings
from scheduler.services.permissions import Permission
from web.context import current_actor, db, now, store
from web.pages.auth import page_login_required
from web.presenters.messages import upload_refusal
from web.presenters.qc_panel import pending_panel_args, qc_panel
from web.problems import problem

bp = Blueprint("teacher", __name__, url_prefix="/teacher")


class UploadForm(FlaskForm):
    file = FileField(_l("Video file"), validators=[FileRequired(_l("Choose a video file to upload."))])


@bp.route("/")
@page_login_required(Permission.RECORD_LESSONS)
def lessons() -> Any:
    """The lessons my county produces, each with the state of my latest revision."""
    page = request.args.get("page", 1, type=int)
    plan = recording_pages.teacher_lessons(db(), current_actor(), at=now(), page=page, per_page=20)
    return render_template("teacher/lessons.html", plan=plan, rows=plan.items)


def _lesson_page(lesson_id: int, form: UploadForm, *, error: str | None = None, status: int = 200) -> Any:
    shown = recording_pages.lesson_page(db(), current_actor(), lesson_id, at=now())
    page = render_template(
        "teacher/lesson.html",
        lesson=shown.lesson,
        revisions=[r.recording for r in shown.revisions],
        histories={r.recording.id: r.history for r in shown.revisions},
        qc_panels={r.recording.id: qc_panel(r.ingest, r.ingest_job, store().root, r.history,
                                            **pending_panel_args(r.recording, r.ingest_position))
                   for r in shown.revisions},
        form=form,
        may_upload=shown.may_upload,
        airs=shown.airs,
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
        return _refuse_upload(lesson_id, form, _("The file was not accepted: %(reason)s", reason=upload_refusal(exc)))
    target = url_for("review.recording", recording_id=recording.id)
    if _wants_json():
        return jsonify(location=target), 201
    return redirect(target, 303)
