"""Operator pages: channels, a channel day as a timeline, the week grid, readiness, assemble and publish, alerts,
the timed jobs.

Each page reads through one call to services/schedule_pages, which runs the same channel-day use cases
as the JSON API (web/api/channels.py); exports link to the API's download routes and to the public feeds.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import HiddenInput

from media.disk_space import NotEnoughSpace
from scheduler.domain.channels import Channel, ScheduleError
from scheduler.domain.day_glance import DayState
from scheduler.ops.timed_jobs import list_timed_jobs
from scheduler.services import channel_days, permissions, playout, schedule_pages, start_page
from scheduler.services.channels import get_channel
from scheduler.services.guide import broadcast_day
from scheduler.services.operator_alerts import acknowledge_alert, count_open_alerts, list_alerts
from scheduler.services.permissions import Permission
from scheduler.services.schedule_pages import WEEK
from scheduler.store.models import ChannelDay, DayStatus
from web.api.channel_schemas import MAX_DAYS
from web.context import current_actor, db, free_bytes, now, store
from web.pages.auth import page_login_required
from web.pages.jobs import JOB_STATE_LABELS
from web.presenters.messages import schedule_refusal
from web.presenters.timeline import (
    DAY_STATUS_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    day_cells,
    day_timeline,
    projected_cells,
)
from web.problems import space_refusal

bp = Blueprint("operator", __name__, url_prefix="/operator")
ACTION_LABELS = {
    "assembled": _l("Assembled as a draft"),
    "unchanged": _l("Unchanged"),
    "published": _l("Published"),
    "republished": _l("Republished"),
    "stood_in": _l("Standby put in"),
}
CHANGE_LABELS = {"added": _l("added"), "removed": _l("removed"), "changed": _l("changed")}
GLANCE_LABELS = {DayState.PUBLISHED: _l("Published"), DayState.DRAFT: _l("Draft only"),
                 DayState.NOT_ASSEMBLED: _l("Not assembled")}


class RangeForm(FlaskForm):
    """Which days to assemble or publish."""

    first = DateField(_l("First day"), validators=[InputRequired(_l("Choose the first day."))])
    days = IntegerField(
        _l("Days"), default=1,
        validators=[InputRequired(_l("Say how many days.")), NumberRange(1, MAX_DAYS, _l("From 1 to %(max)s days.", max=MAX_DAYS))],
    )
    confirm = BooleanField()  # publish even though lesson slots would air the standby programme
    fingerprint = HiddenField()  # of the preview confirmed (the publish-all action): what it showed must still hold


class RenderForm(FlaskForm):
    """Render the playout file of the published version the operator is looking at."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)])


@bp.record_once
def schedule_labels(state: Any) -> None:
    """Labels of slot kinds, readiness, day versions and outcomes, for every template (macros too)."""
    state.app.jinja_env.globals.update(
        kind_label=KIND_LABELS.get, status_label=STATUS_LABELS.get, day_status_label=DAY_STATUS_LABELS.get,
        outcome_label=ACTION_LABELS.get, change_label=CHANGE_LABELS.get, may_schedule=_may_schedule,
        glance_state_label=GLANCE_LABELS.get,
    )


@bp.app_context_processor
def unread_alerts() -> dict[str, Any]:
    """The operator nav's unacknowledged alert count, read only by the pages that show it."""
    return {"unread_alerts": lambda: count_open_alerts(db())}


def _may_schedule() -> bool:
    return permissions.may(current_actor(), Permission.STEER_SCHEDULE)


def _today(channel: Channel) -> date:
    return broadcast_day(channel, now())


def _first_arg() -> date | None:
    """The `from` day asked for; None (the broadcast day now) when absent or not a date."""
    asked = request.args.get("from", "")
    try:
        return date.fromisoformat(asked) if asked else None
    except ValueError:
        return None


@bp.route("/")
@page_login_required(Permission.READ_SCHEDULE)
def channels() -> Any:
    """The operator's start page: every channel's next seven days at a glance (published, draft or not assembled,
    lesson slots filled, at risk and unfilled, failed timed jobs), open alerts, and the range action."""
    shown = start_page.start_page(db(), current_actor(), now=now())
    form = RangeForm(formdata=None, first=shown.tomorrow, days=start_page.DAYS)
    return render_template("operator/start.html", page=shown, alerts=list_alerts(db()), form=form)


@bp.route("/publish-all", methods=["POST"])
@page_login_required(Permission.STEER_SCHEDULE)
def publish_all() -> Any:
    """Assemble and publish every public channel's days: first what would change and the lesson slots that would
    air the standby programme, each channel and day; applied only when the operator confirms."""
    form = RangeForm()
    if not form.validate_on_submit():
        shown = start_page.start_page(db(), current_actor(), now=now())
        return render_template("operator/start.html", page=shown, alerts=list_alerts(db()), form=form), 422
    first, days = form.first.data, form.days.data
    if not form.confirm.data:
        return _confirm_range(form, start_page.preview_range(db(), current_actor(), first, days, at=now()))
    try:
        done = start_page.apply_confirmed_range(db(), current_actor(), first, days, at=now(),
                                                fingerprint=form.fingerprint.data or "")
    except start_page.RangeChanged as changed:  # an approval or a publication since the preview: show it again
        return _confirm_range(form, changed.current, changed_since=True), 409
    status = 422 if done.nothing_applied else 200  # a partial run is reported
    return render_template("operator/range_outcome.html", form=form, runs=done.runs, refusal=schedule_refusal), status


def _confirm_range(form: RangeForm, preview: start_page.RangeAction, changed_since: bool = False) -> str:
    return render_template("operator/confirm_range.html", form=form, runs=preview.runs, fingerprint=preview.fingerprint,
                           changed_since=changed_since, refusal=schedule_refusal)


def _stored(channel_id: str, day: date) -> tuple[ChannelDay | None, ChannelDay | None]:
    versions = channel_days.day_versions(db(), channel_id, day, 1, plans=False)

    def pick(status: DayStatus) -> ChannelDay | None:
        return next((v for v in versions if v.status is status), None)

    return pick(DayStatus.DRAFT), pick(DayStatus.PUBLISHED)


def _day_context(channel_id: str, day: date | None) -> dict[str, Any]:
    shown = schedule_pages.day_page(db(), current_actor(), channel_id, day, now=now(), media_dir=store().root)
    channel, day = shown.channel, shown.day
    context: dict[str, Any] = {
        "channel": channel, "day": day, "draft": shown.draft, "published": shown.published, "plan": shown.plan,
        "previous": day - timedelta(days=1), "following": day + timedelta(days=1), "exports": _exports(channel, day),
        "versions": shown.versions,
    }
    if shown.plan is not None:
        context.update(shown=shown.shown, timeline=day_timeline(channel, shown.plan), cells=day_cells(channel, shown.plan))
    else:
        context["projected"] = shown.projected
    if shown.pending is not None:
        context["pending"] = shown.pending
    if shown.published is not None:
        context["playout"] = _playout(shown, shown.published.version)
    return context


def _playout(shown: schedule_pages.DayPage, version: int) -> dict[str, Any]:
    """The published version's playout file: its render job, whether the file is there, the form to render it."""
    return {"job": shown.render_job, "ready": shown.playout_ready, "form": RenderForm(formdata=None, version=version),
            "job_state_label": JOB_STATE_LABELS.get}


def _exports(channel: Channel, day: date) -> dict[str, Any]:
    """Download links of a published day: the API's XMLTV and playlists, the grades' public iCal feeds."""
    query: dict[str, Any] = {"channel": channel.id, "from": day.isoformat(), "days": 1}
    links: dict[str, Any] = {"xmltv": url_for("channels.xmltv", **query)}
    for fmt in ("json", "csv", "txt"):
        links[fmt] = url_for("channels.playlist", channel_id=channel.id, day=day, fmt=fmt)
    links["ical"] = [(grade, url_for("feeds.grade_feed", grade=grade)) for grade in channel.grades]
    return links


@bp.route("/channels/<channel_id>/days/<isodate:day>")
@page_login_required(Permission.READ_SCHEDULE)
def day_view(channel_id: str, day: date) -> Any:
    """One channel day: the timeline, its slots, what publishing would change, the forms and the exports."""
    context = _day_context(channel_id, day)
    form = RangeForm(formdata=None, first=day, days=1)
    return render_template("operator/day.html", form=form, **context)


@bp.route("/channels/<channel_id>/days/<isodate:day>/render", methods=["POST"])
@page_login_required(Permission.STEER_SCHEDULE)
def render_day(channel_id: str, day: date) -> Any:
    """Queue the render of the day's playout file (the version on the page; twice gives the same job)."""
    form = RenderForm()
    if not form.validate_on_submit():
        abort(400, description=_("The form does not name a version of the day."))
    _draft, published = _stored(channel_id, day)
    if published is None or published.version != form.version.data:
        flash(_("Version %(n)s is no longer the published version of this day: nothing was queued.",
                n=form.version.data))
    else:
        try:
            job = playout.request_render(db(), channel_id, day, published.version, at=now(),
                                         by=current_actor().user_id, media_dir=store().root, free_bytes=free_bytes())
        except NotEnoughSpace as refused:
            flash(space_refusal(refused))
        else:
            flash(_("Job %(id)s renders the playout file of version %(n)s.", id=job.id, n=published.version))
    return redirect(url_for("operator.day_view", channel_id=channel_id, day=day), 303)


@bp.route("/channels/<channel_id>/days/<isodate:day>/playout-v<int:version>.ts")
@page_login_required(Permission.READ_SCHEDULE)
def playout_file(channel_id: str, day: date, version: int) -> Any:
    """Download a version's playout file (MPEG-TS, range requests); 404 until it is rendered."""
    path = playout.rendered_file(db(), store().root, channel_id, day, version)
    if path is None:
        abort(404, description=_("This version of the day has no playout file yet."))
    return send_file(path, mimetype="video/mp2t", conditional=True, as_attachment=True,
                     download_name=f"{channel_id}-{day.isoformat()}-v{version}.ts")


@bp.route("/channels/<channel_id>/today")
@page_login_required(Permission.READ_SCHEDULE)
def today(channel_id: str) -> Any:
    """Today's broadcast day of a channel, in the channel's zone."""
    channel, _template = get_channel(db(), channel_id)
    return redirect(url_for("operator.day_view", channel_id=channel_id, day=_today(channel)))


@bp.route("/channels/<channel_id>/week")
@page_login_required(Permission.READ_SCHEDULE)
def week(channel_id: str) -> Any:
    """Seven days by slots, each cell coloured by its readiness; days not assembled yet show the projection."""
    shown = schedule_pages.week_page(db(), current_actor(), channel_id, _first_arg(), now=now())
    channel, first = shown.channel, shown.first
    rows = [_week_row(channel, day) for day in shown.days]
    columns = max((slot for r in rows for slot in r["cells"]), default=0)
    form = RangeForm(formdata=None, first=first, days=WEEK)
    return render_template(
        "operator/week.html", channel=channel, first=first, rows=rows, columns=columns, form=form,
        previous=first - timedelta(days=WEEK), following=first + timedelta(days=WEEK),
    )


def _week_row(channel: Channel, day: schedule_pages.WeekDay) -> dict[str, Any]:
    cells = day_cells(channel, day.plan) if day.plan is not None else projected_cells(channel, day.projected)
    return {"day": day.day, "version": day.version, "cells": {cell.slot: cell for cell in cells}}


@bp.route("/channels/<channel_id>/readiness")
@page_login_required(Permission.READ_SCHEDULE)
def readiness(channel_id: str) -> Any:
    """Lesson and replay slots of the coming days: filled, at risk, unfilled or overlong, with what is missing."""
    days = min(max(request.args.get("days", WEEK, type=int) or WEEK, 1), 31)
    shown = schedule_pages.readiness_page(db(), current_actor(), channel_id, _first_arg(), days, now=now())
    channel = shown.channel
    return render_template(
        "operator/readiness.html", channel=channel, first=shown.first, days=shown.days, reports=shown.reports,
        counts=shown.counts, lessons=shown.lessons, clock=lambda r: channel.moment(r.day, r.start).strftime("%H:%M"),
    )


def _run(channel_id: str, verb: str) -> Any:
    """Assemble or publish the days of the posted form; show each day's outcome and what changed."""
    form = RangeForm()
    if not form.validate_on_submit():
        return render_template("operator/day.html", form=form, **_day_context(channel_id, form.first.data)), 422
    use_case = channel_days.assemble if verb == "assemble" else channel_days.publish
    channel, _template = get_channel(db(), channel_id)
    first, days = form.first.data, form.days.data
    try:
        if verb == "publish" and not form.confirm.data:
            standby = channel_days.standby_lessons(channel_days.publish_preview(db(), channel_id, first, days, at=now()))
            if standby:  # a second step: the operator confirms the standby programme in lesson slots
                return render_template("operator/confirm_publish.html", channel=channel, form=form, standby=standby)
        outcomes = use_case(db(), channel_id, first, days, at=now(), by=current_actor().user_id)
    except ScheduleError as error:
        error_text = schedule_refusal(error)
        return render_template("operator/outcome.html", channel=channel, verb=verb, outcomes=[], error=error_text), 422
    return render_template("operator/outcome.html", channel=channel, verb=verb, outcomes=outcomes, error=None)


@bp.route("/channels/<channel_id>/assemble", methods=["POST"])
@page_login_required(Permission.STEER_SCHEDULE)
def assemble(channel_id: str) -> Any:
    """Assemble days as drafts (all or nothing)."""
    return _run(channel_id, "assemble")


@bp.route("/channels/<channel_id>/publish", methods=["POST"])
@page_login_required(Permission.STEER_SCHEDULE)
def publish(channel_id: str) -> Any:
    """Publish the days' drafts (assembling where a day has none); republishing lists what changed."""
    return _run(channel_id, "publish")


@bp.route("/alerts/")
@page_login_required(Permission.READ_SCHEDULE)
def alerts() -> Any:
    """Open alerts, newest first."""
    return render_template("operator/alerts.html", alerts=list_alerts(db()), form=FlaskForm())


@bp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@page_login_required(Permission.STEER_SCHEDULE)
def acknowledge(alert_id: int) -> Any:
    """Mark an alert as seen."""
    user_id = current_actor().user_id
    assert user_id is not None  # a signed-in person
    acknowledge_alert(db(), alert_id, at=now(), by=user_id)
    flash(_("Alert acknowledged."))
    return redirect(url_for("operator.alerts"), 303)


@bp.route("/timed-jobs/")
@page_login_required(Permission.READ_SCHEDULE)
def timed_jobs() -> Any:
    """The timed jobs (the API's /api/schedule/jobs): schedule, next run, last run and its outcome."""
    return render_template("operator/timed_jobs.html", jobs=list_timed_jobs(db()))
