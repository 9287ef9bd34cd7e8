"""Watching a lesson again (no sign-in): the page the guide, the library and the feeds' on-demand links open,
and its files. The page and its media (MP4, poster, HLS ladder) are written under `<public>/watch/` by the
family page writer; the app serves them from there, and the MP4 and poster from the media store until then."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, render_template, send_file

from scheduler.services import on_demand
from web.context import db, settings, store
from web.family_pages import family_page
from web.public_files import send_public_file

bp = Blueprint("watch", __name__, url_prefix="/watch")
FILES = {"video.mp4": ("video", "video/mp4"), "poster.jpg": ("poster", "image/jpeg")}
HLS_FILES = {"m3u8": ("application/vnd.apple.mpegurl", 60), "ts": ("video/mp2t", 31536000)}
HLS_NAME = r"[A-Za-z0-9_-]+\.(m3u8|ts)"


@bp.route("/<int:recording_id>")
@family_page
def lesson(recording_id: int) -> Any:
    """The lesson's on-demand video (or a note that it is being prepared)."""
    return render_template("guide/watch.html", lesson=on_demand.on_demand(db(), recording_id))


@bp.route("/<int:recording_id>/<any(video.mp4,poster.jpg):name>")
def media(recording_id: int, name: str) -> Any:
    """The on-demand MP4 or its poster (range requests for the video)."""
    field, mimetype = FILES[name]
    written = settings().public / "watch" / str(recording_id) / name
    if written.is_file():
        path = written
    else:
        found = getattr(on_demand.on_demand(db(), recording_id), field)
        if found is None:
            abort(404)
        path = store().root / found
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=3600)
    response.cache_control.public = True
    return response


@bp.route("/<int:recording_id>/hls/<name>")
def hls(recording_id: int, name: str) -> Any:
    """A playlist or segment of the lesson's HLS ladder, as written beside its page."""
    found = re.fullmatch(HLS_NAME, name)
    if found is None:
        abort(404)
    mimetype, max_age = HLS_FILES[found.group(1)]
    folder = settings().public / "watch" / str(recording_id) / "hls"
    return send_public_file(folder, name, mimetype=mimetype, cache_control=f"public, max-age={max_age}")
