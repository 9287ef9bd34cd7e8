"""Review pages: my queue, and a recording's page with preview, technical QC, history and decisions."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length
from wtforms.widgets import HiddenInput

from scheduler.domain import review_errors
from scheduler.domain.review import Actor
from scheduler.domain.review_terms import Action
from scheduler.services import permissions, recording_pages, recordings
from scheduler.services.permissions import Permission
from scheduler.store.models import Recording
from web.context import current_actor, db, now, store
from web.i18n import ACTION_LABELS
from web.pages.auth import page_login_required
from web.presenters.messages import review_refusal
from web.presenters.qc_panel import QcPanel, failed_labels, pending_panel_args, qc_panel

bp = Blueprint("review", __name__)

GO_ON = frozenset({Action.APPROVE, Action.REQUEST_CHANGES})  # decisions after which the next item opens
NEEDS_COMMENT = frozenset({Action.REQUEST_CHANGES, Action.REVOKE, Action.SIGN_OFF_QC})
PAGE_ACTIONS = (Action.SUBMIT, Action.SIGN_OFF_QC, Action.APPROVE, Action.REQUEST_CHANGES, Action.WITHDRAW,
                Action.REVOKE)
COMMENT_LABELS = {  # each box says what its comment is for: two boxes side by side must not look alike
    Action.APPROVE: _l("Note with your approval (optional)"),
    Action.REQUEST_CHANGES: _l("What must change (required)"),
    Action.REVOKE: _l("Reason for revoking the approval (required)"),
    Action.SIGN_OFF_QC: _l("Why it may air despite the failed QC (required)"),
}


class ActionForm(FlaskForm):
    """One decision on the revision the reviewer saw (its version and checksum ride along)."""

    action = HiddenField(validators=[AnyOf([a.value for a in PAGE_ACTIONS])])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=4000)])
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    checksum = HiddenField(validators=[InputRequired(), Length(max=64)])
    confirm = BooleanField(_l("I confirm: the published days that air it will air the standby programme instead"))

    def validate_confirm(self, field: BooleanField) -> None:
        """A revocation is confirmed: it changes published days."""
        if self.action.data == Action.REVOKE and not field.data:
            field.errors.append(_("Tick the box to confirm the revocation."))

    def validate_comment(self, field: TextAreaField) -> None:
        """request_changes, revoke and sign_off_qc say why."""
        if self.action.data not in NEEDS_COMMENT or (field.data or "").strip():
            return
        if self.action.data == Action.SIGN_OFF_QC:
            field.errors.append(_("Write a comment: say why the recording may air despite the failed QC."))
        elif self.action.data == Action.REVOKE:
            field.errors.append(_("Write the reason for revoking the approval."))
        else:
            field.errors.append(_("Write a comment: say what must change and why."))


@bp.route("/review/")
@page_login_required(Permission.REVIEW)
def queue() -> Any:
    """What waits on my decision, most urgent first (the earliest planned air date), with the counts per step."""
    page = request.args.get("page", 1, type=int)
    found = recording_pages.review_queue(db(), current_actor(), at=now(), page=page, per_page=20)
    return render_template("review/queue.html", waiting=found.waiting, counts=found.counts)


def _forms(recording: Recording, allowed: list[Action], failed: ActionForm | None) -> dict[Action, ActionForm]:
    forms = {}
    for action in (a for a in PAGE_ACTIONS if a in allowed):
        if failed is not None and failed.action.data == action.value:
            forms[action] = failed
            continue
        form = ActionForm(formdata=None, action=action.value, version=recording.version, checksum=recording.checksum)
        forms[action] = form
    return forms


def _recording_page(
    actor: Actor, recording_id: int, *, failed: ActionForm | None = None, conflict: bool = False,
    blocked: str | None = None, refused: str | None = None,
) -> Any:
    """The recording page; after a refused decision (`conflict`, `blocked` by failed QC checks, `refused` with a
    sentence) it shows why, with status 409."""
    shown = recording_pages.recording_page(db(), actor, recording_id, at=now())
    qc = qc_panel(shown.ingest, shown.ingest_job, store().root, shown.history,
                  **pending_panel_args(shown.recording, shown.ingest_position))
    status = 409 if conflict or blocked or refused else 422 if failed is not None else 200
    page = render_template(
        "review/recording.html",
        recording=shown.recording,
        history=shown.history,
        forms=_forms(shown.recording, shown.allowed_actions, failed),
        comment_labels=COMMENT_LABELS,
        decides=shown.decides,
        airs_on=shown.airs_on,
        lesson_link=permissions.may(actor, Permission.RECORD_LESSONS),  # teachers have a page per lesson
        refresh_qc=qc.pending,
        sent_back=shown.sent_back,
        conflict=conflict,
        qc=qc,
        approval_blocked=blocked is not None,
        refused=refused,
        waits_for_qc=shown.waits_for_qc,
        qc_failed_checks=_qc_failed_checks(qc, shown.allowed_actions, blocked),
    )
    return page, status


def _qc_failed_checks(qc: QcPanel, allowed: list[Action], blocked: str | None) -> str | None:
    """The failed checks in the page's words, when they now stand between this reviewer and approval."""
    if blocked is not None:
        return failed_labels(blocked)
    if Action.SIGN_OFF_QC in allowed and qc.report is not None:
        return failed_labels(",".join(qc.report.failed))
    return None


@bp.route("/recordings/<int:recording_id>")
@page_login_required()
def recording(recording_id: int) -> Any:
    """A recording: preview, technical facts, the full audit history and what I may decide."""
    return _recording_page(current_actor(), recording_id)


@bp.route("/recordings/<int:recording_id>/actions", methods=["POST"])
@page_login_required()
def act(recording_id: int) -> Any:
    """Take a decision; if someone else decided meanwhile, show the recording as it now stands."""
    actor, form = current_actor(), ActionForm()
    if not form.validate_on_submit():
        return _recording_page(actor, recording_id, failed=form)
    action = Action(form.action.data)
    try:
        recordings.act_on_recording(
            db(),
            actor,
            recording_id,
            action,
            at=now(),
            comment=form.comment.data,
            reviewed_checksum=form.checksum.data,
            expected_version=form.version.data,
        )
    except (review_errors.ReviewConflict, review_errors.NothingToSignOff):  # NothingToSignOff: another signed it off meanwhile
        return _recording_page(actor, recording_id, conflict=True)
    except review_errors.QcBlocksApproval as exc:
        return _recording_page(actor, recording_id, blocked=exc.failed)
    except review_errors.QcNotFinished as exc:
        return _recording_page(actor, recording_id, refused=review_refusal(exc))
    flash(_("Done: %(action)s.", action=ACTION_LABELS[action]))
    if action in GO_ON:  # the reviewer's work on this one is done: on to the most urgent one still waiting
        following = recording_pages.next_in_queue(db(), actor, after=recording_id, at=now())
        return redirect(url_for("review.recording", recording_id=following) if following else url_for("review.queue"), 303)
    return redirect(url_for("review.recording", recording_id=recording_id), 303)


@bp.app_template_filter("duration")
def duration(recording: Recording) -> str:
    """The recording's length as m:ss."""
    seconds = int(Fraction(recording.duration_frames * recording.frame_rate_den, recording.frame_rate_num))
    return f"{seconds // 60}:{seconds % 60:02d}"


@bp.app_template_filter("megabytes")
def megabytes(size_bytes: int) -> str:
    """A file size in MB with one decimal."""
    return f"{size_bytes / 1_000_000:.1f} MB"
