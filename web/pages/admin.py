"""Admin pages: accounts with their role and scope; channels and their slot templates, checked against the policy."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from scheduler.domain.catalogue import AlreadyExists, InvalidInput
from scheduler.domain.channels import InvalidTemplate, WeeklyTemplate
from scheduler.domain.policy import PolicyViolation, policy_for
from scheduler.domain.review_terms import Role
from scheduler.services import accounts, regions
from scheduler.services.channels import get_channel, list_channels, save_channel
from scheduler.services.permissions import Permission
from scheduler.store import plan_json
from web.context import db, now
from web.i18n import ROLE_LABELS
from web.pages.auth import page_login_required
from web.presenters.messages import template_refusal

bp = Blueprint("admin", __name__, url_prefix="/admin")
PEOPLE_ROLES = [role for role in Role if role is not Role.SYSTEM]
FIELD_MESSAGES = {
    "username": _l("Use 1 to 64 characters."),
    "password": _l("Use at least %(n)s characters.", n=accounts.MIN_PASSWORD_LENGTH),
    "school_id": _l("A teacher belongs to a school: choose one."),
    "county_id": _l("A county reviewer needs a county: choose one."),
    "city_id": _l("A city reviewer needs a city: choose one."),
    "role": _l("This role is not for people."),
}


def _optional_id(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


class UserForm(FlaskForm):
    """A new account: who, with which role, over which school, county or city."""

    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter a username.")), Length(max=64)])
    display_name = StringField(_l("Name shown"), validators=[Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter a password.")), Length(max=200)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in PEOPLE_ROLES])
    school_id = SelectField(_l("School (teachers)"), coerce=_optional_id)
    county_id = SelectField(_l("County (county reviewers)"), coerce=_optional_id)
    city_id = SelectField(_l("City (city and final reviewers)"), coerce=_optional_id)

    def offer(self, found: regions.Regions) -> UserForm:
        """Fill the scope choices from the regions on file."""
        for field, options in ((self.school_id, found.schools), (self.county_id, found.counties),
                               (self.city_id, found.cities)):
            field.choices = [SelectChoice("", "—")] + [SelectChoice(str(key), name) for key, name in options]
        return self


class TemplateForm(FlaskForm):
    template = TextAreaField(_l("Weekly slot template (JSON)"), validators=[DataRequired(_l("Enter the template."))])


@bp.route("/")
@page_login_required(Permission.EDIT_ACCOUNTS)
def start() -> Any:
    """The admin start page: the accounts."""
    return redirect(url_for("admin.users"))


def _users_page(form: UserForm, status: int = 200) -> Any:
    page = accounts.list_users(db(), page=request.args.get("page", 1, type=int), per_page=50)
    return render_template("admin/users.html", users=page, form=form), status


@bp.route("/users/")
@page_login_required(Permission.EDIT_ACCOUNTS)
def users() -> Any:
    """Every account with its role and scope, and the form for a new one."""
    return _users_page(UserForm(formdata=None).offer(regions.list_regions(db())))


@bp.route("/users/", methods=["POST"])
@page_login_required(Permission.EDIT_ACCOUNTS)
def create_user() -> Any:
    """Create an account; a refused one comes back with the reason next to the field."""
    form = UserForm().offer(regions.list_regions(db()))
    if not form.validate_on_submit():
        return _users_page(form, 422)
    try:
        user = accounts.create_user(
            db(), username=form.username.data or "", password=form.password.data or "", role=Role(form.role.data),
            display_name=form.display_name.data or "", at=now(),
            school_id=form.school_id.data, county_id=form.county_id.data, city_id=form.city_id.data,
        )
    except AlreadyExists:
        form.username.errors.append(_("This username is taken."))
        return _users_page(form, 422)
    except InvalidInput as refused:
        getattr(form, refused.field, form.username).errors.append(str(FIELD_MESSAGES.get(refused.field, refused.message)))
        return _users_page(form, 422)
    flash(_("Account %(name)s created.", name=user.username))
    return redirect(url_for("admin.users"), 303)


@bp.route("/channels/")
@page_login_required(Permission.EDIT_CHANNELS)
def channels() -> Any:
    """The channels on air, to edit their slot templates."""
    return render_template("admin/channels.html", channels=list_channels(db()))


def _channel_page(channel_id: str, form: TemplateForm, *, violations: tuple = (), error: str | None = None) -> Any:
    channel, _template = get_channel(db(), channel_id)
    status = 422 if violations or error or form.errors else 200
    return render_template(
        "admin/channel.html", channel=channel, form=form, policy=policy_for(channel), violations=violations,
        error=error,
    ), status


@bp.route("/channels/<channel_id>")
@page_login_required(Permission.EDIT_CHANNELS)
def channel(channel_id: str) -> Any:
    """A channel and its weekly slot template as JSON, with the grade's screen-time policy."""
    found, template = get_channel(db(), channel_id)
    text = json.dumps(plan_json.template_to_dict(template, found.fps), ensure_ascii=False, indent=2)
    return _channel_page(channel_id, TemplateForm(formdata=None, template=text))


def _parse_template(text: str, fps: int) -> WeeklyTemplate:
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise InvalidTemplate("weekly template", 'must be a JSON object: {"week": [...], "overrides": [...]}')
    return plan_json.template_from_dict(doc, fps)


@bp.route("/channels/<channel_id>", methods=["POST"])
@page_login_required(Permission.EDIT_CHANNELS)
def save_template(channel_id: str) -> Any:
    """Save the template; one that breaks the policy is shown with every violation, and nothing is saved."""
    form = TemplateForm()
    if not form.validate_on_submit():
        return _channel_page(channel_id, form)
    found, _old = get_channel(db(), channel_id)
    try:
        template = _parse_template(form.template.data or "", found.fps)
        save_channel(db(), found, template, at=now(), new=False)
    except json.JSONDecodeError as bad:
        return _channel_page(channel_id, form, error=_("Not valid JSON: line %(line)s, column %(column)s.",
                                                       line=bad.lineno, column=bad.colno))
    except InvalidTemplate as bad:
        reason = template_refusal(bad)
        return _channel_page(channel_id, form, error=_("The slots cannot make a broadcast day: %(reason)s", reason=reason))
    except PolicyViolation as refused:
        return _channel_page(channel_id, form, violations=refused.violations)
    flash(_("Template of %(channel)s saved.", channel=found.name))
    return redirect(url_for("admin.channel", channel_id=channel_id), 303)
