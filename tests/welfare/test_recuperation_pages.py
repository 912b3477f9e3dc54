"""The pages of 疗休养 and 慰问标准: the member's filing page (this year's places and rules, a
refusal with every typed field kept), the union office's 疗休养安排 (quotas, batches and who
is allotted) and 慰问标准, who may read and who may change them, and the API of quotas and
batches with the same rules."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tests.api.conftest import assert_error
from tests.factories import fresh, make_user
from welfare.models import RecuperationBatch, RecuperationQuota, VisitStandard, WelfareRequest
from welfare.services import welfare_request_file
from workflow.services import transition

from .conftest import request_fields

pytestmark = pytest.mark.django_db

PLAN = "/welfare/recuperation/"
QUOTAS = "/api/v1/recuperation-quotas/"
BATCHES = "/api/v1/recuperation-batches/"


@pytest.fixture
def allotted(wp, departments, recuperation_plan):
    """``allotted(n)``: n new members of cs, each with an approved request in the plan's batch."""

    numbers = itertools.count()

    def make(n: int, batch: Any = None) -> list[WelfareRequest]:
        out = []
        for _ in range(n):
            i = next(numbers)
            m = make_user(f"a{i}", f"会员{i}", ["member"], departments["cs"])
            r: Any = welfare_request_file(user=m, **request_fields("recuperation"))
            r = transition(r, "review", fresh(wp["chair"]))
            r = transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)
            batch_pk = (batch or recuperation_plan["batch"]).pk
            r = transition(
                r, "answer", fresh(wp["office2"]), approved=True, amount="1500", answer="同意", batch=batch_pk
            )
            out.append(r)
        return out

    return make


def _form(kind: str = "recuperation", **extra: Any) -> dict[str, str]:
    return {k: ("" if v is None else str(v)) for k, v in request_fields(kind, **extra).items()}


# The member's filing page ------------------------------------------------------------------


def test_the_filing_page_says_this_years_places_left_and_who_may_apply(client, wp, allotted):
    allotted(2)
    client.force_login(wp["dave"])
    page = client.get(reverse("welfare:create")).content.decode()
    assert "本年度（2026 年）疗休养名额 50 个，尚余 48 个" in page
    assert "工龄满 5 年" in page and "2023 年或以前" in page


def test_the_filing_page_says_when_no_quota_is_published(client, wp):
    RecuperationQuota.objects.all().delete()
    client.force_login(wp["dave"])
    assert "疗休养名额尚未公布" in client.get(reverse("welfare:create")).content.decode()


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"years_of_service": 4}, "疗休养须工龄满 5 年，您填写的工龄为 4 年"),
        ({"last_recuperation_year": 2024}, "2027 年起方可再次申请"),
    ],
)
def test_a_refusal_shows_the_reason_and_keeps_every_typed_field(client, wp, extra, reason):
    client.force_login(wp["dave"])
    data = _form(title="今年想去疗休养", description="工作多年，申请参加疗休养。", **extra)
    r = client.post(reverse("welfare:create"), data)
    assert r.status_code == 409
    page = r.content.decode()
    assert reason in page
    form = r.context["form"]
    for name in ("kind", "title", "description", "years_of_service", "last_recuperation_year", "id_number"):
        assert str(form[name].value()) == data[name], name
    assert 'value="今年想去疗休养"' in page
    assert not WelfareRequest.objects.exists()


# 疗休养安排: reading ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "auditor", "admin"])
def test_the_union_office_auditors_and_admins_read_the_plan_with_who_goes_where(client, wp, allotted, who):
    allotted(1)
    client.force_login(wp[who])
    r = client.get(PLAN)
    assert r.status_code == 200
    page = r.content.decode()
    assert "千岛湖" in page and "会员0" in page and "信息工程学院" in page
    assert (r.context["quota_form"] is not None) == (who == "office")
    assert (r.context["batch_form"] is not None) == (who == "office")


@pytest.mark.parametrize("who", ["dave", "chair", "committee", "handler"])
def test_members_chairs_and_others_may_not_open_the_plan(client, wp, who):
    client.force_login(wp[who])
    assert client.get(PLAN).status_code == 403
    assert client.get(reverse("welfare:standards")).status_code == 403


def test_the_plan_shows_places_used_and_left(client, wp, allotted):
    allotted(2)
    welfare_request_file(user=wp["dave"], **request_fields("recuperation"))  # pending: holds a place
    client.force_login(wp["office"])
    quota = next(q for q in client.get(PLAN).context["quotas"] if q.year == 2026)
    assert (quota.places, quota.used, quota.remaining) == (50, 3, 47)


def test_the_plan_is_a_fixed_number_of_queries_however_many_batches_and_people(
    client, wp, allotted, recuperation_plan, django_assert_max_num_queries
):
    for i in range(3):
        batch = RecuperationBatch.objects.create(
            year=2026,
            name=f"批次{i}",
            destination="黄山",
            starts_on=date(2026, 8, 1),
            ends_on=date(2026, 8, 5),
            capacity=9,
        )
        allotted(2, batch)
    client.force_login(wp["office"])
    with django_assert_max_num_queries(14):
        r = client.get(PLAN)
    assert sum(len(b.people) for b in r.context["batches"]) == 6


def test_another_year_is_chosen_by_its_number(client, wp):
    RecuperationQuota.objects.create(year=2025, places=7)
    client.force_login(wp["auditor"])
    r = client.get(f"{PLAN}?year=2025")
    assert r.context["quota"].places == 7 and r.context["batches"] == []


# 疗休养安排: writing ----------------------------------------------------------------------------


def test_the_office_publishes_and_edits_a_years_quota(client, wp):
    client.force_login(wp["office"])
    data = {"year": "2027", "places": "40", "min_years_of_service": "8", "interval_years": "4", "note": "暑期"}
    r = client.post(reverse("welfare:recuperation_quota_create"), data)
    assert r.status_code == 302 and r.url == f"{PLAN}?year=2027"
    q = RecuperationQuota.objects.get(year=2027)
    assert (q.places, q.min_years_of_service, q.interval_years, q.note) == (40, 8, 4, "暑期")
    r = client.post(reverse("welfare:recuperation_quota_edit", args=[2027]), {**data, "places": "45"})
    assert r.status_code == 302
    assert RecuperationQuota.objects.get(year=2027).places == 45


def test_a_second_quota_for_a_year_is_refused_on_the_page(client, wp):
    client.force_login(wp["office"])
    data = {"year": "2026", "places": "10", "min_years_of_service": "5", "interval_years": "3"}
    r = client.post(reverse("welfare:recuperation_quota_create"), data)
    assert r.status_code == 409
    assert "该年度的名额已设置" in r.content.decode()
    assert RecuperationQuota.objects.get(year=2026).places == 50


def test_places_below_those_already_held_are_refused_with_the_input_kept(client, wp, allotted):
    allotted(3)
    client.force_login(wp["office"])
    data = {"places": "2", "min_years_of_service": "5", "interval_years": "3", "note": "压缩名额"}
    r = client.post(reverse("welfare:recuperation_quota_edit", args=[2026]), data)
    assert r.status_code == 400
    page = r.content.decode()
    assert "已有 3 人占用名额，名额不能少于 3 个" in page and "压缩名额" in page
    assert RecuperationQuota.objects.get(year=2026).places == 50
    assert (
        client.post(reverse("welfare:recuperation_quota_edit", args=[2026]), {**data, "places": "3"}).status_code == 302
    )


def test_the_office_creates_and_edits_a_batch(client, wp):
    client.force_login(wp["office"])
    data = {
        "year": "2026",
        "name": "第二批",
        "destination": "安徽黄山",
        "starts_on": "2026-08-03",
        "ends_on": "2026-08-07",
        "capacity": "20",
        "note": "",
    }
    assert client.post(reverse("welfare:recuperation_batch_create"), data).status_code == 302
    batch = RecuperationBatch.objects.get(name="第二批")
    url = reverse("welfare:recuperation_batch_edit", args=[batch.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {**data, "destination": "黄山风景区", "capacity": "25"}).status_code == 302
    batch.refresh_from_db()
    assert (batch.destination, batch.capacity) == ("黄山风景区", 25)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"ends_on": "2026-08-02"}, "ends_on", "返回日期不能早于出发日期。"),
        ({"name": "第一批"}, "name", "该年度已有同名批次。"),
        ({"capacity": "0"}, "capacity", ""),
    ],
)
def test_a_bad_batch_is_refused_with_the_error_at_its_field(client, wp, change, field, message):
    client.force_login(wp["office"])
    data = {"year": "2026", "name": "第二批", "destination": "黄山", "starts_on": "2026-08-03", "ends_on": "2026-08-07"}
    r = client.post(reverse("welfare:recuperation_batch_create"), {**data, "capacity": "20", **change})
    assert r.status_code == 400
    errors = r.context["batch_form"].errors
    assert field in errors and message in str(errors[field])
    assert not RecuperationBatch.objects.filter(destination="黄山").exists()


def test_a_batch_keeps_room_for_those_allotted_to_it(client, wp, allotted, recuperation_plan):
    allotted(2)
    batch = recuperation_plan["batch"]
    client.force_login(wp["office"])
    url = reverse("welfare:recuperation_batch_edit", args=[batch.pk])
    data = {
        "year": "2026",
        "name": "第一批",
        "destination": "千岛湖",
        "starts_on": "2026-07-06",
        "ends_on": "2026-07-10",
    }
    r = client.post(url, {**data, "capacity": "1"})
    assert r.status_code == 400
    assert "已有 2 人分配到此批次，人数上限不能少于 2 人" in r.content.decode()
    r = client.post(url, {**data, "capacity": "2", "year": "2027"})
    assert r.status_code == 400 and "不能更改年度" in r.content.decode()
    assert client.post(url, {**data, "capacity": "2"}).status_code == 302
    assert RecuperationBatch.objects.get(pk=batch.pk).capacity == 2


@pytest.mark.parametrize("who", ["auditor", "admin", "dave", "chair", "committee"])
def test_only_the_union_office_changes_quotas_and_batches(client, wp, recuperation_plan, who):
    client.force_login(wp[who])
    batch = recuperation_plan["batch"]
    quota = {"places": "1", "min_years_of_service": "5", "interval_years": "3"}
    batch_data = {
        "year": "2026",
        "name": "X",
        "destination": "Y",
        "starts_on": "2026-08-01",
        "ends_on": "2026-08-02",
        "capacity": "1",
    }
    assert client.post(reverse("welfare:recuperation_quota_create"), {**quota, "year": "2027"}).status_code == 403
    assert client.post(reverse("welfare:recuperation_quota_edit", args=[2026]), quota).status_code == 403
    assert client.post(reverse("welfare:recuperation_batch_create"), batch_data).status_code == 403
    assert client.post(reverse("welfare:recuperation_batch_edit", args=[batch.pk]), batch_data).status_code == 403
    assert RecuperationQuota.objects.get(year=2026).places == 50
    assert list(RecuperationBatch.objects.values_list("name", flat=True)) == ["第一批"]


def test_the_detail_page_shows_the_batch_and_the_answer_form_offers_batches(client, wp, allotted, recuperation_plan):
    r = allotted(1)[0]
    client.force_login(wp["office"])
    page = client.get(reverse("welfare:detail", args=[r.pk])).content.decode()
    assert "疗休养批次" in page and "第一批（千岛湖，2026-07-06 — 2026-07-10）" in page
    pending = welfare_request_file(user=wp["dave"], **request_fields("recuperation"))
    pending = transition(pending, "review", fresh(wp["chair"]))
    pending = transition(pending, "assign", fresh(wp["office"]), handler=wp["office2"].pk)
    client.force_login(wp["office2"])
    page = client.get(reverse("welfare:detail", args=[pending.pk])).content.decode()
    assert 'name="batch"' in page and "尚余 49 人" in page
    bad = client.post(
        reverse("welfare:transition", args=[pending.pk, "answer"]),
        {"approved": "true", "amount": "1500", "answer": "同意"},
    )
    assert bad.status_code == 400 and "请选择疗休养批次。" in bad.content.decode()


# 慰问标准 --------------------------------------------------------------------------------------


def test_the_office_sets_and_removes_a_standard_on_the_page(client, wp):
    client.force_login(wp["office"])
    url = reverse("welfare:standard_edit", args=["marriage"])
    assert client.post(url, {"amount": "800.00", "note": "含礼品"}).status_code == 302
    s = VisitStandard.objects.get(visit_reason="marriage")
    assert (s.amount, s.note) == (Decimal("800.00"), "含礼品")
    page = client.get(reverse("welfare:standards")).content.decode()
    assert "800.00" in page and "含礼品" in page
    assert client.post(url, {"amount": "", "note": ""}).status_code == 302
    assert not VisitStandard.objects.filter(visit_reason="marriage").exists()
    assert "不限额" in client.get(reverse("welfare:standards")).content.decode()


def test_a_changed_standard_caps_the_next_filing(client, wp):
    client.force_login(wp["office"])
    client.post(reverse("welfare:standard_edit", args=["illness"]), {"amount": "300.00"})
    client.force_login(wp["dave"])
    r = client.post(reverse("welfare:create"), _form("must_visit", amount_requested="400.00"))
    assert r.status_code == 400 and "超过慰问标准（生病住院 300.00 元）" in r.content.decode()


def test_a_bad_standard_is_refused_with_the_input_kept(client, wp):
    client.force_login(wp["office"])
    r = client.post(reverse("welfare:standard_edit", args=["illness"]), {"amount": "0", "note": "试试"})
    assert r.status_code == 400
    row = next(row for row in r.context["rows"] if row["reason"] == "illness")
    assert "amount" in row["form"].errors and row["form"]["note"].value() == "试试"
    assert VisitStandard.objects.get(visit_reason="illness").amount == Decimal("500.00")
    assert client.post(reverse("welfare:standard_edit", args=["nonsense"]), {"amount": "1"}).status_code == 404


@pytest.mark.parametrize("who", ["auditor", "admin"])
def test_auditors_and_admins_read_the_standards_but_may_not_change_them(client, wp, who):
    client.force_login(wp[who])
    r = client.get(reverse("welfare:standards"))
    assert r.status_code == 200 and not r.context["can_manage"] and "500.00" in r.content.decode()
    assert client.post(reverse("welfare:standard_edit", args=["illness"]), {"amount": "1"}).status_code == 403
    assert VisitStandard.objects.get(visit_reason="illness").amount == Decimal("500.00")


def test_the_standards_page_is_a_fixed_number_of_queries(client, wp, django_assert_max_num_queries):
    client.force_login(wp["office"])
    with django_assert_max_num_queries(8):
        assert client.get(reverse("welfare:standards")).status_code == 200


def test_the_nav_links_the_settings_pages_for_those_who_read_them(client, wp):
    client.force_login(wp["auditor"])
    page = client.get(reverse("welfare:office_queue")).content.decode()
    assert f'href="{PLAN}"' in page and 'href="/welfare/standards/"' in page
    client.force_login(wp["dave"])
    page = client.get(reverse("welfare:mine")).content.decode()
    assert f'href="{PLAN}"' not in page


# The API of quotas and batches ---------------------------------------------------------------


def test_anyone_who_files_reads_the_years_quota_and_batches_without_names(client_for, wp, allotted):
    allotted(1)
    quotas = client_for("dave").get(f"{QUOTAS}?year=2026").json()["results"]
    assert [(q["year"], q["places"], q["used"], q["remaining"]) for q in quotas] == [(2026, 50, 1, 49)]
    batches = client_for("dave").get(f"{BATCHES}?year=2026").json()["results"]
    assert [(b["name"], b["capacity"], b["allotted"], b["remaining"]) for b in batches] == [("第一批", 50, 1, 49)]
    assert "会员0" not in str(batches)
    assert client_for("dave").get(f"{QUOTAS}2026/").json()["places"] == 50
    assert client_for("committee").get(QUOTAS).status_code == 403
    assert client_for("committee").get(BATCHES).status_code == 403


def test_the_office_publishes_a_quota_and_edits_it_through_the_api(client_for, wp, allotted):
    office = client_for("office")
    r = office.post(QUOTAS, {"year": 2027, "places": 30}, format="json")
    assert r.status_code == 201, r.content
    assert (r.json()["min_years_of_service"], r.json()["interval_years"], r.json()["remaining"]) == (5, 3, 30)
    assert_error(office.post(QUOTAS, {"year": 2027, "places": 9}, format="json"), 409, "quota_exists", "year")
    assert office.patch(f"{QUOTAS}2027/", {"places": 35}, format="json").json()["places"] == 35
    allotted(2)
    got = assert_error(office.patch(f"{QUOTAS}2026/", {"places": 1}, format="json"), 400, "invalid", "places")
    assert "不能少于 2 个" in got["fields"]["places"][0]
    assert_error(office.patch(f"{QUOTAS}2026/", {"year": 2030}, format="json"), 400, "invalid", "year")


def test_the_office_creates_and_edits_batches_through_the_api(client_for, wp, allotted, recuperation_plan):
    office = client_for("office")
    data = {
        "year": 2026,
        "name": "第三批",
        "destination": "莫干山",
        "starts_on": "2026-10-12",
        "ends_on": "2026-10-16",
        "capacity": 12,
    }
    r = office.post(BATCHES, data, format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert office.patch(f"{BATCHES}{pk}/", {"capacity": 14}, format="json").json()["capacity"] == 14
    assert_error(
        office.post(BATCHES, {**data, "name": "第四批", "ends_on": "2026-10-11"}, format="json"),
        400,
        "invalid",
        "ends_on",
    )
    allotted(2)
    first = recuperation_plan["batch"].pk
    assert_error(office.patch(f"{BATCHES}{first}/", {"capacity": 1}, format="json"), 400, "invalid", "capacity")


@pytest.mark.parametrize("who", ["dave", "chair", "auditor", "admin"])
def test_only_the_union_office_writes_quotas_and_batches_through_the_api(client_for, wp, recuperation_plan, who):
    c = client_for(who)
    batch = recuperation_plan["batch"].pk
    assert_error(c.post(QUOTAS, {"year": 2027, "places": 3}, format="json"), 403, "permission_denied")
    assert_error(c.patch(f"{QUOTAS}2026/", {"places": 3}, format="json"), 403, "permission_denied")
    assert_error(c.post(BATCHES, {"year": 2026, "name": "X"}, format="json"), 403, "permission_denied")
    assert_error(c.patch(f"{BATCHES}{batch}/", {"capacity": 3}, format="json"), 403, "permission_denied")
    assert not RecuperationQuota.objects.filter(year=2027).exists()
    assert RecuperationBatch.objects.get(pk=batch).capacity == 50


def test_the_lists_are_a_fixed_number_of_queries(client_for, wp, allotted, django_assert_max_num_queries):
    for year in (2023, 2024, 2025):
        RecuperationQuota.objects.create(year=year, places=10)
        RecuperationBatch.objects.create(
            year=year, name="批次", destination="黄山", starts_on=date(year, 7, 1), ends_on=date(year, 7, 5), capacity=5
        )
    allotted(3)
    c = client_for("dave")
    with django_assert_max_num_queries(8):
        assert len(c.get(QUOTAS).json()["results"]) == 4
    with django_assert_max_num_queries(8):
        assert len(c.get(BATCHES).json()["results"]) == 4
