"""Admin pages of channels: a new channel, its name and public/internal switch, and its weekly slot template,
edited as rows of a form (each problem shown next to its row) or, in the advanced view, as JSON."""
from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from scheduler.domain.catalogue import AlreadyExists
from scheduler.domain.channels import WEEKDAYS, Channel, InvalidChannel, InvalidTemplate, WeeklyTemplate
from scheduler.domain.policy import PolicyViolation, policy_for, template_problems
from scheduler.services import admin_audit, curriculum
from scheduler.services.channels import edit_channel, get_channel, list_channels, save_channel
from scheduler.services.permissions import Permission
from scheduler.store import plan_json
from web.context import current_actor, db, now
from web.pages.admin.blueprint import bp
from web.pages.auth import page_login_required
from web.presenters import template_rows
from web.presenters.admin_changes import change_summary
from web.presenters.messages import WEEKDAY_LABELS, template_refusal

CHANNEL_FIELDS = {
    "id": _l("Use a DNS-like id of letters, digits and dots, e.g. grade3.jiaxing.airclass."),
    "name": _l("Enter the channel's name."),
    "grades": _l("Enter one or more grades from 1 to 12, separated by commas."),
}


class ChannelForm(FlaskForm):
    """A channel's name and whether families see it."""

    name = StringField(_l("Channel name"), validators=[DataRequired(_l("Enter the channel's name.")), Length(max=200)])
    public = BooleanField(_l("Public: families see it in the guide (unticked: internal, for tests and rehearsals)"))


class NewChannelForm(ChannelForm):
    """A new channel: its id for good, and its grades; its slot template starts empty."""

    id = StringField(_l("Channel id (never changes)"), validators=[DataRequired(CHANNEL_FIELDS["id"]), Length(max=100)])
    grades = StringField(_l("Grades (e.g. 3 or 7,8,9)"), validators=[DataRequired(CHANNEL_FIELDS["grades"]),
                                                                     Length(max=40)])


class TemplateForm(FlaskForm):
    template = TextAreaField(_l("Weekly slot template (JSON)"), validators=[DataRequired(_l("Enter the template."))])


def _channels_page(form: NewChannelForm, status: int = 200) -> Any:
    return render_template("admin/channels.html", channels=list_channels(db()), form=form), status


@bp.route("/channels/")
@page_login_required(Permission.EDIT_CHANNELS)
def channels() -> Any:
    """The channels on air, to edit, and the form for a new one."""
    return _channels_page(NewChannelForm(formdata=None, public=True))


@bp.route("/channels/", methods=["POST"])
@page_login_required(Permission.EDIT_CHANNELS)
def create_channel() -> Any:
    """Create a channel with an empty template; a refused one comes back with the reason next to the field."""
    form = NewChannelForm()
    if not form.validate_on_submit():
        return _channels_page(form, 422)
    try:
        grades = tuple(int(g) for g in (form.grades.data or "").replace("，", ",").split(","))
        channel = Channel((form.id.data or "").strip(), (form.name.data or "").strip(), grades,
                          public=bool(form.public.data))
        save_channel(db(), channel, WeeklyTemplate.from_weekdays({}), at=now(), new=True, by=current_actor())
    except ValueError:
        form.grades.errors.append(str(CHANNEL_FIELDS["grades"]))
        return _channels_page(form, 422)
    except InvalidChannel as refused:
        getattr(form, refused.field, form.id).errors.append(str(CHANNEL_FIELDS.get(refused.field, refused.reason)))
        return _channels_page(form, 422)
    except AlreadyExists:
        form.id.errors.append(_("A channel with this id exists already (ids are never reused)."))
        return _channels_page(form, 422)
    flash(_("Channel %(name)s created: now give it its slots.", name=channel.name))
    return redirect(url_for("admin.channel", channel_id=channel.id), 303)


def _channel_page(channel_id: str, rows: list[template_rows.Row], *, settings: ChannelForm | None = None,
                  elsewhere: tuple[str, ...] = (), refused: bool = False, status: int = 200) -> Any:
    channel, template = get_channel(db(), channel_id)
    subjects = curriculum.list_subjects(db())
    known = {code for code, _name in subjects}
    subjects += [(row.subject, row.subject) for row in rows if row.subject and row.subject not in known]
    settings = settings or ChannelForm(formdata=None, name=channel.name, public=channel.public)
    return render_template(
        "admin/channel.html", channel=channel, rows=rows, settings=settings, policy=policy_for(channel),
        subjects=sorted(set(subjects)), weekdays=[(str(i), WEEKDAY_LABELS[day]) for i, day in enumerate(WEEKDAYS)],
        kinds=template_rows.KIND_LABELS, overrides=len(template.overrides), elsewhere=elsewhere, refused=refused,
        changes=admin_audit.events_about(db(), "channel", channel_id, newest_first=True), change_summary=change_summary,
    ), status


@bp.route("/channels/<channel_id>")
@page_login_required(Permission.EDIT_CHANNELS)
def channel(channel_id: str) -> Any:
    """A channel: its settings, and its weekly slots as rows with the grade's screen-time policy beside them."""
    found, template = get_channel(db(), channel_id)
    return _channel_page(channel_id, template_rows.rows_of(template, found.fps))


@bp.route("/channels/<channel_id>", methods=["POST"])
@page_login_required(Permission.EDIT_CHANNELS)
def save_rows(channel_id: str) -> Any:
    """Add a row, remove one, or check and save the rows; with a problem, nothing is saved and each is shown at its row."""
    found, stored = get_channel(db(), channel_id)  # the CSRF token was checked by CSRFProtect, as on every form
    rows = template_rows.rows_from_form(request.form)
    if "add" in request.form:
        last = rows[-1].weekday if rows else "0"
        return _channel_page(channel_id, [*rows, template_rows.Row(weekday=last)])
    if (remove := request.form.get("remove", "")).isdigit():
        return _channel_page(channel_id, [row for i, row in enumerate(rows) if i != int(remove)])
    subjects = {code for code, _name in curriculum.list_subjects(db())} | {
        spec.subject for day in stored.week for spec in day if spec.subject}
    edited = template_rows.template_of(rows, found.fps, subjects, stored)
    elsewhere: list[str] = []
    if edited.template is not None:
        elsewhere = template_rows.place(edited, template_problems(policy_for(found), found, edited.template))
    if edited.template is None or any(row.messages for row in edited.rows) or elsewhere:
        return _channel_page(channel_id, edited.rows, elsewhere=tuple(elsewhere), refused=True, status=422)
    save_channel(db(), found, edited.template, at=now(), new=False, by=current_actor())
    flash(_("Template of %(channel)s saved.", channel=found.name))
    return redirect(url_for("admin.channel", channel_id=channel_id), 303)


@bp.route("/channels/<channel_id>/settings", methods=["POST"])
@page_login_required(Permission.EDIT_CHANNELS)
def edit_settings(channel_id: str) -> Any:
    """Rename a channel or switch it between public and internal."""
    found, template = get_channel(db(), channel_id)
    form = ChannelForm()
    if form.validate_on_submit():
        try:
            edit_channel(db(), current_actor(), channel_id, name=form.name.data or "", public=bool(form.public.data),
                         at=now())
        except InvalidChannel:
            form.name.errors.append(str(CHANNEL_FIELDS["name"]))
        else:
            flash(_("Channel %(name)s saved.", name=(form.name.data or "").strip()))
            return redirect(url_for("admin.channel", channel_id=channel_id), 303)
    return _channel_page(channel_id, template_rows.rows_of(template, found.fps), settings=form, status=422)


def _json_page(channel_id: str, form: TemplateForm, *, violations: tuple = (), error: str | None = None) -> Any:
    channel, _template = get_channel(db(), channel_id)
    status = 422 if violations or error or form.errors else 200
    return render_template(
        "admin/channel_json.html", channel=channel, form=form, policy=policy_for(channel), violations=violations,
        error=error,
    ), status


@bp.route("/channels/<channel_id>/json")
@page_login_required(Permission.EDIT_CHANNELS)
def channel_json(channel_id: str) -> Any:
    """The advanced view: the whole template (date overrides too) as JSON."""
    found, template = get_channel(db(), channel_id)
    text = json.dumps(plan_json.template_to_dict(template, found.fps), ensure_ascii=False, indent=2)
    return _json_page(channel_id, TemplateForm(formdata=None, template=text))


def _parse_template(text: str, fps: int) -> WeeklyTemplate:
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise InvalidTemplate("weekly template", 'must be a JSON object: {"week": [...], "overrides": [...]}')
    return plan_json.template_from_dict(doc, fps)


@bp.route("/channels/<channel_id>/json", methods=["POST"])
@page_login_required(Permission.EDIT_CHANNELS)
def save_template(channel_id: str) -> Any:
    """Save the template as JSON; one that breaks the policy is shown with every violation, and nothing is saved."""
    form = TemplateForm()
    if not form.validate_on_submit():
        return _json_page(channel_id, form)
    found, _old = get_channel(db(), channel_id)
    try:
        template = _parse_template(form.template.data or "", found.fps)
        save_channel(db(), found, template, at=now(), new=False, by=current_actor())
    except json.JSONDecodeError as bad:
        return _json_page(channel_id, form, error=_("Not valid JSON: line %(line)s, column %(column)s.",
                                                    line=bad.lineno, column=bad.colno))
    except InvalidTemplate as bad:
        reason = template_refusal(bad)
        return _json_page(channel_id, form, error=_("The slots cannot make a broadcast day: %(reason)s", reason=reason))
    except PolicyViolation as refused:
        return _json_page(channel_id, form, violations=refused.violations)
    flash(_("Template of %(channel)s saved.", channel=found.name))
    return redirect(url_for("admin.channel_json", channel_id=channel_id), 303)
