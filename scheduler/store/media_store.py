"""The media store: uploads land under a temporary name and are renamed into place when accepted.

    incoming/    uploads being received (*.part), swept at start-up when stale
    recordings/  accepted uploads under server-made names, one per Recording row
    orphans/     accepted files no row came to reference, set aside by scheduler/orphans.py
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from media.errors import OutsideMediaStore
from scheduler.domain.catalogue import UploadTooLarge

CHUNK = 1024 * 1024
STALE_UPLOAD = timedelta(minutes=5)  # an incoming/*.part untouched this long belongs to a dead process
ORPHANS_DIR = "orphans"
FILENAME_CHARS = 255
# Controls, bidi overrides (U+202E makes "gpj.mp4" read as "mp4.jpg") and lone surrogates.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SERVER_NAME = re.compile(r"[0-9a-f]{32}\.[a-z0-9]{1,8}")


def display_filename(original: str) -> str:
    """The client's file name as metadata only: its last part, without controls or bidi tricks, bounded."""
    last_part = original.replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSHOWABLE.sub("", last_part).strip()[:FILENAME_CHARS] or "upload"


@dataclass(frozen=True)
class IncomingFile:
    """An upload written to the store's incoming area, not yet accepted."""

    path: Path
    size_bytes: int
    sha256: str


class MediaStore:
    """Files under one root: incoming/ for uploads in flight, recordings/ for accepted ones."""

    def __init__(self, root: Path, max_upload_bytes: int) -> None:
        self.root = root.resolve()
        self.max_upload_bytes = max_upload_bytes
        self.incoming_dir = self.root / "incoming"
        self.recordings_dir = self.root / "recordings"
        self.orphans_dir = self.root / ORPHANS_DIR

    def receive(self, stream: BinaryIO) -> IncomingFile:
        """Copy a stream in chunks to incoming/, hashing as it goes; refuse past the size limit."""
        self.incoming_dir.mkdir(parents=True, exist_ok=True)
        path = self.incoming_dir / f"{uuid.uuid4().hex}.part"
        digest, size = hashlib.sha256(), 0
        try:
            with path.open("xb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_upload_bytes:
                        raise UploadTooLarge(self.max_upload_bytes)
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return IncomingFile(path=path, size_bytes=size, sha256=digest.hexdigest())

    def sweep_incoming(self, *, now: datetime, older_than: timedelta = STALE_UPLOAD) -> list[Path]:
        """Delete uploads left in incoming/ by a process that died mid-upload; return what went.

        Only files untouched for `older_than`: a live upload writes a chunk at least every few
        seconds, and another process sharing the store may be receiving one right now.
        """
        cutoff = (now - older_than).timestamp()
        swept = []
        for path in self.incoming_dir.glob("*.part"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    swept.append(path)
            except FileNotFoundError:  # another process swept it first
                continue
        return swept

    def keep(self, incoming: IncomingFile, suffix: str) -> str:
        """Rename an accepted upload into recordings/ under a server-made name; return that name."""
        self.recordings_dir.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid4().hex}.{suffix}"
        # Stamp the move: the orphan sweep's grace then counts from here, not from the last chunk before the probe.
        os.utime(incoming.path)
        os.replace(incoming.path, self.recordings_dir / name)
        return name

    def recordings_untouched_since(self, cutoff: datetime) -> list[str]:
        """Server-made names in recordings/ whose file was last written or moved in before `cutoff`, sorted."""
        if not self.recordings_dir.is_dir():
            return []
        names = []
        for path in self.recordings_dir.iterdir():
            if not _SERVER_NAME.fullmatch(path.name):  # not made by `keep`: an operator's file, not ours to judge
                continue
            try:
                info = path.stat(follow_symlinks=False)
            except FileNotFoundError:  # another process moved it meanwhile
                continue
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff.timestamp():
                names.append(path.name)
        return sorted(names)

    def set_aside(self, media_name: str) -> Path | None:
        """Move an accepted file from recordings/ into orphans/ under the same name; where it went, None if gone."""
        source = self.recording_path(media_name)
        self.orphans_dir.mkdir(parents=True, exist_ok=True)
        target = self.orphans_dir / media_name
        try:
            os.replace(source, target)
        except FileNotFoundError:  # another process set it aside first
            return None
        return target

    def discard(self, incoming: IncomingFile) -> None:
        """Forget an upload that was not accepted."""
        incoming.path.unlink(missing_ok=True)

    def recording_path(self, media_name: str) -> Path:
        """Absolute path of an accepted recording; only names `keep` makes (a restored row may lie)."""
        if not _SERVER_NAME.fullmatch(media_name):
            raise OutsideMediaStore(Path(media_name))
        return self.recordings_dir / media_name

    def remove(self, media_name: str) -> None:
        """Remove an accepted file whose database row could not be written."""
        self.recording_path(media_name).unlink(missing_ok=True)
