"""Timed jobs: the nightly assembly, publication and export drop, their job store and recorded outcomes."""
from __future__ import annotations

import pickle
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import create_engine, inspect, select, text

from scheduler.ops import timed_jobs
from scheduler.ops.demo import publication_range
from scheduler.store.models import ChannelDay, DayStatus, TimedJobRun
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
    timed_jobs.start(scheduler, settings).join(120)
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
    timed_jobs.start(first, settings).join(120)
    first.shutdown(wait=True)
    old_refs = _point_stored_jobs_at(settings.database_url, "scheduler.jobs")
    assert old_refs and all(ref.startswith("scheduler.jobs:") for ref in old_refs)

    again = timed_jobs.build_scheduler(settings)
    timed_jobs.start(again, settings).join(120)
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


def test_missed_runs_are_found_from_the_last_run_and_the_trigger():
    publish = CronTrigger(hour=18, timezone="Asia/Shanghai")
    ran = datetime(2026, 11, 27, 10, 0, 5, tzinfo=UTC)  # Friday 18:00:05 北京时间
    assert timed_jobs.missed(publish, None, ran)  # never run: catch up
    assert not timed_jobs.missed(publish, ran, ran + timedelta(hours=23))  # Saturday 17:00, not due yet
    assert timed_jobs.missed(publish, ran, ran + timedelta(hours=24))  # Saturday 18:00:05, due and not run
    assert timed_jobs.missed(publish, ran, ran + timedelta(days=9))  # down for days: one catch-up does


@pytest.mark.parametrize("weekday", range(7))
def test_the_demo_publishes_from_last_weeks_monday_to_a_week_ahead_on_any_weekday(weekday):
    at = datetime(2026, 11, 23, 4, 0, tzinfo=UTC) + timedelta(days=weekday)  # 12:00 北京时间, Monday + weekday
    first, count = publication_range(at)
    today = at.astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert first == date(2026, 11, 16) and first.weekday() == 0  # the Monday of last week
    assert first + timedelta(days=count - 1) == today + timedelta(days=7)


def test_a_publication_missed_while_no_scheduler_ran_is_caught_up_from_today(on_air, settings, sessions, client):
    now = datetime.now(UTC)  # one instant for the whole test: no midnight (北京时间) falls inside it
    today = now.astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert client.get(f"/guide/grade3/{today}").get_data(as_text=True).count("尚未发布") == 7
    assert timed_jobs.catch_up(settings, now) == ["assemble_ahead", "publish_ahead"]
    with sessions() as session:
        published = session.scalars(select(ChannelDay.day).where(ChannelDay.status == DayStatus.PUBLISHED)).all()
        runs = {row.id: row for row in session.scalars(select(TimedJobRun))}
    assert sorted(set(published)) == [today + timedelta(days=n) for n in range(settings.days_ahead + 1)]
    assert runs["publish_ahead"].last_outcome == "ok" and runs["assemble_ahead"].last_outcome == "ok"
    assert "尚未发布" not in client.get(f"/guide/grade3/{today}").get_data(as_text=True)
    just_ran = min(row.last_run_at for row in runs.values())
    assert timed_jobs.catch_up(settings, just_ran) == []  # nothing missed since


def test_serving_starts_the_catch_up(on_air, settings, sessions):
    scheduler = timed_jobs.build_scheduler(settings)
    catching_up = timed_jobs.start(scheduler, settings)
    try:
        catching_up.join(120)
        assert not catching_up.is_alive(), "the catch-up did not finish within 120 s"
        today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
        with sessions() as session:
            assert session.scalar(select(ChannelDay.id).where(ChannelDay.day == today,
                                                              ChannelDay.status == DayStatus.PUBLISHED))
    finally:
        scheduler.shutdown(wait=True)
