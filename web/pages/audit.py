"""The audit log pages: review decisions and admin changes filtered by actor, action, county and dates, a page at a time or as CSV."""
from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from scheduler.domain.admin_actions import AdminAction
from scheduler.domain.review_terms import Action
from scheduler.exports import spreadsheet
from scheduler.services import audit_log
from scheduler.services.permissions import Permission
from web.context import current_actor, db, settings
from web.i18n import ACTION_LABELS, ROLE_LABELS, STATE_LABELS, grade_label
from web.pages.auth import page_login_required
from web.presenters import admin_changes

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50
CSV_COLUMNS = (
    _l("Time"), _l("Username"), _l("Name"), _l("Role"), _l("Action"), _l("From state"), _l("To state"),
    _l("Comment"), _l("Recording"), _l("Revision"), _l("Grade"), _l("Subject"), _l("Lesson no."), _l("Title"),
    _l("County"), "SHA-256", _l("Account or channel"), _l("What changed"),
)


@bp.route("/")
@page_login_required(Permission.READ_AUDIT_LOG)
def log() -> Any:
    """One page of the entries the reader may read, with the filters' form."""
    filters, args, errors = _filters()
    entries = audit_log.browse(db(), current_actor(), filters, tz=settings().timezone,
                               page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    choices = audit_log.choices(db(), current_actor())
    actions = [*ACTION_LABELS.items(), *(admin_changes.ACTION_LABELS.items() if choices.admin_changes else [])]
    return render_template("audit/log.html", entries=entries, choices=choices, filters=args, errors=errors,
                           actions=actions, admin_action_label=admin_changes.ACTION_LABELS.get,
                           change_summary=admin_changes.change_summary, target_label=_target,
                           zone=settings().timezone), 422 if errors else 200


@bp.route("/export.csv")
@page_login_required(Permission.READ_AUDIT_LOG)
def export() -> Any:
    """Every entry under the filters as CSV for spreadsheets (UTF-8 with BOM, formula-safe cells)."""
    filters, _args, errors = _filters()
    if errors:
        return log()
    tz = settings().timezone
    entries = audit_log.export(db(), current_actor(), filters, tz=tz)
    body = spreadsheet.to_csv([str(name) for name in CSV_COLUMNS], (_csv_row(entry, tz) for entry in entries))
    name = f"audit-log-{filters.first or 'start'}-{filters.last or 'now'}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"})


def _filters() -> tuple[audit_log.AuditFilters, dict[str, str], list[str]]:
    """The filters asked for, the query arguments to keep them from page to page, and what could not be read."""
    errors: list[str] = []
    args = {key: request.args.get(key, "").strip() for key in ("actor", "action", "county", "from", "to")}

    def number(key: str) -> int | None:
        return int(args[key]) if args[key].isdigit() and len(args[key]) < 10 else None

    def day(key: str, label: str) -> date | None:
        try:
            return date.fromisoformat(args[key]) if args[key] else None
        except ValueError:
            errors.append(_("%(field)s is not a date (e.g. 2026-11-29).", field=label))
            return None

    action: Action | AdminAction | None = None
    if args["action"] in {a.value for a in Action}:
        action = Action(args["action"])
    elif args["action"] in {a.value for a in AdminAction}:
        action = AdminAction(args["action"])
    filters = audit_log.AuditFilters(
        actor_id=number("actor"), action=action, county_id=number("county"),
        first=day("from", _("From")), last=day("to", _("To")),
    )
    return filters, {key: value for key, value in args.items() if value}, errors


def _target(entry: audit_log.AdminEntry) -> str:
    """The account or channel an admin change was made to."""
    if entry.target_kind == "user":
        return _("Account %(name)s", name=entry.target)
    return _("Channel %(name)s", name=entry.target)


def _csv_row(entry: audit_log.AuditEntry | audit_log.AdminEntry, tz: str) -> list[object]:
    """One entry as cells: local time to the second, labels in the page's language, texts as stored."""
    if isinstance(entry, audit_log.AdminEntry):
        return [
            f"{entry.at.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M:%S}",
            entry.actor_username or "", entry.actor_name or _("System"), ROLE_LABELS[entry.role],
            admin_changes.ACTION_LABELS[entry.action], *[""] * 11, _target(entry), admin_changes.change_summary(entry),
        ]
    return [
        f"{entry.at.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M:%S}",
        entry.actor_username or "", entry.actor_name or _("System"), ROLE_LABELS[entry.role],
        ACTION_LABELS[entry.action], STATE_LABELS[entry.from_state], STATE_LABELS[entry.to_state],
        entry.comment or "", entry.recording_id, entry.revision, grade_label(entry.grade), entry.subject,
        entry.sequence, entry.title, entry.county, entry.checksum, "", "",
    ]
