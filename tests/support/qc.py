"""Technical QC as the ingest would store it, without running ffmpeg: what the final approval waits for."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from media.qc import Check, QcReport, Status, finding
from scheduler.services.ingest import store_result
from scheduler.store.models import Recording


def clean_report(frames: int) -> QcReport:
    """A report with nothing wrong: every check the final reviewer reads passed."""
    checks = (Check("black", Status.PASS, finding("black")), Check("silence", Status.PASS, finding("silence")),
              Check("decode_errors", Status.PASS, finding("decode_errors")))
    return QcReport(frames / 25, frames, checks, ())


def qc_passed(sessions: sessionmaker[Session], recording_id: int, *, at: datetime | None = None) -> None:
    """Store a passing QC report for the recording's current media (no renditions)."""
    with sessions() as session:
        recording = session.get(Recording, recording_id)
        assert recording is not None
        checksum, frames = recording.checksum, recording.duration_frames
    store_result(sessions(), recording_id, checksum, clean_report(frames), {}, 0.0, at=at or datetime.now(UTC))
