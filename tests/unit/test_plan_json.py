"""A stored channel day reads back as it was stored, the notes of slots given to the standby programme included."""
from __future__ import annotations

import json
from datetime import time

from scheduler.domain.changes import without_recording
from scheduler.domain.channels import SlotKind, SlotSpec, WeeklyTemplate
from scheduler.domain.plan import Run, StandIn
from scheduler.exports.xmltv import to_xmltv
from scheduler.store import plan_json
from tests.unit.test_assembly import CLIPS, grade_channel, sample_day
from web.presenters.timeline import day_cells


def stored_and_read(plan):  # type: ignore[no-untyped-def]
    return plan_json.plan_from_dict(json.loads(json.dumps(plan_json.plan_to_dict(plan), ensure_ascii=False)))


def same_day(read, plan) -> bool:  # type: ignore[no-untyped-def]
    """What is stored of a day: its events and slot reports (an airing keeps only the recording it aired)."""
    return read.events == plan.events and read.slots == plan.slots and plan_json.plan_to_dict(read) == plan_json.plan_to_dict(plan)


def test_a_day_reads_back_as_stored() -> None:
    plan = sample_day()
    assert same_day(stored_and_read(plan), plan)


def test_a_revocation_and_an_unapproved_recording_keep_their_reasons_through_storage() -> None:
    plan = sample_day()
    revoked_id, unapproved_id = [r.recording_id for r in plan.slots if r.recording_id][:2]
    changed = without_recording(grade_channel(), plan, revoked_id, CLIPS, "画面有误")
    changed = without_recording(grade_channel(), changed, unapproved_id, CLIPS, None)
    again = stored_and_read(changed)
    assert same_day(again, changed)
    stand_ins = {r.why.stood_in for r in again.slots if r.why and r.why.stood_in}
    assert stand_ins == {StandIn(revoked_id, "画面有误"), StandIn(unapproved_id)}
    notes = [r.note for r in again.slots if r.recording_id == revoked_id]
    assert notes and all(n.endswith(f": recording {revoked_id} revoked: 画面有误") for n in notes)


def test_a_frame_exact_template_start_reads_back_as_stored() -> None:
    frame_one = SlotSpec(time(9, 0, 0, 40_000), 500, SlotKind.LESSON, subject="math")  # 09:00 and one frame at 25 fps
    template = WeeklyTemplate.from_weekdays({0: [frame_one, SlotSpec(time(9, 30), 500, SlotKind.BREAK)]})
    doc = json.loads(json.dumps(plan_json.template_to_dict(template)))
    assert [s["start"] for s in doc["week"][0]] == ["09:00:00.040000", "09:30"]
    assert plan_json.template_from_dict(doc) == template


def test_a_looped_clip_is_stored_once_with_its_passes_and_reads_back_pass_by_pass() -> None:
    plan = sample_day()
    doc = plan_json.plan_to_dict(plan)
    looped = [entry for entry in doc["events"] if entry.get("passes", 1) > 1]
    assert looped and len(doc["events"]) == len(plan.events) - sum(entry["passes"] - 1 for entry in looped)
    read = stored_and_read(plan)
    assert list(read.events) == list(plan.events) and [e.start for e in read.events] == [e.start for e in plan.events]


def test_the_guide_and_the_week_grid_of_a_stored_day_do_not_spell_out_every_pass(monkeypatch) -> None:  # type: ignore
    spelled_out: list[Run] = []
    events_of_run = Run.events
    monkeypatch.setattr(Run, "events", lambda run: spelled_out.append(run) or events_of_run(run))
    plan, channel = sample_day(), grade_channel()
    guide, cells = to_xmltv([channel], [plan], generator_info="airclass"), day_cells(channel, plan)
    read = stored_and_read(plan)
    assert to_xmltv([channel], [read], generator_info="airclass") == guide and day_cells(channel, read) == cells
    assert spelled_out == []
    assert list(read.events) == list(plan.events) and spelled_out  # what a reader of every event makes
