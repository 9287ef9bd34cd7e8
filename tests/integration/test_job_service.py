"""The job table and its use cases on a real database: schema, claims, fencing, recovery, rights."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, create_engine, insert, inspect, update
from sqlalchemy.exc import IntegrityError

from scheduler.domain.job_states import InvalidJobParams, JobConflict, JobNotFound, JobState, UnknownJobKind
from scheduler.domain.review import Actor
from scheduler.domain.review_terms import Role
from scheduler.queue import job_control, leases
from scheduler.store.db import alembic_config
from scheduler.store.models import Job

T0 = datetime(2020, 2, 10, 1, 0, tzinfo=UTC)
LEASE = 60.0
HOST = "encoder-1"


def worker(pid: int) -> str:
    return f"{HOST}:{pid}:abc123"


def alive(*pids: int):  # type: ignore[no-untyped-def]
    return lambda pid: pid in pids


def test_migration_0002_adds_and_removes_the_job_table(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, "0001")
    engine = create_engine(database_url)
    assert "job" not in inspect(engine).get_table_names()
    command.upgrade(config, "0002")
    assert "job" in inspect(engine).get_table_names()
    job = Table("job", MetaData(), autoload_with=engine)  # as 0002 made it (the model has later columns)
    row = {"kind": "checksum", "params": {}, "progress": 0, "attempts": 0, "max_attempts": 3, "dedupe_key": "k",
           "created_at": T0, "available_at": T0}
    with engine.begin() as conn:  # one live job per dedupe key; finished ones may share it
        conn.execute(insert(job), [{**row, "state": "failed"}, {**row, "state": "queued"}])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(job), [{**row, "state": "succeeded"}])
    engine.dispose()
    command.upgrade(config, "head")


def test_submit_validates_the_kind_and_params(sessions):
    with pytest.raises(UnknownJobKind):
        job_control.submit(sessions(), "no-such-kind", {}, now=T0)
    with pytest.raises(TypeError):
        job_control.submit(sessions(), "checksum", {"path": object()}, now=T0)
    with pytest.raises(InvalidJobParams, match="missing a required argument: 'output'"):
        job_control.submit(sessions(), "selftest", {"seconds": 5}, now=T0)
    with pytest.raises(InvalidJobParams, match="unexpected keyword argument 'pth'"):
        job_control.submit(sessions(), "checksum", {"path": "a", "pth": "a"}, now=T0)


def test_dedupe_key_returns_the_live_job_and_allows_a_new_one_after_failure(sessions):
    first, created = job_control.submit(sessions(), "checksum", {"path": "a"}, now=T0, dedupe_key="k")
    again, created_again = job_control.submit(sessions(), "checksum", {"path": "a"}, now=T0, dedupe_key="k")
    assert (created, created_again, again.id) == (True, False, first.id)
    claim = leases.claim(sessions(), first.id, worker_id=worker(1), now=T0, lease_seconds=LEASE)
    leases.mark_failed(sessions(), claim, "boom", now=T0, permanent=True)
    fresh, created = job_control.submit(sessions(), "checksum", {"path": "a"}, now=T0, dedupe_key="k")
    assert created and fresh.id != first.id
    with pytest.raises(JobConflict, match="dedupe key"):
        job_control.retry(sessions(), first.id, now=T0)


def test_each_queued_job_is_claimed_by_exactly_one_of_many_racing_workers(sessions):
    ids = {job_control.submit(sessions(), "checksum", {"path": str(n)}, now=T0)[0].id for n in range(6)}
    claims: list[leases.Claim] = []
    barrier = threading.Barrier(8)

    def race(pid: int) -> None:
        barrier.wait()
        while (taken := leases.claim_next(sessions(), worker_id=worker(pid), now=T0, lease_seconds=LEASE)) is not None:
            claims.append(taken)

    threads = [threading.Thread(target=race, args=(pid,)) for pid in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(c.job_id for c in claims) == sorted(ids)
    assert all(c.attempt == 1 for c in claims)


def test_a_job_not_yet_due_is_not_claimed(sessions):
    job, _ = job_control.submit(sessions(), "checksum", {"path": "a.bin"}, now=T0 + timedelta(minutes=5))
    assert leases.claim(sessions(), job.id, worker_id=worker(1), now=T0, lease_seconds=LEASE) is None


def test_recovery_requeues_an_expired_lease_and_fences_off_the_old_worker(sessions):
    job, _ = job_control.submit(sessions(), "checksum", {"path": "a.bin"}, now=T0)
    old = leases.claim(sessions(), job.id, worker_id="elsewhere:7:aaaaaa", now=T0, lease_seconds=LEASE)
    assert leases.recover(sessions(), now=T0 + timedelta(seconds=30), host=HOST, pid_alive=alive()) == []
    later = T0 + timedelta(seconds=61)
    [requeued] = leases.recover(sessions(), now=later, host=HOST, pid_alive=alive())
    assert (requeued.job_id, requeued.state) == (job.id, JobState.QUEUED)
    new = leases.claim(sessions(), job.id, worker_id=worker(2), now=later, lease_seconds=LEASE)
    assert new is not None and new.attempt == 2

    assert not leases.heartbeat(sessions(), old, now=later, lease_seconds=LEASE, progress=50)
    assert not leases.mark_succeeded(sessions(), old, {"from": "the old worker"}, now=later)
    assert leases.mark_succeeded(sessions(), new, {"from": "the new worker"}, now=later)
    done = job_control.get_job(sessions(), job.id)
    assert (done.state, done.result, done.attempts) == (JobState.SUCCEEDED, {"from": "the new worker"}, 2)


def test_recovery_notices_a_dead_worker_on_this_host_before_its_lease_ends(sessions):
    dead, _ = job_control.submit(sessions(), "checksum", {"path": "1.bin"}, now=T0)
    living, _ = job_control.submit(sessions(), "checksum", {"path": "2.bin"}, now=T0)
    leases.claim(sessions(), dead.id, worker_id=worker(111), now=T0, lease_seconds=LEASE)
    leases.claim(sessions(), living.id, worker_id=worker(222), now=T0, lease_seconds=LEASE)
    recovered = leases.recover(sessions(), now=T0, host=HOST, pid_alive=alive(222))
    assert [r.job_id for r in recovered] == [dead.id]
    requeued = job_control.get_job(sessions(), dead.id)
    assert requeued.state is JobState.QUEUED and requeued.worker_id is None
    assert "attempt 1 of 3 was abandoned: its worker process 111 on encoder-1 is gone" in requeued.error
    assert job_control.get_job(sessions(), living.id).state is JobState.RUNNING


def test_a_job_abandoned_on_its_last_attempt_fails_rather_than_stays_running(sessions):
    job, _ = job_control.submit(sessions(), "checksum", {"path": "a.bin"}, now=T0)
    with sessions.begin() as session:
        session.execute(update(Job).where(Job.id == job.id).values(max_attempts=1))
    leases.claim(sessions(), job.id, worker_id=worker(5), now=T0, lease_seconds=LEASE)
    [outcome] = leases.recover(sessions(), now=T0, host=HOST, pid_alive=alive())
    assert outcome.state is JobState.FAILED
    failed = job_control.get_job(sessions(), job.id)
    assert failed.state is JobState.FAILED and failed.finished_at == T0


def test_cancel_and_retry_follow_the_state_rules(sessions):
    job, _ = job_control.submit(sessions(), "checksum", {"path": "a.bin"}, now=T0)
    with pytest.raises(JobConflict, match="queued: it cannot be retried"):
        job_control.retry(sessions(), job.id, now=T0)
    claim = leases.claim(sessions(), job.id, worker_id=worker(9), now=T0, lease_seconds=LEASE)
    assert job_control.cancel(sessions(), job.id, now=T0).state is JobState.CANCELLED
    assert not leases.heartbeat(sessions(), claim, now=T0, lease_seconds=LEASE)  # the worker learns of it
    with pytest.raises(JobConflict, match="still stopping"):
        job_control.retry(sessions(), job.id, now=T0)
    assert leases.stopped(sessions(), claim)
    with pytest.raises(JobConflict, match="cancelled: it cannot be cancelled"):
        job_control.cancel(sessions(), job.id, now=T0)
    again = job_control.retry(sessions(), job.id, now=T0 + timedelta(minutes=1))
    assert (again.state, again.attempts, again.finished_at, again.worker_id) == (JobState.QUEUED, 0, None, None)


def test_people_see_their_own_jobs_and_operators_see_all(sessions, world):
    teacher_a, teacher_b = world.user("teacher_a"), world.user("teacher_b")
    mine, _ = job_control.submit(sessions(), "checksum", {"path": "两位数乘两位数.mp4"}, now=T0, submitted_by=teacher_a.id)
    job_control.submit(sessions(), "checksum", {"path": "a.bin"}, now=T0, submitted_by=teacher_b.id)
    as_a = Actor(user_id=teacher_a.id, role=Role.TEACHER)
    operator = Actor(user_id=world.user("operator").id, role=Role.OPERATOR)
    assert [j.id for j in job_control.list_jobs(sessions(), as_a).items] == [mine.id]
    assert job_control.list_jobs(sessions(), operator).total == 2
    assert job_control.get_job(sessions(), mine.id, as_a).params == {"path": "两位数乘两位数.mp4"}
    with pytest.raises(JobNotFound):
        job_control.cancel(sessions(), mine.id, now=T0, actor=Actor(user_id=teacher_b.id, role=Role.TEACHER))
