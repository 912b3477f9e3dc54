"""One proposal's whole life, clicked through the pages by the people who handle it.

After the users, departments and session are set up, everything happens in the
browser: no service is called and no row is read back from the database, so each
assertion is about what a person sees on the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PHONE, fill_fields, fits_phone, main_form, offered, perform, status_of, submit
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "延长图书馆夜间开放时间"
REASON = "期末和项目申报期间，教职工晚上在图书馆查资料的需求很大，目前21:00闭馆过早。"
SUGGESTION = "建议考试周和申报期图书馆延长开放至23:00，并保留自习区照明。"
RETURN_REASON = "开放时间由图书馆决定，不属于后勤管理处职责，请改交图书馆办理。"


@pytest.fixture
def staff(departments, session):
    """王丽 proposes; 李强 and 张敏 co-sign; 赵磊 (后勤) gets it first and returns it;
    图书馆 leads after the reassignment (林芳 handles, 黄涛 approves); 人事处 co-handles;
    吴刚 heads 后勤 (the phone test keeps 后勤 as the lead)."""
    d = departments
    make_user("wangli", "王丽", ["delegate", "member"], d["cs"])
    make_user("liqiang", "李强", ["delegate"], d["hr"])
    make_user("zhangmin", "张敏", ["delegate"], d["library"])
    make_user("chenjing", "陈静", ["committee"], None)
    make_user("zhaolei", "赵磊", ["department_handler"], d["logistics"])
    make_user("zhouyang", "周洋", ["department_handler"], d["hr"])
    make_user("linfang", "林芳", ["department_handler"], d["library"])
    make_user("huangtao", "黄涛", ["department_head"], d["library"])
    make_user("wugang", "吴刚", ["department_head"], d["logistics"])
    make_user("sunhong", "孙红", ["auditor"], None)


def messages(page: Page) -> Locator:
    return page.locator(".messages")


def assignment_rows(page: Page) -> Locator:
    return page.locator("section[aria-labelledby=assignments-title] tbody tr")


def row_for(page: Page, department: str, round_: int) -> Locator:
    """The proposal page's row for one department's assignment in one round."""
    return (
        assignment_rows(page)
        .filter(has=page.locator('td[data-label="承办单位"]', has_text=re.compile(rf"^{department}$")))
        .filter(has=page.locator('td[data-label="轮次"]', has_text=re.compile(rf"^{round_}$")))
    )


# The steps, one per person and page ------------------------------------------------
def draft_proposal(page: Page, *, phone: bool = False) -> str:
    """The delegate writes a draft on the form and lands on its page; returns its path."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/proposals/mine/$"))  # a delegate's home: 我的提案
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="新建提案").click()
    expect(page.locator("main h1")).to_have_text("新建提案")
    form = main_form(page)
    expect(form.locator('[name="session"] option:checked')).to_have_text("第六届第一次")  # the collecting one
    if phone:
        fits_phone(page)
    fill_fields(form, {"title": TITLE, "category": "后勤保障", "reason": REASON, "suggestion": SUGGESTION})
    submit(page, form)
    expect(messages(page)).to_contain_text("草稿已保存。")
    expect(page.locator("main h1")).to_have_text(TITLE)
    expect(status_of(page)).to_have_text("草稿")
    return re.sub(r"^https?://[^/]+", "", page.url)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def attach(page: Page, name: str, content: bytes, mime: str) -> None:
    """Choose a file in the page's attachment form and upload it."""
    form = page.locator('form[action$="/attachments/"]')
    form.locator('input[type="file"]').set_input_files({"name": name, "mimeType": mime, "buffer": content})
    form.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_load_state()


def invite_cosigners(page: Page, *names: str, phone: bool = False) -> None:
    page.locator("details.action summary", has_text="邀请代表附议").click()
    form = page.locator('form[action$="/invite/"]')
    fill_fields(form, {"delegates": list(names)})
    if phone:
        fits_phone(page)
    submit(page, form)
    expect(messages(page)).to_contain_text(f"已邀请 {len(names)} 位代表附议。")
    for name in names:
        expect(page.get_by_text("已邀请：")).to_contain_text(name.split("（")[0])


def cosign(page: Page, proposal: str, count_after: int, *, phone: bool = False) -> None:
    page.goto(proposal)
    expect(status_of(page)).to_have_text("草稿")
    if phone:
        fits_phone(page)
    form = page.locator("form.cosign")
    submit(page, form, form.get_by_role("button", name="附议"))
    expect(messages(page)).to_contain_text("您已附议该提案。")
    expect(page.locator("#cosign-title")).to_have_text(f"附议代表（{count_after} 人）")
    expect(page.locator("form.cosign")).to_have_count(0)  # once is enough


def open_assignment(page: Page, round_: int = 1) -> None:
    """From a department user's home (交办事项) to this round's assignment of the proposal."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/proposals/assignments/\?tab=(new|approval)$"))
    expect(page.locator("main h1")).to_have_text("交办事项")
    page.locator("nav.tabs").get_by_role("link", name=re.compile("^全部")).click()
    row = (
        page.locator("table.rows tbody tr")
        .filter(has_text=TITLE)
        .filter(has=page.locator('td[data-label="轮次"]', has_text=re.compile(rf"^{round_}$")))
    )
    row.get_by_role("link", name=TITLE).click()
    expect(page.locator("main h1")).to_contain_text(TITLE)


def sign_for_and_answer(page: Page, answer: str, answer_class: str = "", *, phone: bool = False) -> None:
    expect(status_of(page)).to_have_text("待签收")
    perform(page, "accept", "签收")
    expect(status_of(page)).to_have_text("已签收")
    fields: dict[str, str | list[str]] = {"answer": answer}
    if answer_class:
        fields["answer_class"] = answer_class
    if phone:
        answer_form = page.locator('form[action$="/transitions/answer/"]')
        page.locator("details.action").filter(has=answer_form).locator("summary").click()
        fits_phone(page)
    perform(page, "answer", "答复", fields)
    expect(status_of(page)).to_have_text("已答复")
    expect(page.locator("dl.facts")).to_contain_text(answer)


def give_feedback(page: Page, proposal: str, satisfaction: str, comment: str) -> None:
    page.goto(proposal)
    expect(status_of(page)).to_have_text("已答复")
    # The proposer chooses: nothing is pre-selected.
    expect(page.locator('input[name="satisfaction"]')).to_have_count(3)
    expect(page.locator('input[name="satisfaction"]:checked')).to_have_count(0)
    perform(page, "feedback", "反馈意见", {"satisfaction": satisfaction, "comment": comment})


# The tests --------------------------------------------------------------------------
def test_a_proposal_is_returned_reassigned_answered_twice_and_closed_through_the_pages(sign_in, staff):
    # The delegate drafts; submitting before anyone co-signs is refused with the reason.
    wangli = sign_in("wangli")
    proposal = draft_proposal(wangli)
    submit_form = wangli.locator('form[action$="/transitions/submit/"]')
    submit_form.get_by_role("button", name="提交").click()
    expect(wangli.locator(".alert.error")).to_have_text("附议人数不足，不能提交。")
    expect(status_of(wangli)).to_have_text("草稿")
    # An upload that is not what its name says is refused with the reason; a real PDF is attached.
    attach(wangli, "调研报告.pdf", "这不是 PDF".encode(), "application/pdf")
    expect(wangli.locator("section.attachments")).to_contain_text("不支持该文件类型")
    expect(wangli.locator("section.attachments")).to_contain_text("暂无附件。")
    attach(wangli, "调研报告.pdf", PDF, "application/pdf")
    expect(wangli.locator("section.attachments table.rows")).to_contain_text("调研报告.pdf")
    invite_cosigners(wangli, "李强（人事处）", "张敏（图书馆）")

    # The two invited delegates co-sign.
    cosign(sign_in("liqiang"), proposal, 1)
    cosign(sign_in("zhangmin"), proposal, 2)

    wangli.goto(proposal)
    expect(wangli.locator(".names")).to_contain_text("李强")
    expect(wangli.locator(".names")).to_contain_text("张敏")
    perform(wangli, "submit", "提交")
    expect(status_of(wangli)).to_have_text("待审查")

    # The committee finds it on its home (审查队列), accepts it and assigns 后勤 + 人事处.
    chenjing = sign_in("chenjing")
    chenjing.goto("/")
    expect(chenjing).to_have_url(re.compile(r"/proposals/triage/$"))
    chenjing.locator("table.rows").get_by_role("link", name=TITLE).click()
    expect(status_of(chenjing)).to_have_text("待审查")
    # The delegate's attachment comes with the proposal, through the permission-checked link.
    with chenjing.expect_download() as download:
        chenjing.locator("section.attachments").get_by_role("link", name="调研报告.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF
    assert {"accept", "reject", "merge", "convert"} <= set(offered(chenjing))
    perform(chenjing, "accept", "立案")
    expect(status_of(chenjing)).to_have_text("已立案")
    expect(chenjing.locator("main h1 .number")).to_have_text("6-1-001")
    perform(chenjing, "assign", "交办", {"lead_department": "后勤管理处", "co_departments": ["人事处"]})
    expect(status_of(chenjing)).to_have_text("办理中")
    expect(row_for(chenjing, "后勤管理处", 1)).to_contain_text("主办")
    expect(row_for(chenjing, "后勤管理处", 1)).to_contain_text("待签收")
    expect(row_for(chenjing, "人事处", 1)).to_contain_text("协办")
    assert "assign" not in offered(chenjing)  # nothing to reassign yet

    # 后勤管理处's handler returns it: not theirs.
    zhaolei = sign_in("zhaolei")
    open_assignment(zhaolei)
    expect(zhaolei.locator(".page-head .tag")).to_have_text("后勤管理处（主办）")
    perform(zhaolei, "return", "退回", {"reason": RETURN_REASON})
    expect(status_of(zhaolei)).to_have_text("已退回")
    assert offered(zhaolei) == []

    # The committee sees the return and its reason, and reassigns the lead to 图书馆.
    chenjing.goto(proposal)
    expect(row_for(chenjing, "后勤管理处", 1)).to_contain_text("已退回")
    expect(row_for(chenjing, "后勤管理处", 1)).to_contain_text(RETURN_REASON)
    perform(chenjing, "assign", "交办", {"lead_department": "图书馆"})
    expect(status_of(chenjing)).to_have_text("办理中")
    expect(row_for(chenjing, "图书馆", 1)).to_contain_text("主办")
    expect(row_for(chenjing, "图书馆", 1)).to_contain_text("待签收")
    expect(assignment_rows(chenjing)).to_have_count(3)  # 后勤 (returned), 人事处, 图书馆

    # Round one: 图书馆 signs for it and answers (class A); 人事处 sends its opinion.
    linfang = sign_in("linfang")
    open_assignment(linfang)
    expect(linfang.locator(".page-head .tag")).to_have_text("图书馆（主办）")
    sign_for_and_answer(linfang, "考试周起图书馆开放至23:00。", "A 已解决或采纳")
    zhouyang = sign_in("zhouyang")
    open_assignment(zhouyang)
    expect(zhouyang.locator(".page-head .tag")).to_have_text("人事处（协办）")
    sign_for_and_answer(zhouyang, "人事处同意为延时开放安排值班人员。")

    # 图书馆's head sees the co-department's opinion and approves the answer.
    huangtao = sign_in("huangtao")
    open_assignment(huangtao)
    expect(status_of(huangtao)).to_have_text("已答复")
    expect(huangtao.locator("section[aria-labelledby=co-title]")).to_contain_text("人事处同意为延时开放安排值班人员。")
    # The head sends the answer back once for a precise time; the handler answers again.
    perform(huangtao, "send_back", "退回修改", {"note": "请写明考试周的起止日期。"})
    expect(status_of(huangtao)).to_have_text("已签收")
    linfang.goto(huangtao.url)
    expect(linfang.locator("dl.facts")).to_contain_text("请写明考试周的起止日期。")
    perform(
        linfang,
        "answer",
        "答复",
        {"answer": "第18、19周考试周期间图书馆开放至23:00。", "answer_class": "A 已解决或采纳"},
    )
    huangtao.reload()
    expect(status_of(huangtao)).to_have_text("已答复")
    perform(huangtao, "approve", "审核通过")
    expect(status_of(huangtao)).to_have_text("已审核")
    expect(huangtao.locator("dl.facts")).to_contain_text("黄涛")

    # The delegate is not satisfied: a second round opens for both departments.
    give_feedback(wangli, proposal, "不满意", "只延长了考试周，平时仍然21:00闭馆。")
    expect(status_of(wangli)).to_have_text("办理中")
    expect(wangli.locator("dl.facts")).to_contain_text("办理轮次")
    expect(row_for(wangli, "图书馆", 2)).to_contain_text("待签收")
    expect(row_for(wangli, "人事处", 2)).to_contain_text("待签收")
    expect(wangli.locator("section[aria-labelledby=feedback-title]")).to_contain_text("不满意")

    # Round two: both answer again (the head may approve only once 人事处 has), the head approves.
    open_assignment(linfang, round_=2)
    sign_for_and_answer(linfang, "平时开放至22:00，考试周至23:00。", "A 已解决或采纳")
    open_assignment(zhouyang, round_=2)
    sign_for_and_answer(zhouyang, "人事处继续安排值班人员。")
    open_assignment(huangtao, round_=2)
    perform(huangtao, "approve", "审核通过")
    expect(status_of(huangtao)).to_have_text("已审核")

    # Satisfied this time: closed.
    give_feedback(wangli, proposal, "满意", "")
    expect(status_of(wangli)).to_have_text("已办结")
    expect(wangli.locator("dl.facts")).to_contain_text("办结时间")
    assert offered(wangli) == []

    # The auditor reads the whole story and is offered nothing to do.
    sunhong = sign_in("sunhong")
    sunhong.goto("/")
    sunhong.locator("table.rows").get_by_role("link", name=TITLE).click()
    expect(status_of(sunhong)).to_have_text("已办结")
    expect(sunhong.locator("#actions-title")).to_have_count(0)
    expect(assignment_rows(sunhong)).to_have_count(5)  # 后勤 returned; 图书馆 and 人事处 in each round
    expect(sunhong.locator("section[aria-labelledby=feedback-title] tbody tr")).to_have_count(2)
    entries = sunhong.locator("ol.timeline > li")
    what = entries.locator(".what").all_inner_texts()
    expected = [
        "创建草稿",
        "上传附件",
        "邀请附议",
        "附议",
        "附议",
        "提交提案",
        "立案",
        "交办",
        "退回",
        "交办",
        "签收",
        "答复",
        "负责人退回修改",
        "答复",
        "负责人审核通过",
        "答复送达提案人",
        "提案人反馈",
        "签收",
        "答复",
        "负责人审核通过",
        "答复送达提案人",
        "提案人反馈",
    ]
    assert _is_subsequence(expected, what), what
    assert what.count("负责人审核通过") == 2 and what.count("提案人反馈") == 2
    returned = entries.filter(has_text=RETURN_REASON)
    expect(returned).to_contain_text("后勤管理处")
    expect(returned).to_contain_text("赵磊")
    expect(entries.filter(has_text="负责人退回修改")).to_contain_text("黄涛")
    expect(entries.last).to_contain_text("王丽")
    expect(entries.last.locator(".state")).to_have_text("→ 已办结")


def test_a_delegate_and_a_department_handler_can_do_their_part_on_a_phone(sign_in, staff):
    # The delegate on a phone drafts, invites, and submits once two delegates (on phones) co-signed.
    wangli = sign_in("wangli", viewport=PHONE)
    proposal = draft_proposal(wangli, phone=True)
    fits_phone(wangli)
    invite_cosigners(wangli, "李强（人事处）", "张敏（图书馆）", phone=True)
    cosign(sign_in("liqiang", viewport=PHONE), proposal, 1, phone=True)
    cosign(sign_in("zhangmin", viewport=PHONE), proposal, 2)
    wangli.goto(proposal)
    perform(wangli, "submit", "提交")
    expect(status_of(wangli)).to_have_text("待审查")
    fits_phone(wangli)

    # The committee, at its desk, accepts and assigns 后勤管理处 alone.
    chenjing = sign_in("chenjing")
    chenjing.goto(proposal)
    perform(chenjing, "accept", "立案")
    perform(chenjing, "assign", "交办", {"lead_department": "后勤管理处"})
    expect(status_of(chenjing)).to_have_text("办理中")

    # The handler on a phone: the list, the assignment, signing for it and the answer form.
    zhaolei = sign_in("zhaolei", viewport=PHONE)
    zhaolei.goto("/")
    expect(zhaolei.locator("main h1")).to_have_text("交办事项")
    fits_phone(zhaolei)
    open_assignment(zhaolei)
    fits_phone(zhaolei)
    sign_for_and_answer(zhaolei, "夜间开放期间后勤管理处保障照明和空调。", "A 已解决或采纳", phone=True)
    fits_phone(zhaolei)

    # 后勤's head approves at a desk; the delegate reads the answer on the phone and is satisfied.
    wugang = sign_in("wugang")
    open_assignment(wugang)
    perform(wugang, "approve", "审核通过")
    expect(status_of(wugang)).to_have_text("已审核")
    give_feedback(wangli, proposal, "满意", "谢谢，夜间自习方便多了。")
    expect(status_of(wangli)).to_have_text("已办结")
    expect(row_for(wangli, "后勤管理处", 1)).to_contain_text("A 已解决或采纳")
    fits_phone(wangli)


def _is_subsequence(wanted: list[str], seen: list[str]) -> bool:
    it = iter(seen)
    return all(any(w == s for s in it) for w in wanted)
