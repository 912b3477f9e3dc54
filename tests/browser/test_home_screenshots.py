"""Every role's home (`/` sends each to where their work is), at a desk and on a phone,
saved under var/screenshots/ for people to look at. Each page must first show what
that role expects to find there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from proposals.services import proposal_cosign, proposal_invite
from tests.browser.conftest import DESKTOP, PHONE, fits_phone
from tests.factories import draft, make_user
from workflow.services import transition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

# role -> (where `/` lands, the heading, what only a working home of that role shows there)
ROWS, EMPTY = "table.rows tbody", "p.empty"
HOMES = {
    "delegate": (r"/proposals/mine/$", "我的提案", ROWS, "增设教职工子女暑期托管班"),
    "committee": (r"/proposals/triage/$", "审查队列", ROWS, "待审查"),
    "union_office": (r"/proposals/sessions/$", "会议管理", ROWS, "征集中"),
    "department_handler": (r"/proposals/assignments/\?tab=new$", "交办事项", ROWS, "待签收"),
    "department_head": (r"/proposals/assignments/\?tab=approval$", "交办事项", ROWS, "已答复"),
    "subunion_chair": (r"/welfare/review/$", "福利申请审核", EMPTY, "没有待审核的福利申请。"),
    "member": (r"/welfare/mine/$", "我的福利申请", EMPTY, "您还没有提交福利申请。"),
    "auditor": (r"/proposals/$", "提案", ROWS, "办理中"),
    "admin": (r"/proposals/$", "提案", ROWS, "办理中"),
}


@pytest.fixture
def world(departments, session, category):
    """One user per role, and a proposal at each stage a home shows: 王丽's draft, one
    waiting for the committee, one assigned to 后勤管理处 (led) and 人事处."""
    d = departments
    users = {
        "delegate": make_user("delegate", "王丽", ["delegate", "member"], d["cs"]),
        "committee": make_user("committee", "陈静", ["committee"], None),
        "union_office": make_user("union_office", "杨帆", ["union_office"], None),
        "department_handler": make_user("department_handler", "赵磊", ["department_handler"], d["logistics"]),
        "department_head": make_user("department_head", "黄涛", ["department_head"], d["logistics"]),
        "subunion_chair": make_user("subunion_chair", "郑洁", ["subunion_chair", "member"], d["cs"]),
        "member": make_user("member", "刘伟", ["member"], d["cs"]),
        "auditor": make_user("auditor", "孙红", ["auditor"], None),
        "admin": make_user("admin", "钱进", ["admin"], None),
    }
    cosigners = [
        make_user("liqiang", "李强", ["delegate"], d["hr"]),
        make_user("zhangmin", "张敏", ["delegate"], d["library"]),
    ]
    delegate, committee = users["delegate"], users["committee"]

    def submitted(title):
        p = draft(delegate, session, category, title=title)
        proposal_invite(proposal=p, user=delegate, delegates=cosigners)
        for c in cosigners:
            proposal_cosign(proposal=p, user=c)
        return transition(p, "submit", delegate)

    draft(delegate, session, category, title="增设教职工子女暑期托管班")
    submitted("校园东门增设非机动车停车棚")
    p = transition(submitted("食堂晚餐供应时间延长至19:30"), "accept", committee)
    transition(p, "assign", committee, lead_department=d["logistics"].pk, co_departments=[d["hr"].pk])
    # One answer waiting for the head's approval (the head's home).
    p = transition(submitted("图书馆周末延长开放时间"), "accept", committee)
    p = transition(p, "assign", committee, lead_department=d["logistics"].pk, co_departments=[])
    lead = p.assignments.get()
    handler = users["department_handler"]
    lead = transition(
        transition(lead, "accept", handler), "answer", handler, answer="已延长至22:00。", answer_class="A"
    )
    return users


def _shows_home(page: Page, role: str) -> None:
    url, heading, where, text = HOMES[role]
    expect(page).to_have_url(re.compile(url))
    expect(page.locator("main h1")).to_have_text(heading)
    expect(page.locator(f"main {where}")).to_contain_text(text)


def test_every_roles_home_renders_at_a_desk_and_on_a_phone(sign_in, world, cjk_fonts):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for role in HOMES:
        desk = sign_in(role, viewport=DESKTOP)  # signing in lands on `/`, which redirects to the home
        _shows_home(desk, role)
        desk.screenshot(path=SCREENSHOTS / f"home-{role}-desktop.png", full_page=True)

        phone = sign_in.same_person(desk, viewport=PHONE)
        phone.goto("/")
        _shows_home(phone, role)
        fits_phone(phone)
        phone.screenshot(path=SCREENSHOTS / f"home-{role}-phone.png", full_page=True)
