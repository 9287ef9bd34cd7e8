"""Timed jobs: the nightly assembly, publication and export drop, their job store and recorded outcomes."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, inspect

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
