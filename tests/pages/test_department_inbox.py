"""The department's inbox (收件箱): tabs by what is asked next, and the head's approval list."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from proposals.models import Assignment
from tests.pages.conftest import assign, submit
from workflow.flowlink import open_tasks
from workflow.services import transition

pytestmark = pytest.mark.django_db

INBOX = reverse("proposals:assignments")


def _tab_counts(body):
    return {k: int(n) for k, n in re.findall(r'class="tab tab-(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>', body)}


def _titles(body):
    return re.findall(r'<a href="/proposals/assignments/\d+/">([^<]+)</a>', body)


def _answered(people, lead, text="已延长至19:30。"):
    transition(lead, "accept", people["handler"])
    return transition(lead, "answer", people["handler"], answer=text, answer_class="A")


def test_the_handlers_inbox_sorts_assignments_into_tabs(client, people, session, category, departments):
    new = Assignment.objects.get(proposal=assign(people, departments, submit(people, session, category)), role="lead")
    signed = Assignment.objects.get(
        proposal=assign(people, departments, submit(people, session, category, title="图书馆周末延长开放")),
        role="lead",
    )
    transition(signed, "accept", people["handler"])
    waiting = Assignment.objects.get(
        proposal=assign(people, departments, submit(people, session, category, title="增设非机动车停车棚")),
        role="lead",
    )
    _answered(people, waiting)
    client.force_login(people["handler"])
    body = client.get(INBOX).content.decode()
    assert _tab_counts(body) == {"new": 1, "signed": 1, "approval": 1, "due_soon": 0, "overdue": 0, "all": 3}
    assert 'class="tab tab-all" aria-current="page"' in body
    assert _titles(client.get(INBOX, {"tab": "new"}).content.decode()) == [new.proposal.title]
    assert _titles(client.get(INBOX, {"tab": "signed"}).content.decode()) == [signed.proposal.title]
    assert _titles(client.get(INBOX, {"tab": "approval"}).content.decode()) == [waiting.proposal.title]
    # An unknown tab is the whole inbox, not an error.
    assert len(_titles(client.get(INBOX, {"tab": "nonsense"}).content.decode())) == 3


def test_due_soon_and_overdue_tabs_follow_working_days(client, people, lead):
    with time_machine.travel(lead.due - timedelta(days=1), tick=False):
        client.force_login(people["handler"])  # weeks later: a fresh session
        body = client.get(INBOX, {"tab": "due_soon"}).content.decode()
        assert _tab_counts(body)["due_soon"] == 1 and _tab_counts(body)["overdue"] == 0
        assert _titles(body) == [lead.proposal.title]
    with time_machine.travel(lead.due + timedelta(days=8), tick=False):
        client.force_login(people["handler"])
        body = client.get(INBOX, {"tab": "overdue"}).content.decode()
        assert _tab_counts(body)["overdue"] == 1 and _tab_counts(body)["due_soon"] == 0
        assert _titles(body) == [lead.proposal.title]
        assert re.search(r"逾期 \d+ 个工作日", body)


def test_another_departments_assignments_are_not_in_the_inbox(client, people, lead):
    client.force_login(people["hr_handler"])
    body = client.get(INBOX).content.decode()
    # hr co-handles the proposal: it sees its own assignment, not logistics' lead one.
    assert _tab_counts(body)["all"] == 1
    assert f'href="/proposals/assignments/{lead.pk}/"' not in body


def test_people_without_a_department_role_are_refused_the_inbox(client, people, lead):
    for who in ("alice", "dave"):
        client.force_login(people[who])
        assert client.get(INBOX).status_code == 403, who
        assert f'href="{INBOX}"' not in client.get(reverse("proposals:list")).content.decode()


def test_the_inbox_runs_a_constant_number_of_queries(
    client, people, session, category, departments, django_assert_max_num_queries
):
    client.force_login(people["handler"])
    for n in range(2):
        assign(people, departments, submit(people, session, category, title=f"提案甲{n}"))
    with django_assert_max_num_queries(10):
        client.get(INBOX)
    for n in range(8):
        assign(people, departments, submit(people, session, category, title=f"提案乙{n}"))
    with django_assert_max_num_queries(10):
        r = client.get(INBOX)
    assert _tab_counts(r.content.decode())["all"] == 10


def test_the_head_lands_on_answers_waiting_for_approval(client, people, lead):
    _answered(people, lead)
    client.force_login(people["head"])
    r = client.get(reverse("home"))
    assert r.url == f"{INBOX}?tab=approval"
    body = client.get(r.url).content.decode()
    assert _titles(body) == [lead.proposal.title]
    assert 'class="tab tab-approval" aria-current="page"' in body


def test_the_head_sends_an_answer_back_and_the_handler_answers_again(client, people, lead, co):
    transition(co, "accept", people["hr_handler"])
    transition(co, "answer", people["hr_handler"], answer="人事处无意见。")
    _answered(people, lead)
    client.force_login(people["head"])
    page = client.get(reverse("proposals:assignment", args=[lead.pk])).content.decode()
    assert f'action="/proposals/assignments/{lead.pk}/transitions/send_back/"' in page
    url = reverse("proposals:assignment_transition", args=[lead.pk, "send_back"])
    # The note is required; the page says so next to the field.
    r = client.post(url, {"note": ""})
    assert r.status_code == 400
    assert 'id="id_send_back_note_error"' in r.content.decode()
    r = client.post(url, {"note": "请写明延长后的具体开放时间。"})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.revision_note) == ("accepted", "请写明延长后的具体开放时间。")
    assert [t.flow_task.name for t in open_tasks(lead, ["answer"])] == ["answer"]  # back in the handler's queue
    client.force_login(people["handler"])
    body = client.get(reverse("proposals:assignment", args=[lead.pk])).content.decode()
    assert "请写明延长后的具体开放时间。" in body
    transition(lead, "answer", people["handler"], answer="周末开放至22:00。", answer_class="A")
    lead = transition(lead, "approve", people["head"])
    assert lead.status == "approved"
    lead.proposal.refresh_from_db()
    assert lead.proposal.status == "answered"


def test_only_the_head_may_send_back(client, people, lead):
    _answered(people, lead)
    url = reverse("proposals:assignment_transition", args=[lead.pk, "send_back"])
    for who, status in (("handler", 403), ("hr_head", 404), ("committee", 403), ("alice", 404)):
        client.force_login(people[who])
        assert client.post(url, {"note": "不行"}).status_code == status, who
    lead.refresh_from_db()
    assert lead.status == "answered"


def test_a_co_departments_answer_is_not_sent_back(people, co):
    transition(co, "accept", people["hr_handler"])
    co = transition(co, "answer", people["hr_handler"], answer="人事处无意见。")
    with pytest.raises(Exception) as err:
        transition(co, "send_back", people["hr_head"], note="重写")
    assert getattr(err.value, "code", "") == "not_lead"


def test_due_dates_keep_running_after_a_send_back(people, lead):
    lead = _answered(people, lead)
    due = lead.due
    lead = transition(lead, "send_back", people["head"], note="补充")
    assert lead.due == due and lead.due > timezone.now()
    assert lead.awaits_department
