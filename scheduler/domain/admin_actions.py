"""What an admin (or a user on their own account) can change, as recorded in the admin audit trail."""

from __future__ import annotations

from enum import StrEnum


class AdminAction(StrEnum):
    """A change to accounts or channels; each is one append-only row of the admin audit trail."""

    USER_CREATED = "user_created"
    USER_EDITED = "user_edited"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    PASSWORD_RESET = "password_reset"  # an admin set another account's password
    PASSWORD_CHANGED = "password_changed"  # a user changed their own
    CHANNEL_CREATED = "channel_created"
    CHANNEL_EDITED = "channel_edited"  # name or public/internal
    TEMPLATE_SAVED = "template_saved"
