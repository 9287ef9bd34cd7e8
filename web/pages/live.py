"""Live channels for families (no sign-in): a grade's player page, and the live playlists and segments as files.

The playlists and segments are written under `<public>/live/` (a channel's `<channel id>/master.m3u8`
beside its variant playlists; segments elsewhere below). nginx serves them itself when it is in front
(`airclass nginx-config`, with the same names, types and caching); the app serves them when nothing is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext

from scheduler.domain.plan import EventKind
from scheduler.services import guide
from web.context import db, now
from web.family_pages import family_page, rendered_now
from web.public_files import send_public_file

bp = Blueprint("live", __name__, url_prefix="/live")


@dataclass(frozen=True)
class LiveFileKind:
    """How one kind of live file goes out: its type and how long caches may keep it."""

    extension: str
    mimetype: str
    cache_control: str


LIVE_FILES = (
    LiveFileKind("m3u8", "application/vnd.apple.mpegurl", "public, max-age=1"),  # rewritten at every segment
    LiveFileKind("ts", "video/mp2t", "public, max-age=31536000, immutable"),  # a segment's name never gets other bytes
)
# A file's path below live/: no empty, `.` or `..` part, none hidden (a writer's temporaries start with a dot).
LIVE_PATH = r"(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*"


def live_name_pattern(kind: LiveFileKind) -> str:
    """The regular expression a live file's path below live/ matches (the app's check and nginx's location)."""
    return rf"{LIVE_PATH}\.{kind.extension}"


@bp.route("/<path:name>")
def live_file(name: str) -> Any:
    """A playlist or segment from `<public>/live/` with its type and caching; 404 for any other name."""
    kind = next((k for k in LIVE_FILES if re.fullmatch(live_name_pattern(k), name)), None)
    if kind is None:
        abort(404)
    folder = current_app.config["AIRCLASS_SETTINGS"].public / "live"
    return send_public_file(folder, name, mimetype=kind.mimetype, cache_control=kind.cache_control)


def programme(entry: guide.GuideEntry) -> dict[str, str]:
    standby = entry.kind == EventKind.STANDBY
    title = gettext("No lesson in this slot (standby programme)") if standby else entry.title
    return {"starts": entry.starts.isoformat(), "ends": entry.ends.isoformat(), "title": title}


@bp.route("/grade<int:grade>")
@family_page
def grade(grade: int) -> Any:
    """The grade's public channel live (`?channel=` picks one of several), with today's programmes for 'on now'."""
    found = guide.grade_guide(db(), grade, now=rendered_now(now()), days=1)
    chosen = request.args.get("channel", found.channels[0].id)
    channel = next((c for c in found.channels if c.id == chosen), None)
    if channel is None:
        abort(404)
    today = found.day_list(channel.id)[0]
    return render_template(
        "guide/live.html", guide=found, channel=channel, programmes=[programme(e) for e in today.entries],
        playlist=url_for("live.live_file", name=f"{channel.id}/master.m3u8"),
    )
