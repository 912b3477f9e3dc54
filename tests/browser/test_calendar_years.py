"""A deadline counted into a year the holiday data lacks, and the union office entering
that year's schedule through the pages (节假日安排), in a real browser.

On Sunday 20 December 2026 a proposal is assigned with the default 30 working days:
chinesecalendar stops at 2026, so January 2027 is counted with the `holidays` package's
estimate (only 1 January off) and the date, Monday 1 February 2027, is provisional (暂定).
The union office, warned on its home, enters 2027 from the State Council's notice: first
with a Saturday among the closed days (refused, nothing saved), then 1 and 4 January
closed. The deadline is counted again: Tuesday 2 February, settled, and the department's
handler is told. The ORM sets up the world before the browser starts and checks the rows
once it is closed (tests/browser/conftest.py, sign_in); every other assertion is about what
a person sees.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from notifications.models import Notification
from proposals.models import Assignment, CongressSession, Proposal
from proposals.services import proposal_cosign, proposal_invite
from tests.browser.conftest import Browsing, fill_fields, main_form, submit
from tests.factories import draft, make_user
from workflow.calendar import local_date
from workflow.models import ClosedDay, EnteredYear, HistoryEntry, MakeUpWorkday
from workflow.services import transition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Sunday late in December: the 30 working days of an answer run into 2027. Dec 21-31
# hold 9 working days (chinesecalendar); January 2027 then gives 21 more: with only 1
# January off (the estimate) the 30th is Mon 1 Feb, with 1 and 4 January off it is Tue 2 Feb.
NOW = datetime(2026, 12, 20, 10, 0, tzinfo=SHANGHAI)
PROVISIONAL_DUE = "2027-02-01 23:59"
SETTLED_DUE = "2027-02-02 23:59"
NOTE = "暂按预估的法定节假日计算，待录入2027年放假安排后更新"
TITLE = "寒假期间开放教工健身房"
BASIS = "国务院办公厅关于2027年部分节假日安排的通知"
ESTIMATED = "暂按预估的法定节假日（未含调休）"
ENTERED = "校工会录入的放假安排"
SATURDAY_ERROR = "2027-01-02 是周末，本来就休息，不必录入为放假日。"
RECOUNTED = f"按{BASIS}重新计算期限：2027-02-01 → 2027-02-02"
DUE_MOVED = "的期限已按新录入的放假安排重新计算"


def world(departments, category) -> dict[str, int]:
    """Everyone who takes part, a session collecting now, and the proposal assigned to
    后勤管理处 with the session's default answer time (no `due` given). Run at NOW."""
    d = departments
    now = timezone.now()
    session = CongressSession.objects.create(
        name="第六届第二次",
        code="6-2",
        collection_opens=now - timedelta(days=10),
        collection_closes=now + timedelta(days=20),
        cosign_threshold=2,
    )
    proposer = make_user("wangli", "王丽", ["delegate", "member"], d["cs"])
    cosigners = [
        make_user("liqiang", "李强", ["delegate"], d["hr"]),
        make_user("zhangmin", "张敏", ["delegate"], d["library"]),
    ]
    committee = make_user("chenjing", "陈静", ["committee"], None)
    make_user("yangfan", "杨帆", ["union_office"], None)
    make_user("zhaolei", "赵磊", ["department_handler"], d["logistics"])
    make_user("wugang", "吴刚", ["department_head"], d["logistics"])

    p = draft(proposer, session, category, title=TITLE)
    proposal_invite(proposal=p, user=proposer, delegates=cosigners)
    for c in cosigners:
        proposal_cosign(proposal=p, user=c)
    p = transition(p, "submit", proposer)
    p = transition(p, "accept", committee)
    p = transition(p, "assign", committee, lead_department=d["logistics"].pk, co_departments=[])
    lead = p.assignments.get()
    return {"proposal": p.pk, "assignment": lead.pk}


def fact(page: Page, label: str) -> Locator:
    """The <dd> after the <dt> `label` in the page's facts list."""
    return page.locator("main dl.facts dt", has_text=re.compile(rf"^{re.escape(label)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def field_group(form: Locator, name: str) -> Locator:
    return form.locator(".field").filter(has=form.page.locator(f'[name="{name}"]'))


def shows_provisional(due: Locator, text: str) -> None:
    expect(due.locator("time")).to_have_text(text)
    expect(due.locator(".tag-provisional")).to_have_text("暂定")
    expect(due.locator(".due-note")).to_have_text(NOTE)


def shows_settled(due: Locator, text: str) -> None:
    expect(due.locator("time")).to_have_text(text)
    expect(due.locator(".tag-provisional")).to_have_count(0)
    expect(due.locator(".due-note")).to_have_count(0)


def close_browser(browsing: Browsing) -> None:
    """Done with the pages: the ORM may be used again in this thread (see sign_in)."""
    for context in browsing.contexts:
        context.close()
    browsing.contexts.clear()
    browsing.stack.close()


def test_a_deadline_into_an_unentered_year_is_provisional_until_the_union_office_enters_it(
    sign_in, departments, category
):
    with time_machine.travel(NOW, tick=True):
        ids = world(departments, category)
        lead = Assignment.objects.get(pk=ids["assignment"])
        proposal = Proposal.objects.get(pk=ids["proposal"])
        for row in (lead, proposal):
            assert local_date(row.due) == date(2027, 2, 1)
            assert (row.due_provisional, row.due_pending_years, row.due_working_days) == (True, "2027", 30)
            assert row.due_note == NOTE
        assert not EnteredYear.objects.exists()
        proposal_page = f"/proposals/{ids['proposal']}/"
        assignment_page = f"/proposals/assignments/{ids['assignment']}/"

        # The committee and the handler see the date as provisional, and why.
        chenjing = sign_in("chenjing")
        chenjing.goto(proposal_page)
        shows_provisional(fact(chenjing, "当前环节期限"), PROVISIONAL_DUE)
        lead_row = chenjing.locator("section[aria-labelledby=assignments-title] tbody tr").filter(has_text="后勤管理处")
        shows_provisional(lead_row.locator('td[data-label="办理期限"]'), PROVISIONAL_DUE)
        zhaolei = sign_in("zhaolei")
        zhaolei.goto(assignment_page)
        shows_provisional(fact(zhaolei, "办理期限"), PROVISIONAL_DUE)

        # The union office is warned on its home and follows the header link to the years.
        yangfan = sign_in("yangfan")
        expect(yangfan).to_have_url(re.compile(r"/proposals/sessions/$"))
        expect(yangfan.locator(".calendar-banner")).to_contain_text("2027年的法定节假日安排尚未录入")
        yangfan.get_by_role("navigation", name="主导航").get_by_role("link", name="节假日安排").click()
        expect(yangfan).to_have_url(re.compile(r"/calendar/years/$"))
        expect(yangfan.locator("main h1")).to_have_text("节假日安排")
        year_2027 = yangfan.locator("#year-2027")
        expect(year_2027.locator(".tag-provisional")).to_have_text(ESTIMATED)
        expect(yangfan.locator("#year-2026 .tag")).to_have_text("国家放假安排（系统内置数据）")

        # A Saturday among the closed days: refused next to the field, nothing saved.
        form = main_form(yangfan)
        expect(form.locator('[name="year"]')).to_have_value("2027")
        fill_fields(form, {"year": "2027", "basis": BASIS, "closed_days": "2027-01-01\n2027-01-02", "makeup_days": ""})
        with yangfan.expect_response(lambda r: r.request.method == "POST") as refused:
            form.get_by_role("button", name="保存并重新计算期限").click()
        assert refused.value.status == 400
        expect(field_group(form, "closed_days").locator(".errorlist")).to_have_text(SATURDAY_ERROR)
        expect(form.locator(".errorlist")).to_have_count(1)
        expect(yangfan.locator(".messages")).to_have_count(0)
        expect(yangfan.locator("#year-2027 .tag-provisional")).to_have_text(ESTIMATED)
        expect(yangfan.locator(".calendar-banner")).to_be_visible()  # still missing

        # The notice as published: 1 and 4 January closed, a Saturday worked in February.
        form = main_form(yangfan)
        fill_fields(
            form, {"year": "2027", "basis": BASIS, "closed_days": "2027-01-01\n2027-01-04", "makeup_days": "2027-02-20"}
        )
        submit(yangfan, form, form.get_by_role("button", name="保存并重新计算期限"))
        expect(yangfan).to_have_url(re.compile(r"/calendar/years/2027/$"))
        expect(yangfan.locator(".messages")).to_have_text(
            "已保存2027年放假安排；重新计算了 1 项期限，其中 1 项日期有变，已通知相关人员。"
        )
        expect(yangfan.locator("#year-source")).to_have_text(ENTERED)
        expect(yangfan.locator("#year-source")).not_to_have_class(re.compile("tag-provisional"))
        expect(fact(yangfan, "依据")).to_have_text(BASIS)
        expect(yangfan.locator("#closed-days time")).to_have_text(["2027-01-01", "2027-01-04"])
        expect(yangfan.locator("#makeup-days time")).to_have_text(["2027-02-20"])
        yangfan.locator(".crumbs").get_by_role("link", name="节假日安排").click()
        expect(yangfan.locator("#year-2027 .tag")).to_have_text(ENTERED)
        expect(yangfan.locator("#year-2027 .tag-provisional")).to_have_count(0)
        expect(yangfan.locator("#year-2027")).to_contain_text(BASIS)
        expect(yangfan.locator(".calendar-banner")).to_have_count(0)
        yangfan.goto("/proposals/sessions/")
        expect(yangfan.locator("main h1")).to_have_text("会议管理")
        expect(yangfan.locator(".calendar-banner")).to_have_count(0)

        # The handler is told the date moved, follows the notice and sees it settled and why.
        zhaolei.goto("/notifications/")
        moved = zhaolei.locator("ul.inbox li").filter(has_text=DUE_MOVED)
        expect(moved).to_have_count(1)
        expect(moved).to_have_class(re.compile(r"\bunread\b"))
        moved.get_by_role("link").click()
        expect(zhaolei).to_have_url(re.compile(rf"{re.escape(assignment_page)}$"))
        shows_settled(fact(zhaolei, "办理期限"), SETTLED_DUE)
        recounted = zhaolei.locator("ol.timeline > li").filter(has_text=RECOUNTED)
        expect(recounted).to_have_count(1)
        expect(recounted.locator(".who")).to_have_text("杨帆")
        expect(recounted.locator(".dept")).to_have_text("（后勤管理处）")

        # The committee's page follows: the proposal's date and the assignment row.
        chenjing.reload()
        shows_settled(fact(chenjing, "当前环节期限"), SETTLED_DUE)
        shows_settled(lead_row.locator('td[data-label="办理期限"]'), SETTLED_DUE)
        expect(chenjing.locator("ol.timeline > li").filter(has_text=RECOUNTED)).to_have_count(1)

    close_browser(sign_in)
    entered = EnteredYear.objects.get()  # one row: the refused entry saved nothing
    assert (entered.year, entered.note, entered.entered_by.username) == (2027, BASIS, "yangfan")
    assert sorted(ClosedDay.objects.values_list("date", flat=True)) == [date(2027, 1, 1), date(2027, 1, 4)]
    assert list(MakeUpWorkday.objects.values_list("date", flat=True)) == [date(2027, 2, 20)]
    for row in (Assignment.objects.get(pk=ids["assignment"]), Proposal.objects.get(pk=ids["proposal"])):
        assert local_date(row.due) == date(2027, 2, 2)
        assert (row.due_provisional, row.due_pending_years, row.due_working_days) == (False, "", 30)
    recounts = HistoryEntry.objects.filter(action="assignment.due_recounted")
    assert list(recounts.values_list("object_id", "actor__username")) == [(ids["assignment"], "yangfan")]
    assert recounts.get().payload["was_provisional"] is True and recounts.get().payload["provisional"] is False
    told = Notification.objects.filter(event="reminder.due_moved")
    assert list(told.values_list("recipient__username", flat=True)) == ["zhaolei"]
