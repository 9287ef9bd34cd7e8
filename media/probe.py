"""Probe an uploaded file: sniff its bytes, force its demuxer, and describe its streams."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from media.errors import FfmpegFailed, FfmpegTimedOut, UnsupportedMedia
from media.runner import DEMUXERS, FORMAT_NAMES, FfmpegTool, MediaTool, file_url
from media.store_paths import resolve_in_store

SNIFF_BYTES = 4096
TS_PACKET = 188
MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"wide"}
# Top-level ISO BMFF boxes whose sizes we check against the file's length.
TOP_LEVEL_BOXES = {"ftyp", "moov", "mdat", "free", "wide", "skip", "moof", "mfra", "meta", "uuid", "sidx", "styp"}
EBML = b"\x1a\x45\xdf\xa3"
MXF_KEY = b"\x06\x0e\x2b\x34\x02\x05\x01\x01"
# Markers of text formats ffmpeg would otherwise follow or parse (lowercase, anywhere in the head), each with the
# REFUSALS key "text_<kind>" naming it.
TEXT_MARKERS = (
    (b"#extm3u", "hls"),
    (b"ffconcat version", "ffconcat"),
    (b"<mpd", "dash"),
    (b"<smil", "smil"),
    (b"<svg", "svg"),
    (b"<html", "html"),
    (b"<!doctype html", "html"),
    (b"<?xml", "xml"),
    (b"<!doctype", "xml"),
)
# Containers we recognise only to name them in the refusal: (offset, magic, name).
OTHER_CONTAINERS = (
    (8, b"AVI ", "avi"),
    (8, b"WAVE", "wav"),
    (0, b"FLV", "flv"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "asf"),
    (0, b"OggS", "ogg"),
    (0, b"fLaC", "flac"),
    (0, b"ID3", "mp3"),
    (0, b"\x00\x00\x01\xba", "mpeg-ps"),
    (0, b"\x89PNG", "png"),
    (0, b"\xff\xd8\xff", "jpeg"),
    (0, b"GIF8", "gif"),
    (0, b"%PDF", "pdf"),
    (0, b"PK\x03\x04", "zip"),
)
_ADDRESS = re.compile(r" @ 0x[0-9a-f]+")
INTERLACED_FIELD_ORDERS = {"tt", "bb", "tb", "bt"}


@dataclass(frozen=True)
class MediaProbe:
    """What an accepted file contains, as far as scheduling and QC care."""

    container: str
    video_codec: str
    audio_codec: str
    width: int
    height: int
    frame_rate: Fraction
    duration_seconds: float
    duration_frames: int
    audio_sample_rate: int
    audio_channels: int
    interlaced: bool | None
    variable_frame_rate: bool


def probe_upload(path: Path, store_root: Path, tool: MediaTool | None = None) -> MediaProbe:
    """Check an untrusted file in the media store and describe it, or raise UnsupportedMedia."""
    resolved = resolve_in_store(path, store_root)
    container = sniff_container(read_head(resolved))
    data = _ffprobe(tool or FfmpegTool(), resolved, container)
    if container == "mp4":
        check_mp4_boxes(resolved)  # ffprobe reads only the index: a file cut off after it passes
    try:
        return media_probe_from_json(data, container)
    except (ValueError, TypeError, AttributeError) as error:  # odd JSON must not escape as a crash
        raise UnsupportedMedia.because("unreadable", detail=error) from None


def read_head(path: Path) -> bytes:
    """Return the first few KB of a regular file."""
    if not path.is_file():
        raise UnsupportedMedia.because("not_a_file")
    with path.open("rb") as stream:
        return stream.read(SNIFF_BYTES)


def sniff_container(head: bytes) -> str:
    """Return the container family ('mp4', 'matroska', 'mpegts', 'mxf') from the first bytes."""
    if not head:
        raise UnsupportedMedia.because("empty")
    text_kind = _text_kind(head)
    if text_kind is not None:
        raise UnsupportedMedia.because(f"text_{text_kind}")
    container = _accepted_container(head)
    if container is not None:
        return container
    if _is_mostly_text(head):
        raise UnsupportedMedia.because("text")
    raise _refusal(head)


def check_mp4_boxes(path: Path) -> None:
    """Walk the top-level MP4 boxes; refuse a file cut short inside one (an incomplete upload)."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        offset = 0
        while offset + 8 <= size:
            stream.seek(offset)
            header = stream.read(16)
            length, kind = int.from_bytes(header[:4], "big"), header[4:8].decode("latin-1")
            if length == 1:
                length = int.from_bytes(header[8:16], "big")  # 64-bit size follows the type
            if length == 0:
                return  # this box runs to the end of the file
            if kind not in TOP_LEVEL_BOXES:
                return  # trailing bytes we do not know: leave them to ffprobe
            if length < 8 or offset + length > size:
                raise UnsupportedMedia.because("cut_short", box=kind)
            offset += length


def _text_kind(head: bytes) -> str | None:
    """Name the text format (playlist, manifest, markup) the head starts as, if any."""
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    for marker, kind in TEXT_MARKERS:
        markup = marker.startswith(b"<") and lowered.startswith(b"<")
        if lowered.startswith(marker) or (markup and marker in lowered):
            return kind
    return None


def _accepted_container(head: bytes) -> str | None:
    """Recognise the accepted containers by their magic bytes."""
    box_size = int.from_bytes(head[:4], "big")
    if head[4:8] in MP4_BOXES and (box_size in (0, 1) or box_size >= 8):
        return "mp4"
    if head.startswith(EBML):
        return "matroska"
    if head.startswith(MXF_KEY):
        return "mxf"
    if _is_transport_stream(head):
        return "mpegts"
    return None


def _is_transport_stream(head: bytes) -> bool:
    """Require the 0x47 sync byte at the start of the first (up to) three TS packets."""
    offsets = [0, TS_PACKET, 2 * TS_PACKET]
    if len(head) <= TS_PACKET:
        return False
    return all(head[offset] == 0x47 for offset in offsets if offset < len(head))


def _is_mostly_text(head: bytes) -> bool:
    """Tell whether the head decodes as text that is nearly all printable."""
    text = _decode_prefix(head)
    if not text:
        return False
    printable = sum(char.isprintable() or char in "\t\r\n\f" for char in text)
    return printable >= 0.95 * len(text)


def _decode_prefix(head: bytes) -> str:
    """Decode the head as UTF-8 (tolerating a cut character), else as Latin-1."""
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3:
            return head[: error.start].decode("utf-8")
    return head.decode("latin-1")  # C1 controls (0x80-0x9f) count as not printable


def _refusal(head: bytes) -> UnsupportedMedia:
    """Explain why a binary file in another (or no) container is refused."""
    for offset, magic, name in OTHER_CONTAINERS:
        if head[offset : offset + len(magic)] == magic:
            return UnsupportedMedia.because("other_container", name=name)
    return UnsupportedMedia.because("no_container")


def _ffprobe(tool: MediaTool, path: Path, container: str) -> dict[str, Any]:
    """Run ffprobe with the demuxer forced, turning its failures into UnsupportedMedia."""
    try:
        return tool.probe(path, DEMUXERS[container])
    except FfmpegTimedOut as error:
        raise UnsupportedMedia.because("probe_timeout", seconds=f"{error.timeout_seconds:g}") from None
    except FfmpegFailed as error:
        raise UnsupportedMedia.because("probe_failed", detail=_for_users(error.stderr_tail, path)) from None


def _for_users(stderr: str, path: Path) -> str:
    """ffprobe's complaint without our paths, the upload's temporary name or its memory addresses (they would help
    an exploit, and the teacher never chose that name): "<path>: Invalid data ..." becomes "Invalid data ..."."""
    text = stderr
    for name in (file_url(path), str(path), path.name):
        text = text.replace(f"{name}: ", "").replace(name, "")
    return _ADDRESS.sub("", text).strip()


def media_probe_from_json(data: dict[str, Any], container: str) -> MediaProbe:
    """Check ffprobe's JSON against what we accept and build a MediaProbe."""
    fmt = data.get("format") or {}
    _check_format(str(fmt.get("format_name", "")), container)
    video = _first_stream(data, "video")
    audio = _first_stream(data, "audio")
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width <= 0 or height <= 0:
        raise UnsupportedMedia.because("no_picture_size")
    interlaced = _interlaced(video.get("field_order"))
    rate, variable = _frame_rate(video, interlaced)
    seconds, frames = _duration(video, fmt, rate)
    return MediaProbe(
        container=container,
        video_codec=str(video.get("codec_name") or "unknown"),
        audio_codec=str(audio.get("codec_name") or "unknown"),
        width=width,
        height=height,
        frame_rate=rate,
        duration_seconds=float(seconds),
        duration_frames=frames,
        interlaced=interlaced,
        variable_frame_rate=variable,
        **_audio_shape(audio),
    )


def _check_format(format_name: str, container: str) -> None:
    """Require ffprobe to report exactly the demuxer we forced."""
    if format_name != FORMAT_NAMES[container]:
        shown = format_name or "nothing"
        raise UnsupportedMedia.because("wrong_format", shown=shown, container=container)


def _first_stream(data: dict[str, Any], kind: str) -> dict[str, Any]:
    """Return the first real stream of a kind (cover art is not video)."""
    for stream in data.get("streams") or []:
        cover_art = (stream.get("disposition") or {}).get("attached_pic")
        if stream.get("codec_type") == kind and not cover_art:
            return dict(stream)
    raise UnsupportedMedia.because(f"no_{kind}")


def _audio_shape(audio: dict[str, Any]) -> dict[str, int]:
    """Return the audio sample rate and channel count, both required."""
    sample_rate = int(audio.get("sample_rate") or 0)
    channels = int(audio.get("channels") or 0)
    if sample_rate <= 0 or channels <= 0:
        raise UnsupportedMedia.because("no_audio_shape")
    return {"audio_sample_rate": sample_rate, "audio_channels": channels}


def _interlaced(field_order: object) -> bool | None:
    """Map ffprobe's field_order to interlaced (None when unknown)."""
    if field_order == "progressive":
        return False
    return True if field_order in INTERLACED_FIELD_ORDERS else None


def _frame_rate(video: dict[str, Any], interlaced: bool | None) -> tuple[Fraction, bool]:
    """Return the nominal frame rate and whether the stream's rate varies."""
    real = _fraction(video.get("r_frame_rate"))
    average = _fraction(video.get("avg_frame_rate"))
    rate = average or real
    if rate <= 0:
        raise UnsupportedMedia.because("no_frame_rate")
    field_rate = bool(interlaced) and real == 2 * average  # fields, not frames, per second
    variable = bool(real and average and real != average and not field_rate)
    return rate, variable


def _duration(video: dict[str, Any], fmt: dict[str, Any], rate: Fraction) -> tuple[Fraction, int]:
    """Return the video duration in seconds and in whole frames at rate."""
    seconds = (
        _seconds(video.get("duration"))
        or _tag_seconds(video.get("tags") or {})
        or _seconds(fmt.get("duration"))
    )
    counted = int(video.get("nb_frames") or 0)
    if seconds is None and counted > 0:
        seconds = counted / rate
    frames = counted if counted > 0 else whole_frames(seconds or Fraction(0), rate)
    if seconds is None or seconds <= 0 or frames <= 0:
        raise UnsupportedMedia.because("no_duration")
    return seconds, frames


def whole_frames(seconds: Fraction, rate: Fraction) -> int:
    """Count whole frames in a duration, forgiving container timestamp rounding."""
    exact = seconds * rate
    nearest = round(exact)
    if abs(exact - nearest) < Fraction(1, 10):
        return nearest
    return math.floor(exact)


def _fraction(text: object) -> Fraction:
    """Parse ffprobe's '25/1' or '0/0' (zero when absent or undefined)."""
    try:
        return Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        return Fraction(0)


def _seconds(text: object) -> Fraction | None:
    """Parse a decimal seconds string such as '2.000000' (None when absent or N/A)."""
    value = _fraction(text) if text is not None else Fraction(0)
    return value if value > 0 else None


def _tag_seconds(tags: dict[str, Any]) -> Fraction | None:
    """Parse Matroska's per-track DURATION tag ('00:00:02.021000000')."""
    for key, value in tags.items():
        if key.upper().startswith("DURATION"):
            return _clock_seconds(str(value))
    return None


def _clock_seconds(clock: str) -> Fraction | None:
    """Parse 'HH:MM:SS.fraction' into seconds (None when malformed or zero)."""
    parts = clock.split(":")
    if len(parts) != 3:
        return None
    try:
        total = int(parts[0]) * 3600 + int(parts[1]) * 60 + Fraction(parts[2])
    except (ValueError, ZeroDivisionError):
        return None
    return total if total > 0 else None
