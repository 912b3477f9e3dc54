"""The proposal rules at their edges, through the services a page or the API calls."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from proposals.models import Assignment, CongressSession, CoSignature, Feedback, Proposal
from proposals.services import proposal_cosign
from tests.factories import draft, make_user
from workflow.errors import Conflict, InvalidPayload, NotPermitted, TransitionNotAllowed
from workflow.models import HistoryEntry
from workflow.services import transition

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2025, 3, 3, 9, 0, tzinfo=BEIJING)
CLOSES = datetime(2025, 3, 21, 17, 0, tzinfo=BEIJING)
MIDWAY = datetime(2025, 3, 10, 10, 0, tzinfo=BEIJING)
SECOND = timedelta(seconds=1)


@pytest.fixture
def fixed_session(db):
    """A session whose collection window is fixed, for tests that move the clock."""
    return CongressSession.objects.create(
        name="第六届第二次", code="6-2", collection_opens=OPENS, collection_closes=CLOSES, cosign_threshold=2
    )


@pytest.fixture
def erin(departments):
    return make_user("erin", "马琳", ["delegate"], departments["library"])


def _cosigned(people, session, category, *, by=("bob", "carol"), proposer="alice", title="食堂晚餐供应时间延长"):
    p = draft(people[proposer], session, category, title=title)
    for name in by:
        proposal_cosign(proposal=p, user=people[name])
    return p


def _submitted(people, session, category, **kwargs):
    return transition(_cosigned(people, session, category, **kwargs), "submit", people[kwargs.get("proposer", "alice")])


def _reviewed(people, session, category, **kwargs):
    return transition(_submitted(people, session, category, **kwargs), "accept", people["committee"])


def _assigned(people, session, category, departments, *, co=("hr",), due=None):
    p = _reviewed(people, session, category)
    payload = {"lead_department": departments["logistics"].pk, "co_departments": [departments[d].pk for d in co]}
    if due is not None:
        payload["due"] = due.isoformat()
    return transition(p, "assign", people["committee"], **payload)


def _assignment(p, role, round_=1):
    return Assignment.objects.exclude(status="returned").get(proposal=p, role=role, round=round_)


def _answer_round(people, p, round_=1, *, co=True):
    """Every department answers the round and the lead's head approves: the proposal is answered."""
    if co:
        c = _assignment(p, "co", round_)
        transition(c, "accept", people["hr_handler"])
        transition(c, "answer", people["hr_handler"], answer="人事处配合调整值班安排。")
    lead = _assignment(p, "lead", round_)
    transition(lead, "accept", people["handler"])
    transition(lead, "answer", people["handler"], answer="已延长供应时间。", answer_class="A")
    transition(lead, "approve", people["head"])
    return Proposal.objects.get(pk=p.pk)


def _answered(people, session, category, departments):
    return _answer_round(people, _assigned(people, session, category, departments))


def _refused(exc_info, cls, status, code):
    assert (type(exc_info.value), exc_info.value.status, exc_info.value.code) == (cls, status, code)


# The collection window --------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "opens_for_submission"),
    [
        pytest.param(OPENS - SECOND, False, id="a second before it opens"),
        pytest.param(OPENS, True, id="the instant it opens"),
        pytest.param(CLOSES - SECOND, True, id="a second before it closes"),
        pytest.param(CLOSES, False, id="the instant it closes"),
    ],
)
def test_a_proposal_can_be_submitted_only_inside_the_collection_window(
    people, fixed_session, category, time_machine, instant, opens_for_submission
):
    time_machine.move_to(MIDWAY, tick=False)
    p = _cosigned(people, fixed_session, category)
    time_machine.move_to(instant, tick=False)

    if opens_for_submission:
        assert transition(p, "submit", people["alice"]).status == "submitted"
    else:
        with pytest.raises(Conflict) as refused:
            transition(p, "submit", people["alice"])
        _refused(refused, Conflict, 409, "collection_closed")
        p.refresh_from_db()
        assert p.status == "draft"


# Co-signing -------------------------------------------------------------------


def test_submitting_below_the_cosign_threshold_is_refused(people, session, category):
    session.cosign_threshold = 3
    session.save()
    p = _cosigned(people, session, category, by=("bob", "carol"))
    with pytest.raises(Conflict) as refused:
        transition(p, "submit", people["alice"])
    _refused(refused, Conflict, 409, "cosign_threshold_not_met")
    p.refresh_from_db()
    assert p.status == "draft"


def test_submitting_exactly_at_the_cosign_threshold_succeeds(people, session, category, erin):
    session.cosign_threshold = 3
    session.save()
    people = {**people, "erin": erin}
    p = _cosigned(people, session, category, by=("bob", "carol", "erin"))
    assert transition(p, "submit", people["alice"]).status == "submitted"


def test_a_proposer_cannot_cosign_their_own_proposal(people, session, category):
    p = draft(people["alice"], session, category)
    with pytest.raises(InvalidPayload) as refused:
        proposal_cosign(proposal=p, user=people["alice"])
    _refused(refused, InvalidPayload, 400, "cannot_cosign_own")
    assert not CoSignature.objects.filter(proposal=p).exists()


def test_a_member_who_is_not_a_delegate_cannot_cosign(people, session, category):
    p = draft(people["alice"], session, category)
    with pytest.raises(NotPermitted) as refused:
        proposal_cosign(proposal=p, user=people["dave"])
    _refused(refused, NotPermitted, 403, "permission_denied")
    assert not CoSignature.objects.filter(proposal=p).exists()


def test_a_delegate_cannot_cosign_the_same_proposal_twice(people, session, category):
    p = draft(people["alice"], session, category)
    proposal_cosign(proposal=p, user=people["bob"])
    with pytest.raises(Conflict) as refused:
        proposal_cosign(proposal=p, user=people["bob"])
    _refused(refused, Conflict, 409, "already_cosigned")
    assert list(CoSignature.objects.filter(proposal=p).values_list("delegate_id", flat=True)) == [people["bob"].pk]


def test_a_submitted_proposal_can_no_longer_be_cosigned(people, session, category, erin):
    p = _submitted(people, session, category)
    with pytest.raises(TransitionNotAllowed) as refused:
        proposal_cosign(proposal=p, user=erin)
    _refused(refused, TransitionNotAllowed, 409, "transition_not_allowed")
    assert CoSignature.objects.filter(proposal=p).count() == 2


# Numbers ----------------------------------------------------------------------


def test_accept_numbers_proposals_in_order_per_session_and_each_session_starts_at_one(people, session, category):
    other = CongressSession.objects.create(
        name="第七届第一次",
        code="7-1",
        collection_opens=session.collection_opens,
        collection_closes=session.collection_closes,
    )
    first = _reviewed(people, session, category, title="一")
    rejected = transition(
        _submitted(people, session, category, title="二"), "reject", people["committee"], reason="重复"
    )
    second = _reviewed(people, session, category, title="三")
    elsewhere = _reviewed(people, other, category, title="四")
    third = _reviewed(people, session, category, title="五")

    assert [first.number, second.number, third.number] == ["6-1-001", "6-1-002", "6-1-003"]
    assert rejected.number == ""
    assert elsewhere.number == "7-1-001"


# Merging ----------------------------------------------------------------------


def test_merging_makes_the_merged_proposals_proposers_co_proposers_of_the_kept_one(people, session, category):
    kept = _submitted(people, session, category, proposer="alice", by=("bob", "carol"), title="延长食堂供应时间")
    bobs = _submitted(people, session, category, proposer="bob", by=("alice", "carol"), title="食堂增设夜宵")
    carols = _submitted(people, session, category, proposer="carol", by=("alice", "bob"), title="食堂晚餐延时")

    transition(carols, "merge", people["committee"], into=bobs.pk)
    merged = transition(bobs, "merge", people["committee"], into=kept.pk)

    kept.refresh_from_db()
    assert (merged.status, merged.merged_into_id) == ("merged", kept.pk)
    assert (kept.status, kept.proposer_id) == ("submitted", people["alice"].pk)
    assert set(kept.co_proposers.all()) == {people["bob"], people["carol"]}


def test_a_proposal_cannot_be_merged_into_itself(people, session, category):
    p = _submitted(people, session, category)
    with pytest.raises(InvalidPayload) as refused:
        transition(p, "merge", people["committee"], into=p.pk)
    assert (refused.value.status, list(refused.value.fields)) == (400, ["into"])
    p.refresh_from_db()
    assert (p.status, p.merged_into_id) == ("submitted", None)


def test_a_proposal_cannot_be_merged_into_another_sessions_proposal(people, session, category):
    other = CongressSession.objects.create(
        name="第七届第一次",
        code="7-1",
        collection_opens=session.collection_opens,
        collection_closes=session.collection_closes,
    )
    elsewhere = _submitted(people, other, category, title="别的会议的提案")
    p = _submitted(people, session, category)
    with pytest.raises(InvalidPayload) as refused:
        transition(p, "merge", people["committee"], into=elsewhere.pk)
    assert (refused.value.status, list(refused.value.fields)) == (400, ["into"])
    p.refresh_from_db()
    assert p.status == "submitted"


# Assigning and reassigning ----------------------------------------------------


def test_the_lead_department_cannot_also_be_a_co_department(people, session, category, departments):
    p = _reviewed(people, session, category)
    with pytest.raises(InvalidPayload) as refused:
        transition(
            p,
            "assign",
            people["committee"],
            lead_department=departments["logistics"].pk,
            co_departments=[departments["hr"].pk, departments["logistics"].pk],
        )
    assert (refused.value.status, list(refused.value.fields)) == (400, ["co_departments"])
    p.refresh_from_db()
    assert p.status == "reviewed"
    assert not Assignment.objects.filter(proposal=p).exists()


def test_reassigning_after_a_return_opens_a_new_assignment_and_keeps_the_returned_one(
    people, session, category, departments
):
    p = _assigned(people, session, category, departments, co=())
    returned = _assignment(p, "lead")
    transition(returned, "return", people["handler"], reason="该事项不属于本单位职责。")

    transition(p, "assign", people["committee"], lead_department=departments["hr"].pk, co_departments=[])

    rows = list(Assignment.objects.filter(proposal=p).order_by("id").values_list("department_id", "role", "status"))
    assert rows == [
        (departments["logistics"].pk, "lead", "returned"),
        (departments["hr"].pk, "lead", "assigned"),
    ]
    returned.refresh_from_db()
    assert returned.return_reason == "该事项不属于本单位职责。"
    p.refresh_from_db()
    assert p.status == "assigned"
    # The new department may act on its assignment; the old one no longer may.
    assert transition(_assignment(p, "lead"), "accept", people["hr_handler"]).status == "accepted"
    with pytest.raises(TransitionNotAllowed):
        transition(returned, "accept", people["handler"])


def test_reassigning_when_nothing_was_returned_is_refused(people, session, category, departments):
    p = _assigned(people, session, category, departments)
    rows = HistoryEntry.objects.count()
    with pytest.raises(Conflict) as refused:
        transition(p, "assign", people["committee"], lead_department=departments["logistics"].pk, co_departments=[])
    _refused(refused, Conflict, 409, "nothing_to_reassign")
    assert Assignment.objects.filter(proposal=p).count() == 2
    assert HistoryEntry.objects.count() == rows


def test_reassigning_again_once_the_return_was_handled_is_refused(people, session, category, departments):
    p = _assigned(people, session, category, departments, co=())
    transition(_assignment(p, "lead"), "return", people["handler"], reason="不属于本单位职责。")
    transition(p, "assign", people["committee"], lead_department=departments["hr"].pk, co_departments=[])
    rows = HistoryEntry.objects.count()

    # The return has been answered by the reassignment: nothing is waiting to be reassigned.
    with pytest.raises(Conflict) as refused:
        transition(
            p,
            "assign",
            people["committee"],
            lead_department=departments["hr"].pk,
            co_departments=[departments["library"].pk],
        )
    _refused(refused, Conflict, 409, "nothing_to_reassign")
    assert Assignment.objects.filter(proposal=p).count() == 2
    assert HistoryEntry.objects.count() == rows


# Answering and approving ------------------------------------------------------


def test_the_lead_is_approved_only_once_every_co_department_has_answered(people, session, category, departments):
    p = _assigned(people, session, category, departments)
    lead, co = _assignment(p, "lead"), _assignment(p, "co")
    transition(lead, "accept", people["handler"])
    transition(lead, "answer", people["handler"], answer="已延长供应时间。", answer_class="A")
    transition(co, "accept", people["hr_handler"])

    with pytest.raises(Conflict) as refused:
        transition(lead, "approve", people["head"])
    _refused(refused, Conflict, 409, "co_departments_pending")
    lead.refresh_from_db()
    assert lead.status == "answered"

    transition(co, "answer", people["hr_handler"], answer="人事处配合调整值班安排。")
    assert transition(lead, "approve", people["head"]).status == "approved"
    p.refresh_from_db()
    assert p.status == "answered"


@pytest.mark.parametrize(
    ("after_due", "approvable"),
    [
        pytest.param(-SECOND, False, id="a second before the co-department's due date"),
        pytest.param(SECOND, True, id="a second after the co-department's due date"),
    ],
)
def test_the_lead_can_be_approved_without_a_co_department_whose_due_date_has_passed(
    people, fixed_session, category, departments, time_machine, after_due, approvable
):
    time_machine.move_to(MIDWAY, tick=False)
    due = MIDWAY + timedelta(days=30)
    p = _assigned(people, fixed_session, category, departments, due=due)
    lead = _assignment(p, "lead")
    transition(lead, "accept", people["handler"])
    transition(lead, "answer", people["handler"], answer="已延长供应时间。", answer_class="A")
    transition(_assignment(p, "co"), "accept", people["hr_handler"])  # signed for, never answered
    time_machine.move_to(due + after_due, tick=False)

    if approvable:
        assert transition(lead, "approve", people["head"]).status == "approved"
    else:
        with pytest.raises(Conflict) as refused:
            transition(lead, "approve", people["head"])
        _refused(refused, Conflict, 409, "co_departments_pending")


def test_a_co_departments_answer_cannot_be_approved(people, session, category, departments):
    p = _assigned(people, session, category, departments)
    co = _assignment(p, "co")
    transition(co, "accept", people["hr_handler"])
    transition(co, "answer", people["hr_handler"], answer="人事处配合调整值班安排。")
    with pytest.raises(Conflict) as refused:
        transition(co, "approve", people["hr_head"])
    _refused(refused, Conflict, 409, "not_lead")
    co.refresh_from_db()
    assert co.status == "answered"


def test_the_lead_must_class_its_answer_and_a_co_department_need_not(people, session, category, departments):
    p = _assigned(people, session, category, departments)
    lead, co = _assignment(p, "lead"), _assignment(p, "co")
    transition(lead, "accept", people["handler"])
    transition(co, "accept", people["hr_handler"])

    with pytest.raises(InvalidPayload) as refused:
        transition(lead, "answer", people["handler"], answer="已延长供应时间。")
    assert (refused.value.status, list(refused.value.fields)) == (400, ["answer_class"])
    lead.refresh_from_db()
    assert (lead.status, lead.answer) == ("accepted", "")
    assert transition(co, "answer", people["hr_handler"], answer="配合调整值班。").status == "answered"


# Feedback ---------------------------------------------------------------------


def test_unsatisfied_feedback_sends_it_back_once_then_the_committee_closes(people, session, category, departments):
    p = _answered(people, session, category, departments)

    p = transition(p, "feedback", people["alice"], satisfaction="unsatisfied", comment="仍需改进")
    assert (p.status, p.round) == ("assigned", 2)
    round_two = Assignment.objects.filter(proposal=p, round=2).order_by("role")
    assert [(a.department_id, a.role, a.status) for a in round_two] == [
        (departments["hr"].pk, "co", "assigned"),
        (departments["logistics"].pk, "lead", "assigned"),
    ]

    p = _answer_round(people, p, round_=2)
    assert p.status == "answered"
    p = transition(p, "feedback", people["alice"], satisfaction="unsatisfied", comment="还是不满意")
    assert (p.status, p.round) == ("answered", 2)
    assert not Assignment.objects.filter(proposal=p, round=3).exists()
    assert list(Feedback.objects.filter(proposal=p).values_list("round", "satisfaction")) == [
        (1, "unsatisfied"),
        (2, "unsatisfied"),
    ]
    assert transition(p, "close", people["committee"]).status == "closed"


def test_feedback_cannot_be_given_twice_in_a_round(people, session, category, departments):
    p = _answered(people, session, category, departments)
    p = transition(p, "feedback", people["alice"], satisfaction="unsatisfied", comment="仍需改进")
    p = _answer_round(people, p, round_=2)
    p = transition(p, "feedback", people["alice"], satisfaction="unsatisfied", comment="还是不满意")

    with pytest.raises(Conflict) as refused:
        transition(p, "feedback", people["alice"], satisfaction="satisfied", comment="改主意了")
    _refused(refused, Conflict, 409, "feedback_already_given")
    p.refresh_from_db()
    assert p.status == "answered"
    assert Feedback.objects.filter(proposal=p).count() == 2


@pytest.mark.parametrize("satisfaction", ["satisfied", "basically_satisfied"])
def test_satisfied_feedback_closes_the_proposal(people, session, category, departments, satisfaction):
    p = _answered(people, session, category, departments)
    p = transition(p, "feedback", people["alice"], satisfaction=satisfaction, comment="")
    assert (p.status, p.round) == ("closed", 1)
    assert p.closed_at is not None
    assert Feedback.objects.get(proposal=p).satisfaction == satisfaction
