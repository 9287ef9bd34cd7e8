"""Jobs that check a worker and the media store: a file's SHA-256, an ffprobe description, an encode self-test."""
from __future__ import annotations

import dataclasses
from typing import Any

from media.checksum import sha256_file
from media.probe import probe_upload
from media.samples import ClipSpec, write_clip
from scheduler.queue.registry import JobContext, PermanentJobError


def checksum(ctx: JobContext, path: str) -> dict[str, Any]:
    """SHA-256 of a file in the media store, reporting progress as it reads."""
    target = ctx.media_path(path)
    if not target.is_file():
        raise PermanentJobError(f"no such file in the media store: {path}")
    size = target.stat().st_size
    return {"path": path, "sha256": sha256_file(target, ctx.progress), "size_bytes": size}


def probe(ctx: JobContext, path: str) -> dict[str, Any]:
    """Describe a media file in the store with ffprobe (container, streams, duration in frames)."""
    described = dataclasses.asdict(probe_upload(ctx.media_path(path), ctx.media_dir))
    described["frame_rate"] = str(described["frame_rate"])
    return {"path": path, **described}


def selftest(
    ctx: JobContext, output: str, seconds: float = 5.0, size: str = "320x180", video_source: str = "testsrc2"
) -> dict[str, Any]:
    """Encode a generated test clip into the store: checks this worker can run ffmpeg end to end."""
    target = ctx.media_path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    ctx.progress(0)
    write_clip(target, ClipSpec(seconds=seconds, size=size, video_source=video_source))
    return {"output": output, "size_bytes": target.stat().st_size}
