"""Job priorities on a real database: a fresh upload's QC and recordings in review go before a backfill."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import MetaData, Table, create_engine, insert, select

from scheduler.domain.job_states import JobPriority, JobState
from scheduler.domain.review_terms import Action
from scheduler.queue import job_control, leases
from scheduler.queue.registry import JobContext
from scheduler.services import recordings
from scheduler.services.ingest import ingest_recording
from scheduler.services.renditions import ingest_job_key
from scheduler.store.db import alembic_config
from scheduler.store.media_store import MediaStore
from scheduler.store.models import Job
from tests.support.qc import qc_passed

T0 = datetime(2020, 2, 10, 1, 0, tzinfo=UTC)
WORKER = "encoder-1:4242:abc123"
BACKLOG = 12  # more than a claim batch: the urgent job must not be found only by luck


def backlog(sessions, count: int = BACKLOG) -> list[int]:  # type: ignore[no-untyped-def]
    """The demo's backfill: old recordings' ingest jobs, queued before anything else."""
    return [
        job_control.submit(sessions(), "ingest", {"recording_id": 1000 + n}, now=T0 + timedelta(seconds=n),
                           dedupe_key=ingest_job_key(1000 + n), priority=JobPriority.BACKFILL)[0].id
        for n in range(count)
    ]


def claim(sessions, minutes: int = 10):  # type: ignore[no-untyped-def]
    return leases.claim_next(sessions(), worker_id=WORKER, now=T0 + timedelta(minutes=minutes), lease_seconds=60)


def test_a_fresh_uploads_ingest_is_claimed_before_a_backlog_of_backfill(sessions, world, clips, tmp_path: Path):
    backfill = backlog(sessions)
    teacher = recordings.actor_for(world.user("teacher_a"))
    with clips["lesson_1s_b.mp4"].open("rb") as stream:
        fresh = recordings.upload_recording(sessions(), MediaStore(tmp_path, 5 * 1024**2), teacher, world.lesson_a,
                                            stream, "课.mp4", at=T0 + timedelta(minutes=5))
    render, _ = job_control.submit(sessions(), "selftest", {"seconds": 0, "output": "x"}, now=T0 + timedelta(minutes=6))
    taken = [claim(sessions) for _ in range(3)]
    assert [c.kind for c in taken] == ["ingest", "selftest", "ingest"]
    assert taken[0].params == {"recording_id": fresh.id}  # the upload, then what an operator asked for
    assert taken[1].job_id == render.id
    assert taken[2].job_id == backfill[0]  # then the backlog, oldest first


def test_submitting_a_backfilled_recording_for_review_puts_its_ingest_first(sessions, world, clips, tmp_path: Path):
    teacher = recordings.actor_for(world.user("teacher_a"))
    with clips["lesson_1s_b.mp4"].open("rb") as stream:
        old = recordings.upload_recording(sessions(), MediaStore(tmp_path, 5 * 1024**2), teacher, world.lesson_a,
                                          stream, "课.mp4", at=T0 + timedelta(minutes=1),
                                          ingest_priority=JobPriority.BACKFILL)
    backlog(sessions)  # queued earlier than the upload
    recordings.act_on_recording(sessions(), teacher, old.id, Action.SUBMIT, at=T0 + timedelta(minutes=2))
    taken = claim(sessions)
    assert taken is not None and taken.params == {"recording_id": old.id}


def test_a_recording_with_its_qc_reported_keeps_its_renditions_at_backfill(sessions, world, clips, tmp_path: Path):
    """The demo reports QC itself before submitting: its ingest only makes renditions, nobody waits for those."""
    teacher = recordings.actor_for(world.user("teacher_a"))
    with clips["lesson_1s_b.mp4"].open("rb") as stream:
        old = recordings.upload_recording(sessions(), MediaStore(tmp_path, 5 * 1024**2), teacher, world.lesson_a,
                                          stream, "课.mp4", at=T0, ingest_priority=JobPriority.BACKFILL)
    qc_passed(sessions, old.id)
    recordings.act_on_recording(sessions(), teacher, old.id, Action.SUBMIT, at=T0 + timedelta(minutes=1))
    with sessions() as session:
        assert session.scalars(select(Job.priority)).one() == JobPriority.BACKFILL


def test_asking_again_raises_a_queued_jobs_priority_never_lowers_it(sessions):
    job, _ = job_control.submit(sessions(), "checksum", {"path": "a"}, now=T0, dedupe_key="k",
                                priority=JobPriority.BACKFILL)
    again, created = job_control.submit(sessions(), "checksum", {"path": "a"}, now=T0, dedupe_key="k",
                                        priority=JobPriority.URGENT)
    assert not created and again.id == job.id and again.priority == JobPriority.URGENT
    job_control.submit(sessions(), "checksum", {"path": "a"}, now=T0, dedupe_key="k", priority=JobPriority.BACKFILL)
    assert job_control.get_job(sessions(), job.id).priority == JobPriority.URGENT
    assert job_control.get_job(sessions(), job.id).state is JobState.QUEUED


def test_migration_0007_gives_jobs_queued_before_it_the_normal_priority(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, "0006")
    engine = create_engine(database_url)
    old_job = Table("job", MetaData(), autoload_with=engine)  # the job table as 0006 made it: no priority
    assert "priority" not in old_job.c
    row = {"kind": "checksum", "params": {}, "state": "queued", "progress": 0, "attempts": 0, "max_attempts": 3,
           "created_at": T0, "available_at": T0}
    with engine.begin() as conn:
        conn.execute(insert(old_job), [row])
    command.upgrade(config, "head")
    with engine.begin() as conn:
        assert conn.execute(select(Job.priority)).scalars().all() == [JobPriority.NORMAL]
    engine.dispose()


def test_an_ingest_queues_the_renditions_below_urgent_and_a_backfill_keeps_them_last(
    sessions, database_url, world, clips, tmp_path: Path
):
    """The QC job hands the encodes on at a lower priority: NORMAL after an urgent QC, BACKFILL after a backfill."""
    teacher = recordings.actor_for(world.user("teacher_a"))
    store = MediaStore(tmp_path / "media", 5 * 1024**2)
    priorities = {}
    for priority in (JobPriority.URGENT, JobPriority.BACKFILL):
        with clips["lesson_1s_b.mp4"].open("rb") as stream:
            rec = recordings.upload_recording(sessions(), store, teacher, world.lesson_a, stream, "课.mp4", at=T0,
                                              ingest_priority=priority)
        qc_passed(sessions, rec.id)  # reported already: the ingest only queues the renditions
        job_id = job_control.submit(sessions(), "ingest", {"recording_id": rec.id}, now=T0,
                                    dedupe_key=ingest_job_key(rec.id), priority=priority)[0].id  # the upload's
        ctx = JobContext(job_id, "ingest", 1, store.root, tmp_path / f"work{job_id}", database_url)
        try:
            result = ingest_recording(ctx, rec.id)
        finally:
            ctx.close()
        renditions = job_control.get_job(sessions(), result["renditions_job"])
        assert (renditions.kind, renditions.params, result["skipped"]) == ("renditions", {"recording_id": rec.id}, True)
        priorities[priority] = renditions.priority
    assert priorities == {JobPriority.URGENT: JobPriority.NORMAL, JobPriority.BACKFILL: JobPriority.BACKFILL}
