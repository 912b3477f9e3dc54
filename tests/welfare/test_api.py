"""/api/v1/welfare-requests/: filing, each kind's lifecycle, history and the refusals."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.api.conftest import assert_error
from welfare import serializers as s
from welfare.models import WelfareRequest

from .conftest import ID_X, KIND_FIELDS, request_fields
from .publicity_support import after_publicity

pytestmark = pytest.mark.django_db

URL = "/api/v1/welfare-requests/"


def as_json(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in fields.items()}


def body(kind: str = "hardship", **extra: Any) -> dict[str, Any]:
    return as_json(request_fields(kind, **extra))


def post(client, url, data=None):
    return client.post(url, data or {}, format="json")


def run(client, pk, name, data=None):
    return post(client, f"{URL}{pk}/transitions/{name}/", data)


# Lifecycle -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KIND_FIELDS))
def test_a_member_files_and_the_union_answers_a_request_of_each_kind_through_the_api(
    client_for, wp, recuperation_plan, kind
):
    r = post(client_for("dave"), URL, body(kind, title="申请"))
    assert r.status_code == 201, r.content
    created = r.json()
    pk = created["id"]
    assert (created["kind"], created["status"], created["applicant"]["id"], created["filed_by"]["id"]) == (
        kind,
        "submitted",
        wp["dave"].pk,
        wp["dave"].pk,
    )
    assert created["unit"]["id"] == wp["dave"].profile.department_id
    assert created["id_number"] == ID_X
    assert created["available_transitions"] == ["withdraw"]
    for name, value in KIND_FIELDS[kind].items():
        assert created[name] == (value if isinstance(value, int) else str(value)), name

    assert client_for("chair").get(f"{URL}{pk}/").json()["available_transitions"] == ["review", "reject"]
    r = run(client_for("chair"), pk, "review", {"comment": "情况属实。"})
    assert (r.status_code, r.json()["status"], r.json()["review_comment"]) == (200, "reviewed", "情况属实。")
    assert client_for("office").get(f"{URL}{pk}/").json()["available_transitions"] == ["reject", "assign"]
    r = run(client_for("office"), pk, "assign", {"handler": wp["office2"].pk})
    assert (r.json()["status"], r.json()["handler"]["id"]) == ("assigned", wp["office2"].pk)
    assert client_for("office2").get(f"{URL}{pk}/").json()["available_transitions"] == ["answer"]
    # An approved 疗休养 request goes to a batch (welfare.recuperation).
    batch = {"batch": recuperation_plan["batch"].pk} if kind == "recuperation" else {}
    r = run(client_for("office2"), pk, "answer", {"approved": True, "amount": "500.00", "answer": "同意。", **batch})
    got = r.json()
    assert (got["status"], got["approved"], got["amount_approved"], got["answer"]) == (
        "answered",
        True,
        "500.00",
        "同意。",
    )
    # An approved hardship request is closed (paid) only after its publicity (公示).
    with after_publicity(WelfareRequest(pk=pk)) if got["publicity_ends"] else nullcontext():
        r = run(client_for("office"), pk, "close")
    assert (r.status_code, r.json()["status"], r.json()["available_transitions"]) == (200, "closed", [])

    history = client_for("dave").get(f"{URL}{pk}/history/").json()
    assert [h["action"] for h in history] == [
        "welfarerequest.create",
        "welfarerequest.submit",
        "welfarerequest.review",
        "welfarerequest.assign",
        "welfarerequest.answer",
        "welfarerequest.close",
    ]
    assert [h["actor"]["id"] for h in history[2:]] == [wp[n].pk for n in ("chair", "office", "office2", "office")]


def test_the_applicant_withdraws_and_the_chair_rejects_through_the_api(client_for, wp):
    first = post(client_for("dave"), URL, body()).json()["id"]
    assert run(client_for("dave"), first, "withdraw").json()["status"] == "withdrawn"
    second = post(client_for("dave"), URL, body()).json()["id"]
    r = run(client_for("chair"), second, "reject", {"reason": "不符合条件。"})
    assert (r.json()["status"], r.json()["reject_reason"]) == ("rejected", "不符合条件。")


def test_the_union_office_files_for_a_member(client_for, wp):
    r = post(client_for("office"), URL, {**body(), "applicant": wp["dave"].pk})
    assert r.status_code == 201, r.content
    got = r.json()
    assert (got["applicant"]["id"], got["filed_by"]["id"], got["status"]) == (
        wp["dave"].pk,
        wp["office"].pk,
        "submitted",
    )
    # The member owns it: they see it and may withdraw it.
    mine = client_for("dave").get(f"{URL}{got['id']}/").json()
    assert mine["available_transitions"] == ["withdraw"]


def test_the_list_filters_by_kind_status_unit_and_search(client_for, wp, file_request):
    hardship = file_request("hardship", title="家庭困难补助")
    visit = file_request("must_visit", title="住院慰问")
    recup = file_request("recuperation", title="疗休养申请", user=wp["alice"])
    office = client_for("office")

    def ids(query: str) -> set[int]:
        return {row["id"] for row in office.get(f"{URL}?{query}").json()["results"]}

    assert ids("") == {hardship.pk, visit.pk, recup.pk}
    assert ids("kind=must_visit") == {visit.pk}
    assert ids("search=疗休养") == {recup.pk}
    assert ids(f"unit={wp['dave'].profile.department_id}") == {hardship.pk, visit.pk, recup.pk}
    assert ids(f"unit={wp['bob'].profile.department_id}") == set()
    from tests.factories import fresh
    from workflow.services import transition

    transition(hardship, "review", fresh(wp["chair"]))
    assert ids("status=reviewed") == {hardship.pk}
    assert_error(office.get(f"{URL}?kind=nope"), 400, "invalid", "kind")


def test_search_never_matches_a_sensitive_field(client_for, wp, file_request):
    file_request("must_visit", diagnosis="急性阑尾炎")
    office = client_for("office")
    assert office.get(f"{URL}?search=阑尾炎").json()["count"] == 0
    assert office.get(f"{URL}?search={ID_X[:10]}").json()["count"] == 0


# Refusals ----------------------------------------------------------------------------


def test_a_wrong_id_checksum_is_a_400_with_the_field_named(client_for, wp):
    bad = ID_X[:-1] + "1"
    r = post(client_for("dave"), URL, body(id_number=bad))
    payload = assert_error(r, 400, "invalid", "id_number")
    assert set(payload["fields"]) == {"id_number"}
    assert not WelfareRequest.objects.exists()


def test_missing_kind_fields_and_wrong_types_are_400s(client_for, wp):
    dave = client_for("dave")
    r = post(dave, URL, {"kind": "must_visit", "title": "慰问", "description": "住院"})
    assert {"visit_reason", "event_date"} <= set(assert_error(r, 400, "invalid")["fields"])
    assert_error(post(dave, URL, body(income="很多")), 400, "invalid", "income")
    assert_error(post(dave, URL, {**body(), "kind": "lottery"}), 400, "invalid", "kind")
    assert_error(post(dave, URL, [1, 2]), 400, "invalid")


def test_unknown_fields_are_named(client_for, wp, file_request):
    r = post(client_for("dave"), URL, {**body(), "status": "closed", "handler": 1})
    assert set(assert_error(r, 400, "unknown_field")["fields"]) == {"status", "handler"}
    pk = file_request().pk
    assert_error(run(client_for("chair"), pk, "review", {"reason": "x"}), 400, "unknown_field", "reason")
    assert_error(run(client_for("dave"), pk, "withdraw", {"comment": "x"}), 400, "unknown_field", "comment")


def test_a_member_filing_for_someone_else_gets_403(client_for, wp):
    assert_error(post(client_for("dave"), URL, {**body(), "applicant": wp["alice"].pk}), 403, "permission_denied")
    # Even for an id nobody holds: the right is asked before the person is looked up.
    assert_error(post(client_for("dave"), URL, {**body(), "applicant": 999999}), 403, "permission_denied")
    assert not WelfareRequest.objects.exists()


def test_someone_who_may_not_file_gets_403(client_for, wp):
    for name in ("auditor", "committee", "handler", "office"):
        assert_error(post(client_for(name), URL, body()), 403, "permission_denied")
    assert not WelfareRequest.objects.exists()


def test_the_union_office_filing_for_an_unknown_person_gets_400(client_for, wp):
    assert_error(post(client_for("office"), URL, {**body(), "applicant": 999999}), 400, "invalid", "applicant")


def test_someone_elses_request_is_a_404_everywhere(client_for, wp, file_request):
    pk = file_request().pk
    for name in ("alice", "other_chair", "committee", "handler"):
        c = client_for(name)
        assert_error(c.get(f"{URL}{pk}/"), 404, "not_found")
        assert_error(c.get(f"{URL}{pk}/history/"), 404, "not_found")
        assert_error(run(c, pk, "withdraw"), 404, "not_found")
        assert_error(run(c, pk, "review", {"bogus": 1}), 404, "not_found")
        assert pk not in [row["id"] for row in c.get(URL).json()["results"]]
    assert WelfareRequest.objects.get(pk=pk).status == "submitted"


def test_the_wrong_role_on_a_visible_request_gets_403(client_for, wp, file_request):
    pk = file_request().pk
    assert_error(run(client_for("dave"), pk, "review"), 403, "permission_denied")
    assert_error(run(client_for("auditor"), pk, "reject", {"reason": "x"}), 403, "permission_denied")
    assert_error(run(client_for("office"), pk, "review"), 403, "permission_denied")


def test_a_transition_from_the_wrong_state_is_a_409_with_its_code(client_for, wp, file_request):
    pk = file_request().pk
    assert_error(run(client_for("office"), pk, "close"), 409, "transition_not_allowed")
    assert_error(run(client_for("office"), pk, "assign", {"handler": wp["office2"].pk}), 409, "transition_not_allowed")
    assert_error(run(client_for("dave"), pk, "submit"), 409, "transition_not_allowed")
    assert_error(run(client_for("office"), pk, "explode"), 404, "unknown_transition")
    assert_error(run(client_for("office"), pk, "view_sensitive"), 404, "unknown_transition")


def test_a_transitions_field_errors_are_400s(client_for, wp, file_request):
    pk = file_request().pk
    assert_error(run(client_for("chair"), pk, "reject", {"reason": ""}), 400, "invalid", "reason")
    run(client_for("chair"), pk, "review")
    r = run(client_for("office"), pk, "assign", {"handler": wp["dave"].pk})
    assert_error(r, 400, "invalid", "handler")
    run(client_for("office"), pk, "assign", {"handler": wp["office2"].pk})
    r = run(client_for("office2"), pk, "answer", {"approved": True, "answer": "同意"})
    assert_error(r, 400, "invalid", "amount")
    r = run(client_for("office2"), pk, "answer", {"approved": "maybe", "answer": "同意"})
    assert_error(r, 400, "invalid", "approved")
    assert WelfareRequest.objects.get(pk=pk).status == "assigned"


def test_put_patch_and_delete_are_405(client_for, wp, file_request):
    pk = file_request().pk
    dave = client_for("dave")
    assert_error(dave.patch(f"{URL}{pk}/", {"title": "x"}, format="json"), 405, "method_not_allowed")
    assert_error(dave.delete(f"{URL}{pk}/"), 405, "method_not_allowed")


def test_an_anonymous_caller_is_refused(client, wp, file_request):
    file_request()
    assert_error(client.get(URL), 401, "not_authenticated")


def test_payload_serializers_match_the_transition_forms():
    assert set(s.WELFARE_PAYLOADS) == set(WelfareRequest.transition_forms)
    for name in WelfareRequest.transition_forms:
        form = WelfareRequest().transition_form(name)
        assert set(s.WELFARE_PAYLOADS[name]().fields) == set(form.base_fields), name  # type: ignore[union-attr]
    combined = set(s.WelfareTransitionRequest().fields)
    assert combined == {f for p in s.WELFARE_PAYLOADS.values() for f in p().fields}


def test_the_write_serializer_names_the_forms_fields():
    from welfare.forms import WelfareRequestForm

    assert set(s.WelfareRequestWriteSerializer().fields) == {*WelfareRequestForm.base_fields, "applicant"}


def test_the_schema_names_the_welfare_endpoints(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in (
        "/api/v1/welfare-requests/",
        "/api/v1/welfare-requests/{id}/",
        "/api/v1/welfare-requests/{id}/transitions/{name}/",
        "/api/v1/welfare-requests/{id}/history/",
        "/api/v1/welfare-access-log/",
    ):
        assert path in paths, path
    assert "patch" not in paths["/api/v1/welfare-requests/{id}/"]
