"""Deadlines follow the transitions; the sweep sends each reminder and escalation once.

Dates: the suite's clock starts Mon 16 Mar 2026 09:00 Asia/Shanghai. An assignment made
then with 30 working days is due at the end of Tue 28 Apr 2026 (Qingming, 4-6 Apr, is off).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from notifications.models import Notification
from proposals.models import Assignment
from proposals.services import proposal_cosign, proposal_invite
from tests.factories import draft
from workflow.deadlines import open_deadlines, sweep
from workflow.errors import Conflict, InvalidPayload
from workflow.models import Deadline, Reminder
from workflow.services import transition

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=9):
    return datetime(y, m, d, h, 0, tzinfo=SH)


@pytest.fixture
def lead(people, session, category, departments):
    with time_machine.travel(at(2026, 3, 16), tick=False):
        p = draft(people["alice"], session, category)
        proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"], people["carol"]])
        proposal_cosign(proposal=p, user=people["bob"])
        proposal_cosign(proposal=p, user=people["carol"])
        transition(p, "submit", people["alice"])
        transition(p, "accept", people["committee"])
        transition(p, "assign", people["committee"], lead_department=departments["logistics"].pk, co_departments=[])
    return Assignment.objects.get(proposal=p)


def reminders(user, event=None):
    qs = Notification.objects.filter(recipient=user, event__startswith="reminder.")
    return list(qs.filter(event=event)) if event else list(qs)


def test_submitting_opens_a_triage_deadline_and_assigning_closes_it(people, session, category):
    with time_machine.travel(at(2026, 3, 16), tick=False):
        p = draft(people["alice"], session, category)
        proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"], people["carol"]])
        proposal_cosign(proposal=p, user=people["bob"])
        proposal_cosign(proposal=p, user=people["carol"])
        assert not open_deadlines(p).exists()
        p = transition(p, "submit", people["alice"])
    (triage,) = open_deadlines(p)
    assert triage.step == "triage"
    assert triage.due == at(2026, 3, 23)  # 7 calendar days, same wall time


def test_an_assignment_is_due_after_thirty_working_days(lead):
    (d,) = open_deadlines(lead)
    assert d.step == "answer"
    assert d.due.astimezone(SH).date().isoformat() == "2026-04-28"
    assert lead.due == d.due


def test_the_sweep_reminds_before_on_and_after_the_due_date_then_escalates(lead, people):
    handler, head, office, committee = people["handler"], people["head"], people["office"], people["committee"]
    assert sweep(now=at(2026, 4, 22)).reminders == 0  # before the "3 working days before" day
    sweep(now=at(2026, 4, 23))  # Thu 23 Apr: 3 working days before Tue 28 Apr
    assert [n.event for n in reminders(handler)] == ["reminder.before"]
    assert reminders(head) == []
    sweep(now=at(2026, 4, 28))
    assert sorted(n.event for n in reminders(handler)) == ["reminder.before", "reminder.due"]
    sweep(now=at(2026, 4, 29))  # the first working day after: the head hears of it
    assert [n.event for n in reminders(head)] == ["reminder.escalate_head"]
    assert reminders(office) == []
    sweep(now=at(2026, 5, 7))
    assert reminders(office) == []
    sweep(now=at(2026, 5, 8))  # 5 working days after 28 Apr, across the May Day holiday (1-5 May)
    assert [n.event for n in reminders(office)] == ["reminder.escalate_office"]
    assert [n.event for n in reminders(committee, "reminder.escalate_office")] == ["reminder.escalate_office"]
    assert Deadline.objects.get(pk=open_deadlines(lead).get().pk).escalation_level == 2
    overdue = reminders(handler, "reminder.overdue")
    assert len(overdue) == 1  # only the latest repetition, no backlog burst


def test_running_the_sweep_again_sends_nothing_twice(lead, people):
    first = sweep(now=at(2026, 5, 8))
    assert first.reminders > 0
    again = sweep(now=at(2026, 5, 8, 10))
    assert (again.reminders, again.notifications) == (0, 0)
    assert Reminder.objects.count() == first.reminders


def test_a_key_proposal_reaches_the_union_office_sooner(lead, people):
    transition(lead.proposal, "supervise", people["committee"], is_key=True, comment="校领导关注")
    assert open_deadlines(lead).get().supervised
    sweep(now=at(2026, 4, 30))  # 2 working days after the due date
    assert [n.event for n in reminders(people["office"])] == ["reminder.escalate_office"]


def test_answering_closes_the_deadline_and_stops_reminders(lead, people):
    transition(lead, "accept", people["handler"])
    transition(lead, "answer", people["handler"], answer="已办理。", answer_class="A")
    assert open_deadlines(lead).exists()  # the lead's answer still waits for its head
    transition(lead, "approve", people["head"])
    assert not open_deadlines(lead).exists()
    sweep(now=at(2026, 6, 1))
    assert reminders(people["handler"]) == []
    steps = set(Deadline.objects.filter(reminders__isnull=False).values_list("step", flat=True))
    assert steps == {"feedback"}  # only the proposer's feedback is still awaited
    assert reminders(people["alice"]) != []


def test_an_extension_moves_the_due_date_and_restarts_the_ladder(lead, people):
    sweep(now=at(2026, 4, 29))
    assert open_deadlines(lead).get().escalation_level == 1
    with pytest.raises(InvalidPayload) as err:
        transition(lead, "request_extension", people["handler"], reason="需要预算审批", new_due=at(2026, 4, 1))
    assert "new_due" in err.value.fields
    transition(lead, "request_extension", people["handler"], reason="需要预算审批", new_due=at(2026, 5, 29))
    with pytest.raises(Conflict) as err:
        transition(lead, "request_extension", people["handler"], reason="再延", new_due=at(2026, 6, 30))
    assert err.value.code == "extension_pending"
    transition(lead, "grant_extension", people["committee"])
    d = open_deadlines(lead).get()
    assert (d.due, d.escalation_level) == (at(2026, 5, 29), 0)
    with pytest.raises(Conflict) as err:
        transition(lead, "request_extension", people["handler"], reason="再延", new_due=at(2026, 6, 30))
    assert err.value.code == "extension_limit_reached"


def test_only_the_committee_decides_an_extension(lead, people):
    from workflow.errors import NotPermitted

    transition(lead, "request_extension", people["handler"], reason="需要预算审批", new_due=at(2026, 5, 29))
    with pytest.raises(NotPermitted):
        transition(lead, "grant_extension", people["head"])
    transition(lead, "refuse_extension", people["committee"], reason="请按期办理")
    lead.refresh_from_db()
    assert lead.extension_state == "refused"
    assert open_deadlines(lead).get().due.astimezone(SH).date().isoformat() == "2026-04-28"


def test_send_reminders_runs_the_same_sweep_for_a_given_instant(lead, people, capsys):
    call_command("send_reminders", "--now", "2026-04-28T09:00:00+08:00")
    # The first sweep comes on the due day itself: "due", not the stale "before".
    assert "发出 1 条提醒" in capsys.readouterr().out
    assert [n.event for n in reminders(people["handler"])] == ["reminder.due"]


def test_a_due_date_corrected_in_the_admin_moves_the_reminders_with_it(lead, admin_client):
    from tests.test_admin import admin_url, form_data

    url = admin_url(Assignment, "change", lead.pk)
    data = form_data(admin_client.get(url))
    data.update(due_0="2026-06-30", due_1="17:00:00")
    assert admin_client.post(url, data).status_code == 302
    assert open_deadlines(lead).get().due == datetime(2026, 6, 30, 17, 0, tzinfo=SH)
    assert sweep(now=at(2026, 4, 29)).reminders == 0  # the old due date no longer escalates
