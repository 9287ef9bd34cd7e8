"""Timed jobs: the nightly assembly, publication and export drop, their job store and recorded outcomes."""
from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, inspect, text

from scheduler.ops import timed_jobs
from tests.support.channels_world import CHANNEL, next_monday

pytestmark = pytest.mark.ffmpeg


def test_jobs_assemble_publish_and_drop_exports_and_the_api_shows_their_outcome(on_air, settings, api_as, tmp_path):
    sunday = datetime.combine(next_monday() - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    url = settings.database_url
    assert "2 of 2 days drafted" in timed_jobs.assemble_ahead(url, 2, now=sunday)
    assert "2 of 2 days published" in timed_jobs.publish_ahead(url, 2, str(tmp_path / "public"), now=sunday)
    assert "三年级 数学 第12课".encode() in (tmp_path / "public" / "feeds" / "grade3" / "math.ics").read_bytes()
    timed_jobs.export_drop(url, str(tmp_path / "exports"), now=sunday)
    folder = tmp_path / "exports" / str(next_monday())
    assert sorted(p.name for p in folder.iterdir()) == [f"{CHANNEL}.{ext}" for ext in ("csv", "json", "txt", "xml")]
    assert "嘉兴空中课堂·三年级".encode() in (folder / f"{CHANNEL}.xml").read_bytes()
    shown = {j["id"]: j for j in api_as("operator").get("/api/schedule/jobs").get_json()}
    assert {j: shown[j]["last_outcome"] for j in shown} == {"assemble_ahead": "ok", "publish_ahead": "ok",
                                                             "export_drop": "ok"}


def test_a_failing_job_records_why(on_air, settings, api_as, tmp_path):
    monday = datetime.combine(next_monday(), datetime.min.time(), tzinfo=UTC)
    with pytest.raises(Exception, match="no published day"):
        timed_jobs.export_drop(settings.database_url, str(tmp_path), now=monday)
    shown = api_as("auditor").get("/api/schedule/jobs").get_json()
    assert shown[0]["id"] == "export_drop" and shown[0]["last_outcome"] == "failed"
    assert "no published day" in shown[0]["last_message"]


def test_the_scheduler_keeps_its_jobs_in_the_database_and_publishes_next_runs(on_air, settings, api_as):
    scheduler = timed_jobs.build_scheduler(settings)
    timed_jobs.start(scheduler, settings.database_url)
    try:
        engine = create_engine(settings.database_url)
        assert "apscheduler_jobs" in inspect(engine).get_table_names()
        engine.dispose()
        shown = {j["id"]: j for j in api_as("operator").get("/api/schedule/jobs").get_json()}
        assert set(shown) == {"assemble_ahead", "publish_ahead", "export_drop", "refresh_feeds", "sweep_orphans"}
        assert all(j["next_run_at"] for j in shown.values())
        scheduler.modify_job("assemble_ahead", next_run_time=datetime.now(UTC))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            job = {j["id"]: j for j in api_as("operator").get("/api/schedule/jobs").get_json()}["assemble_ahead"]
            if job["last_outcome"]:
                break
            time.sleep(0.2)
        assert job["last_outcome"] == "ok", job
    finally:
        scheduler.shutdown(wait=True)


def _point_stored_jobs_at(database_url: str, module: str) -> list[str]:
    """Rewrite the job store's pickled rows as an older release wrote them (functions in another module)."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT id, job_state FROM apscheduler_jobs")).all()
        for job_id, blob in rows:
            state = pickle.loads(blob)
            state["func"] = f"{module}:{state['func'].split(':')[1]}"
            connection.execute(text("UPDATE apscheduler_jobs SET job_state = :s WHERE id = :i"),
                               {"s": pickle.dumps(state, pickle.HIGHEST_PROTOCOL), "i": job_id})
        refs = [pickle.loads(blob)["func"] for (blob,) in connection.execute(text("SELECT job_state FROM apscheduler_jobs"))]
    engine.dispose()
    return refs


def test_a_job_store_written_before_the_layers_moved_still_loads(on_air, settings):
    """Stores kept `scheduler.jobs:assemble_ahead` (the module before it became scheduler.ops.timed_jobs)."""
    first = timed_jobs.build_scheduler(settings)
    timed_jobs.start(first, settings.database_url)
    first.shutdown(wait=True)
    old_refs = _point_stored_jobs_at(settings.database_url, "scheduler.jobs")
    assert old_refs and all(ref.startswith("scheduler.jobs:") for ref in old_refs)

    again = timed_jobs.build_scheduler(settings)
    timed_jobs.start(again, settings.database_url)
    try:
        jobs = {job.id: job for job in again.get_jobs()}
        assert set(jobs) == {"assemble_ahead", "publish_ahead", "export_drop", "refresh_feeds", "sweep_orphans"}
        assert jobs["assemble_ahead"].func is timed_jobs.assemble_ahead
        assert all(job.next_run_time is not None for job in jobs.values())
    finally:
        again.shutdown(wait=True)
    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        stored = [pickle.loads(blob)["func"] for (blob,) in connection.execute(text("SELECT job_state FROM apscheduler_jobs"))]
    engine.dispose()
    assert sorted(stored) == sorted(f"scheduler.ops.timed_jobs:{job_id}" for job_id in jobs)
