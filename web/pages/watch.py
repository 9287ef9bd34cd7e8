"""Watching a lesson again (no sign-in): the page the feeds' on-demand links open, and its files."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, send_file

from scheduler.services import on_demand
from web.context import db, store

bp = Blueprint("watch", __name__, url_prefix="/watch")
FILES = {"video.mp4": ("video", "video/mp4"), "poster.jpg": ("poster", "image/jpeg")}


@bp.route("/<int:recording_id>")
def lesson(recording_id: int) -> Any:
    """The lesson's on-demand video (or a note that it is being prepared)."""
    return render_template("guide/watch.html", lesson=on_demand.on_demand(db(), recording_id))


@bp.route("/<int:recording_id>/<any(video.mp4,poster.jpg):name>")
def media(recording_id: int, name: str) -> Any:
    """The on-demand MP4 or its poster (range requests for the video)."""
    field, mimetype = FILES[name]
    path = getattr(on_demand.on_demand(db(), recording_id), field)
    if path is None:
        abort(404)
    response = send_file(store().root / path, mimetype=mimetype, conditional=True, max_age=3600)
    response.cache_control.public = True
    return response
