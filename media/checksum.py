"""Checksums of files, streamed so large media never sits in memory: the one SHA-256 reader."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

CHUNK_BYTES = 1024 * 1024


def sha256_file(path: Path, progress: Callable[[float], None] | None = None) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB chunks (progress: the percent read, after each chunk)."""
    digest, done = hashlib.sha256(), 0
    with path.open("rb") as stream:
        total = max(1, os.fstat(stream.fileno()).st_size)
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
            if progress is not None:
                done += len(chunk)
                progress(100 * done / total)
    return digest.hexdigest()
