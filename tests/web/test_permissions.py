"""The API and the pages ask one table (services/permissions.py) who may read and steer what."""
from __future__ import annotations

import pytest

from scheduler.domain.review import Actor
from scheduler.domain.review_terms import Role
from scheduler.services import permissions
from scheduler.services.permissions import GRANTS, NotAllowed, Permission
from tests.support.channels_world import CHANNEL, channel_doc
from tests.web.test_pages import Browser


@pytest.fixture
def channel(client, world, api_as):  # type: ignore[no-untyped-def]
    """The grade-3 test channel, its lessons without any recording."""
    response = api_as("admin").post("/api/channels/", json=channel_doc())
    assert response.status_code == 201, response.get_json()
    return CHANNEL


@pytest.mark.parametrize(
    ("username", "reads"),
    [("teacher_a", False), ("county_a", False), ("city", False), ("final", False),
     ("operator", True), ("admin", True), ("auditor", True)],
)
def test_readiness_is_for_schedule_readers_at_both_doors(app, api_as, channel, username, reads):
    page = Browser(app.test_client(), username).client.get(f"/operator/channels/{CHANNEL}/readiness")
    api = api_as(username).get(f"/api/channels/{CHANNEL}/readiness")
    assert (page.status_code, api.status_code) == ((200, 200) if reads else (403, 403))
    if not reads:
        assert api.get_json()["detail"] == "your role may not do this"
        assert "您的角色无权使用此页面" in page.get_data(as_text=True)


def test_every_permission_is_granted_to_people_and_never_to_the_system():
    assert GRANTS.keys() == set(Permission)
    assert all(roles and Role.SYSTEM not in roles for roles in GRANTS.values())


def test_a_refusal_names_the_role_and_the_permission():
    with pytest.raises(NotAllowed, match="a teacher may not read schedule"):
        permissions.check(Actor(1, Role.TEACHER), Permission.READ_SCHEDULE)
    permissions.check(Actor(2, Role.AUDITOR), Permission.READ_SCHEDULE)
