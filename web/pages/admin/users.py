"""Admin pages of accounts: the list (searched, in pages), a new account, editing one (role, scope, disabling),
and resetting its password; every change is recorded by the service in the admin audit trail."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from scheduler.domain.catalogue import AlreadyExists, InvalidInput
from scheduler.domain.review_terms import Role
from scheduler.services import accounts, admin_audit, regions
from scheduler.services.permissions import Permission
from web.context import current_actor, db, now
from web.i18n import ROLE_LABELS
from web.pages.admin.blueprint import bp
from web.pages.auth import page_login_required
from web.presenters.admin_changes import change_summary

PEOPLE_ROLES = [role for role in Role if role is not Role.SYSTEM]
PER_PAGE = 50
FIELD_MESSAGES = {
    "username": _l("Use 1 to 64 characters."),
    "password": _l("Use at least %(n)s characters.", n=accounts.MIN_PASSWORD_LENGTH),
    "school_id": _l("A teacher belongs to a school: choose one."),
    "county_id": _l("A county reviewer needs a county: choose one."),
    "city_id": _l("A city reviewer needs a city: choose one."),
    "role": _l("This role is not for people."),
}
LAST_ADMIN = _l("The house needs an active admin: make another account admin first.")


def _optional_id(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def field_message(refused: InvalidInput) -> str:
    """A refused field's message in the page's language."""
    if refused.message == accounts.LAST_ADMIN:
        return str(LAST_ADMIN)
    return str(FIELD_MESSAGES.get(refused.field, refused.message))


class ScopeForm(FlaskForm):
    """Name shown, role and scope: what a new and an edited account share."""

    display_name = StringField(_l("Name shown"), validators=[Length(max=100)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in PEOPLE_ROLES])
    school_id = SelectField(_l("School (teachers)"), coerce=_optional_id)
    county_id = SelectField(_l("County (county reviewers)"), coerce=_optional_id)
    city_id = SelectField(_l("City (city and final reviewers)"), coerce=_optional_id)

    def offer(self, found: regions.Regions) -> Any:
        """Fill the scope choices from the regions on file."""
        for field, options in ((self.school_id, found.schools), (self.county_id, found.counties),
                               (self.city_id, found.cities)):
            field.choices = [SelectChoice("", "—")] + [SelectChoice(str(key), name) for key, name in options]
        return self

    def scope(self) -> dict[str, Any]:
        return {"display_name": self.display_name.data or "", "role": Role(self.role.data),
                "school_id": self.school_id.data, "county_id": self.county_id.data, "city_id": self.city_id.data}


class UserForm(ScopeForm):
    """A new account: who, with which role, over which school, county or city."""

    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter a username.")), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter a password.")), Length(max=200)])


class EditUserForm(ScopeForm):
    """An existing account's name, role, scope, and whether it may sign in."""

    active = BooleanField(_l("May sign in (unticked: disabled, and signed out everywhere)"))


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Enter a password.")), Length(max=200)])


@bp.route("/")
@page_login_required(Permission.EDIT_ACCOUNTS)
def start() -> Any:
    """The admin start page: the accounts."""
    return redirect(url_for("admin.users"))


def _users_page(form: UserForm, status: int = 200) -> Any:
    search = request.args.get("q", "")[:64]
    page = accounts.list_users(db(), page=request.args.get("page", 1, type=int), per_page=PER_PAGE, search=search)
    return render_template("admin/users.html", users=page, form=form, search=search), status


@bp.route("/users/")
@page_login_required(Permission.EDIT_ACCOUNTS)
def users() -> Any:
    """Every account with its role and scope (searched by username or name, in pages), and the form for a new one."""
    return _users_page(UserForm(formdata=None).offer(regions.list_regions(db())))


@bp.route("/users/", methods=["POST"])
@page_login_required(Permission.EDIT_ACCOUNTS)
def create_user() -> Any:
    """Create an account; a refused one comes back with the reason next to the field."""
    form = UserForm().offer(regions.list_regions(db()))
    if not form.validate_on_submit():
        return _users_page(form, 422)
    try:
        user = accounts.create_user(db(), current_actor(), username=form.username.data or "",
                                    password=form.password.data or "", at=now(), **form.scope())
    except AlreadyExists:
        form.username.errors.append(_("This username is taken."))
        return _users_page(form, 422)
    except InvalidInput as refused:
        getattr(form, refused.field, form.username).errors.append(field_message(refused))
        return _users_page(form, 422)
    flash(_("Account %(name)s created.", name=user.username))
    return redirect(url_for("admin.users"), 303)


def _user_page(user_id: int, form: EditUserForm, reset: PasswordResetForm, status: int = 200) -> Any:
    user = accounts.get_account(db(), user_id)
    changes = admin_audit.events_about(db(), "user", user_id, newest_first=True)
    return render_template("admin/user.html", user=user, form=form, reset=reset, changes=changes,
                           change_summary=change_summary, min_password=accounts.MIN_PASSWORD_LENGTH), status


def _edit_form(user_id: int) -> EditUserForm:
    found = accounts.get_account(db(), user_id)
    form = EditUserForm(formdata=None, display_name=found.display_name, role=found.role.value,
                        school_id=found.school_id, county_id=found.county_id, city_id=found.city_id,
                        active=found.active)
    return form.offer(regions.list_regions(db()))  # type: ignore[no-any-return]


@bp.route("/users/<int:user_id>")
@page_login_required(Permission.EDIT_ACCOUNTS)
def user(user_id: int) -> Any:
    """One account to edit, disable or give a new password."""
    return _user_page(user_id, _edit_form(user_id), PasswordResetForm(formdata=None))


@bp.route("/users/<int:user_id>", methods=["POST"])
@page_login_required(Permission.EDIT_ACCOUNTS)
def edit_user(user_id: int) -> Any:
    """Save an account's name, role, scope and whether it may sign in; the last active admin stays one."""
    form = EditUserForm().offer(regions.list_regions(db()))
    if not form.validate_on_submit():
        return _user_page(user_id, form, PasswordResetForm(formdata=None), 422)
    try:
        edited = accounts.edit_user(db(), current_actor(), user_id, active=form.active.data, at=now(), **form.scope())
    except InvalidInput as refused:
        getattr(form, refused.field, form.role).errors.append(field_message(refused))
        return _user_page(user_id, form, PasswordResetForm(formdata=None), 422)
    flash(_("Account %(name)s saved.", name=edited.username))
    return redirect(url_for("admin.user", user_id=user_id), 303)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@page_login_required(Permission.EDIT_ACCOUNTS)
def reset_password(user_id: int) -> Any:
    """Give an account a new password, kept to the password rule."""
    found = accounts.get_account(db(), user_id)
    reset = PasswordResetForm()
    edit = _edit_form(user_id)
    if not reset.validate_on_submit():
        return _user_page(user_id, edit, reset, 422)
    try:
        accounts.reset_password(db(), current_actor(), user_id, reset.password.data or "", at=now())
    except InvalidInput as refused:
        reset.password.errors.append(field_message(refused))
        return _user_page(user_id, edit, reset, 422)
    flash(_("The password of %(name)s was reset.", name=found.username))
    return redirect(url_for("admin.user", user_id=user_id), 303)
