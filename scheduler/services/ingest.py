"""Use cases of media ingest: queue the QC job of an upload, run it and the renditions job it queues, store what
they made (scheduler/services/renditions.py reads it back).

Reviewers wait for the QC, so it does not wait for the encodes (issue 14): the `ingest` job
(registered in scheduler/ops/job_kinds.py) runs `media.renditions.check_recording` (one decode with
the audio detectors and the video detectors on a small picture) and stores the report; it then
queues the `renditions` job at a lower priority, which runs `media.renditions.make_renditions`
without QC: the audio loudness pass, then one decode producing the cable MPEG-TS, the HLS ladder,
the MP4 and the poster, under renditions/<recording media stem>/ in the media store, written under
temporary names and renamed into place. `ingest_now` (the operator's command) does both at once.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from media.hls import MASTER
from media.progress import Watch
from media.qc import QcReport, Status, run_qc
from media.renditions import (
    CABLE_FILE,
    HLS_DIR,
    MANIFEST,
    MP4_FILE,
    POSTER_FILE,
    check_recording,
    make_renditions,
)
from media.si_carousel import SiTable
from scheduler.domain.job_states import JobPriority
from scheduler.queue import job_control
from scheduler.queue.job_queue import JobQueue
from scheduler.queue.registry import JobContext, PermanentJobError
from scheduler.services import stream_si
from scheduler.services.renditions import ingest_job_key
from scheduler.store.models import Job, Recording, RecordingIngest

RENDITIONS_DIR = "renditions"
MAX_OUTPUT_BYTES = 20 * 1024**3  # a lesson's renditions never come near this; a runaway encode would


def rendition_dir(media_name: str) -> str:
    """Where a recording's renditions live, relative to the media store."""
    return f"{RENDITIONS_DIR}/{Path(media_name).stem}"


def request_ingest(
    session: Session, recording_id: int, *, at: datetime, by: int | None, priority: int = JobPriority.URGENT
) -> int:
    """Queue the ingest job of a recording (once: a second request returns the same job); its job id.

    A fresh upload's QC is waited for (URGENT); a backfill of old recordings passes JobPriority.BACKFILL.
    """
    queue = JobQueue()
    try:
        job = queue.submit(session, "ingest", {"recording_id": recording_id}, now=at, submitted_by=by,
                           dedupe_key=ingest_job_key(recording_id), priority=priority)
    finally:
        queue.close()
    return job.id


def hurry_ingest(session: Session, recording_id: int) -> bool:
    """Reviewers now wait for this recording's QC: if it has none yet, its queued ingest goes first (URGENT)."""
    with session.begin():
        reported = session.get(RecordingIngest, recording_id) is not None
    return not reported and job_control.hurry(session, ingest_job_key(recording_id), JobPriority.URGENT)


def _failed_checks(report: QcReport) -> str | None:
    failed = [check.name for check in report.checks if check.status is Status.FAIL]
    return ", ".join(failed) or None


def store_result(session: Session, recording_id: int, checksum: str, report: QcReport, outputs: dict[str, str],
                 gain_db: float, *, at: datetime) -> RecordingIngest:
    """Keep the QC report and rendition paths of a recording (replacing an earlier run's)."""
    with session.begin():
        row = session.get(RecordingIngest, recording_id) or RecordingIngest(recording_id=recording_id)
        row.checksum, row.qc_status, row.qc_failed = checksum, report.status.value, _failed_checks(report)
        row.qc_report, row.renditions, row.loudness_gain_db, row.finished_at = report.to_dict(), outputs, gain_db, at
        session.add(row)
        return row


def _outputs(folder: str) -> dict[str, str]:
    return {
        "cable": f"{folder}/{CABLE_FILE}", "hls": f"{folder}/{HLS_DIR}/{MASTER}",
        "mp4": f"{folder}/{MP4_FILE}", "poster": f"{folder}/{POSTER_FILE}",
    }


def renditions_job_key(recording_id: int) -> str:
    """The dedupe key of a recording's renditions job: asking twice queues one job."""
    return f"renditions:{recording_id}"


def ingest_recording(ctx: JobContext, recording_id: int) -> dict[str, Any]:
    """The `ingest` job: the QC report of one recording (reviewers wait for it), then its renditions job queued.

    The renditions follow at a lower priority (NORMAL, or BACKFILL if the ingest itself was), so the next
    upload's QC does not wait for this one's encodes.
    """
    sessions = ctx.sessions()
    result = check_now(sessions, ctx.media_dir, recording_id, ctx.progress)
    with sessions() as session:
        job = session.get(Job, ctx.job_id)
        priority = min(job.priority, JobPriority.NORMAL) if job is not None else JobPriority.NORMAL
        by = job.submitted_by if job is not None else None
    queue = JobQueue()
    try:
        renditions_job = queue.submit(sessions(), "renditions", {"recording_id": recording_id}, now=datetime.now(UTC),
                                      submitted_by=by, dedupe_key=renditions_job_key(recording_id), priority=priority)
    finally:
        queue.close()
    return {**result, "renditions_job": renditions_job.id}


def make_renditions_job(ctx: JobContext, recording_id: int) -> dict[str, Any]:
    """The `renditions` job: the cable TS, HLS ladder, MP4 and poster of a recording whose QC has run."""
    return renditions_now(ctx.sessions(), ctx.media_dir, recording_id, ctx.progress)


def _recording(sessions: sessionmaker[Session], recording_id: int) -> tuple[str, str, RecordingIngest | None]:
    with sessions() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise PermanentJobError(f"recording {recording_id} does not exist")
        return recording.media_name, recording.checksum, session.get(RecordingIngest, recording_id)


def check_now(
    sessions: sessionmaker[Session], media_dir: Path, recording_id: int, progress: Callable[[float], None] | None = None
) -> dict[str, Any]:
    """QC one recording in this process and store the report (once per media: a report already stored is kept)."""
    media_name, checksum, done = _recording(sessions, recording_id)
    if done is not None and done.checksum == checksum:
        return {"recording_id": recording_id, "qc_status": done.qc_status, "skipped": True}
    report = check_recording(Path("recordings") / media_name, media_dir, watch=Watch(progress))
    row = store_result(sessions(), recording_id, checksum, report, {}, 0.0, at=datetime.now(UTC))
    return {"recording_id": recording_id, "qc_status": row.qc_status, "qc_failed": row.qc_failed}


def _cable_si(sessions: sessionmaker[Session], recording_id: int) -> list[SiTable]:
    """The DVB SI the recording's cable rendition carries: its own event (scheduler/services/stream_si.py)."""
    return stream_si.tables(stream_si.rendition_si(sessions, recording_id, at=datetime.now(UTC)))


def renditions_now(
    sessions: sessionmaker[Session], media_dir: Path, recording_id: int, progress: Callable[[float], None] | None = None
) -> dict[str, Any]:
    """Make a recording's renditions in this process and note them beside its QC report."""
    media_name, checksum, done = _recording(sessions, recording_id)
    if done is None or done.checksum != checksum:
        raise PermanentJobError(f"recording {recording_id} has no QC report of its media yet: ingest it first")
    folder, source = rendition_dir(media_name), Path("recordings") / media_name
    result = make_renditions(source, media_dir, Path(folder), watch=Watch(progress, None, MAX_OUTPUT_BYTES), qc=False,
                             si=_cable_si(sessions, recording_id))
    gain = json.loads((media_dir / folder / MANIFEST).read_text())["gain_db"] if result.skipped else result.gain_db
    with sessions() as session, session.begin():
        row = session.get_one(RecordingIngest, recording_id)
        row.renditions, row.loudness_gain_db, row.finished_at = _outputs(folder), gain, datetime.now(UTC)
        outputs = dict(row.renditions)
    return {"recording_id": recording_id, "loudness_gain_db": gain, "renditions": outputs, "skipped": result.skipped}


def ingest_now(
    sessions: sessionmaker[Session], media_dir: Path, recording_id: int, progress: Callable[[float], None] | None = None
) -> dict[str, Any]:
    """Run a recording's ingest in this process (the job does this; so may an operator's command)."""
    with sessions() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            raise PermanentJobError(f"recording {recording_id} does not exist")
        media_name, checksum = recording.media_name, recording.checksum
        done = session.get(RecordingIngest, recording_id)
    folder, source = rendition_dir(media_name), Path("recordings") / media_name
    result = make_renditions(source, media_dir, Path(folder), watch=Watch(progress, None, MAX_OUTPUT_BYTES),
                             si=_cable_si(sessions, recording_id))
    report, gain = result.report, result.gain_db
    if report is None:  # the renditions were already there and current
        if done is not None and done.checksum == checksum:
            return {"recording_id": recording_id, "qc_status": done.qc_status, "skipped": True}
        report = run_qc(source, media_dir, watch=Watch(progress))
        gain = json.loads((media_dir / folder / MANIFEST).read_text())["gain_db"]
    row = store_result(sessions(), recording_id, checksum, report, _outputs(folder), gain, at=datetime.now(UTC))
    return {"recording_id": recording_id, "qc_status": row.qc_status, "qc_failed": row.qc_failed,
            "loudness_gain_db": gain, "renditions": row.renditions}
