"""Errors raised by the media package.

MediaError
├── FfmpegFailed          ffmpeg or ffprobe exited non-zero (argv, returncode, stderr_tail)
│   ├── FfmpegTimedOut    ... or was killed after its time limit (timeout_seconds)
│   └── OutputTooLarge    ... or was killed when its outputs passed the size limit (limit_bytes)
├── UnsupportedMedia      the file is not a video we accept (reason: a sentence for the user; key and values:
│                         which of REFUSALS it is and the facts it names, for wording it in another language)
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


ACCEPTED = "use MP4/MOV, Matroska/WebM, MPEG-TS or MXF"
# Why an upload is not a video we accept: English sentences with {named} values (as media.qc's FINDINGS), so the
# web layer can word each in the page's language from its key.
REFUSALS = {
    "not_a_file": "the path is not a regular file",
    "empty": "the file is empty",
    "text": "the file is text, not a video",
    "text_hls": "the file is an HLS playlist, not a video",
    "text_ffconcat": "the file is an ffconcat list, not a video",
    "text_dash": "the file is a DASH manifest (XML), not a video",
    "text_smil": "the file is a SMIL playlist (XML), not a video",
    "text_svg": "the file is an SVG image (XML), not a video",
    "text_html": "the file is an HTML page, not a video",
    "text_xml": "the file is an XML document, not a video",
    "other_container": "container '{name}' is not accepted; " + ACCEPTED,
    "no_container": "the file is not in a recognised video container; " + ACCEPTED,
    "cut_short": "the file is cut short or damaged: its '{box}' box runs past the end",
    "probe_timeout": "ffprobe could not read the file as a video within {seconds} s",
    "probe_failed": "ffprobe could not read the file as a video: {detail}",
    "unreadable": "ffprobe described the file in a way we cannot read ({detail})",
    "wrong_format": "ffprobe read the file as '{shown}', not as {container}",
    "no_video": "the file has no video stream",
    "no_audio": "the file has no audio stream",
    "no_picture_size": "the video stream has no picture size",
    "no_audio_shape": "the audio stream has no sample rate or no channels",
    "no_frame_rate": "the video stream has no frame rate",
    "no_duration": "the file has no duration",
}


class UnsupportedMedia(MediaError):
    """The file is not a video the channel can accept."""

    def __init__(self, reason: str, key: str | None = None, values: dict[str, str] | None = None) -> None:
        self.reason, self.key, self.values = reason, key, dict(values or {})
        super().__init__(reason)

    @classmethod
    def because(cls, key: str, **values: object) -> UnsupportedMedia:
        """The refusal REFUSALS[key], its values kept as text."""
        said = {name: str(value) for name, value in values.items()}
        return cls(REFUSALS[key].format(**said), key, said)


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
