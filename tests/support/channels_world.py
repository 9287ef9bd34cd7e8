"""A grade-3 test channel with approved recordings, shared by the channel-day, job and browser tests."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.domain.review_terms import Action
from scheduler.services import curriculum, recordings
from scheduler.services.channels import save_clip
from tests.support.clips import filler_clips
from tests.support.qc import qc_passed

CHANNEL = "grade3.test.airclass"
ON_DEMAND = "https://airclass.example/watch/{recording}"


def next_monday() -> date:
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    return today + timedelta(days=7 - today.weekday())


def freeze_sunday_evening(monkeypatch: Any, module: Any) -> date:
    """Freeze the module's clock (its `now`) at 20:00 on the Sunday before next Monday (Shanghai); return that
    Monday: "tomorrow" is that Monday whatever day the tests run."""
    monday = next_monday()
    moment = datetime.combine(monday - timedelta(days=1), time(20), tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(module, "now", lambda: moment.astimezone(UTC))
    return monday


def slot(start: str, minutes: int, kind: str, **extra: object) -> dict[str, object]:
    return {"start": start, "length": f"00:{minutes:02d}:00:00", "kind": kind, **extra}


def school_day() -> list[dict[str, object]]:
    return [
        slot("08:30", 20, "lesson", subject="math"),
        slot("08:50", 10, "break", title="课间休息·眼保健操"),
        slot("09:00", 20, "lesson", subject="chinese"),
        slot("14:00", 20, "replay", replay_of={"slot": 1}),
    ]


def channel_doc(template_week: list[list[dict[str, object]]] | None = None, **overrides: object) -> dict[str, object]:
    week = template_week if template_week is not None else [school_day()] * 5 + [[], []]
    doc = {
        "id": CHANNEL, "name": "嘉兴空中课堂·三年级", "grades": [3],
        "distributors": [{"name": "华数", "number": "803"}, {"name": "电信IPTV", "number": "503"}],
        "template": {"week": week}, "on_demand_url": ON_DEMAND,
    }
    return {**doc, **overrides}


def approved_recording(sessions, world, clip: Path, lesson_id: int) -> int:  # type: ignore[no-untyped-def]
    def actor(name):
        return recordings.actor_for(world.user(name))
    with clip.open("rb") as stream:
        rec = recordings.upload_recording(sessions(), world.store, actor("teacher_a"), lesson_id, stream, "课.mp4",
                                        at=datetime.now(UTC) - timedelta(days=2))
    qc_passed(sessions, rec.id, at=datetime.now(UTC) - timedelta(days=2))  # the final approval waits for QC
    for who, action in [("teacher_a", Action.SUBMIT), ("county_a", Action.APPROVE), ("city", Action.APPROVE),
                        ("final", Action.APPROVE)]:
        recordings.act_on_recording(sessions(), actor(who), rec.id, action, at=datetime.now(UTC) - timedelta(days=1),
                                  reviewed_checksum=rec.checksum)
    return rec.id


def build_on_air(app, sessions, world, clips, api_as):  # type: ignore[no-untyped-def]
    """Grade 3: math 12-13 and chinese 1 approved (two-second clips), filler clips, the channel created."""
    world.store = app.extensions["airclass.store"]
    math13 = curriculum.create_lesson(sessions(), grade=3, subject="math", sequence=13, title="面积", county_id=world.county_a)
    chinese1 = curriculum.create_lesson(sessions(), grade=3, subject="chinese", sequence=1, title="秋天的雨",
                                        county_id=world.county_a)
    world.recordings = {
        "math12": approved_recording(sessions, world, clips["lesson_2s.mp4"], world.lesson_a),
        "math13": approved_recording(sessions, world, clips["lesson_1s_b.mp4"], math13.id),
        "chinese1": approved_recording(sessions, world, clips["lesson_2s.mp4"], chinese1.id),
    }
    for clip in filler_clips(seconds=30).values():
        save_clip(sessions(), clip)
    response = api_as("admin").post("/api/channels/", json=channel_doc())
    assert response.status_code == 201, response.get_json()
    return world


