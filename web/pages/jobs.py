"""The media jobs page: state and progress of transcodes, QC runs and day renders, with cancel and retry."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from scheduler.domain.job_states import CANCELLABLE, RETRYABLE, JobConflict, JobNotFound, JobState
from scheduler.queue import job_control
from scheduler.queue.job_queue import JobQueue
from scheduler.queue.registry import kind_names
from scheduler.services import permissions
from scheduler.services.job_subjects import job_subjects
from scheduler.services.permissions import Permission
from web.context import current_actor, db, now
from web.pages.auth import page_login_required

bp = Blueprint("jobs_pages", __name__, url_prefix="/operator/jobs")
REFRESH_SECONDS = 5  # the <noscript> reload; with JavaScript, jobs.js polls the jobs API instead
POLL_MILLISECONDS = 2000
PER_PAGE = 50
JOB_STATE_LABELS = {
    JobState.QUEUED: _l("Queued"),
    JobState.RUNNING: _l("Running"),
    JobState.SUCCEEDED: _l("Succeeded"),
    JobState.FAILED: _l("Failed"),
    JobState.CANCELLED: _l("Cancelled"),
}

JOB_KIND_LABELS = {  # the kinds scheduler/ops/job_kinds.py registers; another kind shows its name
    "ingest": _l("Technical QC"),  # then it queues the renditions (scheduler/services/ingest.py)
    "renditions": _l("Renditions"),
    "render_day": _l("Day playout file"),
    "checksum": _l("Checksum"),
    "probe": _l("Media probe"),
    "selftest": _l("Self-test"),
}


def job_kind_label(kind: str) -> str:
    """A job kind in the page's language."""
    return str(JOB_KIND_LABELS.get(kind, kind))


def _queue() -> JobQueue:
    # The same queue object the jobs API uses (it nudges Celery when that is the backend).
    return current_app.extensions.setdefault("airclass.jobs", JobQueue())


@bp.route("/")
@page_login_required(Permission.READ_SCHEDULE)
def jobs() -> Any:
    """Jobs, running ones first, then newest first, filtered by state and kind; while any of them is queued or
    running the rows update themselves (jobs.js)."""
    filters = _filters()
    page = job_control.list_jobs(
        db(), current_actor(), state=filters.get("state"), kind=filters.get("kind"), running_first=True,
        page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
    )
    live = any(job.state in CANCELLABLE for job in page.items)
    return render_template(
        "operator/jobs.html", jobs=page, refresh=REFRESH_SECONDS if live else None, cancellable=CANCELLABLE,
        retryable=RETRYABLE, job_state_label=JOB_STATE_LABELS.get, job_kind_label=job_kind_label,
        may_act=permissions.may(current_actor(), Permission.STEER_SCHEDULE),
        live=_live_settings(page.page, filters) if live else None, subjects=job_subjects(db(), page.items),
        filters=_as_args(filters), kinds=_kinds(), queued=JobState.QUEUED,
        states=list(JOB_STATE_LABELS.items()),
    )


def _filters() -> dict[str, Any]:
    """The state and kind asked for (an unknown value is no filter: the page shows all)."""
    filters: dict[str, Any] = {}
    state, kind = request.args.get("state", ""), request.args.get("kind", "")
    if state in {s.value for s in JobState}:
        filters["state"] = JobState(state)
    if kind in _kinds():
        filters["kind"] = kind
    return filters


def _kinds() -> dict[str, str]:
    """Every job kind a filter may ask for, with its label."""
    return {kind: job_kind_label(kind) for kind in sorted({*JOB_KIND_LABELS, *kind_names()})}


def _live_settings(page: int, filters: dict[str, Any]) -> dict[str, Any]:
    """What jobs.js needs, rendered into the page: where to poll, how often, the state rules and labels."""
    return {
        "poll": url_for("jobs.list_jobs", page=page, per_page=PER_PAGE, **_as_args(filters)),
        "interval_ms": POLL_MILLISECONDS,
        "labels": {state.value: str(label) for state, label in JOB_STATE_LABELS.items()},
        "cancellable": sorted(state.value for state in CANCELLABLE),
        "retryable": sorted(state.value for state in RETRYABLE),
    }


def _act(job_id: int, done: str, action: Any) -> Any:
    try:
        action(db(), job_id, now=now(), actor=current_actor())
    except JobNotFound:
        abort(404)
    except JobConflict as conflict:
        flash(_("Job %(id)s is %(state)s: nothing was done.", id=job_id, state=JOB_STATE_LABELS[conflict.state]))
    else:
        flash(done)
    return redirect(url_for("jobs_pages.jobs"), 303)


@bp.route("/<int:job_id>/cancel", methods=["POST"])
@page_login_required(Permission.STEER_SCHEDULE)
def cancel(job_id: int) -> Any:
    """Cancel a queued or running job."""
    return _act(job_id, _("Job %(id)s cancelled.", id=job_id), job_control.cancel)


@bp.route("/cancel", methods=["POST"])
@page_login_required(Permission.STEER_SCHEDULE)
def cancel_selected() -> Any:
    """Cancel the queued jobs ticked on the page (those that started meanwhile run on)."""
    wanted = sorted(set(request.form.getlist("job", type=int)))  # CSRF checked by the app's CSRFProtect
    if not wanted:
        flash(_("No jobs were selected."))
    else:
        done = job_control.cancel_queued(db(), wanted, now=now(), actor=current_actor())
        flash(ngettext("%(num)s queued job cancelled.", "%(num)s queued jobs cancelled.", len(done)))
        if len(done) < len(wanted):
            flash(_("%(n)s of the selected jobs were no longer queued: nothing was done to them.",
                    n=len(wanted) - len(done)))
    kept = {key: value for key in ("state", "kind") if (value := request.form.get(key, ""))}
    return redirect(url_for("jobs_pages.jobs", **_as_args(kept)), 303)


def _as_args(filters: dict[str, Any]) -> dict[str, Any]:
    """Filters as query arguments of url_for (typed Any: url_for's own keywords are not strings)."""
    return {key: str(value) for key, value in filters.items()}


@bp.route("/<int:job_id>/retry", methods=["POST"])
@page_login_required(Permission.STEER_SCHEDULE)
def retry(job_id: int) -> Any:
    """Queue a failed or cancelled job again."""
    return _act(job_id, _("Job %(id)s queued again.", id=job_id), _queue().retry)
