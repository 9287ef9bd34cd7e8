"""Small public files (pages, playlists, segments) sent by the app as the web server in front would send them.

Read whole, so no open file outlives the request whatever the client does (a player dropping a segment
half-way, a 304), with an ETag, Last-Modified and byte ranges.
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import Response, abort, request
from werkzeug.security import safe_join


def send_public_file(folder: Path, name: str, *, mimetype: str, cache_control: str) -> Response:
    """The file `name` below `folder` (404 when absent or outside it)."""
    found = safe_join(str(folder), name)
    path = Path(found) if found else None
    if path is None or not path.is_file():
        abort(404)
    stat = path.stat()
    response = Response(path.read_bytes(), mimetype=mimetype)
    response.set_etag(f"{stat.st_mtime_ns:x}-{stat.st_size:x}")
    response.last_modified = datetime.fromtimestamp(stat.st_mtime, UTC)
    response.headers["Cache-Control"] = cache_control
    response.make_conditional(request, accept_ranges=True, complete_length=stat.st_size)
    return response
