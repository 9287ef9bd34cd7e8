"""Errors raised by the media package.

MediaError
├── FfmpegFailed          ffmpeg or ffprobe exited non-zero (argv, returncode, stderr_tail)
│   ├── FfmpegTimedOut    ... or was killed after its time limit (timeout_seconds)
│   └── OutputTooLarge    ... or was killed when its outputs passed the size limit (limit_bytes)
├── UnsupportedMedia      the file is not a video we accept (reason: a sentence for the user)
├── MediaNotFound         the file does not exist (path)
└── OutsideMediaStore     the file resolves outside the media store (path)
"""

from __future__ import annotations

from pathlib import Path

STDERR_TAIL_LINES = 20
STDERR_TAIL_CHARS = 4000


def stderr_tail(stderr: str, lines: int = STDERR_TAIL_LINES) -> str:
    """Return the last few non-empty lines of a tool's stderr, capped in length."""
    kept = [line for line in stderr.splitlines() if line.strip()][-lines:]
    return "\n".join(kept)[-STDERR_TAIL_CHARS:]


class MediaError(Exception):
    """Base class of every error raised by the media package."""


class FfmpegFailed(MediaError):
    """An ffmpeg or ffprobe run exited with an error."""

    def __init__(self, argv: list[str], returncode: int | None, stderr_tail: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        super().__init__(f"{self.argv[0]} exited with {returncode}: {stderr_tail}")


class FfmpegTimedOut(FfmpegFailed):
    """An ffmpeg or ffprobe run was killed after its time limit."""

    def __init__(self, argv: list[str], timeout_seconds: float, stderr_tail: str) -> None:
        self.timeout_seconds = timeout_seconds
        super().__init__(argv, None, stderr_tail)
        self.args = (f"{self.argv[0]} did not finish within {timeout_seconds:g} s",)


class OutputTooLarge(FfmpegFailed):
    """An ffmpeg run was killed because its outputs grew past the size limit."""

    def __init__(self, argv: list[str], limit_bytes: int, stderr_tail: str) -> None:
        self.limit_bytes = limit_bytes
        super().__init__(argv, None, stderr_tail)
        self.args = (f"{self.argv[0]} output passed the size limit of {limit_bytes} bytes",)


class UnsupportedMedia(MediaError):
    """The file is not a video the channel can accept."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class MediaNotFound(MediaError):
    """The media file does not exist."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"media file not found: {path.name}")


class OutsideMediaStore(MediaError):
    """The path resolves outside the media store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"path is outside the media store: {path}")
