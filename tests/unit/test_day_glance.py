"""A channel day at a glance: its state from the stored versions, lesson slots counted by readiness, attention."""
from __future__ import annotations

from datetime import date

import pytest

from scheduler.domain.channels import SlotKind
from scheduler.domain.day_glance import DayState, glance
from scheduler.domain.plan import SlotReport, SlotStatus

DAY = date(2026, 12, 7)


def report(slot: int, kind: SlotKind, status: SlotStatus) -> SlotReport:
    return SlotReport(DAY, slot, kind, 0, 100, status, "")


ALL_FILLED = [report(1, SlotKind.LESSON, SlotStatus.FILLED), report(2, SlotKind.BREAK, SlotStatus.FILLED),
              report(3, SlotKind.REPLAY, SlotStatus.UNFILLED)]  # a replay on standby is not a lesson slot


@pytest.mark.parametrize(("published", "draft", "state", "version", "waiting"), [
    (2, None, DayState.PUBLISHED, 2, False),
    (2, 3, DayState.PUBLISHED, 2, True),
    (None, 1, DayState.DRAFT, 1, False),
    (None, None, DayState.NOT_ASSEMBLED, None, False),
])
def test_the_state_follows_the_stored_versions(published, draft, state, version, waiting):  # type: ignore[no-untyped-def]
    seen = glance("c", DAY, published=published, draft=draft, reports=ALL_FILLED)
    assert (seen.state, seen.version, seen.draft_waiting, seen.projected) == (
        state, version, waiting, state is DayState.NOT_ASSEMBLED)
    assert seen.needs_attention is (state is not DayState.PUBLISHED or waiting)


def test_lesson_slots_are_counted_by_readiness_and_overlong_airs_the_standby_programme():
    reports = [report(1, SlotKind.LESSON, SlotStatus.FILLED), report(2, SlotKind.LESSON, SlotStatus.AT_RISK),
               report(3, SlotKind.LESSON, SlotStatus.UNFILLED), report(4, SlotKind.LESSON, SlotStatus.OVERLONG)]
    seen = glance("c", DAY, published=1, draft=None, reports=reports)
    assert (seen.filled, seen.at_risk, seen.unfilled, seen.lessons) == (1, 1, 2, 4) and seen.needs_attention


def test_a_failed_timed_job_needs_the_operator_on_a_published_full_day():
    assert not glance("c", DAY, published=1, draft=None, reports=ALL_FILLED).needs_attention
    assert glance("c", DAY, published=1, draft=None, reports=ALL_FILLED, failed_jobs=1).needs_attention
