"""Each kind of welfare request lives its whole life through the pages, in a real browser.

The member files it on the form (which shows only the chosen kind's fields), the unit's
sub-union chair reviews it, the union office assigns a handler, the handler answers and
the union office closes it; the member then reads the decision. The ORM only sets up the
people (and the year's recuperation places) and, once the browser is closed, checks the
final row and its history; every other assertion is about what a person sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Browsing, fill_fields, main_form, offered, perform, status_of, submit
from tests.factories import make_user
from welfare.models import RecuperationBatch, RecuperationQuota, WelfareRequest
from workflow.models import HistoryEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
YEAR = 2026  # the suite's clock (tests/conftest.py TEST_EPOCH) stands in March 2026, Asia/Shanghai
# Answered on Monday 16 March, a hardship grant is on notice from the 17th to the 23rd
# (five working days, welfare.publicity); the 24th is the first day it may be closed.
PUBLICITY = "2026-03-17 — 2026-03-23"
PUBLICITY_OVER = datetime(2026, 3, 24, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
BATCH = "第一批（浙江莫干山，2026-05-10 — 2026-05-14）"
ID_X = "11010519491231002X"  # a valid resident ID (the standard's own example)
ID_BAD_CHECK = "110105194912310021"  # the same with a wrong check digit
DIAGNOSIS = "急性阑尾炎，住院手术"
INCOME = "900.00"
REVIEW_COMMENT = "情况属实，同意上报。"
ANSWER = "经研究，同意按标准予以补助。"
OVERRIDE = "住院时间长、手术费用高，经工会办公会研究提高慰问金额。"
REJECT_REASON = "家庭人均收入高于困难补助标准，不符合申请条件。"


@dataclass
class Kind:
    key: str
    label: str  # WelfareKind's label: the form's option, the detail page's tag
    title: str
    fields: dict[str, str]  # the kind's own fields (and the sensitive ones it needs)
    amount_requested: str
    amount_approved: str
    facts: dict[str, str] = field(default_factory=dict)  # how the detail page shows them
    # The kind's own sensitive fields, shown in 个人及家庭情况 (masked for those without the right).
    sensitive: dict[str, str] = field(default_factory=dict)


KINDS = {
    "hardship": Kind(
        "hardship",
        "困难补助",
        "申请困难补助",
        {"family_situation": "配偶长期患病，子女在读，家庭负担重。", "income": INCOME},
        "3000.00",
        "2000.00",
        sensitive={"家庭困难情况": "配偶长期患病，子女在读，家庭负担重。"},
    ),
    "must_visit": Kind(
        "must_visit",
        "五必访",
        "生病住院慰问",
        {"visit_reason": "生病住院", "event_date": "2026-03-10", "diagnosis": DIAGNOSIS},
        "500.00",
        "800.00",  # above the illness 慰问标准 (500.00): refused first, then granted with a reason
        {"慰问事由": "生病住院", "事由发生日期": "2026-03-10"},
    ),
    "recuperation": Kind(
        "recuperation",
        "疗休养",
        "申请参加年度疗休养",
        {"years_of_service": "25", "last_recuperation_year": "2019"},
        "",
        "1500.00",
        {"工龄（年）": "25", "上次疗休养年份": "2019"},
    ),
    "child_medical": Kind(
        "child_medical",
        "子女医疗统筹",
        "子女参加医疗统筹",
        {"child_name": "刘小明", "enrolment_year": "2026"},
        "200.00",
        "200.00",
        {"子女姓名": "刘小明", "参保年度": "2026"},
    ),
    "other": Kind("other", "其他", "其他生活困难补助", {}, "1000.00", "600.00"),
}
KINDS_WITH_FIELDSETS = {k.key: k.label for k in KINDS.values() if k.key != "other"}


@pytest.fixture
def union(departments) -> dict[str, Any]:
    """刘伟 (dave) and 陈晨 (erin) are members of 信息工程学院, whose sub-union 郑芳 chairs;
    冯涛 chairs 人事处's; 杨帆 and 何静 work in the union office (何静 handles); 孙红 audits.
    This year's recuperation places and one batch, which filing and approving one need."""
    d = departments
    RecuperationQuota.objects.create(year=YEAR, places=10)
    batch = RecuperationBatch.objects.create(
        year=YEAR,
        name="第一批",
        destination="浙江莫干山",
        starts_on=date(YEAR, 5, 10),
        ends_on=date(YEAR, 5, 14),
        capacity=30,
    )
    return {
        "dave": make_user("dave", "刘伟", ["member"], d["cs"]),
        "erin": make_user("erin", "陈晨", ["member"], d["cs"]),
        "chair": make_user("chair", "郑芳", ["subunion_chair", "member"], d["cs"]),
        "other_chair": make_user("other_chair", "冯涛", ["subunion_chair", "member"], d["hr"]),
        "office": make_user("office", "杨帆", ["union_office"], None),
        "office2": make_user("office2", "何静", ["union_office"], None),
        "auditor": make_user("auditor", "孙红", ["auditor"], None),
        "batch": batch,
    }


# What a person sees ---------------------------------------------------------------
def messages(page: Page) -> Locator:
    return page.locator(".messages")


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def pk_of(path: str) -> int:
    return int(re.fullmatch(r"/welfare/(\d+)/", path).group(1))  # type: ignore[union-attr]


def fact(page: Page, label: str, section: str = "") -> Locator:
    """The <dd> after the <dt> `label` in a facts list (of one section when named)."""
    scope = page.locator(f"section[aria-labelledby={section}]") if section else page.locator("main")
    return scope.locator("dl.facts dt", has_text=re.compile(rf"^{re.escape(label)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def row(page: Page, title: str) -> Locator:
    return page.locator("table.rows tbody tr").filter(has=page.get_by_role("link", name=title, exact=True))


def cell(row_: Locator, label: str) -> Locator:
    return row_.locator(f'td[data-label="{label}"]')


def actions_offered(page: Page) -> set[str]:
    """The actions the page offers, as labelled: buttons, and the summaries of those with a form."""
    section = page.locator("section.actions")
    return set(section.locator("details.action > summary, form.action.inline button").all_inner_texts())


def no_actions(page: Page) -> None:
    expect(page.locator("#actions-title")).to_have_count(0)
    assert offered(page) == []


def timeline(page: Page) -> list[str]:
    return page.locator("ol.timeline > li .what").all_inner_texts()


def is_not_found(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 404, path
    expect(page.locator("main h1")).to_have_text("未找到该页面")
    expect(page.locator("main")).to_contain_text("您要找的事项不存在，或者您没有查看它的权限。")


# The steps, one per person and page ------------------------------------------------
def open_form(page: Page, kind: Kind) -> Locator:
    """The filing form with `kind` chosen: only that kind's fieldset shows (static/js/welfare_form.js)."""
    page.goto("/welfare/new/")
    expect(page.locator("main h1")).to_have_text("提交福利申请")
    form = main_form(page)
    form.locator('[name="kind"]').select_option(label=kind.label)
    for key, label in KINDS_WITH_FIELDSETS.items():  # 其他 has no fields of its own, hence no fieldset
        fieldset = form.locator(f'fieldset[data-kind="{key}"]')
        if key == kind.key:
            expect(fieldset).to_be_visible()
            expect(fieldset.locator("legend")).to_have_text(f"{label}：补充信息")
        else:
            expect(fieldset).to_be_hidden()
    return form


def typed(kind: Kind, id_number: str = ID_X) -> dict[str, str | list[str]]:
    fields: dict[str, str | list[str]] = {
        "title": kind.title,
        "description": f"{kind.title}：本人情况如下，特此申请。",
        "id_number": id_number,
        **kind.fields,
    }
    if kind.amount_requested:
        fields["amount_requested"] = kind.amount_requested
    return fields


def file_on_the_form(page: Page, kind: Kind, extra: dict[str, str | list[str]] | None = None) -> str:
    """Fill and submit the filing form; lands on the request's page. Returns its path."""
    form = open_form(page, kind)
    fill_fields(form, {**(extra or {}), **typed(kind)})
    submit(page, form)
    expect(messages(page)).to_contain_text("福利申请已提交，等待分工会审核。")
    expect(page.locator("main h1")).to_have_text(kind.title)
    expect(status_of(page)).to_have_text("待分工会审核")
    expect(page.locator(".page-head .tag")).to_have_text(kind.label)
    return path_of(page)


def my_requests(page: Page) -> None:
    page.goto("/")  # a member's home is 我的福利申请
    expect(page).to_have_url(re.compile(r"/welfare/mine/$"))
    expect(page.locator("main h1")).to_have_text("我的福利申请")


def sees_in_my_requests(page: Page, kind: Kind, state: str, amount_approved: str = "—") -> None:
    """On 我的福利申请 (open): the request's row, its kind, state and the sum granted."""
    mine = row(page, kind.title)
    expect(cell(mine, "申请类别")).to_have_text(kind.label)
    expect(cell(mine, "状态")).to_have_text(state)
    expect(cell(mine, "批准金额（元）")).to_have_text(amount_approved)


def chair_opens(page: Page, kind: Kind, waiting: int) -> None:
    """From the chair's home (the review queue, `waiting` requests long) to the request."""
    page.goto("/")  # a sub-union chair's home is the review queue
    expect(page).to_have_url(re.compile(r"/welfare/review/$"))
    expect(page.locator("main h1")).to_have_text("福利申请审核")
    expect(page.locator("nav.tabs .tab-pending")).to_have_text(f"待审核 {waiting}")
    found = row(page, kind.title)
    expect(cell(found, "申请人")).to_have_text("刘伟")
    expect(cell(found, "申请类别")).to_have_text(kind.label)
    expect(cell(found, "状态")).to_have_text("待分工会审核")
    found.get_by_role("link", name=kind.title).click()
    expect(status_of(page)).to_have_text("待分工会审核")
    assert actions_offered(page) == {"审核通过", "不予通过"}


def office_opens(page: Page, kind: Kind, state: str, *, by_kind: bool = False) -> None:
    """From the union office's queue (under the kind's tab when `by_kind`) to the request."""
    page.goto("/welfare/queue/")
    expect(page.locator("main h1")).to_have_text("福利申请")
    if by_kind:
        page.locator("nav.tabs").get_by_role("link", name=re.compile(rf"^{kind.label} \d+$")).click()
        expect(page.locator("nav.tabs [aria-current=page]")).to_have_text(f"{kind.label} 1")
    found = row(page, kind.title)
    expect(cell(found, "申请人")).to_have_text("刘伟")
    expect(cell(found, "所在单位")).to_have_text("信息工程学院")
    expect(cell(found, "状态")).to_have_text(state)
    found.get_by_role("link", name=kind.title).click()
    expect(status_of(page)).to_have_text(state)


def answer_form(page: Page) -> Locator:
    form = page.locator('form[action$="/transitions/answer/"]')
    details = page.locator("details.action").filter(has=form)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return form


def answer(page: Page, kind: Kind, batch: Any) -> None:
    """The handler grants it; a must-visit sum above its 慰问标准 is refused without a reason first."""
    fields: dict[str, str | list[str]] = {"approved": ["批准"], "amount": kind.amount_approved, "answer": ANSWER}
    if kind.key == "must_visit":
        form = answer_form(page)
        fill_fields(form, fields)
        with page.expect_response(lambda r: r.request.method == "POST" and "/transitions/answer/" in r.url) as r:
            form.get_by_role("button", name="确认答复").click()
        assert r.value.status == 400
        refused = answer_form(page)
        expect(refused.locator(".errorlist")).to_contain_text("超过慰问标准（生病住院 500.00 元）")
        expect(status_of(page)).to_have_text("办理中")
        # What was typed is still there; the reason goes with it the second time.
        expect(refused.locator('[name="amount"]')).to_have_value(kind.amount_approved)
        expect(refused.locator('[name="answer"]')).to_have_value(ANSWER)
        fields = {"override_reason": OVERRIDE}
    if kind.key == "recuperation":  # a granted place goes to a batch with room left
        fields["batch"] = f"{batch}，尚余 30 人"
    perform(page, "answer", "答复", fields)
    expect(status_of(page)).to_have_text("已答复")
    expect(fact(page, "校工会答复", "decision-title")).to_have_text("批准")
    expect(fact(page, "批准金额（元）", "decision-title")).to_have_text(kind.amount_approved)
    expect(fact(page, "答复意见", "decision-title")).to_have_text(ANSWER)
    if kind.key == "must_visit":
        expect(fact(page, "超出慰问标准的理由", "decision-title")).to_have_text(OVERRIDE)
    if kind.key == "hardship":  # on notice from the next working day, for five working days
        expect(fact(page, "公示期", "publicity-title")).to_have_text(f"{PUBLICITY} 即将公示")
    else:
        expect(page.locator("#publicity-title")).to_have_count(0)
    if kind.key == "recuperation":
        expect(fact(page, "疗休养批次", "recuperation-title")).to_have_text(BATCH)


def close(page: Page) -> None:
    assert "办结" in actions_offered(page)
    perform(page, "close", "办结")
    expect(status_of(page)).to_have_text("已办结")
    expect(fact(page, "办结时间")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"))


def close_refused(page: Page, message: str) -> None:
    """办结 is on offer, but the server refuses it with `message` and the state stays."""
    form = page.locator('form[action$="/transitions/close/"]')
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/transitions/close/")) as r:
        form.get_by_role("button", name="办结").click()
    assert r.value.status == 409
    expect(page.locator('form[action$="/transitions/close/"] .alert.error')).to_have_text(message)
    expect(status_of(page)).to_have_text("已答复")


def reads_the_decision(page: Page, kind: Kind, path: str) -> None:
    """From 我的福利申请 to the closed request: the decision, the sum and the whole story."""
    my_requests(page)
    sees_in_my_requests(page, kind, "已办结", kind.amount_approved)
    row(page, kind.title).get_by_role("link", name=kind.title).click()
    expect(page).to_have_url(re.compile(rf"{re.escape(path)}$"))
    expect(status_of(page)).to_have_text("已办结")
    no_actions(page)
    expect(fact(page, "申请人")).to_have_text("刘伟")
    expect(fact(page, "所在单位")).to_have_text("信息工程学院")
    for label, value in kind.facts.items():
        expect(fact(page, label, "facts-title")).to_have_text(value)
    expect(fact(page, "申请金额（元）")).to_have_text(kind.amount_requested or "—")
    expect(fact(page, "经办人")).to_have_text("何静")
    expect(fact(page, "分工会审核人", "decision-title")).to_contain_text("郑芳")
    expect(fact(page, "分工会审核意见", "decision-title")).to_have_text(REVIEW_COMMENT)
    expect(fact(page, "校工会答复", "decision-title")).to_have_text("批准")
    expect(fact(page, "批准金额（元）", "decision-title")).to_have_text(kind.amount_approved)
    expect(fact(page, "答复意见", "decision-title")).to_have_text(ANSWER)
    # Their own sensitive fields, unmasked for them.
    expect(page.locator("section.sensitive")).to_contain_text("以下为敏感信息，您的查看已被记录，请勿外传。")
    expect(fact(page, "身份证号码", "sensitive-title")).to_have_text(ID_X)
    for label, value in kind.sensitive.items():
        expect(fact(page, label, "sensitive-title")).to_have_text(value)
    if kind.key == "hardship":
        expect(fact(page, "公示期", "publicity-title")).to_have_text(f"{PUBLICITY} 公示期满")
        expect(fact(page, "公示异议", "publicity-title")).to_have_text("共 0 条")
    if kind.key == "recuperation":
        expect(fact(page, "疗休养年度", "recuperation-title")).to_have_text(str(YEAR))
        expect(fact(page, "疗休养批次", "recuperation-title")).to_have_text(BATCH)
    assert timeline(page) == ["填写申请", "提交申请", "分工会审核通过", "分派经办人", "答复", "办结"]
    expect(page.locator("ol.timeline > li").last.locator(".state")).to_have_text("→ 已办结")


def auditor_reads_it_masked(page: Page, path: str, kind: Kind) -> None:
    page.goto(path)
    expect(status_of(page)).to_have_text("已办结")
    no_actions(page)
    expect(page.locator("section.sensitive")).to_contain_text("敏感信息已隐藏。")
    for label in ("病情诊断", "家庭人均月收入（元）", "身份证号码", *kind.sensitive):
        expect(fact(page, label, "sensitive-title")).to_have_text("***")
    text = page.locator("main").inner_text()
    assert ID_X not in text and DIAGNOSIS not in text and INCOME not in text
    assert not any(value in text for value in kind.sensitive.values())


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def close_browser(browsing: Browsing) -> None:
    """Done with the pages: the ORM may be used again in this thread (see sign_in)."""
    for context in browsing.contexts:
        context.close()
    browsing.contexts.clear()
    browsing.stack.close()


# The tests --------------------------------------------------------------------------
def test_a_request_of_each_kind_is_filed_reviewed_assigned_answered_and_closed_through_the_pages(
    sign_in, union, cjk_fonts
):
    """All five kinds side by side, each person doing their part for each in turn."""
    kinds = list(KINDS.values())
    paths: dict[str, str] = {}

    # The member files one of each kind and finds them in 我的福利申请, waiting for the sub-union.
    dave = sign_in("dave")
    for kind in kinds:
        paths[kind.key] = file_on_the_form(dave, kind)
        expect(fact(dave, "申请人")).to_have_text("刘伟")
        assert actions_offered(dave) == {"撤回申请"}
        if kind.key == "recuperation":  # a place of this year's quota, its batch to come
            expect(fact(dave, "疗休养年度", "recuperation-title")).to_have_text(str(YEAR))
            expect(fact(dave, "疗休养批次", "recuperation-title")).to_have_text("批准后由校工会分配批次")
    my_requests(dave)
    for kind in kinds:
        sees_in_my_requests(dave, kind, "待分工会审核")

    # The unit's sub-union chair reviews each from the review queue, with a comment.
    chair = sign_in("chair")
    for waiting, kind in enumerate(kinds):
        chair_opens(chair, kind, len(kinds) - waiting)
        expect(fact(chair, "身份证号码", "sensitive-title")).to_have_text(ID_X)  # the chair reads it unmasked
        perform(chair, "review", "审核通过", {"comment": REVIEW_COMMENT})
        expect(status_of(chair)).to_have_text("待校工会分派")
        expect(fact(chair, "分工会审核意见", "decision-title")).to_have_text(REVIEW_COMMENT)

    # The union office finds each under its kind in the queue and assigns 何静.
    office = sign_in("office")
    for kind in kinds:
        office_opens(office, kind, "待校工会分派", by_kind=True)
        assert actions_offered(office) == {"分派经办人", "不予通过"}
        perform(office, "assign", "分派经办人", {"handler": "何静"})
        expect(status_of(office)).to_have_text("办理中")
        expect(fact(office, "经办人")).to_have_text("何静")

    # 何静 grants each, with its sum (a must-visit sum above the standard only with a reason).
    office2 = sign_in("office2")
    for kind in kinds:
        office_opens(office2, kind, "办理中")
        assert actions_offered(office2) == {"答复"}
        answer(office2, kind, union["batch"])

    # The union office closes them; an approved hardship request only after its publicity.
    for kind in kinds:
        office.goto(paths[kind.key])
        expect(status_of(office)).to_have_text("已答复")
        if kind.key == "hardship":
            close_refused(office, "公示期至 2026-03-23，公示期满后方可办结。")
            continue
        close(office)
    with time_machine.travel(PUBLICITY_OVER, tick=True):
        office.goto(paths["hardship"])
        close(office)

        # The member reads each decision and its sum.
        for kind in kinds:
            reads_the_decision(dave, kind, paths[kind.key])
            screenshot(dave, f"welfare-{kind.key}-closed.png")

        # Nobody else of the unit, nor another unit's chair, knows they exist; the auditor reads them masked.
        erin, other_chair, auditor = sign_in("erin"), sign_in("other_chair"), sign_in("auditor")
        for kind in kinds:
            path = paths[kind.key]
            is_not_found(erin, path)
            is_not_found(other_chair, path)
            auditor_reads_it_masked(auditor, path, kind)

    close_browser(sign_in)
    for kind in kinds:
        r = WelfareRequest.objects.get(pk=pk_of(paths[kind.key]))
        assert (r.kind, r.status, r.applicant, r.filed_by, r.handler, r.approved) == (
            kind.key,
            "closed",
            union["dave"],
            union["dave"],
            union["office2"],
            True,
        )
        assert str(r.amount_approved) == kind.amount_approved and r.id_number == ID_X
        assert r.standard_override_reason == (OVERRIDE if kind.key == "must_visit" else "")
        assert list(HistoryEntry.objects.for_item(r).order_by("at", "pk").values_list("action", flat=True)) == [
            "welfarerequest.create",
            "welfarerequest.submit",
            "welfarerequest.review",
            "welfarerequest.assign",
            "welfarerequest.answer",
            "welfarerequest.close",
        ]


def test_a_bad_id_number_a_withdrawal_filing_for_a_member_and_a_rejection_through_the_pages(sign_in, union):
    hardship, other = KINDS["hardship"], KINDS["other"]

    # A wrong check digit is refused on the page, in Chinese, with everything typed still there.
    dave = sign_in("dave")
    form = open_form(dave, hardship)
    fill_fields(form, typed(hardship, id_number=ID_BAD_CHECK))
    with dave.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/welfare/new/")) as response:
        form.get_by_role("button", name="提交申请").click()
    assert response.value.status == 400
    form = main_form(dave)
    id_field = form.locator(".field").filter(has=dave.locator('[name="id_number"]'))
    expect(id_field.locator(".errorlist")).to_have_text("身份证号码校验位不正确，请核对。")
    expect(form.locator('[name="kind"] option:checked')).to_have_text("困难补助")
    expect(form.locator('fieldset[data-kind="hardship"]')).to_be_visible()
    for name, value in typed(hardship, id_number=ID_BAD_CHECK).items():
        expect(form.locator(f'[name="{name}"]')).to_have_value(value)
    # Corrected, it goes through; then the member thinks better of it and withdraws it.
    form.locator('[name="id_number"]').fill(ID_X)
    submit(dave, form)
    expect(status_of(dave)).to_have_text("待分工会审核")
    withdrawn = path_of(dave)
    assert actions_offered(dave) == {"撤回申请"}
    perform(dave, "withdraw", "撤回申请")
    expect(status_of(dave)).to_have_text("已撤回")
    no_actions(dave)
    assert timeline(dave) == ["填写申请", "提交申请", "撤回申请"]
    my_requests(dave)
    sees_in_my_requests(dave, hardship, "已撤回")

    # The union office files for 刘伟 (代录); the chair finds it under 刘伟's name.
    office = sign_in("office")
    office.goto("/welfare/queue/")
    office.get_by_role("link", name="代录福利申请").first.click()
    expect(office).to_have_url(re.compile(r"/welfare/new/$"))
    expect(main_form(office).get_by_label("申请人（代录）")).to_be_visible()
    file_on_the_form(office, other, {"applicant": "刘伟（信息工程学院）"})
    filed = path_of(office)
    expect(fact(office, "申请人")).to_have_text("刘伟")
    expect(fact(office, "代录人")).to_have_text("杨帆")
    my_requests(dave)
    sees_in_my_requests(dave, other, "待分工会审核")

    # The chair rejects it with the reason; the member reads it.
    chair = sign_in("chair")
    chair_opens(chair, other, 1)
    expect(fact(chair, "代录人")).to_have_text("杨帆")
    perform(chair, "reject", "不予通过", {"reason": REJECT_REASON})
    expect(status_of(chair)).to_have_text("未通过审核")
    chair.goto("/welfare/review/")
    expect(chair.locator("p.empty")).to_have_text("没有待审核的福利申请。")

    my_requests(dave)
    sees_in_my_requests(dave, other, "未通过审核")
    row(dave, other.title).get_by_role("link", name=other.title).click()
    expect(status_of(dave)).to_have_text("未通过审核")
    expect(fact(dave, "不予通过的理由", "decision-title")).to_have_text(REJECT_REASON)
    expect(fact(dave, "代录人")).to_have_text("杨帆")
    no_actions(dave)
    assert timeline(dave) == ["填写申请", "提交申请", "不予通过"]

    close_browser(sign_in)
    assert WelfareRequest.objects.get(pk=pk_of(withdrawn)).status == "withdrawn"
    rejected = WelfareRequest.objects.get(pk=pk_of(filed))
    assert (rejected.status, rejected.applicant, rejected.filed_by, rejected.reject_reason) == (
        "rejected",
        union["dave"],
        union["office"],
        REJECT_REASON,
    )
