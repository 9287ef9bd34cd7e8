"""Who may read and steer what, apart from recordings: the one table the API and the pages both ask.

Which recordings an actor sees and what they may decide on one is the review chain's
(domain/review.py: visibility, decide); whose media jobs they see and steer is the job queue's
(queue/job_control.py). Everything else a role may do is granted here. The doors ask before they
parse a request (a refusal comes before a form's errors); the page services ask again, so a door
that forgets cannot show what the page gathers.
"""
from __future__ import annotations

from enum import StrEnum

from scheduler.domain.review import Actor
from scheduler.domain.review_terms import Role


class Permission(StrEnum):
    """Something a role may be allowed to do."""

    READ_SCHEDULE = "read_schedule"  # channel days, readiness, playlists, XMLTV, alerts, timed jobs, the jobs page
    STEER_SCHEDULE = "steer_schedule"  # assemble, publish, render, acknowledge alerts, cancel and retry jobs there
    EDIT_CHANNELS = "edit_channels"  # channels and their weekly slot templates
    READ_ACCOUNTS = "read_accounts"
    EDIT_ACCOUNTS = "edit_accounts"  # and the admin pages that list them
    EDIT_CURRICULUM = "edit_curriculum"  # the lessons of the plan
    RECORD_LESSONS = "record_lessons"  # the teacher's pages, uploads of a lesson's recording
    REVIEW = "review"  # the review queue page
    READ_AUDIT_LOG = "read_audit_log"  # the review decisions of the recordings one sees, and their CSV export


GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.READ_SCHEDULE: frozenset({Role.OPERATOR, Role.ADMIN, Role.AUDITOR}),
    Permission.STEER_SCHEDULE: frozenset({Role.OPERATOR, Role.ADMIN}),
    Permission.EDIT_CHANNELS: frozenset({Role.ADMIN}),
    Permission.READ_ACCOUNTS: frozenset({Role.ADMIN, Role.AUDITOR}),
    Permission.EDIT_ACCOUNTS: frozenset({Role.ADMIN}),
    Permission.EDIT_CURRICULUM: frozenset({Role.ADMIN}),
    Permission.RECORD_LESSONS: frozenset({Role.TEACHER}),
    Permission.REVIEW: frozenset({Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.FINAL_REVIEWER}),
    Permission.READ_AUDIT_LOG: frozenset({Role.AUDITOR, Role.ADMIN}),
}


class NotAllowed(Exception):
    """The actor's role lacks a permission (the web answers 403)."""

    def __init__(self, role: Role, permission: Permission) -> None:
        super().__init__(f"a {role.value} may not {permission.value.replace('_', ' ')}")
        self.role = role
        self.permission = permission


def may(actor: Actor, permission: Permission) -> bool:
    """Tell whether the actor's role has the permission."""
    return actor.role in GRANTS[permission]


def check(actor: Actor, permission: Permission) -> None:
    """Raise NotAllowed unless the actor's role has the permission."""
    if not may(actor, permission):
        raise NotAllowed(actor.role, permission)
