"""The export leg of the privacy matrix: each persona x each sensitive field x the office queue
as xlsx and the payout list (as xlsx, and its page and JSON): served unmasked, masked as ***,
or refused; exactly one access-log row per request served unmasked, with the channel and the
fields actually shown. Written out by hand from the domain's privacy rules, like test_privacy.py."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from tests.factories import make_user
from welfare import privacy
from welfare.models import SensitiveAccess

from .conftest import ID_X
from .payout_helpers import at, cells, claim, served_text, settle, sheet

pytestmark = pytest.mark.django_db

FIELDS = ("diagnosis", "income", "id_number")
VALUES = {"diagnosis": "急性阑尾炎，住院手术", "income": Decimal("1234.56"), "id_number": ID_X}
NOV = {"from": "2026-11-01", "to": "2026-11-30"}
QUEUE_XLSX = "/welfare/queue.xlsx"
PAYOUTS_XLSX = "/welfare/payouts.xlsx"
PAYOUTS_PAGE = "/welfare/payouts/"
PAYOUTS_API = "/api/v1/welfare-payouts/"

# persona -> what they get of dave's request in an export: "plain", "masked" or "refused" (403).
MATRIX = {
    "office": "plain",  # the union office
    "office2": "plain",  # another union office worker
    "auditor_granted": "plain",  # an auditor an admin granted welfare.view_sensitive_welfarerequest
    "auditor": "masked",  # an auditor without it
    "admin": "masked",  # a superuser without an explicit grant
    "dave": "refused",  # the applicant himself: he reads his request on its page, exports are the office's
    "chair": "refused",  # the sub-union chair of dave's unit
    "other_chair": "refused",
    "alice": "refused",  # another member of the same unit
    "handler": "refused",  # a department handler
    "committee": "refused",  # the proposal committee
}


@pytest.fixture
def personas(wp):
    granted = make_user("auditor_granted", "钱审", ["auditor"], None)
    granted.user_permissions.add(Permission.objects.get(codename="view_sensitive_welfarerequest"))
    return {**wp, "auditor_granted": granted}


@pytest.fixture
def visit(file_request):
    """dave's 五必访 request, every sensitive field filled in, approved and closed in November."""
    r = file_request("must_visit", income=VALUES["income"])
    return settle(r, closed_at=at(2026, 11, 12, 10), amount="500.00")


def logged(**filters):
    return list(SensitiveAccess.objects.filter(**filters))


def _queue_cell(response, request_id, field):
    table = cells(sheet(response))
    header, rows = table[0], table[1:]
    (row,) = [r for r in rows if r[0] == request_id]
    return row[
        header.index({"diagnosis": "病情诊断", "income": "家庭人均月收入（元）", "id_number": "身份证号码"}[field])
    ]


def _expected_cell(field):
    # A number comes back from the sheet as a float.
    return float(VALUES[field]) if field == "income" else VALUES[field]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("persona", list(MATRIX))
def test_the_queue_export_serves_each_field_as_the_matrix_says(client, personas, visit, persona, field):
    client.force_login(personas[persona])
    r = client.get(QUEUE_XLSX)
    expected = MATRIX[persona]
    if expected == "refused":
        assert r.status_code == 403
        assert logged() == []
        return
    assert r.status_code == 200
    value = _queue_cell(r, visit.pk, field)
    if expected == "plain":
        assert value == _expected_cell(field)
        assert str(VALUES[field]) in served_text(r)  # the search below would find it
        (entry,) = logged(request=visit)
        assert (entry.user_id, entry.channel, entry.fields) == (personas[persona].pk, "export", list(FIELDS))
        assert entry.path.startswith(QUEUE_XLSX)
    else:
        assert value == privacy.MASK
        assert str(VALUES[field]) not in served_text(r)  # not anywhere in the file either
        assert logged() == []


# The payout list shows one sensitive field, the payee's ID number; never the other two.
PAYOUT_LEGS = {
    "xlsx": (PAYOUTS_XLSX, "export"),
    "page": (PAYOUTS_PAGE, "page"),
    "api": (PAYOUTS_API, "api"),
}


def _payout_id_number(leg, response):
    if leg == "xlsx":
        return cells(sheet(response))[1][7]
    if leg == "api":
        return response.json()["rows"][0]["id_number"]
    page = response.content.decode()
    return ID_X if ID_X in page else (privacy.MASK if f'<span class="masked">{privacy.MASK}</span>' in page else None)


@pytest.fixture
def get(client, personas):
    api_for = {}

    def fetch(persona, leg, params=NOV):
        url, _channel = PAYOUT_LEGS[leg]
        if leg == "api":
            from rest_framework.authtoken.models import Token
            from rest_framework.test import APIClient

            if persona not in api_for:
                token, _ = Token.objects.get_or_create(user=personas[persona])
                api_for[persona] = APIClient()
                api_for[persona].credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            return api_for[persona].get(url, params)
        client.force_login(personas[persona])
        return client.get(url, params)

    return fetch


@pytest.mark.parametrize("leg", list(PAYOUT_LEGS))
@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("persona", list(MATRIX))
def test_the_payout_list_serves_each_field_as_the_matrix_says(get, personas, visit, persona, field, leg):
    r = get(persona, leg)
    expected = MATRIX[persona]
    if expected == "refused":
        assert r.status_code == 403
        assert logged() == []
        return
    assert r.status_code == 200
    if field != "id_number":
        # Not a column of the list, for anyone.
        assert str(VALUES[field]) not in served_text(r)
        return
    _url, channel = PAYOUT_LEGS[leg]
    if expected == "plain":
        assert _payout_id_number(leg, r) == ID_X
        (entry,) = logged(request=visit)
        assert (entry.user_id, entry.channel, entry.fields) == (personas[persona].pk, channel, ["id_number"])
    else:
        assert _payout_id_number(leg, r) == privacy.MASK
        assert ID_X not in served_text(r)
        assert logged() == []


# Exactly one row per request served ------------------------------------------------------------


def test_the_queue_export_logs_one_row_per_unmasked_request_and_follows_the_filters(client, personas, file_request):
    hardship = [file_request("hardship", title=f"困难{i}") for i in range(3)]
    visit = file_request("must_visit", title="慰问")
    client.force_login(personas["office"])
    r = client.get(QUEUE_XLSX, {"kind": "hardship"})
    ids = [row[0] for row in cells(sheet(r))[1:]]
    assert sorted(ids) == sorted(h.pk for h in hardship)
    assert sorted(e.request_id for e in logged()) == sorted(h.pk for h in hardship)
    assert {e.channel for e in logged()} == {"export"}
    assert logged(request=visit) == []
    # Each export is a new serving: one more row each.
    client.get(QUEUE_XLSX, {"kind": "hardship"})
    assert len(logged(request=hardship[0])) == 2


def test_the_payout_list_logs_a_request_paid_twice_in_the_period_once(get, personas, file_request):
    enrolment = settle(file_request("child_medical"), closed_at=at(2026, 11, 3, 9), amount="100.00")
    claim(enrolment, decided_at=at(2026, 11, 4, 9))
    claim(enrolment, decided_at=at(2026, 11, 5, 9))
    r = get("office", "xlsx")
    assert [row[7] for row in cells(sheet(r))[1:4]] == [ID_X] * 3
    (entry,) = logged()
    assert (entry.request_id, entry.fields) == (enrolment.pk, ["id_number"])


def test_a_payee_without_an_id_number_is_not_logged(get, personas, file_request):
    settle(file_request("other", id_number=""), closed_at=at(2026, 11, 3, 9))
    r = get("office", "xlsx")
    assert cells(sheet(r))[1][7] is None
    assert logged() == []


def test_a_masked_reader_gets_the_mask_even_for_an_empty_field(client, personas, file_request):
    r = file_request("recuperation", id_number="")
    client.force_login(personas["auditor"])
    for field in FIELDS:
        assert _queue_cell(client.get(QUEUE_XLSX), r.pk, field) == privacy.MASK
    client.force_login(personas["office"])
    assert [_queue_cell(client.get(QUEUE_XLSX), r.pk, f) for f in FIELDS] == [None, None, None]
    assert logged() == []  # nothing sensitive was served


def test_the_queue_export_lays_out_a_request(client, personas, visit):
    client.force_login(personas["office"])
    r = client.get(QUEUE_XLSX)
    assert r["Content-Disposition"].startswith('attachment; filename="welfare-requests_')
    ws = sheet(r)
    header, row = cells(ws)[:2]
    record = dict(zip(header, row, strict=True))
    assert record == {
        "编号": visit.pk,
        "标题": "申请困难补助",
        "申请人": "刘伟",
        "工号": "dave",
        "所在单位": "信息工程学院",
        "申请类别": "五必访",
        "慰问事由": "生病住院",
        "状态": "已办结",
        "申请金额（元）": 500,
        "是否批准": "批准",
        "批准金额（元）": 500,
        "经办人": None,
        "提交时间": record["提交时间"],
        "答复时间": datetime(2026, 11, 12, 10),
        "办结时间": datetime(2026, 11, 12, 10),
        "事由发生日期": datetime(2026, 3, 10),
        "工龄（年）": None,
        "上次疗休养年份": None,
        "子女姓名": None,
        "参保年度": None,
        "病情诊断": "急性阑尾炎，住院手术",
        "家庭人均月收入（元）": 1234.56,
        "身份证号码": ID_X,
    }
    assert isinstance(record["提交时间"], datetime)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:W2"


def test_the_queue_export_costs_the_same_queries_at_two_sizes(
    client, personas, file_request, django_assert_max_num_queries
):
    client.force_login(personas["auditor_granted"])
    file_request()
    with django_assert_max_num_queries(12):
        assert client.get(QUEUE_XLSX).status_code == 200
    for i in range(10):
        file_request(title=f"申请{i}", user=personas["alice"] if i % 2 else personas["dave"])
    with django_assert_max_num_queries(12):
        assert len(cells(sheet(client.get(QUEUE_XLSX)))) == 12
