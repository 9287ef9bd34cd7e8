"""Why the review chain refuses a decision: the ReviewError tree, each error carrying its facts as
fields and its English sentence as a msgid (`sentence`, REASONS): `str()` fills it in with English
facts, the web layer translates it and fills it in with facts in the page's language.

    ReviewError                      every refusal; .recording_id when known
    ├── NotPermitted                 .role, .action, .reason (.why, .facts): the role may not take this action
    │   ├── OutOfScope               another county's or city's recording
    │   ├── SelfApproval             the teacher reviewing their own lesson
    │   └── SecondStepBySameReviewer one user approving two steps of a revision
    ├── InvalidTransition            .action, .state: the action is impossible in this state
    ├── CommentRequired              .action: request_changes and revoke need a reason
    ├── ChecksumMismatch             .expected, .actual: the media changed since it was reviewed
    ├── QcBlocksApproval             .failed: technical QC failed and nobody signed it off
    ├── QcNotFinished                technical QC has not reported on the media yet
    ├── NothingToSignOff             a QC sign-off with no failed QC to sign off
    ├── RecordingNotFound            raised by the service layer
    └── ReviewConflict               someone else decided meanwhile; raised by the service layer
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Self

from scheduler.domain.review_terms import Action, ReviewState, Role
from scheduler.domain.sentences import N_

ABOUT = N_(" (recording %(id)s)")


def in_words(value: StrEnum) -> str:
    """Render an enum value for a sentence: 'county_reviewer' → 'county reviewer'."""
    return value.value.replace("_", " ")


def _about(recording_id: int | None) -> str:
    """Name the recording in a message, when known."""
    return "" if recording_id is None else ABOUT % {"id": recording_id}


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
    Reason.ROLE: N_("only %(roles)s may do that"),
    Reason.ANOTHER_TEACHER: N_("it belongs to teacher %(teacher)s"),
    Reason.ANOTHER_COUNTY: N_("it is from county %(county)s, the reviewer's is %(own)s"),
    Reason.ANOTHER_CITY: N_("it is from city %(city)s, the reviewer's is %(own)s"),
    Reason.ANOTHER_STEP: N_("it is in %(state)s, a step for %(step_role)s"),
    Reason.OWN_LESSON: N_("user %(user)s is its teacher"),
    Reason.SECOND_STEP: N_("user %(user)s already approved a step of this revision"),
    Reason.TEACHERS_UPLOAD: N_("only teachers upload recordings"),
    Reason.LESSON_OF_ANOTHER_COUNTY: N_("this lesson is produced by another county"),
}


def reason_text(why: Reason, facts: Mapping[str, Any]) -> str:
    """A reason in English words: roles listed with their articles, a state in words."""
    words = dict(facts)
    if "roles" in words:
        *others, last = [_with_article(role) for role in words["roles"]]
        words["roles"] = f"{', '.join(others)} or {last}" if others else last
    if "state" in words:
        words["state"], words["step_role"] = in_words(words["state"]), _with_article(words["step_role"])
    return REASONS[why] % words


class ReviewError(Exception):
    """Base class of every refused review decision."""

    recording_id: int | None = None


class NotPermitted(ReviewError):
    """This role may not take this action on this recording."""

    sentence = N_("%(who)s may not %(action)s%(about)s: %(reason)s.")

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
        return self.sentence % {"who": _with_article(self.role).capitalize(), "action": in_words(self.action),
                                "about": _about(self.recording_id), "reason": self.reason}


class OutOfScope(NotPermitted):
    """The recording belongs to another county or city than the reviewer's."""


class SelfApproval(NotPermitted):
    """The recording's own teacher tried to review it."""


class SecondStepBySameReviewer(NotPermitted):
    """A user who approved one step of this revision tried to approve another."""


class InvalidTransition(ReviewError):
    """The action is not possible in the recording's current state."""

    sentence = N_("Cannot %(action)s a recording in state '%(state)s'%(about)s.")

    def __init__(self, action: Action, state: ReviewState, recording_id: int | None = None) -> None:
        super().__init__(action, state, recording_id)
        self.action, self.state, self.recording_id = action, state, recording_id

    def __str__(self) -> str:
        return self.sentence % {"action": in_words(self.action), "state": in_words(self.state),
                                "about": _about(self.recording_id)}


class CommentRequired(ReviewError):
    """The action needs a non-blank comment saying why."""

    sentence = N_("A comment is required to %(action)s%(about)s.")

    def __init__(self, action: Action, recording_id: int | None = None) -> None:
        super().__init__(action, recording_id)
        self.action, self.recording_id = action, recording_id

    def __str__(self) -> str:
        return self.sentence % {"action": in_words(self.action), "about": _about(self.recording_id)}


class ChecksumMismatch(ReviewError):
    """The media reviewed is not the media stored: it changed since the reviewer looked."""

    MISSING = N_("The checksum of the media reviewed is missing%(about)s; stored: %(expected)s.")
    CHANGED = N_("The media changed since it was reviewed%(about)s: sha256 %(actual)s was reviewed, "
                 "%(expected)s is stored.")

    def __init__(self, expected: str, actual: str | None, recording_id: int | None = None) -> None:
        super().__init__(expected, actual, recording_id)
        self.expected, self.actual, self.recording_id = expected, actual, recording_id

    @property
    def sentence(self) -> str:
        """The msgid: the reviewed checksum is missing, or differs."""
        return self.MISSING if self.actual is None else self.CHANGED

    def __str__(self) -> str:
        return self.sentence % {"about": _about(self.recording_id), "actual": self.actual, "expected": self.expected}


class QcBlocksApproval(ReviewError):
    """Technical QC failed and no final reviewer has signed it off."""

    sentence = N_("Technical QC failed (%(failed)s)%(about)s: a final reviewer must sign it off with a comment "
                  "before approval.")

    def __init__(self, failed: str, recording_id: int | None = None) -> None:
        super().__init__(failed, recording_id)
        self.failed, self.recording_id = failed, recording_id

    def __str__(self) -> str:
        return self.sentence % {"failed": self.failed, "about": _about(self.recording_id)}


class QcNotFinished(ReviewError):
    """The final approval was asked before technical QC reported on the recording's media."""

    sentence = N_("Technical QC has not finished%(about)s: the final approval waits for its report.")

    def __init__(self, recording_id: int | None = None) -> None:
        super().__init__(recording_id)
        self.recording_id = recording_id

    def __str__(self) -> str:
        return self.sentence % {"about": _about(self.recording_id)}


class NothingToSignOff(ReviewError):
    """A QC sign-off was asked for a recording whose QC did not fail, or was signed off already."""

    sentence = N_("There is no failed technical QC to sign off%(about)s.")

    def __init__(self, recording_id: int | None = None) -> None:
        super().__init__(recording_id)
        self.recording_id = recording_id

    def __str__(self) -> str:
        return self.sentence % {"about": _about(self.recording_id)}


class RecordingNotFound(ReviewError):
    """No recording has this id (raised by the service layer)."""

    sentence = N_("Recording %(id)s does not exist.")

    def __init__(self, recording_id: int) -> None:
        super().__init__(recording_id)
        self.recording_id = recording_id

    def __str__(self) -> str:
        return self.sentence % {"id": self.recording_id}


class ReviewConflict(ReviewError):
    """Someone else decided on the recording meanwhile (raised by the service layer)."""

    sentence = N_("Recording %(id)s was decided on by someone else meanwhile; reload it.")

    def __init__(self, recording_id: int) -> None:
        super().__init__(recording_id)
        self.recording_id = recording_id

    def __str__(self) -> str:
        return self.sentence % {"id": self.recording_id}
