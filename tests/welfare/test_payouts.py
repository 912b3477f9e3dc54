"""福利发放清单: which sums a period holds, the totals, the page, the xlsx cell by cell, the
JSON, bad periods, who may open it, and its cost in queries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse

from tests.api.conftest import assert_error
from tests.factories import fresh
from welfare.exports import attachment_disposition
from welfare.payouts import Period, default_period, payout_list, payout_period
from workflow.errors import InvalidPayload
from workflow.services import transition

from . import payout_helpers
from .conftest import ID_X
from .payout_helpers import at, cells, claim, settle, sheet

pytestmark = pytest.mark.django_db
api_for = payout_helpers.api_for  # a fixture

NOV = {"from": "2026-11-01", "to": "2026-11-30"}
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
PAGE = "/welfare/payouts/"
XLSX = "/welfare/payouts.xlsx"
API = "/api/v1/welfare-payouts/"


def rows(user, period=NOVEMBER):
    return payout_list(user=fresh(user), period=period, channel="page").rows


def titles(user, period=NOVEMBER):
    from welfare.models import WelfareRequest

    names = dict(WelfareRequest.objects.values_list("pk", "title"))
    return [(names[r.request_id], r.claim_id is not None) for r in rows(user, period)]


# Which sums a period holds -----------------------------------------------------------------


def test_the_first_and_last_day_count_whole_in_shanghai_time_and_a_second_outside_does_not(wp, file_request):
    def closed(title, when):
        return settle(file_request("other", title=title), closed_at=when)

    closed("first midnight", at(2026, 11, 1, 0, 0, 0))
    closed("last minute", at(2026, 11, 30, 23, 59, 59))
    closed("a second before", at(2026, 10, 31, 23, 59, 59))
    closed("a second after", at(2026, 12, 1, 0, 0, 0))
    # 2026-11-01 00:30 in Shanghai is still 31 October in UTC: the local date decides.
    closed("early in shanghai", at(2026, 11, 1, 0, 30))
    assert titles(wp["office"]) == [("first midnight", False), ("early in shanghai", False), ("last minute", False)]
    (first, *_rest) = rows(wp["office"])
    assert first.paid_on == date(2026, 11, 1)


def test_only_closed_and_approved_requests_with_a_sum_are_paid(wp, file_request):
    settle(file_request("other", title="paid"), closed_at=at(2026, 11, 10, 9))
    settle(file_request("other", title="declined"), closed_at=at(2026, 11, 10, 9), approved=False)
    settle(file_request("other", title="answered only"), closed_at=None)
    settle(file_request("other", title="no sum"), closed_at=at(2026, 11, 10, 9), amount=None)
    file_request("other", title="just filed")
    assert titles(wp["office"]) == [("paid", False)]


def test_an_approved_medical_claim_is_its_own_row_on_the_day_it_was_approved(wp, file_request):
    enrolment = settle(file_request("child_medical", title="enrolment"), closed_at=at(2026, 10, 20, 9), amount="80.00")
    claim(enrolment, decided_at=at(2026, 11, 5, 15), amount="300.50")
    claim(enrolment, decided_at=at(2026, 11, 6, 15), amount="99.00", status="rejected")
    claim(enrolment, decided_at=None, amount="10.00", status="pending")
    claim(enrolment, decided_at=at(2026, 12, 1, 0), amount="20.00")
    (row,) = rows(wp["office"])
    assert (row.category_key, row.category, row.amount, row.paid_on) == (
        "claim",
        "子女医疗统筹报销",
        Decimal("300.50"),
        date(2026, 11, 5),
    )
    assert (row.name, row.username, row.unit, row.id_number) == ("刘伟", "dave", "信息工程学院", ID_X)


def test_an_enrolment_closed_in_the_period_and_its_claim_are_two_rows_in_date_order(wp, file_request):
    enrolment = settle(file_request("child_medical", title="enrolment"), closed_at=at(2026, 11, 20, 9), amount="80.00")
    claim(enrolment, decided_at=at(2026, 11, 3, 9))
    assert titles(wp["office"]) == [("enrolment", True), ("enrolment", False)]
    assert [r.index for r in rows(wp["office"])] == [1, 2]


def test_totals_per_category_and_in_all(wp, file_request):
    settle(file_request("hardship"), closed_at=at(2026, 11, 2, 9), amount="3000.00")
    settle(file_request("hardship", user=wp["alice"]), closed_at=at(2026, 11, 3, 9), amount="1500.50")
    settle(file_request("must_visit"), closed_at=at(2026, 11, 4, 9), amount="500.00")
    enrolment = settle(file_request("child_medical"), closed_at=at(2026, 11, 5, 9), amount="200.00")
    claim(enrolment, decided_at=at(2026, 11, 6, 9), amount="88.88")
    payouts = payout_list(user=fresh(wp["office"]), period=NOVEMBER, channel="page")
    totals = {t.key: (t.count, t.amount) for t in payouts.by_category}
    assert totals == {
        "hardship": (2, Decimal("4500.50")),
        "must_visit": (1, Decimal("500.00")),
        "recuperation": (0, Decimal("0.00")),
        "child_medical": (1, Decimal("200.00")),
        "other": (0, Decimal("0.00")),
        "claim": (1, Decimal("88.88")),
    }
    assert (payouts.count, payouts.amount) == (5, Decimal("5289.38"))
    assert [r.category for r in payouts.rows][2] == "五必访（生病住院）"


def test_a_request_closed_through_the_flow_is_on_the_list_of_the_day_it_was_closed(wp, file_request):
    r = file_request("must_visit")
    r = transition(r, "review", fresh(wp["chair"]))
    r = transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)
    r = transition(r, "answer", fresh(wp["office2"]), approved=True, amount="500.00", answer="同意慰问。")
    with time_machine.travel(at(2026, 11, 30, 23, 59, 30), tick=False):
        transition(r, "close", fresh(wp["office"]))
    (row,) = rows(wp["office"])
    assert (row.request_id, row.amount, row.paid_on) == (r.pk, Decimal("500.00"), date(2026, 11, 30))
    assert rows(wp["office"], Period(date(2026, 12, 1), date(2026, 12, 31))) == []


# The period -------------------------------------------------------------------------------


def test_the_default_period_is_the_current_month_in_shanghai():
    # 1 December 00:10 in Shanghai is still 30 November in UTC.
    assert default_period(now=at(2026, 12, 1, 0, 10)) == Period(date(2026, 12, 1), date(2026, 12, 31))
    assert default_period(now=at(2028, 2, 10)) == Period(date(2028, 2, 1), date(2028, 2, 29))
    assert payout_period(starts="", ends=None, now=at(2026, 11, 15)) == NOVEMBER


@pytest.mark.parametrize(
    ("starts", "ends", "field", "message"),
    [
        ("2026-11-31", "2026-12-01", "from", "日期格式不正确"),
        ("2026/11/01", "2026-11-30", "from", "日期格式不正确"),
        ("20261101", "2026-11-30", "from", "日期格式不正确"),
        ("2026-11-01", "tomorrow", "to", "日期格式不正确"),
        ("2026-11-01", "", "to", "请同时填写"),
        ("2026-11-30", "2026-11-01", "to", "开始日期不能晚于截止日期"),
        ("2026-01-01", "2027-01-01", "to", "不能超过一年"),
        ("2024-02-29", "2025-03-01", "to", "不能超过一年"),
    ],
)
def test_a_bad_period_is_refused_naming_the_field(starts, ends, field, message):
    with pytest.raises(InvalidPayload) as err:
        payout_period(starts=starts, ends=ends, now=at(2026, 11, 15))
    assert field in err.value.fields and message in str(err.value.message)


def test_a_whole_year_is_allowed():
    assert payout_period(starts="2026-01-01", ends="2026-12-31", now=at(2026, 11, 15)).ends == date(2026, 12, 31)
    assert payout_period(starts="2024-02-29", ends="2025-02-28", now=at(2026, 11, 15)).starts == date(2024, 2, 29)


def test_the_page_shows_a_bad_period_in_chinese_and_the_xlsx_and_api_answer_400(client, api_for, wp):
    client.force_login(wp["office"])
    r = client.get(PAGE, {"from": "2026-11-30", "to": "2026-11-01"})
    assert r.status_code == 400 and "开始日期不能晚于截止日期。" in r.content.decode()
    r = client.get(XLSX, {"from": "2026-13-01", "to": "2026-11-01"})
    assert r.status_code == 400 and "日期格式不正确" in r.content.decode()
    body = assert_error(api_for("office").get(API, {"from": "2026-01-01", "to": "2027-06-30"}), 400, "bad_period", "to")
    assert "不能超过一年" in body["message"]


# The page, the xlsx and the JSON ---------------------------------------------------------------


@pytest.fixture
def november(wp, file_request):
    """Two payable requests and a claim in November 2026."""
    a = settle(file_request("must_visit", title="visit"), closed_at=at(2026, 11, 2, 10), amount="500.00")
    b = settle(
        file_request("hardship", user=wp["alice"], id_number=""), closed_at=at(2026, 11, 9, 16), amount="1234.50"
    )
    enrolment = settle(file_request("child_medical"), closed_at=at(2026, 10, 1, 9), amount="100.00")
    c = claim(enrolment, decided_at=at(2026, 11, 20, 11), amount="66.60")
    return a, b, enrolment, c


def test_the_page_lists_the_rows_the_totals_and_links_the_xlsx_of_the_same_period(client, wp, november):
    client.force_login(wp["office"])
    r = client.get(PAGE, NOV)
    page = r.content.decode()
    assert r.status_code == 200
    assert "五必访（生病住院）" in page and "王丽" in page and "子女医疗统筹报销" in page
    assert "1801.10" in page  # 500.00 + 1234.50 + 66.60
    assert f'href="{XLSX}?from=2026-11-01&amp;to=2026-11-30"' in page
    assert ID_X in page


def test_the_page_defaults_to_the_current_month(client, wp, november):
    with time_machine.travel(at(2026, 11, 15, 9), tick=False):
        client.force_login(wp["office"])  # signed in then: a session from March has expired
        page = client.get(PAGE).content.decode()
    assert 'value="2026-11-01"' in page and 'value="2026-11-30"' in page and "1801.10" in page


def test_the_xlsx_holds_the_rows_cell_by_cell(client, wp, november):
    client.force_login(wp["office"])  # the rows are the fixture's
    client.force_login(wp["office"])
    r = client.get(XLSX, NOV)
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = "福利发放清单_2026-11-01_2026-11-30.xlsx"
    assert r["Content-Disposition"] == (
        "attachment; filename=\"welfare-payouts_2026-11-01_2026-11-30.xlsx\"; filename*=UTF-8''" + quote(name)
    )
    ws = sheet(r)
    assert ws.title == "福利发放清单"
    assert cells(ws) == [
        ["序号", "姓名", "工号", "所在单位", "申请类别", "批准金额（元）", "办结日期", "身份证号码"],
        [1, "刘伟", "dave", "信息工程学院", "五必访（生病住院）", 500, datetime(2026, 11, 2), ID_X],
        [2, "王丽", "alice", "信息工程学院", "困难补助", 1234.5, datetime(2026, 11, 9), None],
        [3, "刘伟", "dave", "信息工程学院", "子女医疗统筹报销", 66.6, datetime(2026, 11, 20), ID_X],
        ["合计", None, None, None, None, 1801.1, None, None],
    ]
    assert ws.freeze_panes == "A2"
    assert [ws.cell(row=n, column=6).number_format for n in range(2, 6)] == ["#,##0.00"] * 4
    assert ws.cell(row=2, column=7).number_format == "yyyy-mm-dd"
    assert ws.cell(row=2, column=8).number_format == "@"
    assert ws.column_dimensions["D"].width == 24 and ws.column_dimensions["H"].width == 22
    assert ws.cell(row=1, column=1).font.bold and ws.cell(row=5, column=1).font.bold


def test_an_empty_period_gives_a_sheet_with_the_header_and_a_zero_total(client, wp):
    client.force_login(wp["office"])
    ws = sheet(client.get(XLSX, NOV))
    assert cells(ws)[1:] == [["合计", None, None, None, None, 0, None, None]]


def test_the_api_answers_the_same_rows_as_json(api_for, wp, november):
    visit, _hardship, enrolment, c = november
    body = api_for("office").get(API, NOV).json()
    assert (body["starts"], body["ends"], body["count"], body["amount"]) == ("2026-11-01", "2026-11-30", 3, "1801.10")
    assert body["rows"][0] == {
        "index": 1,
        "request": visit.pk,
        "claim": None,
        "name": "刘伟",
        "username": "dave",
        "unit": "信息工程学院",
        "category_key": "must_visit",
        "category": "五必访（生病住院）",
        "amount": "500.00",
        "paid_on": "2026-11-02",
        "id_number": ID_X,
    }
    assert (body["rows"][2]["claim"], body["rows"][2]["request"]) == (c.pk, enrolment.pk)
    claims = next(t for t in body["by_category"] if t["key"] == "claim")
    assert claims == {"key": "claim", "name": "子女医疗统筹报销", "count": 1, "amount": "66.60"}


def test_the_content_disposition_quotes_every_byte_of_the_name():
    assert attachment_disposition("清单 a;b.xlsx", "list.xlsx") == (
        "attachment; filename=\"list.xlsx\"; filename*=UTF-8''%E6%B8%85%E5%8D%95%20a%3Bb.xlsx"
    )


# Who may open it ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "office2", "auditor", "admin"])
def test_the_union_office_auditors_and_admins_open_the_list_in_every_form(client, api_for, wp, who):
    client.force_login(wp[who])
    assert client.get(PAGE, NOV).status_code == 200
    assert client.get(XLSX, NOV).status_code == 200
    assert api_for(who).get(API, NOV).status_code == 200


@pytest.mark.parametrize("who", ["dave", "alice", "chair", "handler", "committee", "head"])
def test_everyone_else_is_refused_the_list_in_every_form(client, api_for, wp, november, who):
    client.force_login(wp[who])
    assert client.get(PAGE, NOV).status_code == 403
    assert client.get(XLSX, NOV).status_code == 403
    assert_error(api_for(who).get(API, NOV), 403, "permission_denied")


def test_an_anonymous_caller_signs_in_first(client, api_for, wp):
    r = client.get(XLSX, NOV)
    assert r.status_code == 302 and r.url.startswith(reverse("login"))
    from rest_framework.test import APIClient

    assert_error(APIClient().get(API, NOV), 401, "not_authenticated")


def test_the_rules_live_in_the_policy_table():
    from welfare.rules import RULES, W

    def roles(action):
        return {role for r in RULES if r.kind == W and r.action == action for role in r.roles}

    for action in ("view_payouts", "export", "view_figures"):
        assert roles(action) == {"union_office", "auditor", "admin"}, action


# Cost ---------------------------------------------------------------------------------------


def _grow(wp, file_request, n):
    for i in range(n):
        r = settle(
            file_request("child_medical", title=f"p{i}", user=wp["alice"] if i % 2 else wp["dave"]),
            closed_at=at(2026, 11, 1 + i, 9),
        )
        claim(r, decided_at=at(2026, 11, 2 + i, 9))


@pytest.mark.parametrize("who", ["office", "auditor"])
def test_the_list_costs_the_same_queries_at_two_sizes(
    client, api_for, wp, file_request, who, django_assert_max_num_queries
):
    client.force_login(wp[who])
    api = api_for(who)
    _grow(wp, file_request, 1)
    for url in (PAGE, XLSX):
        with django_assert_max_num_queries(14):
            assert client.get(url, NOV).status_code == 200
    with django_assert_max_num_queries(12):
        assert api.get(API, NOV).json()["count"] == 2
    _grow(wp, file_request, 10)
    for url in (PAGE, XLSX):
        with django_assert_max_num_queries(14):
            assert client.get(url, NOV).status_code == 200
    with django_assert_max_num_queries(12):
        assert api.get(API, NOV).json()["count"] == 22
