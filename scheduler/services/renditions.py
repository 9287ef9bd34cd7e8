"""What ingest made, read back: a recording's QC result and renditions, its ingest job (callers check visibility)."""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from scheduler.domain.job_states import JobState
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


def queue_position(session: Session, job: Job | None) -> int | None:
    """A queued job's place in the order workers take jobs (1: next), None when it is not queued."""
    if job is None or job.state is not JobState.QUEUED:
        return None
    ahead = or_(Job.priority > job.priority,
                and_(Job.priority == job.priority,
                     or_(Job.available_at < job.available_at,
                         and_(Job.available_at == job.available_at, Job.id < job.id))))
    return 1 + (session.scalar(select(func.count()).where(Job.state == JobState.QUEUED, ahead)) or 0)


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
