"""The review chain through the JSON API, on a real database and real ffprobe."""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from scheduler.store.models import AuditEvent, AuditTrailImmutable
from tests.support.qc import qc_passed

pytestmark = pytest.mark.ffmpeg


def upload(api, lesson_id: int, path: Path, name: str = "第12课.mp4"):  # type: ignore[no-untyped-def]
    with path.open("rb") as f:
        return api.post(f"/api/lessons/{lesson_id}/recordings", data={"file": (f, name)}, content_type="multipart/form-data")


def act(api, recording: dict, action: str, **body):  # type: ignore[no-untyped-def]
    return api.post(f"/api/recordings/{recording['id']}/actions", json={"action": action, **body})


def approve(api, recording: dict):  # type: ignore[no-untyped-def]
    return act(api, recording, "approve", checksum=recording["checksum"])


@pytest.fixture
def submitted(api_as, world, clips):  # type: ignore[no-untyped-def]
    """A recording of lesson A, uploaded and submitted by teacher A: waiting in county review."""
    teacher = api_as("teacher_a")
    created = upload(teacher, world.lesson_a, clips["lesson_2s.mp4"])
    assert created.status_code == 201, created.get_json()
    response = act(teacher, created.get_json(), "submit")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_upload_is_probed_and_kept_as_draft(api_as, world, clips, settings):
    response = upload(api_as("teacher_a"), world.lesson_a, clips["lesson_2s.mp4"])
    assert response.status_code == 201
    body = response.get_json()
    assert body["state"] == "draft" and body["revision"] == 1
    assert body["duration_frames"] == 50 and body["frame_rate"] == "25/1"
    assert (body["width"], body["height"], body["audio_sample_rate"], body["audio_channels"]) == (160, 90, 48000, 2)
    assert body["checksum"] == hashlib.sha256(clips["lesson_2s.mp4"].read_bytes()).hexdigest()
    assert body["original_filename"] == "第12课.mp4"
    kept = list((settings.media_dir / "recordings").iterdir())
    assert len(kept) == 1 and kept[0].name != "第12课.mp4"
    assert kept[0].read_bytes() == clips["lesson_2s.mp4"].read_bytes()


def test_second_upload_is_a_new_revision(api_as, world, clips):
    teacher = api_as("teacher_a")
    upload(teacher, world.lesson_a, clips["lesson_2s.mp4"])
    assert upload(teacher, world.lesson_a, clips["lesson_1s_b.mp4"]).get_json()["revision"] == 2


def test_the_final_approval_is_refused_until_technical_qc_has_finished(api_as, submitted, sessions):
    rec = submitted
    for reviewer in ("county_a", "city"):
        rec = approve(api_as(reviewer), rec).get_json()
    refused = approve(api_as("final"), rec)
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    problem = refused.get_json()
    assert problem["error"] == "QcNotFinished"
    assert problem["detail"] == (f"Technical QC has not finished (recording {rec['id']}): "
                                 "the final approval waits for its report.")
    assert api_as("final").get(f"/api/recordings/{rec['id']}").get_json()["state"] == "final_review"
    qc_passed(sessions, rec["id"])
    assert approve(api_as("final"), rec).get_json()["state"] == "approved"


def test_full_chain_to_approved_with_complete_audit_trail(api_as, submitted, sessions):
    assert submitted["state"] == "county_review"
    qc_passed(sessions, submitted["id"])
    rec = submitted
    for reviewer, expected in (("county_a", "city_review"), ("city", "final_review"), ("final", "approved")):
        response = approve(api_as(reviewer), rec)
        assert response.status_code == 200, response.get_json()
        rec = response.get_json()
        assert rec["state"] == expected
    history = api_as("auditor").get(f"/api/recordings/{rec['id']}/history").get_json()
    steps = [(e["action"], e["from_state"], e["to_state"], e["actor"] and e["actor"]["username"]) for e in history]
    assert steps == [
        ("submit", "draft", "submitted", "teacher_a"),
        ("intake", "submitted", "county_review", None),
        ("approve", "county_review", "city_review", "county_a"),
        ("approve", "city_review", "final_review", "city"),
        ("approve", "final_review", "approved", "final"),
    ]
    assert all(e["checksum"] == rec["checksum"] and e["revision"] == 1 for e in history)


def test_request_changes_needs_a_comment_and_records_it(api_as, submitted):
    reviewer = api_as("county_a")
    refused = act(reviewer, submitted, "request_changes", comment="   ")
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    done = act(reviewer, submitted, "request_changes", comment="板书看不清，请重录第3分钟")
    assert done.status_code == 200 and done.get_json()["state"] == "changes_requested"
    history = reviewer.get(f"/api/recordings/{submitted['id']}/history").get_json()
    assert history[-1]["comment"] == "板书看不清，请重录第3分钟"


def test_approval_is_bound_to_the_reviewed_checksum(api_as, submitted):
    wrong = act(api_as("county_a"), submitted, "approve", checksum="0" * 64)
    missing = act(api_as("county_a"), submitted, "approve")
    assert (wrong.status_code, missing.status_code) == (409, 409)
    assert api_as("county_a").get(f"/api/recordings/{submitted['id']}").get_json()["state"] == "county_review"


def test_wrong_role_and_wrong_step_are_refused(api_as, submitted):
    assert approve(api_as("city"), submitted).status_code == 403  # the county step is not theirs
    assert approve(api_as("operator"), submitted).status_code == 403
    assert approve(api_as("auditor"), submitted).status_code == 403
    assert act(api_as("teacher_a"), submitted, "approve", checksum=submitted["checksum"]).status_code == 403


def test_other_county_reviewer_sees_nothing_of_county_a(api_as, submitted):
    other = api_as("county_b")
    assert other.get("/api/recordings/").get_json()["items"] == []
    assert other.get("/api/recordings/?queue=mine").get_json()["total"] == 0
    assert other.get(f"/api/recordings/{submitted['id']}").status_code == 404
    assert other.get(f"/api/recordings/{submitted['id']}/history").status_code == 404
    assert other.get(f"/api/recordings/{submitted['id']}/media").status_code == 404
    assert approve(other, submitted).status_code == 404
    own = api_as("county_a").get("/api/recordings/?queue=mine").get_json()
    assert [r["id"] for r in own["items"]] == [submitted["id"]]


def test_teacher_sees_only_own_recordings_and_drafts_stay_private(api_as, world, clips):
    upload(api_as("teacher_a"), world.lesson_a, clips["lesson_2s.mp4"])
    assert api_as("teacher_b").get("/api/recordings/").get_json()["total"] == 0
    assert api_as("county_a").get("/api/recordings/").get_json()["total"] == 0
    assert api_as("teacher_a").get("/api/recordings/").get_json()["total"] == 1


def test_teacher_cannot_upload_for_another_countys_lesson(api_as, world, clips, settings):
    response = upload(api_as("teacher_b"), world.lesson_a, clips["lesson_2s.mp4"])
    assert response.status_code == 403
    assert not any((settings.media_dir / "recordings").glob("*"))


def test_two_reviewers_racing_produce_one_approval_and_one_conflict(app, api_as, submitted):
    tokens = [api_as("county_a").headers, api_as("county_a2").headers]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def race(headers: dict[str, str]) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/recordings/{submitted['id']}/actions",
            headers=headers,
            json={"action": "approve", "checksum": submitted["checksum"], "version": submitted["version"]},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=race, args=(h,)) for h in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 409]
    history = api_as("auditor").get(f"/api/recordings/{submitted['id']}/history").get_json()
    assert [e["action"] for e in history].count("approve") == 1


def test_stale_version_is_a_conflict(api_as, submitted):
    stale = act(api_as("county_a"), submitted, "approve", checksum=submitted["checksum"], version=submitted["version"] - 1)
    assert stale.status_code == 409
    assert "meanwhile" in stale.get_json()["detail"] or "conflict" in stale.get_json()["detail"].lower()


def test_audit_events_cannot_be_changed_or_deleted(sessions, submitted):
    with sessions() as session, session.begin():
        event = session.scalars(select(AuditEvent)).first()
        event.comment = "rewritten"
        with pytest.raises(AuditTrailImmutable):
            session.flush()
        session.rollback()
    for statement in ("UPDATE audit_event SET comment = 'x'", "DELETE FROM audit_event"):
        with sessions() as session, pytest.raises(Exception, match="append-only"), session.begin():
            session.execute(text(statement))
    with sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM audit_event")) == 2
