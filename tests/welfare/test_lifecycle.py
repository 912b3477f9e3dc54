"""A welfare request of each kind, carried through workflow.services.transition."""

from contextlib import nullcontext
from decimal import Decimal

import pytest

from notifications.models import Notification
from tests.factories import fresh
from welfare.models import WelfareRequest
from welfare.services import welfare_request_file
from workflow.errors import InvalidPayload, NotPermitted, TransitionNotAllowed, UnknownAction
from workflow.models import HistoryEntry
from workflow.services import available_transitions, transition

from .conftest import KIND_FIELDS, request_fields
from .publicity_support import after_publicity

pytestmark = pytest.mark.django_db


def actions(item):
    return list(HistoryEntry.objects.for_item(item).values_list("action", flat=True))


@pytest.mark.parametrize("kind", list(KIND_FIELDS))
def test_a_member_files_and_the_union_grants_a_request_of_each_kind(wp, file_request, recuperation_plan, kind):
    r = file_request(kind)
    assert (r.status, r.kind, r.applicant, r.filed_by, r.unit) == (
        "submitted",
        kind,
        wp["dave"],
        wp["dave"],
        wp["dave"].profile.department,
    )
    r = transition(r, "review", fresh(wp["chair"]), comment="情况属实，同意上报。")
    assert (r.status, r.reviewed_by, r.review_comment) == ("reviewed", wp["chair"], "情况属实，同意上报。")
    r = transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)
    assert (r.status, r.handler) == ("assigned", wp["office2"])
    # An approved 疗休养 request goes to a batch (welfare.recuperation).
    batch = {"batch": recuperation_plan["batch"].pk} if kind == "recuperation" else {}
    r = transition(
        r, "answer", fresh(wp["office2"]), approved=True, amount="500.00", answer="经研究，同意补助。", **batch
    )
    assert (r.status, r.approved, r.amount_approved, r.answer) == (
        "answered",
        True,
        Decimal("500.00"),
        "经研究，同意补助。",
    )
    assert r.decided_at is not None
    # An approved hardship request is closed (paid) only after its publicity (公示).
    with after_publicity(r) if r.publicity_ends else nullcontext():
        r = transition(r, "close", fresh(wp["office"]))
    assert r.status == "closed" and r.closed_at is not None
    assert actions(r) == [
        "welfarerequest.create",
        "welfarerequest.submit",
        "welfarerequest.review",
        "welfarerequest.assign",
        "welfarerequest.answer",
        "welfarerequest.close",
    ]


def test_the_history_never_holds_the_sensitive_fields(wp, file_request):
    r = file_request("must_visit", income=Decimal("1234.56"))
    payloads = str(list(HistoryEntry.objects.for_item(r).values_list("payload", "comment")))
    assert "阑尾炎" not in payloads and "1234.56" not in payloads and r.id_number not in payloads


def test_the_union_office_may_decline_a_request_without_an_amount(wp, file_request):
    r = file_request("recuperation")
    r = transition(r, "review", fresh(wp["chair"]))
    r = transition(r, "assign", fresh(wp["office"]), handler=wp["office"].pk)
    r = transition(r, "answer", fresh(wp["office"]), approved=False, amount=None, answer="今年名额已满。")
    assert (r.status, r.approved, r.amount_approved) == ("answered", False, None)


def test_the_chair_rejects_with_a_reason_and_the_applicant_is_told(wp, file_request):
    r = file_request()
    with pytest.raises(InvalidPayload) as err:
        transition(r, "reject", fresh(wp["chair"]), reason="")
    assert "reason" in err.value.fields
    r = transition(r, "reject", fresh(wp["chair"]), reason="不符合困难补助条件。")
    assert (r.status, r.reject_reason, r.reviewed_by) == ("rejected", "不符合困难补助条件。", wp["chair"])
    assert Notification.objects.filter(recipient=wp["dave"], event="welfarerequest.reject").exists()
    with pytest.raises(TransitionNotAllowed):
        transition(r, "withdraw", fresh(wp["dave"]))


def test_the_union_office_may_reject_a_reviewed_request(wp, file_request):
    r = transition(file_request(), "review", fresh(wp["chair"]))
    r = transition(r, "reject", fresh(wp["office"]), reason="已享受过同类补助。")
    assert r.status == "rejected"


@pytest.mark.parametrize("steps", [0, 1, 2])
def test_the_applicant_withdraws_before_the_answer(wp, file_request, steps):
    r = file_request()
    if steps >= 1:
        r = transition(r, "review", fresh(wp["chair"]))
    if steps >= 2:
        r = transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)
    r = transition(r, "withdraw", fresh(wp["dave"]))
    assert r.status == "withdrawn"


def test_the_applicant_cannot_withdraw_once_answered(wp, file_request):
    r = transition(file_request(), "review", fresh(wp["chair"]))
    r = transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)
    r = transition(r, "answer", fresh(wp["office2"]), approved=True, amount="100", answer="同意")
    with pytest.raises(TransitionNotAllowed):
        transition(r, "withdraw", fresh(wp["dave"]))


def test_the_union_office_files_for_a_member_and_the_member_owns_the_request(wp, file_request):
    r = file_request(user=wp["office"], applicant=wp["dave"])
    assert (r.status, r.applicant, r.filed_by, r.unit) == (
        "submitted",
        wp["dave"],
        wp["office"],
        wp["dave"].profile.department,
    )
    assert HistoryEntry.objects.for_item(r).get(action="welfarerequest.submit").actor == wp["office"]
    assert Notification.objects.filter(recipient=wp["dave"], event="welfarerequest.submit").exists()
    assert Notification.objects.filter(recipient=wp["chair"], event="welfarerequest.submit").exists()
    assert available_transitions(r, fresh(wp["dave"])) == ["withdraw"]
    assert available_transitions(r, fresh(wp["office"])) == []


def test_a_member_cannot_file_for_someone_else(wp, file_request):
    with pytest.raises(NotPermitted) as err:
        file_request(user=wp["dave"], applicant=wp["alice"])
    assert err.value.status == 403
    assert not WelfareRequest.objects.exists()


def test_someone_who_is_not_a_member_cannot_file(wp):
    with pytest.raises(NotPermitted):
        welfare_request_file(user=wp["committee"], **request_fields())


def test_the_union_office_files_only_for_members_with_a_unit(wp, file_request):
    with pytest.raises(InvalidPayload) as err:
        file_request(user=wp["office"], applicant=wp["bob"])  # a delegate, not a union member
    assert "applicant" in err.value.fields
    with pytest.raises(InvalidPayload) as err:
        file_request(user=wp["office"], applicant=wp["office2"])
    assert "applicant" in err.value.fields


def test_a_wrong_id_checksum_is_a_field_error(wp, file_request):
    with pytest.raises(InvalidPayload) as err:
        file_request(id_number="110105194912310021")
    assert err.value.status == 400
    assert list(err.value.fields) == ["id_number"]
    assert "校验位" in err.value.fields["id_number"][0]
    assert not WelfareRequest.objects.exists()


def test_a_lower_case_x_is_stored_upper_case(wp, file_request):
    assert file_request(id_number="11010519491231002x").id_number == "11010519491231002X"


@pytest.mark.parametrize(
    ("kind", "missing"),
    [
        ("hardship", "family_situation"),
        ("hardship", "income"),
        ("must_visit", "visit_reason"),
        ("must_visit", "event_date"),
        ("recuperation", "years_of_service"),
        ("child_medical", "child_name"),
        ("child_medical", "enrolment_year"),
    ],
)
def test_each_kind_requires_its_own_fields(wp, file_request, kind, missing):
    with pytest.raises(InvalidPayload) as err:
        file_request(kind, **{missing: ""})
    assert missing in err.value.fields


def test_an_illness_visit_requires_the_diagnosis(wp, file_request):
    with pytest.raises(InvalidPayload) as err:
        file_request("must_visit", diagnosis="")
    assert "diagnosis" in err.value.fields
    assert file_request("must_visit", visit_reason="marriage", diagnosis="").visit_reason == "marriage"


def test_another_kinds_fields_are_not_kept(wp, file_request):
    r = file_request("recuperation", child_name="刘小明", family_situation="困难")
    assert (r.child_name, r.family_situation, r.years_of_service) == ("", "", 25)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"approved": True, "amount": None, "answer": "同意"}, "amount"),
        ({"approved": True, "amount": "0", "answer": "同意"}, "amount"),
        ({"approved": False, "amount": "100", "answer": "不同意"}, "amount"),
        ({"approved": None, "amount": None, "answer": "？"}, "approved"),
        ({"approved": True, "amount": "100", "answer": ""}, "answer"),
    ],
)
def test_the_answer_payload_is_checked(wp, file_request, payload, field):
    r = transition(file_request(), "review", fresh(wp["chair"]))
    r = transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)
    with pytest.raises(InvalidPayload) as err:
        transition(r, "answer", fresh(wp["office2"]), **payload)
    assert field in err.value.fields


def test_only_a_union_office_worker_can_be_the_handler(wp, file_request):
    r = transition(file_request(), "review", fresh(wp["chair"]))
    with pytest.raises(InvalidPayload) as err:
        transition(r, "assign", fresh(wp["office"]), handler=wp["chair"].pk)
    assert "handler" in err.value.fields


def test_a_transition_not_of_this_kind_is_unknown(wp, file_request):
    with pytest.raises(UnknownAction) as err:
        transition(file_request(), "feedback", fresh(wp["dave"]))
    assert (err.value.status, err.value.code) == (404, "unknown_transition")
