"""Unit tests of the review chain: transition tables, refusals, visibility and a chain property."""

import itertools
import pickle
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings, target
from hypothesis import strategies as st

from scheduler.domain.review import (
    Actor,
    Reach,
    RecordingUnderReview,
    Transition,
    Visibility,
    allowed_actions,
    decide,
    queue_states,
    takes_decisions,
    visibility,
)
from scheduler.domain.review_errors import (
    ChecksumMismatch,
    CommentRequired,
    InvalidTransition,
    NothingToSignOff,
    NotPermitted,
    OutOfScope,
    QcBlocksApproval,
    QcNotFinished,
    RecordingNotFound,
    ReviewConflict,
    ReviewError,
    SecondStepBySameReviewer,
    SelfApproval,
)
from scheduler.domain.review_terms import Action, ReviewState, Role

S, R, A = ReviewState, Role, Action
TEACHER_ID, COUNTY, CITY = 1, 10, 100
CHECKSUM, OTHER_CHECKSUM = "ab" * 32, "cd" * 32
AT = datetime(2020, 3, 2, 9, 0, tzinfo=UTC)
TERMINAL_STATES = (S.CHANGES_REQUESTED, S.WITHDRAWN, S.REVOKED)

# One in-scope actor per role, each a different user, none of them already an approver.
ACTORS = {
    R.TEACHER: Actor(TEACHER_ID, R.TEACHER),
    R.COUNTY_REVIEWER: Actor(2, R.COUNTY_REVIEWER, county_id=COUNTY, city_id=CITY),
    R.CITY_REVIEWER: Actor(3, R.CITY_REVIEWER, city_id=CITY),
    R.FINAL_REVIEWER: Actor(4, R.FINAL_REVIEWER),
    R.OPERATOR: Actor(5, R.OPERATOR),
    R.ADMIN: Actor(6, R.ADMIN),
    R.AUDITOR: Actor(7, R.AUDITOR),
    R.SYSTEM: Actor(None, R.SYSTEM),
}

LEGAL = [
    (S.DRAFT, R.TEACHER, A.SUBMIT, S.SUBMITTED),
    (S.SUBMITTED, R.SYSTEM, A.INTAKE, S.COUNTY_REVIEW),
    (S.COUNTY_REVIEW, R.COUNTY_REVIEWER, A.APPROVE, S.CITY_REVIEW),
    (S.CITY_REVIEW, R.CITY_REVIEWER, A.APPROVE, S.FINAL_REVIEW),
    (S.FINAL_REVIEW, R.FINAL_REVIEWER, A.APPROVE, S.APPROVED),
    (S.COUNTY_REVIEW, R.COUNTY_REVIEWER, A.REQUEST_CHANGES, S.CHANGES_REQUESTED),
    (S.CITY_REVIEW, R.CITY_REVIEWER, A.REQUEST_CHANGES, S.CHANGES_REQUESTED),
    (S.FINAL_REVIEW, R.FINAL_REVIEWER, A.REQUEST_CHANGES, S.CHANGES_REQUESTED),
    (S.DRAFT, R.TEACHER, A.WITHDRAW, S.WITHDRAWN),
    (S.SUBMITTED, R.TEACHER, A.WITHDRAW, S.WITHDRAWN),
    (S.COUNTY_REVIEW, R.TEACHER, A.WITHDRAW, S.WITHDRAWN),
    (S.CITY_REVIEW, R.TEACHER, A.WITHDRAW, S.WITHDRAWN),
    (S.FINAL_REVIEW, R.TEACHER, A.WITHDRAW, S.WITHDRAWN),
    (S.APPROVED, R.FINAL_REVIEWER, A.REVOKE, S.REVOKED),
    (S.APPROVED, R.ADMIN, A.REVOKE, S.REVOKED),
]
LEGAL_KEYS = {(state, role, action) for state, role, action, _ in LEGAL}


def recording(
    state: ReviewState = S.DRAFT, approvers: frozenset[int] = frozenset()
) -> RecordingUnderReview:
    """Recording 7, revision 2, by teacher 1 of county 10 in city 100."""
    return RecordingUnderReview(7, 2, TEACHER_ID, COUNTY, CITY, state, CHECKSUM, approvers)


def attempt(
    rec: RecordingUnderReview,
    actor: Actor,
    action: Action,
    comment: str | None = "Reason.",
    reviewed_checksum: str | None = CHECKSUM,
) -> Transition:
    """Decide with a comment and the right checksum unless the test says otherwise."""
    return decide(rec, actor, action, at=AT, comment=comment, reviewed_checksum=reviewed_checksum)


@pytest.mark.parametrize(("state", "role", "action", "to_state"), LEGAL)
def test_legal_transition_returns_the_event_to_persist(state, role, action, to_state):
    actor = ACTORS[role]
    transition = attempt(recording(state), actor, action, comment="  Looks fine.  ")
    assert transition == Transition(
        recording_id=7,
        revision=2,
        actor_id=actor.user_id,
        role=role,
        action=action,
        from_state=state,
        to_state=to_state,
        comment="Looks fine.",
        checksum=CHECKSUM,
        at=AT,
    )


@pytest.mark.parametrize(("state", "role", "action"), list(itertools.product(S, R, A)))
def test_exactly_the_legal_transitions_pass(state, role, action):
    rec, actor = recording(state), ACTORS[role]
    if (state, role, action) in LEGAL_KEYS:
        assert attempt(rec, actor, action).from_state is state
    else:
        with pytest.raises(ReviewError):
            attempt(rec, actor, action)


@pytest.mark.parametrize(("state", "role"), list(itertools.product(S, R)))
def test_allowed_actions_match_the_table(state, role):
    expected = [action for action in A if (state, role, action) in LEGAL_KEYS]
    assert allowed_actions(recording(state), ACTORS[role]) == expected


@pytest.mark.parametrize(
    ("state", "actor", "action", "error"),
    [
        (S.COUNTY_REVIEW, ACTORS[R.AUDITOR], A.APPROVE, NotPermitted),
        (S.DRAFT, ACTORS[R.OPERATOR], A.SUBMIT, NotPermitted),
        (S.FINAL_REVIEW, ACTORS[R.ADMIN], A.APPROVE, NotPermitted),
        (S.SUBMITTED, ACTORS[R.COUNTY_REVIEWER], A.INTAKE, NotPermitted),
        (S.DRAFT, Actor(8, R.TEACHER), A.SUBMIT, NotPermitted),
        (S.CITY_REVIEW, ACTORS[R.COUNTY_REVIEWER], A.APPROVE, NotPermitted),
        (S.COUNTY_REVIEW, ACTORS[R.FINAL_REVIEWER], A.REQUEST_CHANGES, NotPermitted),
        (S.APPROVED, ACTORS[R.FINAL_REVIEWER], A.APPROVE, InvalidTransition),
        (S.SUBMITTED, ACTORS[R.TEACHER], A.SUBMIT, InvalidTransition),
        (S.APPROVED, ACTORS[R.TEACHER], A.WITHDRAW, InvalidTransition),
        (S.FINAL_REVIEW, ACTORS[R.ADMIN], A.REVOKE, InvalidTransition),
        (S.COUNTY_REVIEW, Actor(2, R.COUNTY_REVIEWER, county_id=11), A.APPROVE, OutOfScope),
        (S.APPROVED, Actor(2, R.COUNTY_REVIEWER, county_id=11), A.APPROVE, OutOfScope),
    ],
)
def test_refusal_names_the_specific_cause(state, actor, action, error):
    with pytest.raises(ReviewError) as refused:
        attempt(recording(state), actor, action)
    assert type(refused.value) is error
    assert "7" in str(refused.value)


@pytest.mark.parametrize("action", [A.APPROVE, A.REQUEST_CHANGES])
@pytest.mark.parametrize(
    ("state", "actor"),
    [
        (S.COUNTY_REVIEW, Actor(2, R.COUNTY_REVIEWER, county_id=11, city_id=CITY)),
        (S.COUNTY_REVIEW, Actor(2, R.COUNTY_REVIEWER)),
        (S.CITY_REVIEW, Actor(3, R.CITY_REVIEWER, city_id=101)),
        (S.CITY_REVIEW, Actor(3, R.CITY_REVIEWER, county_id=COUNTY)),
        (S.FINAL_REVIEW, Actor(4, R.FINAL_REVIEWER, city_id=101)),
    ],
)
def test_reviewer_of_another_county_or_city_is_out_of_scope(state, actor, action):
    with pytest.raises(OutOfScope) as refused:
        attempt(recording(state), actor, action)
    assert (refused.value.role, refused.value.action) == (actor.role, action)
    assert str(COUNTY if actor.role is R.COUNTY_REVIEWER else CITY) in str(refused.value)


def test_final_reviewer_bound_to_the_recordings_city_may_approve():
    actor = Actor(4, R.FINAL_REVIEWER, city_id=CITY)
    assert attempt(recording(S.FINAL_REVIEW), actor, A.APPROVE).to_state is S.APPROVED


@pytest.mark.parametrize(
    ("state", "actor", "action"),
    [
        (S.COUNTY_REVIEW, Actor(TEACHER_ID, R.COUNTY_REVIEWER, county_id=COUNTY), A.APPROVE),
        (S.CITY_REVIEW, Actor(TEACHER_ID, R.CITY_REVIEWER, city_id=CITY), A.REQUEST_CHANGES),
        (S.FINAL_REVIEW, Actor(TEACHER_ID, R.FINAL_REVIEWER), A.APPROVE),
        (S.APPROVED, Actor(TEACHER_ID, R.FINAL_REVIEWER), A.REVOKE),
        (S.APPROVED, Actor(TEACHER_ID, R.ADMIN), A.REVOKE),
    ],
)
def test_teacher_may_not_review_own_lesson(state, actor, action):
    with pytest.raises(SelfApproval):
        attempt(recording(state), actor, action)


def test_one_user_may_not_approve_two_steps():
    rec = recording(S.CITY_REVIEW, approvers=frozenset({3}))
    with pytest.raises(SecondStepBySameReviewer, match="user 3"):
        attempt(rec, ACTORS[R.CITY_REVIEWER], A.APPROVE)


def test_an_earlier_approver_may_still_request_changes():
    rec = recording(S.CITY_REVIEW, approvers=frozenset({3}))
    assert attempt(rec, ACTORS[R.CITY_REVIEWER], A.REQUEST_CHANGES).to_state is S.CHANGES_REQUESTED


@pytest.mark.parametrize("comment", [None, "", "   ", "\t\n"])
@pytest.mark.parametrize(
    ("state", "role", "action"),
    [(S.CITY_REVIEW, R.CITY_REVIEWER, A.REQUEST_CHANGES), (S.APPROVED, R.ADMIN, A.REVOKE)],
)
def test_request_changes_and_revoke_need_a_comment(state, role, action, comment):
    with pytest.raises(CommentRequired) as refused:
        attempt(recording(state), ACTORS[role], action, comment=comment)
    assert refused.value.action is action


@pytest.mark.parametrize(("comment", "stored"), [(None, None), ("  ", None), (" Ill. \n", "Ill.")])
def test_withdraw_comment_is_optional_and_stored_stripped(comment, stored):
    transition = attempt(recording(S.SUBMITTED), ACTORS[R.TEACHER], A.WITHDRAW, comment=comment)
    assert transition.comment == stored


@pytest.mark.parametrize("reviewed", [None, OTHER_CHECKSUM, CHECKSUM.upper()])
def test_approve_needs_the_checksum_of_the_stored_media(reviewed):
    with pytest.raises(ChecksumMismatch) as refused:
        attempt(
            recording(S.COUNTY_REVIEW),
            ACTORS[R.COUNTY_REVIEWER],
            A.APPROVE,
            reviewed_checksum=reviewed,
        )
    assert (refused.value.expected, refused.value.actual) == (CHECKSUM, reviewed)


def test_a_given_checksum_must_match_for_any_action():
    rec, actor = recording(S.CITY_REVIEW), ACTORS[R.CITY_REVIEWER]
    with pytest.raises(ChecksumMismatch):
        attempt(rec, actor, A.REQUEST_CHANGES, reviewed_checksum=OTHER_CHECKSUM)
    assert (
        attempt(rec, actor, A.REQUEST_CHANGES, reviewed_checksum=None).to_state
        is S.CHANGES_REQUESTED
    )


@pytest.mark.parametrize(("state", "action"), list(itertools.product(TERMINAL_STATES, A)))
def test_terminal_states_refuse_every_action(state, action):
    rec = recording(state)
    assert all(allowed_actions(rec, actor) == [] for actor in ACTORS.values())
    for role in {role for _, role, act, _ in LEGAL if act is action}:
        actor = ACTORS[role]
        with pytest.raises(InvalidTransition) as refused:
            attempt(rec, actor, action)
        assert (refused.value.action, refused.value.state) == (action, state)


@pytest.mark.parametrize(
    ("state", "actor", "options", "error"),
    [
        # role before scope
        (S.SUBMITTED, Actor(2, R.COUNTY_REVIEWER, county_id=11), {}, NotPermitted),
        # scope before state, self-approval and comment
        (
            S.APPROVED,
            Actor(TEACHER_ID, R.COUNTY_REVIEWER, county_id=11),
            {"comment": None},
            OutOfScope,
        ),
        # self-approval before second step, comment and checksum
        (
            S.COUNTY_REVIEW,
            Actor(TEACHER_ID, R.COUNTY_REVIEWER, county_id=COUNTY),
            {"comment": None, "reviewed_checksum": None},
            SelfApproval,
        ),
        # second step before checksum
        (
            S.FINAL_REVIEW,
            ACTORS[R.FINAL_REVIEWER],
            {"reviewed_checksum": None},
            SecondStepBySameReviewer,
        ),
        # comment before checksum
        (
            S.CITY_REVIEW,
            ACTORS[R.CITY_REVIEWER],
            {"comment": " ", "reviewed_checksum": "x"},
            CommentRequired,
        ),
    ],
)
def test_checks_run_in_the_documented_order(state, actor, options, error):
    rec = recording(state, approvers=frozenset({4}))
    action = {CommentRequired: A.REQUEST_CHANGES, NotPermitted: A.INTAKE}.get(error, A.APPROVE)
    with pytest.raises(ReviewError) as refused:
        attempt(rec, actor, action, **options)
    assert type(refused.value) is error


def test_decision_time_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone"):
        decide(recording(), ACTORS[R.TEACHER], A.SUBMIT, at=datetime(2020, 3, 2, 9, 0))


@pytest.mark.parametrize("role", [role for role in R if role is not R.SYSTEM])
def test_only_the_system_acts_without_a_user_id(role):
    with pytest.raises(ValueError, match="user_id"):
        Actor(None, role)


OTHER_COUNTY = Actor(12, R.COUNTY_REVIEWER, county_id=11, city_id=CITY)


@pytest.mark.parametrize(
    ("actor", "sees"),
    [
        (ACTORS[R.TEACHER], Visibility(Reach.OWN, TEACHER_ID)),
        (Actor(8, R.TEACHER, county_id=COUNTY), Visibility(Reach.OWN, 8)),
        (ACTORS[R.COUNTY_REVIEWER], Visibility(Reach.COUNTY, COUNTY)),
        (OTHER_COUNTY, Visibility(Reach.COUNTY, 11)),
        (ACTORS[R.CITY_REVIEWER], Visibility(Reach.CITY, CITY)),
        (Actor(13, R.CITY_REVIEWER, city_id=101), Visibility(Reach.CITY, 101)),
        (ACTORS[R.FINAL_REVIEWER], Visibility(Reach.ALL)),
        (Actor(14, R.FINAL_REVIEWER, city_id=CITY), Visibility(Reach.CITY, CITY)),
        (Actor(24, R.FINAL_REVIEWER, city_id=101), Visibility(Reach.CITY, 101)),
        (ACTORS[R.ADMIN], Visibility(Reach.ALL)),
        (Actor(15, R.ADMIN, city_id=CITY), Visibility(Reach.ALL)),
        (ACTORS[R.AUDITOR], Visibility(Reach.ALL)),
        (Actor(25, R.AUDITOR, county_id=COUNTY, city_id=CITY), Visibility(Reach.COUNTY, COUNTY)),  # a county auditor
        (Actor(26, R.AUDITOR, city_id=CITY), Visibility(Reach.CITY, CITY)),
        (ACTORS[R.OPERATOR], Visibility(Reach.ALL)),
        (ACTORS[R.SYSTEM], Visibility(Reach.ALL)),
    ],
)
def test_visibility_scope(actor, sees):
    """Who sees which recordings; tests/integration/test_recording_visibility.py runs the query it becomes."""
    assert visibility(actor) == sees


@pytest.mark.parametrize(
    ("role", "states"),
    [
        (R.COUNTY_REVIEWER, {S.COUNTY_REVIEW}),
        (R.CITY_REVIEWER, {S.CITY_REVIEW}),
        (R.FINAL_REVIEWER, {S.FINAL_REVIEW}),
        *[(role, set()) for role in (R.TEACHER, R.OPERATOR, R.ADMIN, R.AUDITOR, R.SYSTEM)],
    ],
)
def test_queue_states(role, states):
    assert queue_states(ACTORS[role]) == states


@pytest.mark.parametrize(
    "error",
    [
        NotPermitted(R.AUDITOR, A.APPROVE, "auditors only read", 7),
        OutOfScope(R.CITY_REVIEWER, A.APPROVE, "another city", 7),
        SelfApproval(R.ADMIN, A.REVOKE, "own lesson", 7),
        SecondStepBySameReviewer(R.CITY_REVIEWER, A.APPROVE, "second step", 7),
        InvalidTransition(A.APPROVE, S.APPROVED, 7),
        CommentRequired(A.REVOKE, 7),
        ChecksumMismatch(CHECKSUM, None, 7),
        QcNotFinished(7),
        RecordingNotFound(7),
        ReviewConflict(7),
    ],
)
def test_errors_are_review_errors_with_readable_picklable_messages(error):
    assert isinstance(error, ReviewError)
    assert error.recording_id == 7
    assert str(error).endswith(".") and "7" in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), vars(copy)) == (type(error), str(error), vars(error))


# --- property: whatever anyone tries, the state only moves along the chain -----------------

CHAIN_EDGES = {(state, to_state) for state, _, _, to_state in LEGAL}
CHAIN_ORDER = [S.DRAFT, S.SUBMITTED, S.COUNTY_REVIEW, S.CITY_REVIEW, S.FINAL_REVIEW, S.APPROVED]
POOL = [
    *ACTORS.values(),
    Actor(8, R.TEACHER),
    Actor(12, R.COUNTY_REVIEWER, county_id=COUNTY),
    OTHER_COUNTY,
    Actor(13, R.CITY_REVIEWER, city_id=CITY),
    Actor(23, R.CITY_REVIEWER, city_id=101),
    Actor(14, R.FINAL_REVIEWER, city_id=CITY),
    Actor(24, R.FINAL_REVIEWER, city_id=101),
    # the teacher holding reviewer roles, and reviewers holding a second reviewer role
    Actor(TEACHER_ID, R.COUNTY_REVIEWER, county_id=COUNTY),
    Actor(TEACHER_ID, R.CITY_REVIEWER, city_id=CITY),
    Actor(TEACHER_ID, R.FINAL_REVIEWER),
    Actor(2, R.CITY_REVIEWER, city_id=CITY),
    Actor(2, R.FINAL_REVIEWER),
    Actor(3, R.FINAL_REVIEWER, city_id=CITY),
]
REASON = "Re-record the intro."
APPROVAL_STEPS = [
    (S.COUNTY_REVIEW, R.COUNTY_REVIEWER),
    (S.CITY_REVIEW, R.CITY_REVIEWER),
    (S.FINAL_REVIEW, R.FINAL_REVIEWER),
]
ANY_ATTEMPT = st.tuples(st.sampled_from(POOL), st.sampled_from(A))


def attempts_at(rec: RecordingUnderReview) -> st.SearchStrategy[tuple[Actor, Action]]:
    """Any attempt, or one by a role that acts in this state: pool actors, or in-scope
    actors reusing the teacher's or an earlier approver's user id (scope etc. still vary)."""
    returning = [
        Actor(user, role, county_id=COUNTY, city_id=CITY)
        for user in rec.approvers | {TEACHER_ID}
        for role in (R.COUNTY_REVIEWER, R.CITY_REVIEWER, R.FINAL_REVIEWER)
    ]
    fitting = [
        (actor, action)
        for actor, action in itertools.product([*POOL, *returning], A)
        if (rec.state, actor.role, action) in LEGAL_KEYS
    ]
    fit = st.sampled_from(fitting)
    return st.one_of(ANY_ATTEMPT, fit, fit, fit) if fitting else ANY_ATTEMPT


@settings(max_examples=200)
@given(st.data())
def test_approval_needs_three_distinct_reviewers_along_the_chain(data):
    rec, approvals, furthest = recording(S.DRAFT), [], 0
    for _ in range(40):
        if rec.state in TERMINAL_STATES:
            break  # the cross-product tests show terminal states refuse everything
        actor, action = data.draw(attempts_at(rec))
        comment = data.draw(st.sampled_from([None, " ", REASON]))
        checksum = data.draw(st.sampled_from([None, CHECKSUM, OTHER_CHECKSUM]))
        try:
            t = decide(rec, actor, action, at=AT, comment=comment, reviewed_checksum=checksum)
        except ReviewError:
            complete = comment == REASON and checksum == CHECKSUM
            assert not complete or action not in allowed_actions(rec, actor)
            continue
        assert action in allowed_actions(rec, actor)
        assert t.from_state is rec.state and (t.from_state, t.to_state) in CHAIN_EDGES
        if action is A.APPROVE:  # each approval by a new user who is not the teacher
            assert t.actor_id != TEACHER_ID and t.actor_id not in rec.approvers
            approvals.append(((t.from_state, t.role), t.actor_id))
            rec = replace(rec, approvers=rec.approvers | {t.actor_id})
        rec = replace(rec, state=t.to_state)
        furthest = max(furthest, CHAIN_ORDER.index(rec.state) if rec.state in CHAIN_ORDER else 0)
    target(float(furthest))  # steer generation towards runs that get far along the chain
    if rec.state in (S.APPROVED, S.REVOKED):
        assert [step for step, _ in approvals] == APPROVAL_STEPS
        approvers = {user for _, user in approvals}
        assert len(approvers) == 3 and TEACHER_ID not in approvers


# --- technical QC ------------------------------------------------------------------------------

FAILED_QC = replace(recording(S.FINAL_REVIEW), qc_failed="black")


def test_a_failed_qc_blocks_the_final_approval_and_only_that():
    with pytest.raises(QcBlocksApproval, match="black"):
        attempt(FAILED_QC, ACTORS[R.FINAL_REVIEWER], A.APPROVE)
    city_step = replace(FAILED_QC, state=S.CITY_REVIEW)
    assert attempt(city_step, ACTORS[R.CITY_REVIEWER], A.APPROVE).to_state is S.FINAL_REVIEW
    assert attempt(FAILED_QC, ACTORS[R.FINAL_REVIEWER], A.REQUEST_CHANGES).to_state is S.CHANGES_REQUESTED


def test_a_final_reviewer_signs_off_a_failed_qc_with_a_comment_and_the_state_stays():
    final = ACTORS[R.FINAL_REVIEWER]
    with pytest.raises(CommentRequired):
        attempt(FAILED_QC, final, A.SIGN_OFF_QC, comment="  ")
    with pytest.raises(ChecksumMismatch):
        attempt(FAILED_QC, final, A.SIGN_OFF_QC, reviewed_checksum=OTHER_CHECKSUM)
    signed = attempt(FAILED_QC, final, A.SIGN_OFF_QC, comment="片头黑场为讲义翻页，可播出")
    assert (signed.from_state, signed.to_state, signed.action) == (S.FINAL_REVIEW, S.FINAL_REVIEW, A.SIGN_OFF_QC)
    assert A.SIGN_OFF_QC in allowed_actions(FAILED_QC, final) and A.APPROVE not in allowed_actions(FAILED_QC, final)
    assert attempt(replace(FAILED_QC, qc_failed=None), final, A.APPROVE).to_state is S.APPROVED


def test_only_a_final_reviewer_signs_off_and_only_a_failed_qc():
    for role in (R.CITY_REVIEWER, R.ADMIN, R.TEACHER, R.AUDITOR):
        with pytest.raises(NotPermitted):
            attempt(FAILED_QC, ACTORS[role], A.SIGN_OFF_QC)
    with pytest.raises(NothingToSignOff):
        attempt(recording(S.FINAL_REVIEW), ACTORS[R.FINAL_REVIEWER], A.SIGN_OFF_QC)


QC_RUNNING = replace(recording(S.FINAL_REVIEW), qc_finished=False)


def test_the_final_approval_waits_for_technical_qc_to_finish_and_only_that():
    final = ACTORS[R.FINAL_REVIEWER]
    with pytest.raises(QcNotFinished, match="has not finished"):
        attempt(QC_RUNNING, final, A.APPROVE)
    assert A.APPROVE not in allowed_actions(QC_RUNNING, final)
    assert A.REQUEST_CHANGES in allowed_actions(QC_RUNNING, final)  # a reviewer may still send it back
    city_step = replace(QC_RUNNING, state=S.CITY_REVIEW)
    assert attempt(city_step, ACTORS[R.CITY_REVIEWER], A.APPROVE).to_state is S.FINAL_REVIEW
    with pytest.raises(NothingToSignOff):  # nothing has failed yet
        attempt(QC_RUNNING, final, A.SIGN_OFF_QC)
    assert attempt(replace(QC_RUNNING, qc_finished=True), final, A.APPROVE).to_state is S.APPROVED


@pytest.mark.parametrize("role", list(R))
def test_only_auditors_operators_and_the_system_take_no_decision(role):
    actor = ACTORS[role]
    assert takes_decisions(actor) is (role not in (R.AUDITOR, R.OPERATOR, R.SYSTEM))
