"""The review chain's words: the states a recording passes, the roles people act as, the actions they take."""

from __future__ import annotations

from enum import StrEnum


class ReviewState(StrEnum):
    """Where a revision of a recording stands in the review chain."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    COUNTY_REVIEW = "county_review"
    CITY_REVIEW = "city_review"
    FINAL_REVIEW = "final_review"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"


class Role(StrEnum):
    """What a user acts as."""

    TEACHER = "teacher"
    COUNTY_REVIEWER = "county_reviewer"
    CITY_REVIEWER = "city_reviewer"
    FINAL_REVIEWER = "final_reviewer"
    OPERATOR = "operator"
    ADMIN = "admin"
    AUDITOR = "auditor"
    SYSTEM = "system"


class Action(StrEnum):
    """A decision someone can take on a recording."""

    SUBMIT = "submit"
    INTAKE = "intake"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    WITHDRAW = "withdraw"
    REVOKE = "revoke"
    SIGN_OFF_QC = "sign_off_qc"  # a final reviewer accepts a failed technical QC, saying why
