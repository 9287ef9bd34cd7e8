"""Orphan recordings: files in recordings/ that no row references, set aside in the store's orphans/ folder.

An upload is received into incoming/, moved into recordings/ under a server-made name, then its
Recording row is committed (services.upload_recording). A process killed between the move and the
commit leaves a file no row points at; nothing else would ever remove it.

Such files are moved to orphans/, not deleted. In the crash case nobody loses anything either
way (the teacher was never told the upload succeeded), but a file can also look orphaned when the
database was restored from a backup older than the media store: then it is a teacher's real
lesson, and only a person can tell. orphans/ keeps the same names, so putting one back is
`mv orphans/NAME recordings/NAME`; an operator empties the folder when satisfied (it is left out
of the backup manifest: no row needs its files).

Only files untouched for the grace (MediaStore.keep stamps the move) are considered: the move and
the commit are seconds apart, so an hour never catches an upload in flight, even on another
process sharing the store. Renditions (renditions/<stem>/) and names `keep` does not make are
never looked at.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.store.media_store import MediaStore
from scheduler.store.models import FillerClip, Recording, RecordingIngest

log = logging.getLogger(__name__)
ORPHAN_GRACE = timedelta(hours=1)
_IN_RECORDINGS = "recordings/"


def sweep_orphan_recordings(
    session: Session, store: MediaStore, *, now: datetime, older_than: timedelta = ORPHAN_GRACE
) -> list[Path]:
    """Move files of recordings/ untouched for `older_than` that no row references into orphans/; where they went."""
    candidates = store.recordings_untouched_since(now - older_than)
    if not candidates:
        return []
    with session.begin():  # read after listing: a row committed meanwhile still protects its file
        referenced = _referenced_names(session)
    moved = []
    for name in candidates:
        if name in referenced:
            continue
        target = store.set_aside(name)
        if target is not None:
            log.warning("set aside %s in %s: no recording references it (its upload's row was never committed)",
                        name, store.orphans_dir)
            moved.append(target)
    if moved:
        log.info("orphan sweep: %d of %d files in recordings/ set aside", len(moved), len(candidates))
    return moved


def _referenced_names(session: Session) -> set[str]:
    """Names in recordings/ that some row points at: recordings, and any rendition or filler path there."""
    names = set(session.scalars(select(Recording.media_name)))
    paths = [path for outputs in session.scalars(select(RecordingIngest.renditions)) for path in outputs.values()]
    paths += session.scalars(select(FillerClip.media_name))
    return names | {path.removeprefix(_IN_RECORDINGS) for path in paths if path.startswith(_IN_RECORDINGS)}
