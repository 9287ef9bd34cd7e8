"""Everything that touches ffmpeg: the one runner, probing, QC, profiles, renditions, day renders, samples."""

from media.checksum import sha256_file
from media.errors import (
    FfmpegFailed,
    FfmpegTimedOut,
    MediaError,
    MediaNotFound,
    OutsideMediaStore,
    UnsupportedMedia,
)
from media.probe import MediaProbe, probe_upload
from media.runner import FakeMediaTool, FfmpegTool, MediaTool, RunResult, canned_probe

__all__ = [
    "FakeMediaTool",
    "FfmpegFailed",
    "FfmpegTimedOut",
    "FfmpegTool",
    "MediaError",
    "MediaNotFound",
    "MediaProbe",
    "MediaTool",
    "OutsideMediaStore",
    "RunResult",
    "UnsupportedMedia",
    "canned_probe",
    "probe_upload",
    "sha256_file",
]
