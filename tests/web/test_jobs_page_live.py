"""The live jobs page through the test client: what it hands jobs.js, and what the API it polls shows each role."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from scheduler.queue import job_control, leases
from tests.web.test_pages import Browser

T0 = datetime(2020, 2, 10, 1, 0, tzinfo=UTC)
ISLAND = re.compile(r'<script type="application/json" id="jobs-live">(.*?)</script>', re.DOTALL)


@pytest.fixture
def jobs(sessions, world):  # type: ignore[no-untyped-def]
    """Teacher A's job running at 40 %, teacher A's failed job, and teacher B's queued job."""
    a, b = world.user("teacher_a").id, world.user("teacher_b").id
    running, _ = job_control.submit(sessions(), "checksum", {"path": "a.mp4"}, now=T0, submitted_by=a)
    claim = leases.claim(sessions(), running.id, worker_id="h:1:t", now=T0, lease_seconds=600)
    leases.heartbeat(sessions(), claim, now=T0, lease_seconds=600, progress=40)
    failed, _ = job_control.submit(sessions(), "probe", {"path": "notes.txt"}, now=T0, submitted_by=a)
    claim = leases.claim(sessions(), failed.id, worker_id="h:1:t", now=T0, lease_seconds=60)
    leases.mark_failed(sessions(), claim, "UnsupportedMedia: the file is text, not a video", now=T0, permanent=True)
    queued, _ = job_control.submit(sessions(), "checksum", {"path": "b.mp4"}, now=T0, submitted_by=b)
    return {"running": running.id, "failed": failed.id, "queued": queued.id}


def live_settings(page: str) -> dict:  # type: ignore[type-arg]
    found = ISLAND.search(page)
    assert found, "no live settings on the page"
    return json.loads(found.group(1))


def row(page: str, job_id: int) -> str:
    found = re.search(rf'<tr class="job[^"]*" data-job="{job_id}".*?</tr>', page, re.DOTALL)
    assert found, job_id
    return found.group(0)


def test_while_jobs_run_the_page_hands_the_script_its_poll_address_and_translated_labels(client, jobs):
    page = Browser(client, "operator").page("/operator/jobs/")
    live = live_settings(page)
    assert live["poll"] == "/api/jobs/?page=1&per_page=50" and live["interval_ms"] == 2000
    assert live["labels"] == {"queued": "排队中", "running": "运行中", "succeeded": "已完成", "failed": "失败",
                              "cancelled": "已取消"}
    assert (live["cancellable"], live["retryable"]) == (["queued", "running"], ["cancelled", "failed"])
    assert 'src="/static/jobs.js"' in page and "本页自动更新" in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page  # without JavaScript
    running = row(page, jobs["running"])
    assert 'data-state="running"' in running and f'data-url="/api/jobs/{jobs["running"]}"' in running
    assert 'value="40"' in running and '<span class="job-progress">40%</span>' in running
    english = live_settings(Browser(client, "operator").page("/operator/jobs/?lang=en"))
    assert english["labels"]["running"] == "Running" and english["labels"]["failed"] == "Failed"


def test_operators_get_both_forms_the_one_that_does_not_apply_hidden(client, jobs):
    page = Browser(client, "operator").page("/operator/jobs/")
    running, failed = row(page, jobs["running"]), row(page, jobs["failed"])
    assert re.search(r'class="inline job-cancel">', running) and re.search(r'class="inline job-retry" hidden>', running)
    assert re.search(r'class="inline job-cancel" hidden>', failed) and re.search(r'class="inline job-retry">', failed)


def test_the_poll_address_answers_the_browser_session_as_the_page_does(client, app, jobs):
    operator = Browser(client, "operator")
    poll = live_settings(operator.page("/operator/jobs/"))["poll"]
    body = client.get(poll).get_json()  # the session cookie, no bearer token
    assert [j["id"] for j in body["items"]] == [jobs["queued"], jobs["failed"], jobs["running"]]
    running = next(j for j in body["items"] if j["id"] == jobs["running"])
    assert (running["state"], running["progress"], running["attempts"], running["max_attempts"]) == ("running", 40, 1, 3)
    failed = client.get(f"/api/jobs/{jobs['failed']}").get_json()
    assert (failed["state"], failed["error"]) == ("failed", "UnsupportedMedia: the file is text, not a video")


def test_auditors_follow_every_job_but_the_page_offers_them_no_cancel_or_retry(app, jobs):
    auditor = Browser(app.test_client(), "auditor")
    page = auditor.page("/operator/jobs/")
    assert "job-cancel" not in page and "job-retry" not in page and "取消</button>" not in page
    body = auditor.client.get(live_settings(page)["poll"]).get_json()
    assert {j["id"] for j in body["items"]} == set(jobs.values())


def test_teachers_have_no_jobs_page_and_the_api_shows_them_only_their_own_jobs(app, jobs):
    teacher = Browser(app.test_client(), "teacher_b")
    teacher.page("/operator/jobs/", status=403)
    body = teacher.client.get("/api/jobs/?page=1&per_page=50").get_json()
    assert [j["id"] for j in body["items"]] == [jobs["queued"]]
    assert teacher.client.get(f"/api/jobs/{jobs['running']}").status_code == 404


def test_strangers_get_a_401_problem_from_the_poll_address(client, jobs):
    response = client.get("/api/jobs/?page=1&per_page=50")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_with_nothing_queued_or_running_the_page_is_still_and_offers_a_refresh_link(client, sessions, jobs):
    for job_id in (jobs["running"], jobs["queued"]):
        job_control.cancel(sessions(), job_id, now=T0)
    page = Browser(client, "operator").page("/operator/jobs/")
    assert "jobs-live" not in page and "jobs.js" not in page and "http-equiv" not in page
    assert '<a class="refresh" href="/operator/jobs/?page=1">刷新</a>' in page
