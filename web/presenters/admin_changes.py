"""The admin audit trail of one account or channel as its page lists it, in the page's language."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from scheduler.domain.admin_actions import AdminAction
from scheduler.services.audit_log import AdminEntry
from scheduler.store.models import AdminEvent

ACTION_LABELS = {
    AdminAction.USER_CREATED: _l("account created"),
    AdminAction.USER_EDITED: _l("account edited"),
    AdminAction.USER_DISABLED: _l("account disabled"),
    AdminAction.USER_ENABLED: _l("account enabled again"),
    AdminAction.PASSWORD_RESET: _l("password reset by an admin"),
    AdminAction.PASSWORD_CHANGED: _l("password changed by its owner"),
    AdminAction.CHANNEL_CREATED: _l("channel created"),
    AdminAction.CHANNEL_EDITED: _l("name or visibility changed"),
    AdminAction.TEMPLATE_SAVED: _l("slot template saved"),
}
FIELD_LABELS = {
    "display_name": _l("Name shown"), "role": _l("Role"), "school_id": _l("School"), "county_id": _l("County"),
    "city_id": _l("City"), "active": _l("Active"), "name": _l("Channel name"), "public": _l("Public"),
}


def change_summary(event: AdminEvent | AdminEntry) -> str:
    """What happened, and which fields changed when it was an edit."""
    label = str(ACTION_LABELS[event.action])
    fields = [str(FIELD_LABELS[name]) for name in event.changes if name in FIELD_LABELS]
    if event.action in (AdminAction.USER_EDITED, AdminAction.CHANNEL_EDITED) and fields:
        listed = fields[0]
        for field in fields[1:]:
            listed = _("%(list)s, %(item)s", list=listed, item=field)
        return _("%(what)s: %(fields)s", what=label, fields=listed)
    return label
