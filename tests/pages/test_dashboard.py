"""The dashboard (数据看板): figures per session, the two rates, the overdue list, and the charts
drawn from our own copy of ECharts."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proposals.models import Assignment, Category, CongressSession, Proposal
from tests.factories import draft
from tests.pages.conftest import assign, submit
from workflow.services import transition

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10
URL = reverse("proposals:dashboard")


def _answer_round(people, proposal, round=1):
    """Both departments sign for and answer this round; the lead's head approves."""
    for a in Assignment.objects.filter(proposal=proposal, round=round).order_by("-role"):  # co first
        who = people["handler"] if a.role == "lead" else people["hr_handler"]
        transition(a, "accept", who)
        transition(a, "answer", who, answer="已办理。", answer_class="A" if a.role == "lead" else "")
    transition(Assignment.objects.get(proposal=proposal, round=round, role="lead"), "approve", people["head"])
    return Proposal.objects.get(pk=proposal.pk)


def _feedback(people, proposal, satisfaction):
    return transition(proposal, "feedback", people["alice"], satisfaction=satisfaction, comment="")


def _cells(body, row_id):
    """The text of each cell of the table row `row_id`."""
    start = body.index(f'<tr id="{row_id}">')
    row = body[start : body.index("</tr>", start)]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _chart_data(body):
    raw = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', body, re.S).group(1)
    return json.loads(raw)


@pytest.fixture
def world(people, departments, session, category):
    """One session's proposals at every stage that counts, a draft, and one of another session."""
    teaching = Category.objects.get(name="教学科研")
    satisfied = _feedback(
        people, _answer_round(people, assign(people, departments, submit(people, session, category))), "satisfied"
    )
    # Unsatisfied, then satisfied after the second round: the latest feedback decides.
    second = assign(people, departments, submit(people, session, category))
    second = _feedback(people, _answer_round(people, second), "unsatisfied")
    second = _feedback(people, _answer_round(people, second, round=2), "satisfied")
    # Unsatisfied and back with the departments for its second round.
    unsatisfied = _feedback(
        people, _answer_round(people, assign(people, departments, submit(people, session, category))), "unsatisfied"
    )
    # Answered (both departments) after the due date.
    late = assign(people, departments, submit(people, session, category))
    with time_machine.travel(late.due + timedelta(days=1), tick=False):
        late = _feedback(people, _answer_round(people, late), "basically_satisfied")
    waiting = assign(people, departments, submit(people, session, category))
    submitted = submit(people, session, category)
    rejected = transition(submit(people, session, teaching), "reject", people["committee"], reason="不属于提案范围")
    draft(people["alice"], session, category)
    now = timezone.now()
    older = CongressSession.objects.create(
        name="第五届第三次",
        code="5-3",
        collection_opens=now - timedelta(days=400),
        collection_closes=now + timedelta(days=5),
    )
    elsewhere = submit(people, older, category)
    # Open assignments: the one never answered and the second round of the unsatisfied one.
    open_ = Assignment.objects.filter(status__in=["assigned", "accepted"])
    return {
        "satisfied": satisfied,
        "second": second,
        "unsatisfied": unsatisfied,
        "late": late,
        "waiting": waiting,
        "submitted": submitted,
        "rejected": rejected,
        "teaching": teaching,
        "older": older,
        "elsewhere": elsewhere,
        "open": list(open_),
        "after_due": max(a.due for a in open_) + timedelta(days=1),
    }


def test_the_committee_sees_the_current_sessions_figures(client, people, departments, category, world):
    client.force_login(people["committee"])
    r = client.get(URL)
    assert r.status_code == 200
    body = r.content.decode()
    assert "<h1>数据看板</h1>" in body
    assert "第六届第一次" in body  # the collecting session is the default
    # By state: drafts and the other session's proposal are left out.
    assert _cells(body, "state-closed") == ["已办结", "3"]
    assert _cells(body, "state-assigned") == ["办理中", "2"]
    assert _cells(body, "state-submitted") == ["待审查", "1"]
    assert _cells(body, "state-rejected") == ["不予立案", "1"]
    assert _cells(body, "state-answered") == ["已答复", "0"]
    assert _cells(body, "state-total") == ["合计", "7"]
    assert "state-draft" not in body
    # By category: every category, with how many were accepted.
    assert _cells(body, f"category-{category.pk}") == ["后勤保障", "6", "5"]
    assert _cells(body, f"category-{world['teaching'].pk}") == ["教学科研", "1", "0"]
    # By department: lead, co, answered, on time, late, unanswered, overdue now (none yet).
    assert _cells(body, f"department-{departments['logistics'].pk}") == [
        "后勤管理处",
        "7",
        "0",
        "5",
        "4",
        "1",
        "2",
        "0",
    ]
    assert _cells(body, f"department-{departments['hr'].pk}") == ["人事处", "0", "7", "5", "4", "1", "2", "0"]
    # 按期办复率 8 / 10; 满意率 2 / 4 (latest feedback: satisfied twice, basically once, unsatisfied once).
    assert _cells(body, "rate-on-time") == ["按期办复率", "8", "10", "80.0%"]
    assert _cells(body, "rate-satisfaction") == ["满意率", "2", "4", "50.0%"]
    assert _cells(body, "feedback-satisfied") == ["满意", "2"]
    assert _cells(body, "feedback-basically_satisfied") == ["基本满意", "1"]
    assert _cells(body, "feedback-unsatisfied") == ["不满意", "1"]
    assert "没有逾期的交办事项。" in body
    # The charts get the same numbers, with their labels from the server.
    charts = _chart_data(body)
    assert charts["rates"] == [{"name": "按期办复率", "value": 80.0}, {"name": "满意率", "value": 50.0}]
    assert dict(zip(charts["state"]["labels"], charts["state"]["values"], strict=True))["已办结"] == 3
    assert [s["name"] for s in charts["department"]["series"]] == ["按期答复", "逾期答复", "未答复"]
    assert charts["department"]["labels"] == ["人事处", "后勤管理处"]
    assert [s["values"] for s in charts["department"]["series"]] == [[4, 4], [1, 1], [2, 2]]


def test_past_the_due_date_the_open_assignments_are_on_the_overdue_list(client, people, departments, world):
    with time_machine.travel(world["after_due"], tick=False):
        client.force_login(people["office"])  # a session started six weeks ago would have expired
        body = client.get(URL).content.decode()
    for a in world["open"]:
        cells = _cells(body, f"overdue-{a.pk}")
        assert cells[1] == a.department.name
        assert "逾期" in cells[4]
    assert body.count('<tr id="overdue-') == len(world["open"]) == 4
    assert _cells(body, f"department-{departments['logistics'].pk}")[-1] == "2"
    assert _cells(body, f"department-{departments['hr'].pk}")[-1] == "2"


def test_an_answer_after_its_due_date_counts_as_late(client, people, departments, session, category):
    on_time = assign(people, departments, submit(people, session, category))
    _answer_round(people, on_time)
    late = assign(people, departments, submit(people, session, category))
    lead = Assignment.objects.get(proposal=late, role="lead")
    co = Assignment.objects.get(proposal=late, role="co")
    transition(co, "accept", people["hr_handler"])
    transition(co, "answer", people["hr_handler"], answer="按期答复。")
    transition(lead, "accept", people["handler"])
    with time_machine.travel(lead.due + timedelta(minutes=1), tick=False):
        transition(lead, "answer", people["handler"], answer="逾期答复。", answer_class="B")
    client.force_login(people["committee"])
    body = client.get(URL).content.decode()
    assert _cells(body, "rate-on-time") == ["按期办复率", "3", "4", "75.0%"]
    assert _cells(body, f"department-{departments['logistics'].pk}")[3:6] == ["2", "1", "1"]
    assert _cells(body, f"department-{departments['hr'].pk}")[3:6] == ["2", "2", "0"]


def test_with_nothing_answered_the_rates_say_so_rather_than_zero(client, people, submitted):
    client.force_login(people["auditor"])
    body = client.get(URL).content.decode()
    assert _cells(body, "rate-on-time") == ["按期办复率", "0", "0", "—"]
    assert _cells(body, "rate-satisfaction") == ["满意率", "0", "0", "—"]
    assert _chart_data(body)["rates"] == [{"name": "按期办复率", "value": None}, {"name": "满意率", "value": None}]
    assert "暂无交办事项。" in body


def test_the_session_filter_picks_another_session_or_all(client, people, world):
    client.force_login(people["committee"])
    body = client.get(URL, {"session": world["older"].pk}).content.decode()
    assert _cells(body, "state-submitted") == ["待审查", "1"]
    assert _cells(body, "state-total") == ["合计", "1"]
    assert _cells(body, "rate-on-time")[1:] == ["0", "0", "—"]
    body = client.get(URL, {"session": "all"}).content.decode()
    assert _cells(body, "state-submitted") == ["待审查", "2"]
    assert _cells(body, "state-total") == ["合计", "8"]
    assert "全部会议" in body
    # The filter has a label and offers every session and "all".
    assert '<label for="id_session">会议</label>' in body
    assert f'<option value="{world["older"].pk}">第五届第三次</option>' in body
    assert '<option value="all" selected>全部会议</option>' in body


@pytest.mark.parametrize("who", ["committee", "office", "auditor"])
def test_the_committee_the_union_office_and_auditors_open_the_dashboard(client, people, who):
    client.force_login(people[who])
    r = client.get(URL)
    assert r.status_code == 200
    assert f'<a href="{URL}">数据看板</a>' in r.content.decode()


@pytest.mark.parametrize("who", ["alice", "handler", "head", "dave"])
def test_delegates_departments_and_members_get_403(client, people, who):
    client.force_login(people[who])
    assert client.get(URL).status_code == 403
    assert f'<a href="{URL}">数据看板</a>' not in client.get(reverse("tasks")).content.decode()


def test_anonymous_users_are_sent_to_sign_in(client):
    r = client.get(URL)
    assert r.status_code == 302
    assert r.url.startswith(reverse("login"))


def test_the_charts_come_from_our_own_static_files(client, people):
    client.force_login(people["committee"])
    body = client.get(URL).content.decode()
    assert '<script src="/static/vendor/echarts/echarts.min.js" defer></script>' in body
    assert '<script src="/static/js/dashboard.js" defer></script>' in body
    assert not re.search(r"<script[^>]+src=\"(https?:)?//", body)
    assert finders.find("vendor/echarts/echarts.min.js") is not None
    assert finders.find("js/dashboard.js") is not None


def test_the_dashboard_takes_a_constant_number_of_queries(
    client, people, departments, session, category, django_assert_max_num_queries
):
    def grow(n):
        for _ in range(n):
            p = assign(people, departments, submit(people, session, category))
            _feedback(people, _answer_round(people, p), "satisfied")
            assign(people, departments, submit(people, session, category))

    def queries():
        # Past every due date, so the overdue list and its working-day count are on the page.
        with time_machine.travel(timezone.now() + timedelta(days=120), tick=False):
            client.force_login(people["committee"])  # a fresh session: the old one would have expired
            with django_assert_max_num_queries(MAX_QUERIES), CaptureQueriesContext(connection) as ctx:
                r = client.get(URL)
        assert r.status_code == 200
        assert 'id="table-overdue"' in r.content.decode()
        return len(ctx.captured_queries)

    grow(1)
    small = queries()
    grow(4)
    large = queries()
    assert small == large
