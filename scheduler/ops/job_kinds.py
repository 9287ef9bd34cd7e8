"""The job kinds airclass knows, registered one line each: the composition root of the work queue.

Whatever runs or submits jobs loads them first (`load_job_kinds()`): the app factory, the
`airclass` command and the job child process (`scheduler.ops.job_process`). The queue's registry
imports none of the handlers, so no handler module depends on the queue through the registry.

A handler is `function(ctx: JobContext, **params) -> dict | None`: params are the job's JSON
params, the returned dict (JSON) becomes the job's result, an exception fails the attempt (retried
up to max_attempts unless it is a PermanentJobError or one of the kind's permanent_errors), and
`ctx.progress(percent)` reports progress. It runs in a child process of the worker: cancelling the
job SIGTERMs that process, which raises inside the handler, so ffmpeg started through media.runner
is killed and `atomic_output`/`ctx.output` temporary files are removed. To add a kind, e.g.:

    register("qc", media_jobs.run_qc, time_limit=3600, permanent_errors=(UnsupportedMedia,))
"""
from __future__ import annotations

from media.errors import MediaNotFound, OutsideMediaStore, UnsupportedMedia
from scheduler.domain.catalogue import CatalogueError
from scheduler.domain.channels import ScheduleError
from scheduler.queue.registry import is_registered, register
from scheduler.services.ingest import ingest_recording, make_renditions_job
from scheduler.services.playout import render_day_job
from scheduler.services.worker_checks import checksum, probe, selftest

_MISSING_MEDIA = (UnsupportedMedia, MediaNotFound, OutsideMediaStore)


def load_job_kinds() -> None:
    """Register every job kind (idempotent)."""
    if is_registered("ingest"):
        return
    register("checksum", checksum, time_limit=3600)
    register("probe", probe, time_limit=600, permanent_errors=_MISSING_MEDIA)
    register("selftest", selftest, time_limit=1800)
    # The media pipeline (scheduler/services/ingest.py): an upload's QC, then (queued by it) its renditions.
    register("ingest", ingest_recording, time_limit=4 * 3600, permanent_errors=_MISSING_MEDIA)
    register("renditions", make_renditions_job, time_limit=4 * 3600, permanent_errors=_MISSING_MEDIA)
    register("render_day", render_day_job, time_limit=4 * 3600, permanent_errors=(ScheduleError, CatalogueError))
