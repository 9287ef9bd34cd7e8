"""The public iCal feeds written out as static files, for the web server in front of the app.

Hundreds of thousands of families poll their grade's feed; serving each poll through Python costs
a hundred times what a web server spends on a file. So every feed the app serves at
`/feeds/grade3.ics` and `/feeds/grade3/math.ics` is also kept at the same path under the public
folder (`feeds/grade3.ics`, `feeds/grade3/math.ics`), where nginx serves it (`airclass
nginx-config`) and falls back to the app for anything missing.

The files are rewritten after every commit that changes a channel, a channel day or a subject
(`refresh_after_commit`), and by the timed `refresh_feeds` job, which rolls the feed window over at
midnight and repairs a write lost to a crash. A file is replaced atomically and only when its bytes
change, so its modification time (nginx's ETag and Last-Modified) holds until the schedule does.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from media.atomic_write import FilesWritten, write_if_changed
from scheduler.services import exports
from scheduler.services.channels import channel_rows
from scheduler.store.models import ChannelDay, ChannelRow, Subject

log = logging.getLogger(__name__)
FEEDS = "feeds"  # the folder under the public folder, as in the URL
_STALE = "airclass.feeds_changed"  # session.info: (grades, channel ids) this transaction changed; None: all


def feed_path(grade: int, subject: str | None = None) -> str:
    """The feed's path below the public folder, the same as its URL path."""
    return f"{FEEDS}/grade{grade}/{subject}.ics" if subject else f"{FEEDS}/grade{grade}.ics"


def refresh_feed_files(
    session: Session, public_dir: Path, *, now: datetime, public_url: str, grades: Iterable[int] | None = None,
    channel_ids: Iterable[str] = (),
) -> FilesWritten:
    """Write the feeds of `grades` and of the grades of `channel_ids`, or of every grade on air when `grades` is None.

    Feeds of grades no longer on air are removed: those named, or on a full refresh any left over.
    """
    with session.begin():
        rows = channel_rows(session, public_only=True)
        on_air = {grade for row in rows for grade in row.grades}
        subjects = [None, *session.scalars(select(Subject.code).order_by(Subject.code))]
        if grades is not None:
            changed = set(channel_ids)
            grades = set(grades) | {grade for row in rows if row.id in changed for grade in row.grades}
    refresh = FilesWritten("feeds")
    for grade in sorted(on_air if grades is None else on_air & grades):
        for subject in subjects:
            path = feed_path(grade, subject)
            if write_if_changed(public_dir / path, exports.grade_feed(session, grade, subject, now=now, public_url=public_url).body):
                refresh.written.append(path)
            else:
                refresh.unchanged += 1
    keep = {feed_path(grade, subject) for grade in on_air for subject in subjects}
    refresh.removed = _remove_others(public_dir, keep, None if grades is None else grades - on_air)
    return refresh


def _remove_others(public_dir: Path, keep: set[str], grades: set[int] | None) -> list[str]:
    """Remove feed files not in `keep` (only those of `grades`, when given)."""
    folder = public_dir / FEEDS
    if grades is None:
        found = chain(folder.glob("grade*.ics"), folder.glob("grade*/*.ics"))
    else:
        found = chain.from_iterable((folder / f"grade{g}.ics", *folder.glob(f"grade{g}/*.ics")) for g in grades)
    removed = []
    for path in found:
        relative = path.relative_to(public_dir).as_posix()
        if relative not in keep and path.is_file() and not path.name.startswith("."):  # not a writer's temporary
            path.unlink()
            removed.append(relative)
    return sorted(removed)


def refresh_after_commit(sessions: sessionmaker[Session], public_dir: Path, public_url: str) -> None:
    """Rewrite the affected grades' feed files after each commit of `sessions` that changes what they show."""
    event.listen(sessions, "after_flush", _note_changes)
    event.listen(sessions, "after_commit", lambda session: _refresh_noted(sessions, public_dir, public_url, session))
    event.listen(sessions, "after_rollback", _forget_noted)


def _forget_noted(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint rolled back: the rest of the transaction still stands
        session.info.pop(_STALE, None)


def _note_changes(session: Session, _context: Any) -> None:
    changed = list(chain(session.new, session.dirty, session.deleted))
    noted = session.info.get(_STALE, (set(), set()))
    if noted is None or any(isinstance(obj, Subject) for obj in changed):
        session.info[_STALE] = None  # every grade has a feed per subject
        return
    grades, channel_ids = noted
    grades |= {grade for obj in changed if isinstance(obj, ChannelRow) for grade in _grades_before_and_after(obj)}
    channel_ids |= {obj.channel_id for obj in changed if isinstance(obj, ChannelDay)}
    if grades or channel_ids:
        session.info[_STALE] = (grades, channel_ids)


def _grades_before_and_after(row: ChannelRow) -> set[int]:
    history = inspect(row).attrs.grades.history
    return {grade for grades in (*history.deleted, row.grades) for grade in grades or ()}


def _refresh_noted(sessions: sessionmaker[Session], public_dir: Path, public_url: str, committed: Session) -> None:
    # A savepoint released is not a commit (SQLAlchemy says after_commit for it too): the transaction goes on, and
    # holds SQLite's lock a refresh would wait for.
    if _STALE not in committed.info or committed.in_nested_transaction():
        return
    noted = committed.info.pop(_STALE)
    grades, channel_ids = noted if noted is not None else (None, ())
    try:
        with sessions() as session:
            refresh_feed_files(session, public_dir, now=datetime.now(UTC), public_url=public_url, grades=grades,
                               channel_ids=channel_ids)
    except Exception:  # the commit stands; the timed refresh_feeds job rewrites the files
        log.exception("feed files not refreshed after a schedule change")
