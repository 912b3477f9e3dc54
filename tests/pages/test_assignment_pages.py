"""A department signs for, returns, answers and approves through the assignment page."""

import re

import pytest
from django.urls import reverse

from proposals.models import Assignment
from workflow.services import transition

pytestmark = pytest.mark.django_db


def _buttons(body):
    return sorted(set(re.findall(r'action="/proposals/assignments/\d+/transitions/(\w+)/"', body)))


def _post(client, assignment, name, data=None):
    return client.post(reverse("proposals:assignment_transition", args=[assignment.pk, name]), data or {})


def test_a_handler_signs_for_and_answers_through_the_page(client, people, lead):
    client.force_login(people["handler"])
    body = client.get(reverse("proposals:assignment", args=[lead.pk])).content.decode()
    assert _buttons(body) == ["accept", "request_extension", "return"]
    assert "教职工晚上加班较多" in body  # the proposal text to answer
    r = _post(client, lead, "accept")
    assert r.status_code == 302
    assert r.url == reverse("proposals:assignment", args=[lead.pk])
    body = client.get(r.url).content.decode()
    assert "已完成操作：签收" in body
    assert _buttons(body) == ["answer", "request_extension", "return"]
    assert 'id="id_answer_answer_class"' in body
    r = _post(client, lead, "answer", {"answer": "已延长至19:30。", "answer_class": "A"})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.answer_class, lead.answered_by) == ("answered", "A", people["handler"])
    body = client.get(r.url).content.decode()
    assert "A 已解决或采纳" in body
    assert "赵磊" in body  # who answered
    timeline = body[body.index('id="timeline-title"') :]
    assert "签收" in timeline and "答复" in timeline


def test_the_lead_answer_needs_a_class_and_keeps_the_text(client, people, lead):
    transition(lead, "accept", people["handler"])
    client.force_login(people["handler"])
    r = _post(client, lead, "answer", {"answer": "正在研究方案。", "answer_class": ""})
    assert r.status_code == 400
    body = r.content.decode()
    assert "主办单位答复须选择答复类别。" in body
    assert 'id="id_answer_answer_class_error"' in body
    assert "正在研究方案。" in body
    lead.refresh_from_db()
    assert lead.status == "accepted"


def test_returning_needs_a_reason(client, people, lead):
    client.force_login(people["handler"])
    r = _post(client, lead, "return", {"reason": ""})
    assert r.status_code == 400
    assert 'id="id_return_reason_error"' in r.content.decode()
    lead.refresh_from_db()
    assert lead.status == "assigned"
    r = _post(client, lead, "return", {"reason": "不属于本单位职责"})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.return_reason) == ("returned", "不属于本单位职责")


def test_the_head_approves_once_the_co_department_has_answered(client, people, lead, co):
    transition(lead, "accept", people["handler"])
    transition(lead, "answer", people["handler"], answer="已延长至19:30。", answer_class="A")
    client.force_login(people["head"])
    body = client.get(reverse("proposals:assignment", args=[lead.pk])).content.decode()
    assert _buttons(body) == ["approve", "send_back"]
    r = _post(client, lead, "approve")
    assert r.status_code == 409
    assert "协办单位尚未全部答复" in r.content.decode()
    transition(co, "accept", people["hr_handler"])
    transition(co, "answer", people["hr_handler"], answer="人事处配合调整值班。")
    body = client.get(reverse("proposals:assignment", args=[lead.pk])).content.decode()
    co_section = body[body.index('id="co-title"') :]
    assert "人事处" in co_section and "人事处配合调整值班。" in co_section
    r = _post(client, lead, "approve")
    assert r.status_code == 302
    lead.proposal.refresh_from_db()
    assert lead.proposal.status == "answered"


def test_the_handler_cannot_approve(client, people, lead):
    transition(lead, "accept", people["handler"])
    transition(lead, "answer", people["handler"], answer="已延长。", answer_class="A")
    client.force_login(people["handler"])
    assert _buttons(client.get(reverse("proposals:assignment", args=[lead.pk])).content.decode()) == []
    r = _post(client, lead, "approve")
    assert r.status_code == 403
    lead.refresh_from_db()
    assert lead.status == "answered"


def test_another_department_gets_404(client, people, lead):
    client.force_login(people["hr_handler"])  # HR co-handles; the lead assignment is not theirs
    assert client.get(reverse("proposals:assignment", args=[lead.pk])).status_code == 404
    r = _post(client, lead, "accept")
    assert r.status_code == 404
    assert "未找到该页面" in r.content.decode()
    lead.refresh_from_db()
    assert lead.status == "assigned"


def test_delegates_and_members_get_404_on_assignments(client, people, lead):
    for who in ["alice", "dave"]:
        client.force_login(people[who])
        assert client.get(reverse("proposals:assignment", args=[lead.pk])).status_code == 404
        assert _post(client, lead, "accept").status_code == 404
        body = client.get(reverse("proposals:assignments")).content.decode()
        assert reverse("proposals:assignment", args=[lead.pk]) not in body


def test_the_proposal_page_links_only_the_viewers_assignments(client, people, lead, co):
    client.force_login(people["hr_handler"])
    body = client.get(reverse("proposals:detail", args=[lead.proposal_id])).content.decode()
    assert reverse("proposals:assignment", args=[co.pk]) in body
    assert reverse("proposals:assignment", args=[lead.pk]) not in body
    assert "后勤管理处" in body  # still listed, just not linked


def test_the_proposal_timeline_includes_the_assignments(client, people, lead):
    transition(lead, "accept", people["handler"])
    client.force_login(people["alice"])
    body = client.get(reverse("proposals:detail", args=[lead.proposal_id])).content.decode()
    timeline = body[body.index('id="timeline-title"') :]
    assert "交办至承办单位" in timeline
    assert "签收" in timeline and "后勤管理处" in timeline and "赵磊" in timeline
    assert Assignment.objects.count() == 2
