"""Admin pages: accounts (users.py) and channels with their slot templates (channels.py), on one blueprint."""
from __future__ import annotations

from web.pages.admin import channels, users
from web.pages.admin.blueprint import bp

__all__ = ["bp", "channels", "users"]
