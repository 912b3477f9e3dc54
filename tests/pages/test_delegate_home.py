"""A delegate's home (我的提案): my proposals with who acts next, invitations waiting for me,
and answers waiting for my feedback."""

import re

import pytest
from django.urls import reverse

from proposals.models import Assignment
from proposals.services import proposal_invite
from tests.factories import draft
from tests.pages.conftest import assign, submit
from workflow.services import transition

pytestmark = pytest.mark.django_db

HOME = reverse("proposals:mine")


def _row(body, title):
    start = body.index(f">{title}</a>")
    return body[start : body.index("</tr>", start)]


def test_a_delegate_lands_on_their_proposals_with_who_acts_next(client, people, session, category, departments):
    draft(people["alice"], session, category, title="增设教职工子女暑期托管班")
    submit(people, session, category, title="图书馆周末延长开放时间")
    assigned = assign(people, departments, submit(people, session, category, title="食堂晚餐延长供应"))
    lead = Assignment.objects.get(proposal=assigned, role="lead")
    transition(lead, "accept", people["handler"])
    client.force_login(people["alice"])
    r = client.get(reverse("home"))
    assert r.url == HOME
    body = client.get(HOME).content.decode()
    assert "<h1>我的提案</h1>" in body
    assert "我：邀请附议后提交" in _row(body, "增设教职工子女暑期托管班")
    assert "提案工作委员会：审查立案" in _row(body, "图书馆周末延长开放时间")
    # Both departments still owe an answer (the lead signed for it, the co-department not yet).
    assert "承办单位：后勤管理处、人事处" in _row(body, "食堂晚餐延长供应")


def test_answers_waiting_for_feedback_come_first(client, people, lead, co):
    for a, who in ((co, "hr_handler"), (lead, "handler")):
        transition(a, "accept", people[who])
        transition(a, "answer", people[who], answer="已办理。", answer_class="A" if a == lead else "")
    transition(lead, "approve", people["head"])
    client.force_login(people["alice"])
    body = client.get(HOME).content.decode()
    feedback = body[body.index('id="feedback-title"') : body.index('id="invitations-title"')]
    assert lead.proposal.title in feedback
    assert "我：对答复反馈意见" in _row(body[body.index('id="mine-title"') :], lead.proposal.title)
    # bob co-signed it but did not propose it: nothing to rate.
    client.force_login(people["bob"])
    assert 'id="feedback-title"' not in client.get(HOME).content.decode()


def test_invitations_waiting_for_me_are_listed(client, people, session, category):
    d = draft(people["carol"], session, category, title="增设教工健身房")
    proposal_invite(proposal=d, user=people["carol"], delegates=[people["alice"]])
    client.force_login(people["alice"])
    body = client.get(HOME).content.decode()
    invitations = body[body.index('id="invitations-title"') : body.index('id="mine-title"')]
    assert re.search(r'<span class="count">1</span>', invitations)
    assert "增设教工健身房" in invitations and "张敏" in invitations
    # It is carol's proposal, not alice's.
    assert "增设教工健身房" not in body[body.index('id="mine-title"') :]


def test_only_delegates_have_the_home(client, people):
    for who in ("dave", "handler", "committee", "auditor"):
        client.force_login(people[who])
        assert client.get(HOME).status_code == 403, who


def test_the_home_runs_a_constant_number_of_queries(
    client, people, session, category, departments, django_assert_max_num_queries
):
    client.force_login(people["alice"])
    assign(people, departments, submit(people, session, category, title="提案一"))
    with django_assert_max_num_queries(10):
        client.get(HOME)
    for n in range(6):
        assign(people, departments, submit(people, session, category, title=f"提案{n}"))
        draft(people["alice"], session, category, title=f"草稿{n}")
    with django_assert_max_num_queries(10):
        r = client.get(HOME)
    assert r.content.decode().count('class="status status-') == 13
