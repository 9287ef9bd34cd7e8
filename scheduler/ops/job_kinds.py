"""The job kinds airclass knows, registered one line each.

A handler is `function(ctx: JobContext, **params) -> dict | None`: params are the job's JSON
params, the returned dict (JSON) becomes the job's result, an exception fails the attempt (retried
up to max_attempts unless it is a PermanentJobError or one of the kind's permanent_errors), and
`ctx.progress(percent)` reports progress. It runs in a child process of the worker: cancelling the
job SIGTERMs that process, which raises inside the handler, so ffmpeg started through media.runner
is killed and `atomic_output`/`ctx.output` temporary files are removed. To add a kind, e.g.:

    register("qc", media_jobs.run_qc, time_limit=3600, permanent_errors=(UnsupportedMedia,))
"""
from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from media.errors import MediaNotFound, OutsideMediaStore, UnsupportedMedia
from media.probe import probe_upload
from media.samples import ClipSpec, write_clip
from scheduler.domain.catalogue import CatalogueError
from scheduler.domain.channels import ScheduleError
from scheduler.queue.registry import JobContext, PermanentJobError, register
from scheduler.services.ingest import ingest_recording
from scheduler.services.playout import render_day_job

CHUNK_BYTES = 1024 * 1024


def checksum(ctx: JobContext, path: str) -> dict[str, Any]:
    """SHA-256 of a file in the media store, reporting progress as it reads."""
    target = ctx.media_path(path)
    if not target.is_file():
        raise PermanentJobError(f"no such file in the media store: {path}")
    total = max(1, target.stat().st_size)
    digest, done = hashlib.sha256(), 0
    with target.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
            done += len(chunk)
            ctx.progress(100 * done / total)
    return {"path": path, "sha256": digest.hexdigest(), "size_bytes": done}


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


register("checksum", checksum, time_limit=3600)
register("probe", probe, time_limit=600, permanent_errors=(UnsupportedMedia, MediaNotFound, OutsideMediaStore))
register("selftest", selftest, time_limit=1800)

# The media pipeline (scheduler/services/ingest.py): QC and every rendition of an upload from one decode.
register("ingest", ingest_recording, time_limit=4 * 3600,
         permanent_errors=(UnsupportedMedia, MediaNotFound, OutsideMediaStore))
register("render_day", render_day_job, time_limit=4 * 3600, permanent_errors=(ScheduleError, CatalogueError))
