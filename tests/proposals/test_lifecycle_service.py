"""The whole proposal lifecycle through workflow.services.transition."""

import pytest

from proposals.models import Assignment, Proposal
from proposals.services import proposal_cosign, proposal_invite
from tests.factories import draft
from workflow.errors import Conflict, InvalidPayload, NotPermitted, TransitionNotAllowed
from workflow.models import HistoryEntry
from workflow.services import available_transitions, transition

pytestmark = pytest.mark.django_db


def _submitted(people, session, category):
    p = draft(people["alice"], session, category)
    proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"], people["carol"]])
    proposal_cosign(proposal=p, user=people["bob"])
    proposal_cosign(proposal=p, user=people["carol"])
    return transition(p, "submit", people["alice"])


def test_it_carries_a_proposal_from_draft_to_closed(people, session, category, departments):
    p = _submitted(people, session, category)
    assert p.status == "submitted"
    p = transition(p, "accept", people["committee"])
    assert p.number == "6-1-001"
    p = transition(
        p,
        "assign",
        people["committee"],
        lead_department=departments["logistics"].pk,
        co_departments=[departments["hr"].pk],
    )
    assert p.status == "assigned"
    lead = Assignment.objects.get(proposal=p, role="lead")
    co = Assignment.objects.get(proposal=p, role="co")
    transition(lead, "accept", people["handler"])
    transition(lead, "answer", people["handler"], answer="已延长供应时间", answer_class="A")
    with pytest.raises(Conflict) as err:
        transition(lead, "approve", people["head"])
    assert err.value.code == "co_departments_pending"
    transition(co, "accept", people["hr_handler"])
    transition(co, "answer", people["hr_handler"], answer="人事处配合调整值班安排")
    transition(lead, "approve", people["head"])
    p.refresh_from_db()
    assert p.status == "answered"
    p = transition(p, "feedback", people["alice"], satisfaction="unsatisfied", comment="仍需改进")
    assert (p.status, p.round) == ("assigned", 2)
    assert Assignment.objects.filter(proposal=p, round=2).count() == 2
    for a in Assignment.objects.filter(proposal=p, round=2):
        h = people["handler"] if a.role == "lead" else people["hr_handler"]
        transition(a, "accept", h)
        transition(a, "answer", h, answer="第二轮答复", answer_class="B" if a.role == "lead" else "")
    transition(Assignment.objects.get(proposal=p, round=2, role="lead"), "approve", people["head"])
    p = Proposal.objects.get(pk=p.pk)
    assert p.status == "answered"
    p = transition(p, "feedback", people["alice"], satisfaction="unsatisfied", comment="还是不满意")
    assert p.status == "answered"
    p = transition(p, "close", people["committee"])
    assert p.status == "closed"
    actions = list(HistoryEntry.objects.for_item(p).values_list("action", flat=True))
    assert actions == [
        "proposal.create",
        "proposal.invite",
        "proposal.cosign",
        "proposal.cosign",
        "proposal.submit",
        "proposal.accept",
        "proposal.assign",
        "proposal.receive_answer",
        "proposal.feedback",
        "proposal.receive_answer",
        "proposal.feedback",
        "proposal.close",
    ]


def test_it_refuses_with_codes(people, session, category):
    p = draft(people["alice"], session, category)
    with pytest.raises(Conflict) as err:
        transition(p, "submit", people["alice"])
    assert err.value.code == "cosign_threshold_not_met"
    with pytest.raises(TransitionNotAllowed):
        transition(p, "accept", people["committee"])
    with pytest.raises(NotPermitted):
        transition(p, "submit", people["bob"])
    p = _submitted(people, session, category)
    with pytest.raises(InvalidPayload) as err:
        transition(p, "reject", people["committee"], reason="")
    assert "reason" in err.value.fields
    assert available_transitions(p, people["committee"]) == ["accept", "reject", "merge", "convert"]
