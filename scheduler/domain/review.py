"""Review chain of recorded lessons: teacher prep → county → city → final review → air.

Pure domain: standard library only, no clock (the caller passes the time of each decision).
`decide` checks one action and returns the `Transition` to persist, or raises a ReviewError
(refusals: the ReviewError tree in review_errors.py).

Checks run in this order, so a refusal names the most specific true cause:
1. role may take the action at all (auditor, operator never; admin only revoke) → NotPermitted
2. scope: a teacher acts on own recordings only (NotPermitted); a county reviewer on their
   county's, a city reviewer on their city's, a final reviewer with a city_id on that city's
   (OutOfScope)
3. state: the action has no edge from this state → InvalidTransition; it has one, but that
   review step belongs to another reviewer role (a county reviewer approving at city review)
   → NotPermitted
4. self-approval: approve, request_changes, revoke, sign_off_qc by the recording's teacher → SelfApproval
5. second step: approve by a user already in rec.approvers → SecondStepBySameReviewer
6. comment: request_changes, revoke and sign_off_qc need a non-blank one → CommentRequired
7. checksum: approve and sign_off_qc need reviewed_checksum == rec.checksum; for any other action
   it is optional but, when given, must match too → ChecksumMismatch
8. technical QC: the final approval waits until QC has reported on the media (rec.qc_finished)
   → QcNotFinished; then, if QC failed (rec.qc_failed), for a final reviewer's sign_off_qc (which
   leaves the state as it is) → QcBlocksApproval; a sign-off with nothing failed → NothingToSignOff

Each refusal carries its facts as fields (a `Reason` and its facts for NotPermitted), so the web
layer words it in the page's language; `str()` is the English sentence (logs, API, CLI).

Visibility (`visibility`, the one rule; services/recordings.visible_recordings makes it a query):
a teacher sees their own recordings in every state; nobody else sees drafts; a county reviewer
sees their county's, a city reviewer their city's; a final reviewer sees all (only their city's
when their city_id is set); an auditor sees their county's when they have one, else their city's when they
have one, else all; admin, operator and system see all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from scheduler.domain.review_errors import (
    ChecksumMismatch,
    CommentRequired,
    InvalidTransition,
    NothingToSignOff,
    NotPermitted,
    OutOfScope,
    QcBlocksApproval,
    QcNotFinished,
    Reason,
    ReviewError,
    SecondStepBySameReviewer,
    SelfApproval,
    in_words,
)
from scheduler.domain.review_terms import Action, ReviewState, Role


@dataclass(frozen=True)
class Actor:
    """Who is acting, as which role, within which county or city."""

    user_id: int | None  # None only for the system
    role: Role
    county_id: int | None = None
    city_id: int | None = None

    def __post_init__(self) -> None:
        # An anonymous reviewer would slip past the self-approval and second-step checks.
        if self.user_id is None and self.role is not Role.SYSTEM:
            raise ValueError(f"a {in_words(self.role)} must have a user_id")


@dataclass(frozen=True)
class RecordingUnderReview:
    """One revision of a recorded lesson, as the review chain sees it."""

    recording_id: int
    revision: int
    teacher_id: int
    county_id: int  # the county assigned to produce the lesson
    city_id: int  # the city that county belongs to
    state: ReviewState
    checksum: str  # sha256 of the media file
    approvers: frozenset[int] = frozenset()  # user ids that approved a step of THIS revision
    qc_failed: str | None = None  # the failed QC checks not yet signed off, e.g. "black, decode_errors"
    qc_finished: bool = True  # QC has reported on this media (the service always says; False holds the approval)


@dataclass(frozen=True)
class Transition:
    """One accepted decision: what the service persists as an audit event."""

    recording_id: int
    revision: int
    actor_id: int | None
    role: Role
    action: Action
    from_state: ReviewState
    to_state: ReviewState
    comment: str | None
    checksum: str
    at: datetime


_S = ReviewState
_REVIEW_STEPS: dict[ReviewState, tuple[Role, ReviewState]] = {
    _S.COUNTY_REVIEW: (Role.COUNTY_REVIEWER, _S.CITY_REVIEW),
    _S.CITY_REVIEW: (Role.CITY_REVIEWER, _S.FINAL_REVIEW),
    _S.FINAL_REVIEW: (Role.FINAL_REVIEWER, _S.APPROVED),
}
_REVIEWERS = frozenset(role for role, _ in _REVIEW_STEPS.values())
_ROLES_FOR: dict[Action, frozenset[Role]] = {
    Action.SUBMIT: frozenset({Role.TEACHER}),
    Action.INTAKE: frozenset({Role.SYSTEM}),
    Action.APPROVE: _REVIEWERS,
    Action.REQUEST_CHANGES: _REVIEWERS,
    Action.WITHDRAW: frozenset({Role.TEACHER}),
    Action.REVOKE: frozenset({Role.FINAL_REVIEWER, Role.ADMIN}),
    Action.SIGN_OFF_QC: frozenset({Role.FINAL_REVIEWER}),
}
_EDGES: dict[Action, dict[ReviewState, ReviewState]] = {
    Action.SUBMIT: {_S.DRAFT: _S.SUBMITTED},
    Action.INTAKE: {_S.SUBMITTED: _S.COUNTY_REVIEW},
    Action.APPROVE: {state: to_state for state, (_, to_state) in _REVIEW_STEPS.items()},
    Action.REQUEST_CHANGES: dict.fromkeys(_REVIEW_STEPS, _S.CHANGES_REQUESTED),
    Action.WITHDRAW: dict.fromkeys((_S.DRAFT, _S.SUBMITTED, *_REVIEW_STEPS), _S.WITHDRAWN),
    Action.REVOKE: {_S.APPROVED: _S.REVOKED},
    Action.SIGN_OFF_QC: {_S.FINAL_REVIEW: _S.FINAL_REVIEW},  # recorded in the trail, the state stays
}
_STEP_ACTIONS = frozenset({Action.APPROVE, Action.REQUEST_CHANGES})  # taken by the step's reviewer
_REVIEWED_BY_OTHERS = frozenset({Action.APPROVE, Action.REQUEST_CHANGES, Action.REVOKE, Action.SIGN_OFF_QC})
_NEEDS_COMMENT = frozenset({Action.REQUEST_CHANGES, Action.REVOKE, Action.SIGN_OFF_QC})


def _scope_gap(rec: RecordingUnderReview, actor: Actor) -> tuple[Reason, dict[str, Any]] | None:
    """Say why the recording lies outside the actor's scope (a reason and its facts), or None when inside it."""
    if actor.role is Role.TEACHER and actor.user_id != rec.teacher_id:
        return Reason.ANOTHER_TEACHER, {"teacher": rec.teacher_id}
    if actor.role is Role.COUNTY_REVIEWER and actor.county_id != rec.county_id:
        return Reason.ANOTHER_COUNTY, {"county": rec.county_id, "own": actor.county_id}
    city_bound = actor.role is Role.CITY_REVIEWER or (
        actor.role is Role.FINAL_REVIEWER and actor.city_id is not None
    )
    if city_bound and actor.city_id != rec.city_id:
        return Reason.ANOTHER_CITY, {"city": rec.city_id, "own": actor.city_id}
    return None


def _next_state(rec: RecordingUnderReview, actor: Actor, action: Action) -> ReviewState:
    """Check role, scope and state (steps 1-3); return the state the action leads to."""
    rid = rec.recording_id
    if actor.role not in _ROLES_FOR[action]:
        roles = tuple(role for role in Role if role in _ROLES_FOR[action])
        raise NotPermitted.because(actor.role, action, Reason.ROLE, rid, roles=roles)
    gap = _scope_gap(rec, actor)
    if gap is not None:
        error = NotPermitted if actor.role is Role.TEACHER else OutOfScope
        why, facts = gap
        raise error.because(actor.role, action, why, rid, **facts)
    to_state = _EDGES[action].get(rec.state)
    if to_state is None:
        raise InvalidTransition(action, rec.state, rid)
    step_role = _REVIEW_STEPS[rec.state][0] if action in _STEP_ACTIONS else None
    if step_role is not None and step_role is not actor.role:
        raise NotPermitted.because(actor.role, action, Reason.ANOTHER_STEP, rid, state=rec.state, step_role=step_role)
    return to_state


def _check_reviewer(rec: RecordingUnderReview, actor: Actor, action: Action) -> None:
    """Refuse the teacher reviewing their own lesson and one user approving two steps."""
    rid = rec.recording_id
    if action in _REVIEWED_BY_OTHERS and actor.user_id == rec.teacher_id:
        raise SelfApproval.because(actor.role, action, Reason.OWN_LESSON, rid, user=actor.user_id)
    if action is Action.APPROVE and actor.user_id in rec.approvers:
        raise SecondStepBySameReviewer.because(actor.role, action, Reason.SECOND_STEP, rid, user=actor.user_id)


def _check(
    rec: RecordingUnderReview,
    actor: Actor,
    action: Action,
    comment: str | None,
    reviewed_checksum: str | None,
) -> ReviewState:
    """Run every check in the documented order; return the state the action leads to."""
    to_state = _next_state(rec, actor, action)
    _check_reviewer(rec, actor, action)
    if action in _NEEDS_COMMENT and comment is None:
        raise CommentRequired(action, rec.recording_id)
    must_match = action in (Action.APPROVE, Action.SIGN_OFF_QC) or reviewed_checksum is not None
    if must_match and reviewed_checksum != rec.checksum:
        raise ChecksumMismatch(rec.checksum, reviewed_checksum, rec.recording_id)
    _check_qc(rec, action, to_state)
    return to_state


def _check_qc(rec: RecordingUnderReview, action: Action, to_state: ReviewState) -> None:
    """The final approval waits for technical QC's report, and after a failed QC for a final reviewer's sign-off."""
    if action is Action.SIGN_OFF_QC and rec.qc_failed is None:
        raise NothingToSignOff(rec.recording_id)
    if action is Action.APPROVE and to_state is _S.APPROVED and not rec.qc_finished:
        raise QcNotFinished(rec.recording_id)
    if action is Action.APPROVE and to_state is _S.APPROVED and rec.qc_failed is not None:
        raise QcBlocksApproval(rec.qc_failed, rec.recording_id)


def _clean(comment: str | None) -> str | None:
    """Strip a comment; a blank one counts as none."""
    return (comment or "").strip() or None


def decide(
    rec: RecordingUnderReview,
    actor: Actor,
    action: Action,
    *,
    at: datetime,
    comment: str | None = None,
    reviewed_checksum: str | None = None,
) -> Transition:
    """Check one review action; return the transition to persist or raise a ReviewError."""
    if at.utcoffset() is None:
        raise ValueError("the decision time must be timezone-aware")
    comment = _clean(comment)
    to_state = _check(rec, actor, action, comment, reviewed_checksum)
    return Transition(
        recording_id=rec.recording_id,
        revision=rec.revision,
        actor_id=actor.user_id,
        role=actor.role,
        action=action,
        from_state=rec.state,
        to_state=to_state,
        comment=comment,
        checksum=rec.checksum,
        at=at,
    )


def allowed_actions(rec: RecordingUnderReview, actor: Actor) -> list[Action]:
    """List the actions decide() would accept, given a comment and the current checksum."""
    allowed = []
    for action in Action:
        try:
            _check(rec, actor, action, "comment", rec.checksum)
        except ReviewError:
            continue
        allowed.append(action)
    return allowed


def takes_decisions(actor: Actor) -> bool:
    """Tell whether the actor's role takes any decision on recordings (auditors and operators only read)."""
    return any(actor.role in roles for action, roles in _ROLES_FOR.items() if action is not Action.INTAKE)


def waits_for_qc(rec: RecordingUnderReview, actor: Actor) -> bool:
    """Tell whether the actor could approve the recording now but for technical QC not having finished."""
    return not rec.qc_finished and Action.APPROVE in allowed_actions(replace(rec, qc_finished=True), actor)


class Reach(StrEnum):
    """How far into the recordings an actor sees."""

    OWN = "own"  # the teacher's own recordings, drafts too
    COUNTY = "county"  # the recordings of one county's lessons, drafts excepted
    CITY = "city"  # the recordings of the lessons of one city's counties, drafts excepted
    ALL = "all"  # every recording, drafts excepted
    NONE = "none"


@dataclass(frozen=True)
class Visibility:
    """Which recordings an actor sees: how far, and whose (the teacher's user id, the county's or the city's id)."""

    reach: Reach
    key: int | None = None


_SEE_ALL = frozenset({Role.FINAL_REVIEWER, Role.OPERATOR, Role.ADMIN, Role.AUDITOR, Role.SYSTEM})


def visibility(actor: Actor) -> Visibility:
    """Say which recordings the actor sees (the rule in the module docstring; the query applies it)."""
    if actor.role is Role.TEACHER:
        return Visibility(Reach.OWN, actor.user_id)
    if actor.role is Role.COUNTY_REVIEWER or (actor.role is Role.AUDITOR and actor.county_id is not None):
        return Visibility(Reach.COUNTY, actor.county_id)
    city_bound = actor.role in (Role.FINAL_REVIEWER, Role.AUDITOR) and actor.city_id is not None
    if actor.role is Role.CITY_REVIEWER or city_bound:
        return Visibility(Reach.CITY, actor.city_id)
    return Visibility(Reach.ALL) if actor.role in _SEE_ALL else Visibility(Reach.NONE)


def queue_states(actor: Actor) -> frozenset[ReviewState]:
    """Return the states in which recordings wait on this actor's decision."""
    return frozenset(state for state, (role, _) in _REVIEW_STEPS.items() if role is actor.role)


def check_may_upload(actor: Actor, *, lesson_county_id: int) -> None:
    """Only teachers of the county assigned to produce a lesson record it."""
    if actor.role is not Role.TEACHER:
        raise NotPermitted.because(actor.role, Action.SUBMIT, Reason.TEACHERS_UPLOAD)
    if actor.county_id != lesson_county_id:
        raise OutOfScope.because(actor.role, Action.SUBMIT, Reason.LESSON_OF_ANOTHER_COUNTY)
