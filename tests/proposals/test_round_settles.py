"""Whatever ends a round settles every assignment still waiting on its department.

The lead's answer may be approved once a co-department's time has passed without its
opinion; the answer then goes to the proposer and the round is over. The co-department's
assignment lapses (未反馈): recorded in its history, its deadline closed so no reminder or
escalation follows, off the overdue board and out of every task list.
"""

from datetime import timedelta

import pytest
import time_machine

from notifications.models import Notification
from proposals.models import Assignment, ExtensionState
from proposals.selectors import overdue_board
from tests.factories import fresh, submitted
from workflow import flowlink
from workflow.deadlines import open_deadlines, sweep
from workflow.models import HistoryEntry, Reminder
from workflow.services import transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_work(people, session, category, departments):
    """A proposal assigned to 后勤 (lead) and 人事处 (co); the lead has answered."""
    p = submitted(people["alice"], [people["bob"], people["carol"]], session, category)
    p = transition(p, "accept", fresh(people["committee"]))
    d = departments
    p = transition(
        p, "assign", fresh(people["committee"]), lead_department=d["logistics"].pk, co_departments=[d["hr"].pk]
    )
    lead = Assignment.objects.get(proposal=p, department=d["logistics"])
    co = Assignment.objects.get(proposal=p, department=d["hr"])
    transition(lead, "accept", fresh(people["handler"]))
    transition(lead, "answer", fresh(people["handler"]), answer="已延长供应时间。", answer_class="A")
    return p, lead, co


def release_after_the_co_deadline(people, lead, co):
    with time_machine.travel(co.due + timedelta(hours=1), tick=False):
        transition(lead, "approve", fresh(people["head"]))


def tasks_of(user, item):
    return [t for t in flowlink.user_tasks(fresh(user)) if t.item == item]


def test_a_co_department_that_never_signed_lapses_when_the_answer_is_released(people, in_work):
    p, lead, co = in_work
    assert tasks_of(people["hr_handler"], co)  # 签收 waits in 人事处's inbox
    release_after_the_co_deadline(people, lead, co)

    co.refresh_from_db()
    p.refresh_from_db()
    assert (p.status, co.status) == ("answered", "lapsed")
    assert co.get_status_display() == "未反馈"
    entry = HistoryEntry.objects.filter(object_id=co.pk, action="assignment.lapse").get()
    assert (entry.from_state, entry.to_state) == ("assigned", "lapsed")
    # Nothing waits on it any more: no deadline, no task, not on the board.
    assert not open_deadlines(co).exists()
    assert not tasks_of(people["hr_handler"], co) and not tasks_of(people["hr_head"], co)
    later = co.due + timedelta(days=60)
    assert co not in [r.assignment for r in overdue_board(fresh(people["committee"]), now=later)]
    # Weeks later the sweep sends 人事处 no overdue notice and escalates nothing.
    sweep(now=later)
    assert not Reminder.objects.filter(deadline__object_id=co.pk, deadline__content_type__model="assignment").exists()
    # 人事处 is told once that the round ended without its opinion.
    told = Notification.objects.filter(event="assignment.lapse", object_id=co.pk)
    assert {n.recipient_id for n in told} == {people["hr_handler"].pk, people["hr_head"].pk}


def test_a_signed_co_assignment_lapses_too_and_a_pending_extension_is_not_granted(people, in_work):
    _, lead, co = in_work
    transition(co, "accept", fresh(people["hr_handler"]))
    transition(
        co, "request_extension", fresh(people["hr_handler"]), reason="需要调研", new_due=co.due + timedelta(days=9)
    )
    release_after_the_co_deadline(people, lead, co)
    co.refresh_from_db()
    assert co.status == "lapsed" and co.extension_state == ExtensionState.REFUSED
    assert not tasks_of(people["hr_handler"], co)
    # The lapsed assignment takes no further step.
    for name, who in (("answer", "hr_handler"), ("grant_extension", "committee")):
        with pytest.raises(Exception) as refused:
            transition(co, name, fresh(people[who]), **({"answer": "迟到的意见"} if name == "answer" else {}))
        assert getattr(refused.value, "status", None) in (403, 409)


def test_an_answered_co_opinion_stays_answered(people, in_work):
    _, lead, co = in_work
    transition(co, "accept", fresh(people["hr_handler"]))
    transition(co, "answer", fresh(people["hr_handler"]), answer="人事处意见。")
    transition(lead, "approve", fresh(people["head"]))
    co.refresh_from_db()
    assert co.status == "answered"
    assert not HistoryEntry.objects.filter(object_id=co.pk, action="assignment.lapse").exists()


def test_a_returned_co_assignment_nobody_reassigned_leaves_the_committees_tasks(people, in_work):
    _, lead, co = in_work
    transition(co, "return", fresh(people["hr_handler"]), reason="不属于本单位职责")
    assert [t.node for t in tasks_of(people["committee"], co)] == ["reassign"]
    transition(lead, "approve", fresh(people["head"]))
    co.refresh_from_db()
    assert co.status == "returned"
    assert not tasks_of(people["committee"], co)


def test_a_co_department_with_time_left_still_holds_back_the_approval(people, in_work):
    _, lead, co = in_work
    with pytest.raises(Exception) as refused:
        transition(lead, "approve", fresh(people["head"]))
    assert getattr(refused.value, "code", "") == "co_departments_pending"
    co.refresh_from_db()
    assert co.status == "assigned"
