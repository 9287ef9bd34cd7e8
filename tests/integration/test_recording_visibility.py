"""Who sees which recording, through the scoped query every read goes through (review.visibility is its rule)."""
from __future__ import annotations

import pytest

from scheduler.domain import review_errors
from scheduler.domain.review import Actor
from scheduler.domain.review_terms import ReviewState, Role
from scheduler.services import curriculum, recordings
from tests.integration.test_recording_pages import add_recording

NOT_DRAFT = frozenset(ReviewState) - {ReviewState.DRAFT}


@pytest.fixture
def one_of_each_state(sessions, world) -> dict[ReviewState, int]:  # type: ignore[no-untyped-def]
    """Teacher A's recordings of lesson A (county A of the world's city), one revision in each review state."""
    return {state: add_recording(sessions, world, state, n) for n, state in enumerate(ReviewState, start=1)}


def actors(sessions, world) -> dict[str, Actor]:  # type: ignore[no-untyped-def]
    other_city = curriculum.create_city(sessions(), "湖州市", ["吴兴区"])
    signed_in = {name: recordings.actor_for(world.user(name)) for name in world.users}
    return {
        **signed_in,
        "final_of_all": Actor(901, Role.FINAL_REVIEWER),
        "final_elsewhere": Actor(902, Role.FINAL_REVIEWER, city_id=other_city.id),
        "city_elsewhere": Actor(903, Role.CITY_REVIEWER, city_id=other_city.id),
        "county_elsewhere": Actor(904, Role.COUNTY_REVIEWER, county_id=other_city.counties[0].id,
                                  city_id=other_city.id),
        "system": recordings.SYSTEM,
    }


SEES: dict[str, str] = {  # who -> "all" states, "not_draft", or "none" of teacher A's recordings
    "teacher_a": "all", "teacher_b": "none",
    "county_a": "not_draft", "county_a2": "not_draft", "county_b": "none", "county_elsewhere": "none",
    "city": "not_draft", "city_elsewhere": "none",
    "final": "not_draft", "final2": "not_draft", "final_of_all": "not_draft", "final_elsewhere": "none",
    "operator": "not_draft", "admin": "not_draft", "auditor": "not_draft", "system": "not_draft",
}


def test_each_actor_sees_exactly_the_recordings_the_rule_gives(sessions, world, one_of_each_state):
    everyone = actors(sessions, world)
    assert everyone.keys() == SEES.keys(), "give every actor of the world a line in SEES"
    states = {"all": frozenset(ReviewState), "not_draft": NOT_DRAFT, "none": frozenset()}
    wrong = []
    for name, actor in everyone.items():
        listed = recordings.list_recordings(sessions(), actor, per_page=100).items
        expected = {one_of_each_state[state] for state in states[SEES[name]]}
        if {r.id for r in listed} != expected:
            wrong.append(f"{name} sees {sorted(r.state.value for r in listed)}, expected {SEES[name]}")
    assert wrong == []


@pytest.mark.parametrize(("name", "sees_draft"), [("teacher_a", True), ("county_a", False), ("admin", False)])
def test_one_recording_is_found_only_when_the_list_would_show_it(sessions, world, one_of_each_state, name, sees_draft):
    actor = recordings.actor_for(world.user(name))
    assert recordings.get_recording(sessions(), actor, one_of_each_state[ReviewState.APPROVED]).state is ReviewState.APPROVED
    if sees_draft:
        assert recordings.get_recording(sessions(), actor, one_of_each_state[ReviewState.DRAFT])
    else:
        with pytest.raises(review_errors.RecordingNotFound):
            recordings.get_recording(sessions(), actor, one_of_each_state[ReviewState.DRAFT])
