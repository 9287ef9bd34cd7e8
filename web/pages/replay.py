"""Replays for families (回放, no sign-in): a past broadcast day of a grade's channel, from any programme.

The VOD playlists are the ones the live side writes when a day ends (`<public>/live/<channel>/replay/<day>/`);
`#t=<seconds>` in the address starts the day at that programme (the guide links each one so).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, url_for

from scheduler.services import guide, live
from web.context import db, now, settings
from web.family_pages import family_page, rendered_now
from web.pages.live import programme

bp = Blueprint("replay", __name__, url_prefix="/replay")


@bp.route("/grade<int:grade>/<isodate:day>")
@family_page
def day(grade: int, day: date) -> Any:
    """A past day of the grade's first public channel, with its programmes to start from."""
    moment = rendered_now(now())
    found = guide.grade_guide(db(), grade, now=moment, first=day, days=1)
    channel = found.channels[0]
    if day not in live.replay_days(settings().public, channel.id, guide.broadcast_day(channel, moment)):
        abort(404)
    the_day = found.day_list(channel.id)[0]
    entries = [(entry, int((entry.starts - the_day.starts_at).total_seconds())) for entry in the_day.entries]
    return render_template(
        "guide/replay.html", guide=found, channel=channel, day=the_day, entries=entries,
        programmes=[programme(e) for e in the_day.entries],
        playlist=url_for("live.live_file", name=f"{channel.id}/{live.REPLAY}/{day.isoformat()}/master.m3u8"),
    )
