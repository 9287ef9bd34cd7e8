"""API: background media jobs (transcodes, QC runs, day renders): their state, cancel and retry."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from scheduler.domain.job_states import (
    InvalidJobParams,
    JobConflict,
    JobError,
    JobNotFound,
    JobNotYours,
    JobState,
    UnknownJobKind,
)
from scheduler.queue import job_control
from scheduler.queue.job_queue import JobQueue
from web.api.schemas import PageArgsSchema, page_of
from web.context import api_login_required, current_actor, db, now
from web.problems import problem

bp = Blueprint("jobs", __name__, url_prefix="/api/jobs", description="Background media jobs")
_STATUS = {JobNotFound: 404, JobNotYours: 403, JobConflict: 409, UnknownJobKind: 422, InvalidJobParams: 422}


class JobSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    params = fields.Dict(keys=fields.String())
    state = fields.Enum(JobState, by_value=True)
    progress = fields.Integer(metadata={"description": "percent done"})
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    error = fields.String(allow_none=True, metadata={"description": "the tail of the last error"})
    result = fields.Dict(keys=fields.String(), allow_none=True)
    dedupe_key = fields.String(allow_none=True)
    submitted_by = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    worker_id = fields.String(allow_none=True, metadata={"description": "host:pid:token of the worker"})


class JobQuerySchema(PageArgsSchema):
    state = fields.Enum(JobState, by_value=True)
    kind = fields.String(validate=validate.Length(max=64))


JobPage = page_of(JobSchema, "JobPage")


def _queue() -> JobQueue:
    return current_app.extensions.setdefault("airclass.jobs", JobQueue())


@bp.errorhandler(JobError)
def _job_error(exc: JobError) -> Any:
    status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
    return problem(status, str(exc), error=type(exc).__name__)


@bp.route("/")
@api_login_required
@bp.arguments(JobQuerySchema, location="query")
@bp.response(200, JobPage)
def list_jobs(args: dict[str, Any]) -> Any:
    """Jobs, newest first: operators and admins see all, anyone else the jobs they submitted."""
    return job_control.list_jobs(
        db(), current_actor(), state=args.get("state"), kind=args.get("kind"),
        page=args["page"], per_page=args["per_page"],
    )


@bp.route("/<int:job_id>")
@api_login_required
@bp.response(200, JobSchema)
def get_job(job_id: int) -> Any:
    """One job, with its progress, error tail and result (404 if it is not yours to see)."""
    return job_control.get_job(db(), job_id, current_actor())


@bp.route("/<int:job_id>/cancel", methods=["POST"])
@api_login_required
@bp.response(200, JobSchema)
def cancel_job(job_id: int) -> Any:
    """Cancel a queued or running job (409 once it has ended); a running one's ffmpeg is stopped."""
    return job_control.cancel(db(), job_id, now=now(), actor=current_actor())


@bp.route("/<int:job_id>/retry", methods=["POST"])
@api_login_required
@bp.response(200, JobSchema)
def retry_job(job_id: int) -> Any:
    """Queue a failed or cancelled job again, with a fresh round of attempts (409 otherwise)."""
    return _queue().retry(db(), job_id, now=now(), actor=current_actor())
