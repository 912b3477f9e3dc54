"""疗休养: eligibility on submit (years of service, the interval since the last trip, one request
a year, the year's places), each rule at its edges, through the service and the API; and the
batch an approved request is allotted to. The office's pages are in test_recuperation_pages.py.

The suite's clock stands in March 2026 (tests/conftest.py); `recuperation_plan` publishes 2026's
quota (50 places, 5 years of service, 3 years apart) and one batch."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import assert_error
from tests.factories import fresh, make_user
from welfare.models import RecuperationBatch, RecuperationQuota, WelfareRequest
from welfare.recuperation import recuperation_places_used
from welfare.services import welfare_request_file
from workflow.errors import Conflict, InvalidPayload
from workflow.models import HistoryEntry
from workflow.services import transition

from .conftest import request_fields
from .test_api import URL, body, post, run

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def client_for(wp):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(who: Any) -> APIClient:
        user = wp[who] if isinstance(who, str) else who
        token, _ = Token.objects.get_or_create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def members(wp, departments):
    """``members(3)``: that many more members of dave's unit (cs), for counting places."""
    made: list[Any] = []

    def make(n: int) -> list[Any]:
        for _ in range(n):
            i = len(made) + 1
            made.append(make_user(f"m{i}", f"会员{i}", ["member"], departments["cs"]))
        return made[-n:]

    return make


def file(applicant: Any, **extra: Any) -> WelfareRequest:
    return welfare_request_file(user=applicant, **request_fields("recuperation", title="疗休养申请", **extra))


def refused(code: str, applicant: Any, **extra: Any) -> str:
    """File for ``applicant``; assert the Conflict's code and that nothing was saved; the message."""
    before = WelfareRequest.objects.count(), HistoryEntry.objects.count()
    with pytest.raises(Conflict) as err:
        file(applicant, **extra)
    assert err.value.code == code
    assert (WelfareRequest.objects.count(), HistoryEntry.objects.count()) == before
    return str(err.value.message)


def to_answer(wp: dict[str, Any], r: Any) -> WelfareRequest:
    r = transition(r, "review", fresh(wp["chair"]))
    return transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)  # type: ignore[return-value]


def approve(wp: dict[str, Any], r: WelfareRequest, batch: Any) -> WelfareRequest:
    return transition(  # type: ignore[return-value]
        to_answer(wp, r), "answer", fresh(wp["office2"]), approved=True, amount="1500", answer="同意", batch=batch.pk
    )


def decline(wp: dict[str, Any], r: WelfareRequest) -> WelfareRequest:
    return transition(  # type: ignore[return-value]
        to_answer(wp, r), "answer", fresh(wp["office2"]), approved=False, amount=None, answer="名额有限"
    )


def set_quota(**fields: Any) -> None:
    RecuperationQuota.objects.filter(year=2026).update(**fields)


# The year and the quota ----------------------------------------------------------------------


def test_a_request_is_for_the_year_it_is_filed_in_shanghai(wp):
    assert file(wp["dave"]).recuperation_year == 2026
    # 16:30 UTC on New Year's Eve 2025 is already 2026 in Shanghai: 2026's quota applies.
    with time_machine.travel(datetime(2025, 12, 31, 16, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        assert file(wp["alice"]).recuperation_year == 2026
        RecuperationQuota.objects.filter(year=2026).delete()
        assert refused("no_quota", wp["chair"])


def test_without_the_years_quota_nobody_may_apply(wp):
    RecuperationQuota.objects.all().delete()
    assert refused("no_quota", wp["dave"]).startswith("本年度疗休养名额尚未公布")


def test_the_quota_row_is_locked_while_places_are_counted(wp):
    with CaptureQueriesContext(connection) as ctx:
        file(wp["dave"])
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert any("welfare_recuperationquota" in sql for sql in locks), locks


# Years of service ---------------------------------------------------------------------------


def test_exactly_the_minimum_years_of_service_is_enough(wp):
    assert file(wp["dave"], years_of_service=5).status == "submitted"


def test_one_year_short_of_the_minimum_is_refused_naming_both_numbers(wp):
    message = refused("not_eligible_service", wp["dave"], years_of_service=4)
    assert "工龄满 5 年" in message and "4 年" in message


def test_the_minimum_is_the_years_own(wp):
    set_quota(min_years_of_service=10)
    refused("not_eligible_service", wp["dave"], years_of_service=9)
    assert file(wp["dave"], years_of_service=10).status == "submitted"


# The interval since the last trip -----------------------------------------------------------


def test_a_last_trip_exactly_the_interval_ago_is_eligible(wp):
    assert file(wp["dave"], last_recuperation_year=2023).status == "submitted"


def test_a_last_trip_one_year_later_is_refused_naming_the_earliest_year(wp):
    message = refused("not_eligible_interval", wp["dave"], last_recuperation_year=2024)
    assert "2027 年起" in message and "2024" in message


def test_a_member_who_never_went_is_eligible(wp):
    assert file(wp["dave"], last_recuperation_year=None).status == "submitted"


def _approved_in(wp: dict[str, Any], year: int, *, approve_it: bool = True) -> WelfareRequest:
    """A request of dave's filed and answered in ``year`` (with that year's quota and batch)."""
    RecuperationQuota.objects.create(year=year, places=10)
    batch = RecuperationBatch.objects.create(
        year=year, name="旧批次", destination="黄山", starts_on=date(year, 7, 1), ends_on=date(year, 7, 5), capacity=5
    )
    with time_machine.travel(datetime(year, 5, 1, 9, tzinfo=SH), tick=False):
        r = file(wp["dave"], last_recuperation_year=None)
        return approve(wp, r, batch) if approve_it else decline(wp, r)


def test_our_own_record_of_an_approved_trip_counts_whatever_year_is_typed(wp):
    went = _approved_in(wp, 2024)
    assert (went.recuperation_year, went.status) == (2024, "answered")
    message = refused("not_eligible_interval", wp["dave"], last_recuperation_year=2019)
    assert "2027 年起" in message and "2024" in message


def test_an_approved_trip_exactly_the_interval_ago_does_not_stand_in_the_way(wp):
    _approved_in(wp, 2023)
    assert file(wp["dave"], last_recuperation_year=2019).status == "submitted"


def test_a_declined_request_is_no_trip(wp):
    _approved_in(wp, 2025, approve_it=False)
    assert file(wp["dave"], last_recuperation_year=2019).status == "submitted"


# One request a year -----------------------------------------------------------------------


def test_a_second_request_in_the_same_year_is_refused(wp):
    file(wp["dave"])
    assert "本年度" in refused("already_applied", wp["dave"])


def test_an_approved_request_this_year_is_already_applied(wp, recuperation_plan):
    approve(wp, file(wp["dave"]), recuperation_plan["batch"])
    refused("already_applied", wp["dave"])


@pytest.mark.parametrize("end", ["withdrawn", "rejected", "declined"])
def test_after_a_withdrawn_rejected_or_declined_request_one_may_apply_again(wp, end):
    r = file(wp["dave"])
    if end == "withdrawn":
        transition(r, "withdraw", fresh(wp["dave"]))
    elif end == "rejected":
        transition(r, "reject", fresh(wp["chair"]), reason="材料不全")
    else:
        decline(wp, r)
    assert file(wp["dave"]).status == "submitted"


def test_the_union_office_filing_for_a_member_meets_the_same_rules(wp):
    file(wp["dave"])
    with pytest.raises(Conflict) as err:
        welfare_request_file(user=wp["office"], applicant=wp["dave"], **request_fields("recuperation"))
    assert err.value.code == "already_applied"


# The year's places --------------------------------------------------------------------------


def test_the_last_place_is_taken_and_the_next_one_refused(wp, members):
    set_quota(places=3)
    a, b, c, d = members(4)
    file(a)
    file(b)
    assert file(c).status == "submitted"  # the last place
    assert recuperation_places_used(year=2026) == 3
    message = refused("quota_exhausted", d)  # one past it
    assert "3 个" in message and "已满" in message


@pytest.mark.parametrize("end", ["withdrawn", "rejected", "declined"])
def test_a_withdrawn_rejected_or_declined_request_frees_its_place(wp, members, end):
    set_quota(places=1)
    a, b = members(2)
    r = file(a)
    refused("quota_exhausted", b)
    if end == "withdrawn":
        transition(r, "withdraw", fresh(a))
    elif end == "rejected":
        transition(r, "reject", fresh(wp["chair"]), reason="不符合条件")
    else:
        decline(wp, r)
    assert file(b).status == "submitted"


def test_an_approved_request_keeps_its_place(wp, members, recuperation_plan):
    set_quota(places=1)
    a, b = members(2)
    transition(approve(wp, file(a), recuperation_plan["batch"]), "close", fresh(wp["office"]))
    refused("quota_exhausted", b)


def test_places_are_counted_per_year(wp, members):
    set_quota(places=1)
    a, b = members(2)
    file(a)
    WelfareRequest.objects.filter(applicant=a).update(recuperation_year=2025)
    assert file(b).status == "submitted"


# Batches ------------------------------------------------------------------------------------


def test_an_approved_request_is_allotted_to_the_batch_and_the_history_names_it(wp, recuperation_plan):
    batch = recuperation_plan["batch"]
    r = approve(wp, file(wp["dave"]), batch)
    assert (r.status, r.batch) == ("answered", batch)
    entry = HistoryEntry.objects.for_item(r).get(action="welfarerequest.answer")
    assert entry.payload["batch"] == batch.pk


def test_a_place_on_a_batch_may_be_approved_without_a_sum_and_is_then_no_payout(wp, recuperation_plan):
    r = to_answer(wp, file(wp["dave"]))
    r = transition(
        r,
        "answer",
        fresh(wp["office2"]),
        approved=True,
        amount=None,
        answer="同意",
        batch=recuperation_plan["batch"].pk,
    )
    assert (r.status, r.approved, r.amount_approved, r.batch) == ("answered", True, None, recuperation_plan["batch"])


def test_other_kinds_still_need_a_sum_to_be_approved(wp, file_request):
    r = to_answer(wp, file_request("other"))
    with pytest.raises(InvalidPayload) as err:
        transition(r, "answer", fresh(wp["office2"]), approved=True, amount=None, answer="同意")
    assert "amount" in err.value.fields


def test_approving_without_a_batch_is_refused(wp):
    r = to_answer(wp, file(wp["dave"]))
    with pytest.raises(InvalidPayload) as err:
        transition(r, "answer", fresh(wp["office2"]), approved=True, amount="1500", answer="同意")
    assert "batch" in err.value.fields
    assert WelfareRequest.objects.get(pk=r.pk).status == "assigned"


def test_a_batch_of_another_year_is_refused(wp):
    other = RecuperationBatch.objects.create(
        year=2025, name="去年", destination="黄山", starts_on=date(2025, 7, 1), ends_on=date(2025, 7, 5), capacity=9
    )
    r = to_answer(wp, file(wp["dave"]))
    with pytest.raises(InvalidPayload) as err:
        transition(r, "answer", fresh(wp["office2"]), approved=True, amount="1500", answer="同意", batch=other.pk)
    assert "batch" in err.value.fields
    assert WelfareRequest.objects.get(pk=r.pk).batch is None


def test_a_full_batch_is_refused_and_another_with_room_taken(wp, members, recuperation_plan):
    full = recuperation_plan["batch"]
    RecuperationBatch.objects.filter(pk=full.pk).update(capacity=1)
    a, b = members(2)
    approve(wp, file(a), full)  # its last place
    r = to_answer(wp, file(b))
    with pytest.raises(Conflict) as err:
        transition(r, "answer", fresh(wp["office2"]), approved=True, amount="1500", answer="同意", batch=full.pk)
    assert err.value.code == "batch_full" and "已满" in str(err.value.message)
    assert WelfareRequest.objects.get(pk=r.pk).status == "assigned"
    roomy = RecuperationBatch.objects.create(
        year=2026, name="第二批", destination="黄山", starts_on=date(2026, 8, 3), ends_on=date(2026, 8, 7), capacity=1
    )
    r = transition(r, "answer", fresh(wp["office2"]), approved=True, amount="1500", answer="同意", batch=roomy.pk)
    assert r.batch == roomy


def test_a_declined_request_goes_to_no_batch(wp, recuperation_plan):
    r = to_answer(wp, file(wp["dave"]))
    batch = recuperation_plan["batch"].pk
    r = transition(r, "answer", fresh(wp["office2"]), approved=False, amount=None, answer="名额有限", batch=batch)
    assert (r.approved, r.batch) == (False, None)


def test_the_answer_form_offers_only_this_years_batches_with_room(wp, members, recuperation_plan):
    from welfare.forms import AnswerForm

    full = recuperation_plan["batch"]
    RecuperationBatch.objects.filter(pk=full.pk).update(capacity=1)
    approve(wp, file(members(1)[0]), full)
    roomy = RecuperationBatch.objects.create(
        year=2026, name="第二批", destination="黄山", starts_on=date(2026, 8, 3), ends_on=date(2026, 8, 7), capacity=3
    )
    RecuperationBatch.objects.create(
        year=2025, name="去年", destination="黄山", starts_on=date(2025, 8, 3), ends_on=date(2025, 8, 7), capacity=3
    )
    form = AnswerForm(item=to_answer(wp, file(wp["dave"])), user=wp["office2"])
    choices = [(str(v), str(label)) for v, label in form.fields["batch"].choices if v]  # type: ignore[attr-defined]
    assert [v for v, _ in choices] == [str(roomy.pk)]
    assert "尚余 3 人" in choices[0][1]
    # Other kinds have no batch to choose.
    hardship = to_answer(wp, welfare_request_file(user=wp["alice"], **request_fields("hardship")))
    assert "batch" not in AnswerForm(item=hardship, user=wp["office2"]).fields


# Through the API ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        ({"years_of_service": 4}, "not_eligible_service", "工龄满 5 年"),
        ({"last_recuperation_year": 2024}, "not_eligible_interval", "2027 年起"),
    ],
)
def test_the_api_refuses_an_ineligible_member_with_409_and_saves_nothing(client_for, wp, extra, code, words):
    before = WelfareRequest.objects.count()
    got = assert_error(post(client_for("dave"), URL, body("recuperation", **extra)), 409, code)
    assert words in got["message"]
    assert WelfareRequest.objects.count() == before


def test_the_api_refuses_without_a_quota_and_past_the_quota(client_for, wp, members):
    RecuperationQuota.objects.all().delete()
    got = assert_error(post(client_for("dave"), URL, body("recuperation")), 409, "no_quota")
    assert "尚未公布" in got["message"]
    RecuperationQuota.objects.create(year=2026, places=1)
    assert post(client_for("dave"), URL, body("recuperation")).status_code == 201
    assert_error(post(client_for("dave"), URL, body("recuperation")), 409, "already_applied")
    assert_error(post(client_for(members(1)[0]), URL, body("recuperation")), 409, "quota_exhausted")
    assert WelfareRequest.objects.count() == 1


def test_the_api_shows_the_year_and_the_batch(client_for, wp, recuperation_plan):
    batch = recuperation_plan["batch"]
    r = to_answer(wp, file(wp["dave"]))
    got = run(client_for("office2"), r.pk, "answer", {"approved": True, "amount": "1500", "answer": "同意"})
    assert_error(got, 400, "batch_required", "batch")
    got = run(
        client_for("office2"), r.pk, "answer", {"approved": True, "amount": "1500", "answer": "同意", "batch": batch.pk}
    ).json()
    assert got["recuperation_year"] == 2026
    assert got["batch"] == {
        "id": batch.pk,
        "year": 2026,
        "name": "第一批",
        "destination": "千岛湖",
        "starts_on": "2026-07-06",
        "ends_on": "2026-07-10",
    }
    listed = client_for("dave").get(f"{URL}?kind=recuperation").json()["results"]
    assert [row["batch"]["id"] for row in listed] == [batch.pk]


def test_the_api_refuses_a_full_batch_with_409(client_for, wp, members, recuperation_plan):
    batch = recuperation_plan["batch"]
    RecuperationBatch.objects.filter(pk=batch.pk).update(capacity=1)
    approve(wp, file(members(1)[0]), batch)
    r = to_answer(wp, file(wp["dave"]))
    payload = {"approved": True, "amount": "1500", "answer": "同意", "batch": batch.pk}
    got = assert_error(run(client_for("office2"), r.pk, "answer", payload), 409, "batch_full")
    assert "已满" in got["message"]


def test_the_request_list_loads_batches_without_a_query_per_row(
    client_for, wp, members, recuperation_plan, django_assert_max_num_queries
):
    for m in members(6):
        approve(wp, file(m), recuperation_plan["batch"])
    office = client_for("office")
    with django_assert_max_num_queries(12):
        rows = office.get(f"{URL}?kind=recuperation").json()["results"]
    assert len(rows) == 6 and all(row["batch"] for row in rows)
