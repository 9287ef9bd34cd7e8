"""Every route × every role, from one table: who gets through to the route's work and who is turned away.

"Through" means the response is not a refusal (401/403, a 404 that hides another county's
recording, or the sign-in page); what the route then does with the request is its own tests'
business. A route missing from the table fails the test, so a new route needs an entry.
Requests that would change something carry bodies the route refuses after its access check
(an unknown action, missing fields), so the order of the checks is part of what is tested.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from scheduler.queue import job_control as jobs
from scheduler.services.playout import day_file
from scheduler.store.models import OperatorAlert
from tests.support.channels_world import CHANNEL, next_monday
from tests.support.world import PASSWORD

pytestmark = pytest.mark.ffmpeg

ROLES = ("anonymous", "teacher_a", "county_a", "county_b", "city", "final", "operator", "admin", "auditor")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
SEES_COUNTY_A = frozenset({"teacher_a", "county_a", "city", "final", "operator", "admin", "auditor"})
REVIEWERS = frozenset({"county_a", "county_b", "city", "final"})
READERS = frozenset({"operator", "admin", "auditor"})
SCHEDULERS = frozenset({"operator", "admin"})
ADMIN = frozenset({"admin"})
AUDIT_READERS = frozenset({"admin", "auditor"})
JOB_OWNERS = frozenset({"teacher_a", "operator", "admin", "auditor"})  # the job was teacher A's upload
JOB_STEERS = frozenset({"teacher_a", "operator", "admin"})
TEACHER_A = frozenset({"teacher_a"})

NOT_JSON = {"data": "{", "content_type": "application/json"}
BAD_RANGE = {"json": {"days": 0}}

# (method, rule) -> (roles that get through, request options)
MATRIX: dict[tuple[str, str], tuple[frozenset[str], dict[str, object]]] = {
    ("GET", "/"): (EVERYONE, {}),  # families get the way to the guide, staff their start page
    ("GET", "/login"): (EVERYONE, {}),
    ("POST", "/login"): (EVERYONE, {"data": {}}),
    ("POST", "/logout"): (EVERYONE, {"through": {302}}),  # called last: it signs the callers out
    ("GET", "/overview"): (SIGNED_IN, {}),
    ("GET", "/static/<path:filename>"): (EVERYONE, {"filename": "airclass.css"}),
    ("GET", "/teacher/"): (TEACHER_A, {}),
    ("GET", "/teacher/lessons/<int:lesson_id>"): (TEACHER_A, {}),
    ("POST", "/teacher/lessons/<int:lesson_id>/recordings"): (TEACHER_A, {"data": {}}),
    ("GET", "/review/"): (REVIEWERS, {}),
    ("GET", "/recordings/<int:recording_id>"): (SEES_COUNTY_A, {}),
    ("POST", "/recordings/<int:recording_id>/actions"): (SEES_COUNTY_A, {"data": {"action": "nonsense"}}),
    ("GET", "/operator/"): (READERS, {}),
    ("GET", "/operator/alerts/"): (READERS, {}),
    ("POST", "/operator/alerts/<int:alert_id>/acknowledge"): (SCHEDULERS, {"data": {}}),
    ("GET", "/operator/channels/<channel_id>/days/<isodate:day>"): (READERS, {}),
    ("GET", "/operator/channels/<channel_id>/readiness"): (READERS, {}),
    ("GET", "/operator/channels/<channel_id>/today"): (READERS, {}),
    ("GET", "/operator/channels/<channel_id>/week"): (READERS, {}),
    ("POST", "/operator/channels/<channel_id>/assemble"): (SCHEDULERS, {"data": {"days": "0"}}),
    ("POST", "/operator/channels/<channel_id>/publish"): (SCHEDULERS, {"data": {"days": "0"}}),
    ("POST", "/operator/publish-all"): (SCHEDULERS, {"data": {"days": "0"}}),
    ("POST", "/operator/channels/<channel_id>/days/<isodate:day>/render"): (SCHEDULERS, {"data": {}}),
    ("GET", "/operator/channels/<channel_id>/days/<isodate:day>/playout-v<int:version>.ts"): (READERS, {"version": 1}),
    ("GET", "/operator/jobs/"): (READERS, {}),
    ("GET", "/operator/timed-jobs/"): (READERS, {}),
    ("POST", "/operator/jobs/<int:job_id>/cancel"): (SCHEDULERS, {"data": {}}),
    ("POST", "/operator/jobs/cancel"): (SCHEDULERS, {"data": {}}),
    ("POST", "/operator/jobs/<int:job_id>/retry"): (SCHEDULERS, {"data": {}}),
    ("GET", "/audit/"): (AUDIT_READERS, {}),
    ("GET", "/audit/export.csv"): (AUDIT_READERS, {}),
    ("GET", "/admin/"): (ADMIN, {}),
    ("GET", "/admin/users/"): (ADMIN, {}),
    ("POST", "/admin/users/"): (ADMIN, {"data": {}}),
    ("GET", "/admin/channels/"): (ADMIN, {}),
    ("GET", "/admin/channels/<channel_id>"): (ADMIN, {}),
    ("POST", "/admin/channels/<channel_id>"): (ADMIN, {"data": {"add": "1"}}),  # adds a row to the form only
    ("POST", "/admin/channels/"): (ADMIN, {"data": {}}),
    ("POST", "/admin/channels/<channel_id>/settings"): (ADMIN, {"data": {}}),
    ("GET", "/admin/channels/<channel_id>/json"): (ADMIN, {}),
    ("POST", "/admin/channels/<channel_id>/json"): (ADMIN, {"data": {"template": "{"}}),
    ("GET", "/admin/users/<int:user_id>"): (ADMIN, {"user_id": 1}),
    ("POST", "/admin/users/<int:user_id>"): (ADMIN, {"user_id": 1, "data": {}}),
    ("POST", "/admin/users/<int:user_id>/password"): (ADMIN, {"user_id": 1, "data": {}}),
    ("GET", "/account/password"): (SIGNED_IN, {}),
    ("POST", "/account/password"): (SIGNED_IN, {"data": {}}),
    ("GET", "/guide/"): (EVERYONE, {}),
    ("GET", "/guide/grade<int:grade>"): (EVERYONE, {}),
    ("GET", "/watch/<int:recording_id>"): (EVERYONE, {}),
    ("GET", "/watch/<int:recording_id>/<any(video.mp4,poster.jpg):name>"): (EVERYONE, {"name": "poster.jpg"}),
    ("GET", "/live/grade<int:grade>"): (EVERYONE, {}),
    ("GET", "/guide/grade<int:grade>/<isodate:first>"): (EVERYONE, {"first": str(next_monday())}),
    ("GET", "/library/"): (EVERYONE, {}),
    ("GET", "/library/grade<int:grade>"): (EVERYONE, {}),
    ("GET", "/library/grade<int:grade>/<code>"): (EVERYONE, {"code": "math", "through": {404}}),  # nothing aired yet
    ("GET", "/replay/grade<int:grade>/<isodate:day>"): (EVERYONE, {"through": {404}}),  # no replay written
    ("GET", "/watch/<int:recording_id>/hls/<name>"): (EVERYONE, {"name": "master.m3u8", "through": {404}}),
    # Public files: nothing is written in this test, so everybody gets the same 404, and nobody a sign-in.
    ("GET", "/live/<path:name>"): (EVERYONE, {"name": f"{CHANNEL}/master.m3u8", "through": {404}}),
    ("GET", "/feeds/grade<int:grade>.ics"): (EVERYONE, {}),
    ("GET", "/feeds/grade<int:grade>/<subject>.ics"): (EVERYONE, {"subject": "math"}),
    ("GET", "/api/openapi.json"): (EVERYONE, {}),
    ("POST", "/api/tokens"): (EVERYONE, {"json": {}}),
    ("GET", "/api/users/"): (ADMIN | {"auditor"}, {}),
    ("POST", "/api/users/"): (ADMIN, {"json": {}}),
    ("GET", "/api/users/me"): (SIGNED_IN, {}),
    ("PATCH", "/api/users/<int:user_id>"): (ADMIN, {"user_id": 1, "json": {}}),
    ("PUT", "/api/users/<int:user_id>/password"): (ADMIN, {"user_id": 1, "json": {}}),
    ("PUT", "/api/users/me/password"): (SIGNED_IN, {"json": {}}),
    ("GET", "/api/lessons/"): (SIGNED_IN, {}),
    ("POST", "/api/lessons/"): (ADMIN, {"json": {}}),
    ("GET", "/api/lessons/<int:lesson_id>"): (SIGNED_IN, {}),
    ("POST", "/api/lessons/<int:lesson_id>/recordings"): (TEACHER_A, {"data": {}}),
    ("GET", "/api/recordings/"): (SIGNED_IN, {}),
    ("GET", "/api/recordings/queue"): (SIGNED_IN, {}),
    ("GET", "/api/recordings/<int:recording_id>"): (SEES_COUNTY_A, {}),
    ("GET", "/api/recordings/<int:recording_id>/history"): (SEES_COUNTY_A, {}),
    ("GET", "/api/recordings/<int:recording_id>/media"): (SEES_COUNTY_A, {}),
    ("GET", "/api/recordings/<int:recording_id>/qc"): (SEES_COUNTY_A, {}),
    ("GET", "/api/recordings/<int:recording_id>/renditions/mp4"): (SEES_COUNTY_A, {}),
    ("GET", "/api/recordings/<int:recording_id>/renditions/poster"): (SEES_COUNTY_A, {}),
    # Who may take which decision is the review chain's (its unit tests cover every role x state x action):
    # here a decision refused by the chain (403/409) counts as through; not seeing the recording does not.
    ("POST", "/api/recordings/<int:recording_id>/actions"): (
        SEES_COUNTY_A, {"json": {"action": "approve", "checksum": "0" * 64}, "through": {403, 409}}),
    ("GET", "/api/channels/"): (SIGNED_IN, {}),
    ("POST", "/api/channels/"): (ADMIN, {"json": {}}),
    ("GET", "/api/channels/<channel_id>"): (SIGNED_IN, {}),
    ("PATCH", "/api/channels/<channel_id>"): (ADMIN, {"json": {}}),
    ("PUT", "/api/channels/<channel_id>/template"): (ADMIN, {"json": {}}),
    ("GET", "/api/channels/<channel_id>/days"): (READERS, {}),
    ("GET", "/api/channels/<channel_id>/days/<isodate:day>"): (READERS, {}),
    ("GET", "/api/channels/<channel_id>/days/<isodate:day>/playlist.<any(json,csv,txt):fmt>"): (READERS, {"fmt": "csv"}),
    ("POST", "/api/channels/<channel_id>/days/assemble"): (SCHEDULERS, BAD_RANGE),
    ("POST", "/api/channels/<channel_id>/days/publish"): (SCHEDULERS, BAD_RANGE),
    ("POST", "/api/channels/<channel_id>/days/<isodate:day>/render"): (SCHEDULERS, {"json": {}}),
    ("GET", "/api/channels/<channel_id>/readiness"): (READERS, {}),
    ("GET", "/api/exports/xmltv"): (READERS, {"query_string": {"grade": 3, "from": "DAY"}}),
    ("GET", "/api/alerts/"): (READERS, {}),
    ("POST", "/api/alerts/<int:alert_id>/acknowledge"): (SCHEDULERS, NOT_JSON),
    ("GET", "/api/schedule/jobs"): (READERS, {}),
    ("GET", "/api/schedule/glance"): (READERS, {}),
    ("POST", "/api/schedule/publish-all/preview"): (SCHEDULERS, BAD_RANGE),
    ("POST", "/api/schedule/publish-all"): (SCHEDULERS, BAD_RANGE),
    ("GET", "/api/jobs/"): (SIGNED_IN, {}),
    ("GET", "/api/jobs/<int:job_id>"): (JOB_OWNERS, {}),
    ("POST", "/api/jobs/<int:job_id>/cancel"): (JOB_STEERS, NOT_JSON),
    ("POST", "/api/jobs/<int:job_id>/retry"): (JOB_STEERS, NOT_JSON),
}


def routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_an_entry(app):
    assert routes(app) - MATRIX.keys() == set(), "add the new routes to MATRIX"
    assert MATRIX.keys() - routes(app) == set(), "MATRIX lists routes that are gone"


@pytest.fixture
def place(on_air, app, sessions, api_as, settings):  # type: ignore[no-untyped-def]
    """Published Monday, one QC'd recording of county A, teacher A's ingest job, an open alert."""
    from scheduler.services.ingest import ingest_now

    monday = next_monday()
    recording_id = on_air.recordings["math12"]
    ingest_now(sessions, settings.media_dir, recording_id)
    api_as("operator").post(f"/api/channels/{CHANNEL}/days/publish", json={"from": str(monday)})
    playout_file = settings.media_dir / day_file(CHANNEL, monday, 1)
    playout_file.parent.mkdir(parents=True)
    playout_file.write_bytes(b"\x47" * 188)  # a stand-in: who may download it is at stake here, not what
    with sessions() as session, session.begin():
        alert = OperatorAlert(channel_id=CHANNEL, day=monday, kind="revoked", message="测试", created_at=datetime.now(UTC))
        session.add(alert)
        session.flush()
        alert_id = alert.id
    job = next(j for j in jobs.list_jobs(sessions(), None, per_page=100).items if j.submitted_by == on_air.user("teacher_a").id)
    return {
        "lesson_id": on_air.lesson_a, "recording_id": recording_id, "alert_id": alert_id, "job_id": job.id,
        "channel_id": CHANNEL, "day": str(monday), "grade": 3,
    }


def url_for(rule: str, place: dict[str, object], options: dict[str, object]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        return str(options.get(name, place.get(name)))

    return re.sub(r"<(?:([^:<>]+):)?([a-z_]+)>", fill, rule)


class Caller:
    """One role: pages through its signed-in session, the API through its bearer token."""

    def __init__(self, app, role: str) -> None:  # type: ignore[no-untyped-def]
        self.client, self.headers = app.test_client(), {}
        if role == "anonymous":
            return
        signed_in = self.client.post("/login", data={"username": role, "password": PASSWORD})
        assert signed_in.status_code == 302, role
        token = self.client.post("/api/tokens", json={"username": role, "password": PASSWORD}).get_json()["token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, url: str, options: dict[str, object]):  # type: ignore[no-untyped-def]
        kwargs = {k: v for k, v in options.items() if k in ("json", "data", "content_type", "query_string")}
        headers = self.headers if url.startswith("/api/") else {}
        return self.client.open(url, method=method, headers=headers, **kwargs)


def refused(response, through: set[int]) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code in through:
        return False
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code in (302, 303) and "/login" in response.headers.get("Location", "")


def test_each_role_gets_through_exactly_where_the_table_says(app, place):
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own tests; here only who may act is at stake
    callers = {role: Caller(app, role) for role in ROLES}
    wrong = []
    for (method, rule), (allowed, options) in sorted(MATRIX.items(), key=lambda item: item[0][1] == "/logout"):
        url = url_for(rule, place, options)
        if "query_string" in options:
            options = {**options, "query_string": {k: (place["day"] if v == "DAY" else v)
                                                   for k, v in options["query_string"].items()}}
        for role in ROLES:
            response = callers[role].call(method, url, options)
            response.close()  # file downloads hold their file open until closed
            if refused(response, options.get("through", set())) == (role in allowed):
                wrong.append(f"{method} {url} as {role}: {response.status_code} (expected "
                             f"{'through' if role in allowed else 'refused'})")
    assert wrong == [], "\n".join(wrong)
