"""The overdue board (逾期督办): late and nearly late assignments by department, for those who chase them.

The world, built on Mon 16 Mar 2026 and looked at on Thu 7 May 2026 10:00 Asia/Shanghai,
just after the May Day holiday (2026: Fri 1 - Tue 5 May off, Sat 9 May worked):

    食堂  key   logistics lead  due Thu 30 Apr  assigned           overdue 2 working days (6, 7 May)
                hr co           due Thu 30 Apr  answered (co)      off: nothing owed
    报销        logistics lead  due Fri 10 Apr  answered, unapproved overdue 16 working days
    幼儿园      cs lead         due Thu 30 Apr  assigned           overdue 2
    图书馆      library lead    due Fri  8 May  accepted           due soon: 1 working day left
                cs co           due Fri  8 May  returned           off
    停车        hr lead         due Mon 11 May  assigned           due soon: 3 left (8, Sat 9, 11 May)
    体检        hr lead         due Tue 12 May  assigned           off: 4 working days away
    宿舍        logistics lead  due Mon 20 Apr  approved           off

Every due date is the end of its day (23:59:59.999999), as add_working_days gives.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from proposals.models import Assignment
from proposals.selectors import overdue_board, overdue_board_by_department
from proposals.services import proposal_cosign, proposal_invite
from tests.factories import draft, make_user
from workflow.calendar import end_of_day
from workflow.deadlines import open_deadlines, sweep
from workflow.models import Deadline
from workflow.services import transition

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 5, 7, 10, 0, tzinfo=SH)
ASSIGNMENTS_API = "/api/v1/assignments/"


def at(y, m, d, h=9):
    return datetime(y, m, d, h, 0, tzinfo=SH)


def due(m, d):
    return end_of_day(date(2026, m, d))


@pytest.fixture
def api(people):
    """``api("committee")``: an API client holding that persona's token."""

    def client_for(name):
        token, _ = Token.objects.get_or_create(user=people[name])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def assign(people, session, category, departments):
    """``assign(title, lead, due, co=[...], key=False)``: a proposal submitted, accepted and
    assigned on Mon 16 Mar 2026; returns its assignments by department key."""

    def make(title, lead, due_at, co=(), key=False):
        with time_machine.travel(at(2026, 3, 16), tick=False):
            p = draft(people["alice"], session, category, title=title)
            proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"], people["carol"]])
            proposal_cosign(proposal=p, user=people["bob"])
            proposal_cosign(proposal=p, user=people["carol"])
            transition(p, "submit", people["alice"])
            transition(p, "accept", people["committee"])
            p = transition(
                p,
                "assign",
                people["committee"],
                lead_department=departments[lead].pk,
                co_departments=[departments[c].pk for c in co],
                due=due_at,
            )
            if key:
                transition(p, "supervise", people["committee"], is_key=True)
        keys = {d.pk: k for k, d in departments.items()}
        return {keys[a.department_id]: a for a in Assignment.objects.filter(proposal=p)}

    return make


@pytest.fixture
def world(assign, people, departments):
    """The table in the module docstring, with the reminder sweep run at 09:00 on 7 May."""
    handler, head, hr_handler = people["handler"], people["head"], people["hr_handler"]
    cs_handler = make_user("cs_handler", "郑军", ["department_handler"], departments["cs"])
    library_handler = make_user("library_handler", "冯雪", ["department_handler"], departments["library"])
    canteen = assign("食堂晚餐供应时间延长", "logistics", due(4, 30), co=["hr"], key=True)
    claims = assign("简化科研经费报销流程", "logistics", due(4, 10))
    nursery = assign("扩大附属幼儿园招生规模", "cs", due(4, 30))
    library = assign("图书馆延长开放时间", "library", due(5, 8), co=["cs"])
    parking = assign("缓解教工停车位紧张", "hr", due(5, 11))
    checkup = assign("提高教职工年度体检标准", "hr", due(5, 12))
    dorm = assign("青年教师周转房维修", "logistics", due(4, 20))
    with time_machine.travel(at(2026, 4, 1), tick=False):
        transition(canteen["hr"], "accept", hr_handler)
        transition(canteen["hr"], "answer", hr_handler, answer="人事处意见：同意。")
        transition(claims["logistics"], "accept", handler)
        transition(claims["logistics"], "answer", handler, answer="正在研究。", answer_class="B")
        transition(dorm["logistics"], "accept", handler)
        transition(dorm["logistics"], "answer", handler, answer="已维修。", answer_class="A")
        transition(dorm["logistics"], "approve", head)
        transition(library["cs"], "return", cs_handler, reason="不属于本单位职责。")
        transition(library["library"], "accept", library_handler)
    sweep(now=at(2026, 5, 7))
    return {
        "canteen": canteen,
        "claims": claims,
        "nursery": nursery,
        "library": library,
        "parking": parking,
        "checkup": checkup,
        "dorm": dorm,
    }


def _titles(rows):
    return [r.assignment.proposal.title for r in rows]


# The selector -----------------------------------------------------------------------


def test_the_board_lists_open_late_and_nearly_late_assignments_by_department(world, people):
    groups = overdue_board_by_department(overdue_board(people["committee"], now=NOW))
    assert [(g.department.name, g.overdue_count, g.due_soon_count) for g in groups] == [
        ("后勤管理处", 2, 0),
        ("信息工程学院", 1, 0),
        ("图书馆", 0, 1),
        ("人事处", 0, 1),
    ]
    shown = [
        (r.assignment.proposal.title, r.assignment.role, r.overdue, r.days_overdue, r.escalation_level, r.is_key)
        for g in groups
        for r in g.rows
    ]
    assert shown == [
        ("简化科研经费报销流程", "lead", True, 16, 2, False),  # answered, the head has not approved
        ("食堂晚餐供应时间延长", "lead", True, 2, 2, True),  # key: reaches the union office sooner
        ("扩大附属幼儿园招生规模", "lead", True, 2, 1, False),
        ("图书馆延长开放时间", "lead", False, -1, 0, False),
        ("缓解教工停车位紧张", "lead", False, -3, 0, False),
    ]


def test_the_escalation_level_is_the_open_deadlines(world, people):
    lead = world["parking"]["hr"]
    open_deadlines(lead).update(escalation_level=1)
    (row,) = [r for r in overdue_board(people["committee"], now=NOW) if r.assignment.pk == lead.pk]
    assert row.escalation_level == 1


def test_due_soon_counts_working_days_and_the_make_up_saturday(world, people):
    # Three working days after Thu 7 May are Fri 8, Sat 9 (worked) and Mon 11 May.
    assert "提高教职工年度体检标准" not in _titles(overdue_board(people["committee"], now=NOW))
    one_day = overdue_board(people["committee"], now=NOW, soon_days=1)
    assert [t for r, t in zip(one_day, _titles(one_day), strict=True) if not r.overdue] == ["图书馆延长开放时间"]
    four_days = overdue_board(people["committee"], now=NOW, soon_days=4)
    assert "提高教职工年度体检标准" in _titles(four_days)


@pytest.mark.parametrize(
    ("now", "days"),
    [
        (at(2026, 5, 1, 10), 0),  # the first day of the holiday: late, but no working day yet
        (at(2026, 5, 5, 10), 0),  # the last day of the holiday
        (at(2026, 5, 7, 10), 2),  # Wed 6 and Thu 7 May, not the 7 calendar days
        (at(2026, 5, 9, 10), 4),  # Sat 9 May is a make-up working day
    ],
)
def test_days_overdue_are_working_days_across_the_may_day_holiday(assign, people, now, days):
    assign("食堂晚餐供应时间延长", "logistics", due(4, 30))
    (row,) = overdue_board(people["committee"], now=now)
    assert (row.overdue, row.days_overdue) == (True, days)


def test_a_department_sees_only_its_own_rows(world, people):
    assert _titles(overdue_board(people["hr_handler"], now=NOW)) == ["缓解教工停车位紧张"]
    assert overdue_board(people["alice"], now=NOW) == []


# The page ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["committee", "office", "auditor"])
def test_the_committee_the_union_office_and_auditors_see_the_board(client, world, people, who):
    with time_machine.travel(NOW, tick=False):
        client.force_login(people[who])
        r = client.get(reverse("proposals:overdue"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "已逾期 3 件，3 个工作日内到期 2 件。" in body
    order = [body.index(name) for name in ("后勤管理处", "信息工程学院", "图书馆延长开放时间", "人事处")]
    assert order == sorted(order)
    assert "逾期 2 件 · 即将到期 0 件" in body
    for label in ("逾期 16 个工作日", "逾期 2 个工作日", "剩余 1 个工作日", "剩余 3 个工作日"):
        assert label in body, label
    assert body.count("已报校工会") == 2 and body.count("已报负责人") == 1
    assert body.count("重点提案") == 1
    assert reverse("proposals:assignment", args=[world["claims"]["logistics"].pk]) in body
    assert "提高教职工年度体检标准" not in body and "青年教师周转房维修" not in body
    assert 'data-label="逾期情况"' in body  # the phone layout labels each cell
    assert reverse("proposals:overdue") in body  # the header links to it


@pytest.mark.parametrize("who", ["alice", "handler", "head", "dave"])
def test_delegates_departments_and_members_may_not_see_the_board(client, world, people, who):
    client.force_login(people[who])
    r = client.get(reverse("proposals:overdue"))
    assert r.status_code == 403
    assert "逾期督办仅供" in r.content.decode()
    home = client.get(reverse("proposals:list")).content.decode()
    assert reverse("proposals:overdue") not in home  # and the header does not offer it


def test_signing_in_is_required(client):
    r = client.get(reverse("proposals:overdue"))
    assert r.status_code == 302
    assert r.url.startswith(reverse("login"))


def test_an_empty_board_says_so(client, people):
    client.force_login(people["committee"])
    body = client.get(reverse("proposals:overdue")).content.decode()
    assert "没有逾期或即将到期的交办事项。" in body


# The API ----------------------------------------------------------------------------


def _get(client, **params):
    with time_machine.travel(NOW, tick=False):
        r = client.get(ASSIGNMENTS_API, params)
    assert r.status_code == 200, r.content
    return [(row["proposal"]["title"], row["days_overdue"], row["escalation_level"]) for row in r.json()["results"]]


def test_the_api_filters_overdue_and_due_soon_assignments(api, world):
    committee = api("committee")
    assert _get(committee, overdue=1) == [  # most overdue first, then in the order assigned
        ("简化科研经费报销流程", 16, 2),
        ("食堂晚餐供应时间延长", 2, 2),
        ("扩大附属幼儿园招生规模", 2, 1),
    ]
    assert _get(committee, due_soon=1) == [("图书馆延长开放时间", -1, 0), ("缓解教工停车位紧张", -3, 0)]
    assert len(_get(committee, overdue=1, due_soon=1)) == 5
    assert len(_get(committee, overdue=0)) == 9  # false is no filter: every assignment


def test_closed_assignments_have_no_days_overdue(api, world):
    rows = {(t, d) for t, d, _ in _get(api("committee"), status="approved")}
    assert rows == {("青年教师周转房维修", None)}


def test_a_handler_gets_only_their_departments_overdue_assignments(api, world):
    assert sorted(_get(api("handler"), overdue=1)) == [("简化科研经费报销流程", 16, 2), ("食堂晚餐供应时间延长", 2, 2)]
    assert _get(api("hr_handler"), overdue=1) == []
    assert _get(api("hr_handler"), due_soon=1) == [("缓解教工停车位紧张", -3, 0)]


# Queries ----------------------------------------------------------------------------


@pytest.fixture
def late(assign):
    """``late(n)``: n proposals, each led by logistics with hr co-handling, due on 30 Apr."""

    def make(n):
        for i in range(n):
            assign(f"提案 {i}", "logistics", due(4, 30), co=["hr"], key=i % 2 == 0)
        Deadline.objects.filter(closed_at__isnull=True).update(escalation_level=1)

    return make


@pytest.mark.parametrize("n", [2, 8])
def test_the_board_and_the_api_take_a_fixed_number_of_queries(
    client, api, people, late, n, django_assert_max_num_queries
):
    late(n)
    committee = api("committee")
    with time_machine.travel(NOW, tick=False):
        client.force_login(people["committee"])
        with django_assert_max_num_queries(10):
            r = client.get(reverse("proposals:overdue"))
        assert r.status_code == 200
        assert r.content.decode().count("逾期 2 个工作日") == 2 * n
        with django_assert_max_num_queries(10):
            r = committee.get(ASSIGNMENTS_API, {"overdue": 1})
        assert r.status_code == 200
        assert len(r.json()["results"]) == 2 * n
        assert {row["escalation_level"] for row in r.json()["results"]} == {1}
        with django_assert_max_num_queries(10):
            rows = overdue_board(people["committee"], now=NOW)
        assert len(rows) == 2 * n
