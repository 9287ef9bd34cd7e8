"""Room for a day render: the bytes it will write, against the free space where it writes them.

A day file is CBR: its size is the mux rate times its length (a 24 h day at 10 Mb/s is 108 GB). Before it is
renamed into place the render also holds its parts (the copied lessons' video and everybody's WAV sound) and
the clips it prepares for the first time; the estimate counts them all, so a render refused here has written
nothing, and one let through does not run out of room half-way.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from media.errors import MediaError
from media.profiles import FPS, CableProfile

FreeBytes = Callable[[Path], int]  # the free bytes of the file system holding a folder
WAV_BYTES_PER_SECOND = 48000 * 2 * 2  # 16-bit stereo at 48 kHz
MARGIN = 1.02  # TS packet overhead of the parts, the WAV headers, the lists


class NotEnoughSpace(MediaError):
    """The render would need more bytes than the file system has free (needed_bytes, free_bytes, folder)."""

    def __init__(self, needed_bytes: int, free_bytes: int, folder: Path) -> None:
        self.needed_bytes, self.free_bytes, self.folder = needed_bytes, free_bytes, folder
        super().__init__(f"not enough free space in {folder}: the day render needs {gigabytes(needed_bytes)} GB, "
                         f"{gigabytes(free_bytes)} GB are free; nothing was written")


def disk_free(folder: Path) -> int:
    """The bytes free for us on the file system holding folder (or its nearest existing parent)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return shutil.disk_usage(folder).free


def gigabytes(count: int) -> str:
    """Bytes as decimal gigabytes, one decimal (as disks are sold)."""
    return f"{count / 1e9:.1f}"


def render_bytes(day_frames: int, part_frames: int, encoded_frames: int, profile: CableProfile) -> int:
    """Bytes a day render needs: the day file, the parts it writes (part_frames of sound, encoded_frames of
    them also pictures it encodes or copies) and the clips it prepares."""
    day = profile.muxrate_kbps * 125 * day_frames / FPS
    video = profile.picture.video_kbps * 125 * encoded_frames / FPS
    return int(MARGIN * (day + video + WAV_BYTES_PER_SECOND * part_frames / FPS))


def check_free_space(folder: Path, needed_bytes: int, free_bytes: FreeBytes = disk_free) -> None:
    """Refuse (NotEnoughSpace) when folder's file system has fewer than needed_bytes free."""
    free = free_bytes(folder)
    if free < needed_bytes:
        raise NotEnoughSpace(needed_bytes, free, folder)
