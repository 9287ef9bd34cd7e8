"""Files and folders others read are written under a temporary name beside them, then renamed into place.

A reader sees the old file or the new one, never a part; a failed or killed writer leaves the old one.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@contextmanager
def atomic_output(target: Path, scratch: Path | None = None) -> Iterator[Path]:
    """Yield a fresh temporary path; os.replace it onto target when the block succeeds, remove it otherwise.

    The temporary file lies beside target, or in `scratch` (a folder on the same file system). It keeps
    target's suffix, so ffmpeg can tell the format from the name, and starts with a dot.
    """
    folder = target.parent if scratch is None else scratch
    temp = folder / f".{target.stem}.{secrets.token_hex(4)}.part{target.suffix}"
    try:
        yield temp
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write data to target atomically (its folder must exist)."""
    with atomic_output(target) as temp:
        temp.write_bytes(data)


@contextmanager
def staging_dir(target: Path, *, replace: bool = True) -> Iterator[Path]:
    """A fresh temporary folder beside target, renamed onto it when the block succeeds, removed otherwise.

    replace: a target already there is swapped out and removed; False: it is left alone and the rename
    fails (os.rename refuses a folder that is not empty).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    temp.mkdir()
    try:
        yield temp
        if not replace:
            os.rename(temp, target)
            return
        old = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
        if target.exists():
            os.replace(target, old)
        os.replace(temp, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def write_if_changed(target: Path, body: bytes) -> bool:
    """Replace target atomically when its bytes differ (True), with a modification time a second on at least:
    for files a web server serves with an ETag (feeds, playlists, pages)."""
    try:
        if target.read_bytes() == body:
            return False
        previous_second = int(target.stat().st_mtime)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        previous_second = 0
    with atomic_output(target) as temporary:
        temporary.write_bytes(body)
        os.chmod(temporary, 0o644)  # the web server's user reads it, whatever the umask
        # nginx's ETag is the whole-second mtime and the size: a rewrite within the same second to as many bytes
        # would keep the old ETag, and clients their old feed. So the time moves on by at least a second.
        stamp = max(time.time(), previous_second + 1)
        os.utime(temporary, (stamp, stamp))
    return True


@dataclass
class FilesWritten:
    """What a refresh of public files did (feeds, pages), by path relative to the public folder."""

    noun: str  # what the files are, for the summary: "feeds", "pages"
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.written)} {self.noun} written, {self.unchanged} unchanged, {len(self.removed)} removed"
