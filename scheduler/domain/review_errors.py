"""Why the review chain refuses a decision: the ReviewError tree, each error carrying its facts as
fields (the web layer words them in the page's language; `str()` is the English sentence).

    ReviewError                      every refusal; .recording_id when known
    ├── NotPermitted                 .role, .action, .reason (.why, .facts): the role may not take this action
    │   ├── OutOfScope               another county's or city's recording
    │   ├── SelfApproval             the teacher reviewing their own lesson
    │   └── SecondStepBySameReviewer one user approving two steps of a revision
    ├── InvalidTransition            .action, .state: the action is impossible in this state
    ├── CommentRequired              .action: request_changes and revoke need a reason
    ├── ChecksumMismatch             .expected, .actual: the media changed since it was reviewed
    ├── QcBlocksApproval             .failed: technical QC failed and nobody signed it off
    ├── NothingToSignOff             a QC sign-off with no failed QC to sign off
    ├── RecordingNotFound            raised by the service layer
    └── ReviewConflict               someone else decided meanwhile; raised by the service layer
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Self

from scheduler.domain.review_terms import Action, ReviewState, Role


def in_words(value: StrEnum) -> str:
    """Render an enum value for a sentence: 'county_reviewer' → 'county reviewer'."""
    return value.value.replace("_", " ")


def _about(recording_id: int | None) -> str:
    """Name the recording in a message, when known."""
    return "" if recording_id is None else f" (recording {recording_id})"


def _with_article(role: Role) -> str:
    """Put the indefinite article before a role: 'an auditor', 'a teacher'."""
    words = in_words(role)
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


class Reason(StrEnum):
    """Why a role may not take an action (NotPermitted.why); NotPermitted.facts holds the values named in REASONS."""

    ROLE = "role"  # facts: roles, those that may
    ANOTHER_TEACHER = "another_teacher"
    ANOTHER_COUNTY = "another_county"
    ANOTHER_CITY = "another_city"
    ANOTHER_STEP = "another_step"  # facts: state, step_role
    OWN_LESSON = "own_lesson"
    SECOND_STEP = "second_step"
    TEACHERS_UPLOAD = "teachers_upload"
    LESSON_OF_ANOTHER_COUNTY = "lesson_of_another_county"


REASONS = {
    Reason.ANOTHER_TEACHER: "it belongs to teacher {teacher}",
    Reason.ANOTHER_COUNTY: "it is from county {county}, the reviewer's is {own}",
    Reason.ANOTHER_CITY: "it is from city {city}, the reviewer's is {own}",
    Reason.OWN_LESSON: "user {user} is its teacher",
    Reason.SECOND_STEP: "user {user} already approved a step of this revision",
    Reason.TEACHERS_UPLOAD: "only teachers upload recordings",
    Reason.LESSON_OF_ANOTHER_COUNTY: "this lesson is produced by another county",
}


def reason_text(why: Reason, facts: Mapping[str, Any]) -> str:
    """A reason in English words."""
    if why is Reason.ROLE:
        *others, last = [_with_article(role) for role in facts["roles"]]
        return f"only {', '.join(others)} or {last} may do that" if others else f"only {last} may do that"
    if why is Reason.ANOTHER_STEP:
        return f"it is in {in_words(facts['state'])}, a step for {_with_article(facts['step_role'])}"
    return REASONS[why].format(**facts)


class ReviewError(Exception):
    """Base class of every refused review decision."""

    recording_id: int | None = None


class NotPermitted(ReviewError):
    """This role may not take this action on this recording."""

    def __init__(
        self,
        role: Role,
        action: Action,
        reason: str,
        recording_id: int | None = None,
        *,
        why: Reason | None = None,
        facts: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(role, action, reason, recording_id)
        self.role, self.action, self.reason = role, action, reason
        self.recording_id = recording_id
        self.why, self.facts = why, dict(facts or {})

    @classmethod
    def because(
        cls, role: Role, action: Action, why: Reason, recording_id: int | None = None, **facts: Any
    ) -> Self:
        """The refusal for a reason, its English words made from the facts."""
        return cls(role, action, reason_text(why, facts), recording_id, why=why, facts=facts)

    def __str__(self) -> str:
        about = _about(self.recording_id)
        return f"{_with_article(self.role).capitalize()} may not {in_words(self.action)}{about}: {self.reason}."


class OutOfScope(NotPermitted):
    """The recording belongs to another county or city than the reviewer's."""


class SelfApproval(NotPermitted):
    """The recording's own teacher tried to review it."""


class SecondStepBySameReviewer(NotPermitted):
    """A user who approved one step of this revision tried to approve another."""


class InvalidTransition(ReviewError):
    """The action is not possible in the recording's current state."""

    def __init__(self, action: Action, state: ReviewState, recording_id: int | None = None) -> None:
        super().__init__(action, state, recording_id)
        self.action, self.state, self.recording_id = action, state, recording_id

    def __str__(self) -> str:
        return (
            f"Cannot {in_words(self.action)} a recording in state '{in_words(self.state)}'"
            f"{_about(self.recording_id)}."
        )


class CommentRequired(ReviewError):
    """The action needs a non-blank comment saying why."""

    def __init__(self, action: Action, recording_id: int | None = None) -> None:
        super().__init__(action, recording_id)
        self.action, self.recording_id = action, recording_id

    def __str__(self) -> str:
        return f"A comment is required to {in_words(self.action)}{_about(self.recording_id)}."


class ChecksumMismatch(ReviewError):
    """The media reviewed is not the media stored: it changed since the reviewer looked."""

    def __init__(self, expected: str, actual: str | None, recording_id: int | None = None) -> None:
        super().__init__(expected, actual, recording_id)
        self.expected, self.actual, self.recording_id = expected, actual, recording_id

    def __str__(self) -> str:
        about = _about(self.recording_id)
        if self.actual is None:
            return f"The checksum of the media reviewed is missing{about}; stored: {self.expected}."
        return (
            f"The media changed since it was reviewed{about}: "
            f"sha256 {self.actual} was reviewed, {self.expected} is stored."
        )


class QcBlocksApproval(ReviewError):
    """Technical QC failed and no final reviewer has signed it off."""

    def __init__(self, failed: str, recording_id: int | None = None) -> None:
        super().__init__(failed, recording_id)
        self.failed, self.recording_id = failed, recording_id

    def __str__(self) -> str:
        return (
            f"Technical QC failed ({self.failed}){_about(self.recording_id)}: a final reviewer must sign it off "
            "with a comment before approval."
        )


class NothingToSignOff(ReviewError):
    """A QC sign-off was asked for a recording whose QC did not fail, or was signed off already."""

    def __init__(self, recording_id: int | None = None) -> None:
        super().__init__(recording_id)
        self.recording_id = recording_id

    def __str__(self) -> str:
        return f"There is no failed technical QC to sign off{_about(self.recording_id)}."


class RecordingNotFound(ReviewError):
    """No recording has this id (raised by the service layer)."""

    def __init__(self, recording_id: int) -> None:
        super().__init__(recording_id)
        self.recording_id = recording_id

    def __str__(self) -> str:
        return f"Recording {self.recording_id} does not exist."


class ReviewConflict(ReviewError):
    """Someone else decided on the recording meanwhile (raised by the service layer)."""

    def __init__(self, recording_id: int) -> None:
        super().__init__(recording_id)
        self.recording_id = recording_id

    def __str__(self) -> str:
        return f"Recording {self.recording_id} was decided on by someone else meanwhile; reload it."
