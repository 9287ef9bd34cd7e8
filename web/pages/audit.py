"""The audit log pages: review decisions filtered by actor, action, county and dates, a page at a time or as CSV."""
from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from scheduler.domain.review_terms import Action
from scheduler.exports import spreadsheet
from scheduler.services import audit_log
from scheduler.services.permissions import Permission
from web.context import current_actor, db, settings
from web.i18n import ACTION_LABELS, ROLE_LABELS, STATE_LABELS, grade_label
from web.pages.auth import page_login_required

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50
CSV_COLUMNS = (
    _l("Time"), _l("Username"), _l("Name"), _l("Role"), _l("Action"), _l("From state"), _l("To state"),
    _l("Comment"), _l("Recording"), _l("Revision"), _l("Grade"), _l("Subject"), _l("Lesson no."), _l("Title"),
    _l("County"), "SHA-256",
)


@bp.route("/")
@page_login_required(Permission.READ_AUDIT_LOG)
def log() -> Any:
    """One page of the entries the reader may read, with the filters' form."""
    filters, args, errors = _filters()
    entries = audit_log.browse(db(), current_actor(), filters, tz=settings().timezone,
                               page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    choices = audit_log.choices(db(), current_actor())
    return render_template("audit/log.html", entries=entries, choices=choices, filters=args, errors=errors,
                           actions=list(ACTION_LABELS.items()), zone=settings().timezone), 422 if errors else 200


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

    action = args["action"] if args["action"] in {a.value for a in Action} else None
    filters = audit_log.AuditFilters(
        actor_id=number("actor"), action=Action(action) if action else None, county_id=number("county"),
        first=day("from", _("From")), last=day("to", _("To")),
    )
    return filters, {key: value for key, value in args.items() if value}, errors


def _csv_row(entry: audit_log.AuditEntry, tz: str) -> list[object]:
    """One entry as cells: local time to the second, labels in the page's language, texts as stored."""
    return [
        f"{entry.at.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M:%S}",
        entry.actor_username or "", entry.actor_name or _("System"), ROLE_LABELS[entry.role],
        ACTION_LABELS[entry.action], STATE_LABELS[entry.from_state], STATE_LABELS[entry.to_state],
        entry.comment or "", entry.recording_id, entry.revision, grade_label(entry.grade), entry.subject,
        entry.sequence, entry.title, entry.county, entry.checksum,
    ]
