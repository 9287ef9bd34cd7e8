"""The one door to ffmpeg and ffprobe: safe argv, inputs through the media-store guard, the MediaTool seam."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import ffmpeg

from media.errors import FfmpegFailed, FfmpegTimedOut, MediaError, stderr_tail
from media.progress import Watch, watched_run
from media.progress import decode_output as _text
from media.store_paths import resolve_in_store

# Container family -> the demuxer we force, and the format_name ffprobe must then report.
DEMUXERS = {"mp4": "mov", "matroska": "matroska", "mpegts": "mpegts", "mxf": "mxf"}
FORMAT_NAMES = {
    "mp4": "mov,mp4,m4a,3gp,3g2,mj2",
    "matroska": "matroska,webm",
    "mpegts": "mpegts",
    "mxf": "mxf",
}
# No prompts, no banner, errors only, never overwrite. ffprobe has no -nostdin: stdin is /dev/null.
FFMPEG_FLAGS = ["-nostdin", "-hide_banner", "-v", "error", "-n"]
FFPROBE_FLAGS = ["-hide_banner", "-v", "error"]
PROBE_TIMEOUT_SECONDS = 120.0
RUN_TIMEOUT_SECONDS = 3600.0


def file_url(path: Path) -> str:
    """Return an explicit file: URL so no path is read as an option or another protocol."""
    if not path.is_absolute():
        raise ValueError(f"media paths must be absolute: {path}")
    return f"file:{path}"


def input_options(demuxer: str) -> dict[str, str]:
    """Return the input options that stop a demuxer from opening anything but this file."""
    options = {"f": demuxer, "protocol_whitelist": "file"}
    if demuxer == "mov":
        options["enable_drefs"] = "0"  # never follow QuickTime data references
    return options


def ffprobe_argv(path: Path, demuxer: str) -> list[str]:
    """Build the ffprobe argv that reads one file with a forced demuxer, as JSON."""
    forced = [arg for key, value in input_options(demuxer).items() for arg in (f"-{key}", value)]
    return [
        "ffprobe",
        *FFPROBE_FLAGS,
        *forced,
        *("-print_format", "json", "-show_format", "-show_streams"),
        file_url(path),
    ]


def store_input(path: Path, store_root: Path, container: str, **options: Any) -> Any:
    """Open a file from the media store as an ffmpeg-python input with its demuxer forced."""
    resolved = resolve_in_store(path, store_root)
    return ffmpeg.input(file_url(resolved), **input_options(DEMUXERS[container]), **options)


def concat_input(listing: Path, store_root: Path) -> Any:
    """Open an ffconcat list we wrote (inside the store) with the concat demuxer, file protocol only."""
    resolved = resolve_in_store(listing, store_root)
    return ffmpeg.input(file_url(resolved), f="concat", safe=0, protocol_whitelist="file")


def ffmpeg_argv(outputs: Any, loglevel: str = "error") -> list[str]:
    """Compile an ffmpeg-python output graph into our ffmpeg argv (loglevel: analysis runs read info)."""
    flags = [loglevel if flag == "error" else flag for flag in FFMPEG_FLAGS]
    return ["ffmpeg", *flags, *ffmpeg.get_args(outputs)]


def check_argv(argv: list[str]) -> None:
    """Refuse argv that did not come from this module's builders."""
    if not argv or argv[0] not in ("ffmpeg", "ffprobe"):
        raise ValueError(f"only ffmpeg and ffprobe run here, not {argv[:1]}")
    required = FFMPEG_FLAGS[:2] if argv[0] == "ffmpeg" else FFPROBE_FLAGS[:1]
    if any(flag not in argv for flag in required):
        raise ValueError(f"{argv[0]} argv must carry {required}")


@dataclass(frozen=True)
class RunResult:
    """What a finished ffmpeg or ffprobe run printed."""

    argv: list[str]
    stdout: str
    stderr: str


class MediaTool(Protocol):
    """The seam between our code and the ffmpeg binaries."""

    def probe(self, path: Path, demuxer: str) -> dict[str, Any]:
        """Return ffprobe's JSON (format and streams) for an absolute path."""
        ...

    def run(self, argv: list[str], timeout: float | None = None, watch: Watch | None = None) -> RunResult:
        """Run one ffmpeg/ffprobe argv; raise FfmpegFailed on error (watch: progress and size limit)."""
        ...


@dataclass(frozen=True)
class FfmpegTool:
    """The real MediaTool: runs the ffmpeg and ffprobe binaries with subprocess."""

    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"
    probe_timeout: float = PROBE_TIMEOUT_SECONDS
    run_timeout: float = RUN_TIMEOUT_SECONDS

    def probe(self, path: Path, demuxer: str) -> dict[str, Any]:
        """Return ffprobe's JSON (format and streams) for an absolute path."""
        argv = ffprobe_argv(path, demuxer)
        result = self.run(argv, timeout=self.probe_timeout)
        try:
            parsed = json.loads(result.stdout)
        except json.JSONDecodeError:
            raise FfmpegFailed(argv, 0, "ffprobe printed no JSON") from None
        if not isinstance(parsed, dict):
            raise FfmpegFailed(argv, 0, "ffprobe printed unexpected JSON")
        return parsed

    def run(self, argv: list[str], timeout: float | None = None, watch: Watch | None = None) -> RunResult:
        """Run one ffmpeg/ffprobe argv (never through a shell); raise FfmpegFailed on error."""
        check_argv(argv)
        binary = self.ffmpeg if argv[0] == "ffmpeg" else self.ffprobe
        limit = self.run_timeout if timeout is None else timeout
        if watch is not None and argv[0] == "ffmpeg":
            command = [binary, "-progress", "pipe:1", "-nostats", *argv[1:]]
            return RunResult(argv, "", watched_run(argv, command, limit, watch))
        try:
            done = subprocess.run(
                [binary, *argv[1:]],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=limit,
                check=False,
            )
        except subprocess.TimeoutExpired as expired:
            raise FfmpegTimedOut(argv, limit, stderr_tail(_text(expired.stderr))) from None
        stderr = _text(done.stderr)
        if done.returncode != 0:
            raise FfmpegFailed(argv, done.returncode, stderr_tail(stderr))
        return RunResult(argv, _text(done.stdout), stderr)


@dataclass
class FakeMediaTool:
    """A MediaTool for unit tests: canned probe JSON by file name, recorded runs."""

    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_probe: dict[str, Any] | None = None
    stderr: str = ""
    failure: MediaError | None = None
    probed: list[tuple[Path, str]] = field(default_factory=list)
    runs: list[list[str]] = field(default_factory=list)

    def probe(self, path: Path, demuxer: str) -> dict[str, Any]:
        """Return the canned JSON for this file name (or the default)."""
        self.probed.append((path, demuxer))
        if self.failure is not None:
            raise self.failure
        canned = self.probes.get(path.name, self.default_probe)
        if canned is None:
            raise FfmpegFailed(ffprobe_argv(path, demuxer), 1, f"{path.name}: no canned probe")
        return canned

    def run(self, argv: list[str], timeout: float | None = None, watch: Watch | None = None) -> RunResult:
        """Record argv and return the canned stderr without running anything."""
        check_argv(argv)
        self.runs.append(list(argv))
        if self.failure is not None:
            raise self.failure
        if watch is not None and watch.progress is not None:
            watch.progress(100.0)
        return RunResult(list(argv), "", self.stderr)


def canned_probe(
    *,
    container: str = "mp4",
    duration: float = 10.0,
    width: int = 1280,
    height: int = 720,
    frame_rate: str = "25/1",
    video_codec: str = "h264",
    audio_codec: str | None = "aac",
    sample_rate: int = 48000,
    channels: int = 2,
) -> dict[str, Any]:
    """Build ffprobe-shaped JSON for FakeMediaTool (audio_codec=None: no audio stream)."""
    video = {
        "index": 0,
        "codec_type": "video",
        "codec_name": video_codec,
        "width": width,
        "height": height,
        "r_frame_rate": frame_rate,
        "avg_frame_rate": frame_rate,
        "field_order": "progressive",
        "duration": f"{duration:.6f}",
        "disposition": {"attached_pic": 0},
    }
    streams: list[dict[str, Any]] = [video]
    if audio_codec is not None:
        streams.append(
            {
                "index": 1,
                "codec_type": "audio",
                "codec_name": audio_codec,
                "sample_rate": str(sample_rate),
                "channels": channels,
                "duration": f"{duration:.6f}",
            }
        )
    fmt = {"format_name": FORMAT_NAMES[container], "duration": f"{duration:.6f}"}
    return {"format": fmt, "streams": streams}
