"""The jobs API through the test client with bearer tokens: who sees what, cancel, retry, errors."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.queue import job_control, leases

T0 = datetime(2020, 2, 10, 1, 0, tzinfo=UTC)


@pytest.fixture
def jobs(sessions, world):  # type: ignore[no-untyped-def]
    """Two jobs of teacher A (one queued, one failed after its attempts) and one of teacher B."""
    a, b = world.user("teacher_a").id, world.user("teacher_b").id
    queued, _ = job_control.submit(sessions(), "checksum", {"path": "recordings/第12课.mp4"}, now=T0, submitted_by=a)
    failed, _ = job_control.submit(sessions(), "probe", {"path": "notes.txt"}, now=T0, submitted_by=a)
    claim = leases.claim(sessions(), failed.id, worker_id="h:1:t", now=T0, lease_seconds=60)
    leases.mark_failed(sessions(), claim, "UnsupportedMedia: the file is text, not a video", now=T0, permanent=True)
    other, _ = job_control.submit(sessions(), "checksum", {"path": "b.mp4"}, now=T0, submitted_by=b)
    return {"queued": queued.id, "failed": failed.id, "other": other.id}


def test_teachers_see_the_jobs_they_submitted_newest_first(api_as, jobs):
    body = api_as("teacher_a").get("/api/jobs/").get_json()
    assert [j["id"] for j in body["items"]] == [jobs["failed"], jobs["queued"]]
    assert body["total"] == 2
    queued = body["items"][1]
    assert queued["params"] == {"path": "recordings/第12课.mp4"}
    assert (queued["state"], queued["progress"], queued["attempts"], queued["max_attempts"]) == ("queued", 0, 0, 3)


def test_operators_and_admins_see_all_jobs_paginated_and_filtered(api_as, jobs):
    for user in ("operator", "admin"):
        assert api_as(user).get("/api/jobs/").get_json()["total"] == 3
    page = api_as("operator").get("/api/jobs/?per_page=2&page=2").get_json()
    assert (page["pages"], [j["id"] for j in page["items"]]) == (2, [jobs["queued"]])
    failed = api_as("operator").get("/api/jobs/?state=failed").get_json()["items"]
    assert [j["id"] for j in failed] == [jobs["failed"]]
    assert failed[0]["error"] == "UnsupportedMedia: the file is text, not a video"


def test_someone_elses_job_is_404_problem(api_as, jobs):
    response = api_as("teacher_b").get(f"/api/jobs/{jobs['queued']}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["error"] == "JobNotFound"
    assert api_as("teacher_b").post(f"/api/jobs/{jobs['queued']}/cancel").status_code == 404


def test_cancel_a_queued_job_then_cancelling_again_is_409(api_as, jobs):
    teacher = api_as("teacher_a")
    response = teacher.post(f"/api/jobs/{jobs['queued']}/cancel")
    assert response.status_code == 200
    assert response.get_json()["state"] == "cancelled" and response.get_json()["finished_at"]
    again = teacher.post(f"/api/jobs/{jobs['queued']}/cancel")
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert again.get_json()["detail"] == f"job {jobs['queued']} is cancelled: it cannot be cancelled"


def test_retry_a_failed_job_queues_it_with_fresh_attempts(api_as, jobs):
    response = api_as("operator").post(f"/api/jobs/{jobs['failed']}/retry")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["state"], body["attempts"], body["finished_at"]) == ("queued", 0, None)
    assert api_as("operator").post(f"/api/jobs/{jobs['failed']}/retry").status_code == 409


def test_jobs_api_needs_credentials_and_is_in_the_openapi_document(client, jobs):
    response = client.get("/api/jobs/")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/jobs/", "/api/jobs/{job_id}", "/api/jobs/{job_id}/cancel", "/api/jobs/{job_id}/retry"} <= set(paths)


def test_unknown_state_filter_names_the_field(api_as, jobs):
    response = api_as("operator").get("/api/jobs/?state=paused")
    assert response.status_code == 422
    assert "state" in response.get_json()["errors"]
