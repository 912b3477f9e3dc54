"""福利年度统计: the numbers against a year built by hand, the year's edges in Shanghai time, the
query count at two sizes, the page (the dashboard's welfare tab) and who may open it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from org.roles import user_roles
from tests.factories import fresh
from welfare.figures import welfare_figures
from welfare.models import MedicalClaim, WelfareRequest

from .payout_helpers import at, claim, settle

pytestmark = pytest.mark.django_db

URL = "/welfare/figures/"


def submitted(request, when):
    WelfareRequest.objects.filter(pk=request.pk).update(submitted_at=when)
    return request


def filed(file_request, kind, when, **extra):
    return submitted(file_request(kind, **extra), when)


@pytest.fixture
def year(wp, file_request):
    """2026, by hand: dave and alice of 信息工程学院, other_chair of 人事处."""
    dave, alice, hr = wp["dave"], wp["alice"], wp["other_chair"]
    settle(filed(file_request, "hardship", at(2026, 1, 1, 0, 0, 0)), closed_at=at(2026, 3, 1), amount="3000.00")
    settle(filed(file_request, "must_visit", at(2026, 5, 1)), closed_at=None, amount="500.00")  # answered only
    rejected = filed(file_request, "hardship", at(2026, 6, 1), user=alice)
    WelfareRequest.objects.filter(pk=rejected.pk).update(status="rejected", reject_reason="不符合条件。")
    settle(filed(file_request, "recuperation", at(2026, 7, 1), user=hr), closed_at=None, approved=False)
    enrolment = filed(file_request, "child_medical", at(2026, 2, 1), user=hr)
    enrolment = settle(enrolment, closed_at=at(2026, 2, 10), amount="100.00")
    for created, amount, status in (
        (at(2026, 8, 1), "300.00", "approved"),
        (at(2027, 1, 1, 0, 0, 0), "50.00", "approved"),  # next year's claim
        (at(2026, 8, 2), "70.00", "pending"),
        (at(2026, 8, 3), "80.00", "rejected"),
    ):
        c = claim(enrolment, decided_at=created, amount=amount, status=status)
        MedicalClaim.objects.filter(pk=c.pk).update(created_at=created)
    settle(filed(file_request, "other", at(2025, 12, 31, 23, 59, 59)), closed_at=at(2026, 1, 5), amount="999.00")
    filed(file_request, "other", at(2026, 12, 31, 23, 59, 59))  # filed, still waiting
    return {"dave": dave, "alice": alice, "hr": hr}


def numbers(line):
    return (line.filed, line.approved, line.not_approved, line.requests_amount, line.claims_amount, line.amount)


def test_the_year_by_kind_matches_the_hand_count(wp, year):
    figures = welfare_figures(user=fresh(wp["office"]), year=2026)
    d = Decimal
    assert {k.key: numbers(k) for k in figures.by_kind} == {
        "hardship": (2, 1, 1, d("3000.00"), d("0"), d("3000.00")),
        "must_visit": (1, 1, 0, d("500.00"), d("0"), d("500.00")),
        "recuperation": (1, 0, 1, d("0"), d("0"), d("0")),
        "child_medical": (1, 1, 0, d("100.00"), d("300.00"), d("400.00")),
        "other": (1, 0, 0, d("0"), d("0"), d("0")),
    }
    assert [k.label for k in figures.by_kind] == ["困难补助", "五必访", "疗休养", "子女医疗统筹", "其他"]
    assert numbers(figures.total) == (6, 3, 2, d("3600.00"), d("300.00"), d("3900.00"))


def test_the_year_by_unit_matches_the_hand_count_largest_sum_first(wp, year, departments):
    figures = welfare_figures(user=fresh(wp["office"]), year=2026)
    assert [(u.key, u.label, numbers(u)) for u in figures.by_unit] == [
        (str(departments["cs"].pk), "信息工程学院", (4, 2, 1, Decimal("3500.00"), Decimal("0"), Decimal("3500.00"))),
        (str(departments["hr"].pk), "人事处", (2, 1, 1, Decimal("100.00"), Decimal("300.00"), Decimal("400.00"))),
    ]


def test_the_neighbouring_years_hold_what_fell_outside(wp, year):
    before = welfare_figures(user=fresh(wp["office"]), year=2025)
    assert (before.total.filed, before.total.amount) == (1, Decimal("999.00"))
    after = welfare_figures(user=fresh(wp["office"]), year=2027)
    # The claim filed at 2027-01-01 00:00 counts in 2027, under its enrolment's kind and unit.
    assert (after.total.filed, after.total.claims_amount) == (0, Decimal("50.00"))
    assert [(u.label, u.amount) for u in after.by_unit] == [("人事处", Decimal("50.00"))]
    empty = welfare_figures(user=fresh(wp["office"]), year=2030)
    assert empty.by_unit == [] and numbers(empty.total) == (0, 0, 0, 0, 0, 0)
    assert len(empty.by_kind) == 5


def _grow(wp, file_request, n):
    for i in range(n):
        r = filed(file_request, ["hardship", "must_visit", "child_medical"][i % 3], at(2026, 4, 1 + i))
        if i % 3 == 2:
            claim(settle(r, closed_at=at(2026, 5, 1), amount="10.00"), decided_at=at(2026, 5, 2))


def test_the_figures_take_two_queries_at_any_size(wp, file_request, django_assert_num_queries):
    office = fresh(wp["office"])
    user_roles(office)  # the viewer's roles, read once per request by every page
    _grow(wp, file_request, 3)
    # The requests grouped by kind and unit, the claims grouped the same way.
    with django_assert_num_queries(2):
        small = welfare_figures(user=office, year=2026)
    _grow(wp, file_request, 12)
    with django_assert_num_queries(2):
        big = welfare_figures(user=office, year=2026)
    assert (small.total.filed, big.total.filed) == (3, 15)


def test_the_page_costs_the_same_queries_at_two_sizes(client, wp, file_request, django_assert_max_num_queries):
    client.force_login(wp["office"])
    _grow(wp, file_request, 3)
    with django_assert_max_num_queries(10):
        assert client.get(URL, {"year": 2026}).status_code == 200
    _grow(wp, file_request, 12)
    with django_assert_max_num_queries(10):
        assert client.get(URL, {"year": 2026}).status_code == 200


# The page ---------------------------------------------------------------------------------------


def test_the_page_shows_the_tables_and_the_charts_data(client, wp, year, departments):
    client.force_login(wp["office"])
    r = client.get(URL, {"year": 2026})
    page = r.content.decode()
    assert r.status_code == 200
    assert "3900.00" in page and "信息工程学院" in page and 'id="chart-kind"' in page
    assert '<option value="2026" selected>2026 年</option>' in page and '<option value="2025">' in page
    charts = json.loads(page.split('id="welfare-figures-data" type="application/json">')[1].split("</script>")[0])
    assert charts["unit"]["labels"] == ["信息工程学院", "人事处"] and charts["unit"]["values"] == [3500.0, 400.0]
    assert charts["kind"]["series"][0]["values"] == [2, 1, 1, 1, 1]
    assert 'id="welfare-figures-data"' in page and "js/welfare_figures.js" in page


def test_the_page_defaults_to_this_year_and_refuses_an_unknown_one(client, wp, year):
    client.force_login(wp["office"])
    assert client.get(URL).context["figures"].year == 2026
    r = client.get(URL, {"year": "1999"})
    assert r.status_code == 200 and r.context["figures"].year == 2026
    assert r.context["form"].errors["year"]


@pytest.mark.parametrize("who", ["office", "auditor", "admin"])
def test_the_union_office_auditors_and_admins_open_the_figures(client, wp, who):
    client.force_login(wp[who])
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("who", ["dave", "chair", "committee", "handler", "head"])
def test_everyone_else_is_refused_the_figures(client, wp, who):
    client.force_login(wp[who])
    assert client.get(URL).status_code == 403


def test_the_dashboard_offers_the_welfare_tab_to_those_who_may_open_it(client, wp, session):
    client.force_login(wp["office"])
    page = client.get(reverse("proposals:dashboard")).content.decode()
    assert f'href="{URL}"' in page and 'class="tab tab-proposals" aria-current="page"' in page
    welfare = client.get(URL).content.decode()
    assert f'href="{reverse("proposals:dashboard")}"' in welfare and 'tab-welfare" aria-current="page"' in welfare
    # The committee reads the proposals' dashboard but not the union's welfare figures: no tabs.
    client.force_login(wp["committee"])
    page = client.get(reverse("proposals:dashboard")).content.decode()
    assert f'href="{URL}"' not in page and "tab-proposals" not in page
