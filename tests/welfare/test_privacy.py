"""The privacy matrix of the API: who reads each sensitive field unmasked, masked or not at
all, in the list and the detail; every unmasked serve logged once per request; the log
readable by auditors and admins only. Written out by hand from the domain's privacy rules, not read from
welfare/rules.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from tests.api.conftest import assert_error
from tests.factories import fresh, make_user
from welfare import privacy
from welfare.models import SensitiveAccess

from .conftest import ID_X, token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/welfare-requests/"
LOG_URL = "/api/v1/welfare-access-log/"
FIELDS = ("diagnosis", "income", "id_number")
VALUES = {"diagnosis": "急性阑尾炎，住院手术", "income": "1234.56", "id_number": ID_X}

# persona -> what they get on dave's request: "plain" (unmasked), "masked" or "hidden" (404 / absent).
MATRIX = {
    "dave": "plain",  # the applicant
    "chair": "plain",  # the sub-union chair of dave's unit
    "office": "plain",  # the union office
    "office2": "plain",  # another union office worker
    "auditor_granted": "plain",  # an auditor an admin granted welfare.view_sensitive_welfarerequest
    "auditor": "masked",  # an auditor without it
    "admin": "masked",  # a superuser without an explicit grant
    "other_chair": "hidden",  # another unit's chair
    "alice": "hidden",  # another member, of the same unit
    "handler": "hidden",  # a department handler
    "committee": "hidden",  # the proposal committee
}


@pytest.fixture
def personas(wp):
    granted = make_user("auditor_granted", "钱审", ["auditor"], None)
    granted.user_permissions.add(Permission.objects.get(codename="view_sensitive_welfarerequest"))
    return {**wp, "auditor_granted": granted}


@pytest.fixture
def client_for(personas):
    return lambda who: token_client(personas[who])


@pytest.fixture
def visit(file_request):
    """dave's 五必访 request with every sensitive field filled in."""
    return file_request("must_visit", income=Decimal(VALUES["income"]))


def logged(request=None, user=None):
    qs = SensitiveAccess.objects.all()
    if request is not None:
        qs = qs.filter(request=request)
    if user is not None:
        qs = qs.filter(user=user)
    return list(qs)


@pytest.mark.parametrize("view", ["list", "detail"])
@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("persona", list(MATRIX))
def test_each_persona_reads_each_sensitive_field_as_the_matrix_says(client_for, personas, visit, persona, field, view):
    client = client_for(persona)
    if view == "detail":
        r = client.get(f"{URL}{visit.pk}/")
        row = r.json() if r.status_code == 200 else None
        if MATRIX[persona] == "hidden":
            assert_error(r, 404, "not_found")
    else:
        r = client.get(URL)
        assert r.status_code == 200
        row = next((x for x in r.json()["results"] if x["id"] == visit.pk), None)

    expected = MATRIX[persona]
    if expected == "hidden":
        assert row is None
        assert logged() == []
        return
    assert row is not None
    assert row[field] == (VALUES[field] if expected == "plain" else privacy.MASK)
    # Never the value anywhere else in the row when masked.
    if expected == "masked":
        assert VALUES[field] not in str(row)
    rows = logged(request=visit)
    if expected == "plain":
        assert len(rows) == 1
        (entry,) = rows
        assert (entry.user_id, entry.channel, entry.fields) == (personas[persona].pk, "api", list(FIELDS))
        assert entry.path.startswith(URL)
    else:
        assert rows == []


def test_a_masked_reader_gets_the_mask_even_for_an_empty_field(client_for, file_request):
    r = file_request("recuperation", id_number="")
    row = client_for("auditor").get(f"{URL}{r.pk}/").json()
    assert [row[f] for f in FIELDS] == [privacy.MASK] * 3
    plain = client_for("office").get(f"{URL}{r.pk}/").json()
    assert [plain[f] for f in FIELDS] == ["", None, ""]
    # Nothing sensitive was served, so nothing is logged.
    assert logged() == []


def test_each_unmasked_serve_writes_one_row_per_request_per_response(client_for, personas, file_request):
    mine = [file_request(title=f"申请{i}") for i in range(3)]
    office = client_for("office")
    office.get(URL)
    assert sorted(e.request_id for e in logged(user=personas["office"])) == sorted(r.pk for r in mine)
    office.get(URL)
    office.get(f"{URL}{mine[0].pk}/")
    assert len(logged(request=mine[0])) == 3 and len(logged(request=mine[1])) == 2
    # Paging: only the page served is logged.
    SensitiveAccess.objects.all().delete()
    office.get(f"{URL}?page_size=1")
    assert len(logged()) == 1
    # An auditor's masked list writes nothing.
    client_for("auditor").get(URL)
    assert logged(user=personas["auditor"]) == []


def test_a_transitions_response_is_masked_and_logged_like_a_read(client_for, personas, visit):
    r = client_for("chair").post(f"{URL}{visit.pk}/transitions/review/", {}, format="json")
    assert r.json()["diagnosis"] == VALUES["diagnosis"]
    assert [(e.user_id, e.channel) for e in logged(request=visit)] == [(personas["chair"].pk, "api")]


def test_filing_returns_the_applicants_own_values_and_logs_them(client_for, personas):
    body = {
        "kind": "hardship",
        "title": "困难补助",
        "description": "家庭困难",
        "family_situation": "配偶患病",
        "income": "800.00",
        "id_number": ID_X,
    }
    r = client_for("dave").post(URL, body, format="json")
    assert (r.status_code, r.json()["income"], r.json()["id_number"]) == (201, "800.00", ID_X)
    (entry,) = logged()
    assert (entry.user_id, entry.fields) == (personas["dave"].pk, ["income", "id_number", "family_situation"])


def test_an_admin_granted_the_permission_reads_unmasked(client_for, personas, visit):
    personas["admin"].user_permissions.add(Permission.objects.get(codename="view_sensitive_welfarerequest"))
    assert client_for("admin").get(f"{URL}{visit.pk}/").json()["id_number"] == ID_X


def test_the_permission_granted_to_a_group_counts(client_for, personas, visit):
    from org.roles import role_group

    role_group("auditor").permissions.add(Permission.objects.get(codename="view_sensitive_welfarerequest"))
    assert client_for("auditor").get(f"{URL}{visit.pk}/").json()["diagnosis"] == VALUES["diagnosis"]


def test_the_permission_does_not_open_a_request_its_holder_may_not_see(client_for, personas, visit):
    personas["alice"].user_permissions.add(Permission.objects.get(codename="view_sensitive_welfarerequest"))
    assert_error(client_for("alice").get(f"{URL}{visit.pk}/"), 404, "not_found")
    assert logged() == []


def test_a_chair_who_leaves_the_role_no_longer_sees_the_request(client_for, personas, visit):
    from org.roles import user_set_roles

    user_set_roles(user=personas["chair"], roles=["member"])
    # No longer a chair: the request is out of sight altogether.
    assert_error(client_for("chair").get(f"{URL}{visit.pk}/"), 404, "not_found")


def test_the_rule_lives_in_the_policy_table():
    from welfare.rules import RULES, W

    rows = [r for r in RULES if r.kind == W and r.action == "view_sensitive"]
    assert {(frozenset(r.roles), r.object_perm) for r in rows} == {
        (frozenset({"member"}), "welfare.act_as_applicant"),
        (frozenset({"subunion_chair"}), "welfare.review_welfarerequest"),
        (frozenset({"union_office"}), ""),
    }
    assert all(r.states == {"*"} for r in rows)


def test_may_see_sensitive_agrees_with_the_batch_decision(personas, visit):
    for name, expected in MATRIX.items():
        if expected == "hidden":
            continue
        user = fresh(personas[name])
        assert privacy.may_see_sensitive(visit, user) == (expected == "plain"), name
        assert privacy.unmasked_ids(fresh(personas[name]), [visit]) == ({visit.pk} if expected == "plain" else set())


# The access log -------------------------------------------------------------------------


def test_auditors_and_admins_read_the_access_log_and_filter_it_by_request(client_for, personas, file_request):
    a, b = file_request(), file_request()
    client_for("office").get(f"{URL}{a.pk}/")
    client_for("dave").get(URL)
    for name in ("auditor", "admin"):
        page = client_for(name).get(LOG_URL).json()
        assert page["count"] == 3
        only_a = client_for(name).get(f"{LOG_URL}?request={a.pk}").json()["results"]
        assert sorted(row["user"]["id"] for row in only_a) == sorted([personas["office"].pk, personas["dave"].pk])
        row = only_a[0]
        assert set(row) == {"id", "at", "user", "request", "field_names", "channel", "path"}
        assert (
            row["request"] == a.pk
            and row["channel"] == "api"
            and row["field_names"] == ["income", "id_number", "family_situation"]
        )
    assert b.pk in {row["request"] for row in client_for("auditor").get(LOG_URL).json()["results"]}


@pytest.mark.parametrize("persona", ["dave", "chair", "office", "office2", "committee", "handler", "alice"])
def test_everyone_else_gets_403_from_the_access_log(client_for, persona):
    assert_error(client_for(persona).get(LOG_URL), 403, "permission_denied")


def test_an_anonymous_caller_gets_401_from_the_access_log(client, wp):
    assert_error(client.get(LOG_URL), 401, "not_authenticated")


def test_the_access_log_is_read_only(client_for, wp):
    auditor = client_for("auditor")
    assert_error(auditor.post(LOG_URL, {}, format="json"), 405, "method_not_allowed")


# Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["dave", "chair", "office", "auditor", "auditor_granted", "admin"])
def test_the_list_costs_the_same_queries_at_two_sizes(
    client_for, personas, file_request, django_assert_max_num_queries, persona
):
    client = client_for(persona)
    file_request("must_visit", income=Decimal("1.00"))
    with django_assert_max_num_queries(10):
        small = client.get(URL)
    assert small.json()["count"] == 1
    for i in range(12):
        file_request("hardship", title=f"申请{i}", user=personas["alice"] if i % 2 else personas["dave"])
    with django_assert_max_num_queries(10):
        big = client.get(URL)
    assert big.json()["count"] >= 7


def test_the_access_log_costs_the_same_queries_at_two_sizes(
    client_for, personas, file_request, django_assert_max_num_queries
):
    auditor = client_for("auditor")
    office = client_for("office")
    file_request()
    office.get(URL)
    with django_assert_max_num_queries(10):
        assert auditor.get(LOG_URL).json()["count"] == 1
    for _ in range(10):
        file_request()
    office.get(URL)
    with django_assert_max_num_queries(10):
        assert auditor.get(LOG_URL).json()["count"] == 12
