"""viewflow follows the transitions: each step's task is in the right inbox, and
finishing the lifecycle finishes every process."""

import pytest
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from proposals.models import Assignment
from proposals.services import proposal_cosign, proposal_invite
from tests.factories import draft, fresh
from workflow.flowlink import user_tasks
from workflow.services import transition

pytestmark = pytest.mark.django_db


def nodes(user):
    return sorted(row.node for row in user_tasks(fresh(user)))


def test_tasks_land_in_the_right_inboxes_through_the_whole_lifecycle(people, session, category, departments):
    alice, committee = people["alice"], people["committee"]
    p = draft(alice, session, category)
    assert nodes(alice) == ["draft"]
    assert nodes(committee) == []
    proposal_invite(proposal=p, user=alice, delegates=[people["bob"], people["carol"]])
    proposal_cosign(proposal=p, user=people["bob"])
    proposal_cosign(proposal=p, user=people["carol"])
    transition(p, "submit", alice)
    assert nodes(alice) == []
    assert nodes(committee) == ["triage"]
    assert nodes(people["bob"]) == []
    transition(p, "accept", committee)
    assert nodes(committee) == ["assign"]
    transition(
        p, "assign", committee, lead_department=departments["logistics"].pk, co_departments=[departments["hr"].pk]
    )
    assert nodes(committee) == []
    assert nodes(people["handler"]) == ["sign"]
    assert nodes(people["hr_handler"]) == ["sign"]
    assert nodes(people["head"]) == ["sign"]  # the head may sign for the department too
    lead = Assignment.objects.get(proposal=p, role="lead")
    co = Assignment.objects.get(proposal=p, role="co")
    transition(lead, "accept", people["handler"])
    assert nodes(people["handler"]) == ["answer"]
    assert nodes(people["hr_handler"]) == ["sign"]
    transition(lead, "answer", people["handler"], answer="已延长", answer_class="A")
    assert "approve" in nodes(people["head"])
    assert "approve" not in nodes(people["handler"])
    assert "approve" not in nodes(people["hr_head"])
    transition(co, "accept", people["hr_handler"])
    transition(co, "answer", people["hr_handler"], answer="配合")
    transition(lead, "approve", people["head"])
    assert nodes(alice) == ["feedback"]
    transition(p, "feedback", alice, satisfaction="satisfied", comment="")
    assert nodes(alice) == []
    assert Task.objects.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).count() == 0
    assert set(Process.objects.values_list("status", flat=True)) == {PROCESS.DONE}
    assert Process.objects.count() == 3


def test_a_returned_assignment_waits_in_the_committee_queue_until_reassigned(people, session, category, departments):
    alice, committee = people["alice"], people["committee"]
    p = draft(alice, session, category)
    proposal_invite(proposal=p, user=alice, delegates=[people["bob"], people["carol"]])
    proposal_cosign(proposal=p, user=people["bob"])
    proposal_cosign(proposal=p, user=people["carol"])
    transition(p, "submit", alice)
    transition(p, "accept", committee)
    transition(p, "assign", committee, lead_department=departments["hr"].pk, co_departments=[])
    lead = Assignment.objects.get(proposal=p)
    transition(lead, "return", people["hr_handler"], reason="不属于本单位职责")
    assert nodes(committee) == ["reassign"]
    transition(p, "assign", committee, lead_department=departments["logistics"].pk, co_departments=[])
    assert nodes(committee) == []
    assert nodes(people["handler"]) == ["sign"]
    assert nodes(people["hr_handler"]) == []
