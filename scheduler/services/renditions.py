"""What ingest made, read back: a recording's QC result and renditions, its ingest job (callers check visibility)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.store.models import Job, Recording, RecordingIngest


def ingest_job_key(recording_id: int) -> str:
    """The dedupe key of a recording's ingest job: one live job per recording."""
    return f"ingest:{recording_id}"


def ingest_of(session: Session, recording_id: int) -> RecordingIngest | None:
    """The stored ingest result of a recording, if its job has finished (caller checks visibility)."""
    return session.get(RecordingIngest, recording_id)


def ingest_job(session: Session, recording_id: int) -> Job | None:
    """The newest ingest job of a recording (caller checks visibility)."""
    query = select(Job).where(Job.dedupe_key == ingest_job_key(recording_id)).order_by(Job.id.desc()).limit(1)
    return session.scalars(query).first()


def qc_failed(session: Session, recording: Recording) -> str | None:
    """The failed QC checks of the recording's current media, None when QC passed or has not run."""
    row = session.get(RecordingIngest, recording.id)
    if row is None or row.checksum != recording.checksum:
        return None
    return row.qc_failed


def qc_finished(session: Session, recording: Recording) -> bool:
    """Whether technical QC has reported on the recording's current media."""
    row = session.get(RecordingIngest, recording.id)
    return row is not None and row.checksum == recording.checksum


def cable_renditions(session: Session, recording_ids: list[int]) -> dict[int, str]:
    """Cable playout files (media-store paths) of the recordings that have one."""
    rows = session.scalars(select(RecordingIngest).where(RecordingIngest.recording_id.in_(recording_ids)))
    return {row.recording_id: row.renditions["cable"] for row in rows if "cable" in row.renditions}
