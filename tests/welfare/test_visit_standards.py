"""慰问标准: a must-visit sum above its occasion's standard is refused when filed, and approved
only with the union office's reason; other kinds and occasions without a standard are not capped."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.api.conftest import assert_error
from tests.factories import fresh
from welfare.admin import VisitStandardAdmin
from welfare.models import VisitStandard, WelfareRequest
from workflow.errors import InvalidPayload
from workflow.models import HistoryEntry
from workflow.services import transition

from .test_api import URL, body, post, run

pytestmark = pytest.mark.django_db

ILLNESS_CAP = "超过慰问标准（生病住院 500.00 元）"


@pytest.fixture
def to_answer(wp, file_request):
    """A request reviewed and assigned to office2, ready for the answer."""

    def make(kind: str = "must_visit", **extra: Any) -> WelfareRequest:
        r = transition(file_request(kind, **extra), "review", fresh(wp["chair"]))
        return transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)  # type: ignore[return-value]

    return make


def answer_entry(item: WelfareRequest) -> HistoryEntry:
    return HistoryEntry.objects.for_item(item).get(action="welfarerequest.answer")


def test_the_migration_fills_the_standards_the_union_office_then_edits():
    standards = dict(VisitStandard.objects.values_list("visit_reason", "amount"))
    assert standards == {
        "illness": Decimal("500.00"),
        "marriage": Decimal("500.00"),
        "childbirth": Decimal("500.00"),
        "bereavement": Decimal("1000.00"),
        "retirement": Decimal("800.00"),
    }
    assert VisitStandardAdmin.list_editable == ("amount",)


# Filing ----------------------------------------------------------------------------------


def test_a_member_may_ask_for_exactly_the_standard(file_request):
    r = file_request("must_visit", amount_requested=Decimal("500.00"))
    assert (r.status, r.amount_requested) == ("submitted", Decimal("500.00"))


def test_a_member_asking_one_cent_over_the_standard_is_refused_naming_it(wp, file_request):
    with pytest.raises(InvalidPayload) as err:
        file_request("must_visit", amount_requested=Decimal("500.01"))
    assert err.value.fields == {"amount_requested": [ILLNESS_CAP]}
    assert not WelfareRequest.objects.exists()


def test_each_occasion_is_capped_at_its_own_standard(file_request):
    r = file_request("must_visit", visit_reason="bereavement", diagnosis="", amount_requested=Decimal("1000.00"))
    assert r.amount_requested == Decimal("1000.00")
    with pytest.raises(InvalidPayload) as err:
        file_request("must_visit", visit_reason="retirement", diagnosis="", amount_requested=Decimal("800.01"))
    assert err.value.fields == {"amount_requested": ["超过慰问标准（退休 800.00 元）"]}


def test_the_union_office_filing_on_behalf_is_capped_too(wp, file_request):
    with pytest.raises(InvalidPayload) as err:
        file_request("must_visit", user=wp["office"], applicant=wp["dave"], amount_requested=Decimal("600"))
    assert "amount_requested" in err.value.fields


def test_a_changed_standard_applies_to_the_next_request(file_request):
    VisitStandard.objects.filter(visit_reason="illness").update(amount=Decimal("800.00"))
    assert file_request("must_visit", amount_requested=Decimal("800.00")).amount_requested == Decimal("800.00")


def test_other_kinds_are_not_capped(file_request):
    # hardship carries no visit reason; a stray one left on the page is dropped, not capped.
    r = file_request("hardship", visit_reason="illness", amount_requested=Decimal("3000.00"))
    assert (r.kind, r.amount_requested, r.visit_reason) == ("hardship", Decimal("3000.00"), "")


def test_an_occasion_without_a_standard_is_not_capped(file_request):
    VisitStandard.objects.filter(visit_reason="marriage").delete()
    r = file_request("must_visit", visit_reason="marriage", diagnosis="", amount_requested=Decimal("9999.00"))
    assert r.amount_requested == Decimal("9999.00")


def test_the_api_refuses_a_sum_over_the_standard_with_a_field_error(client_for):
    r = post(client_for("dave"), URL, body("must_visit", amount_requested="500.01"))
    got = assert_error(r, 400, "invalid", "amount_requested")
    assert got["fields"]["amount_requested"] == [ILLNESS_CAP]
    r = post(client_for("dave"), URL, body("must_visit", amount_requested="500.00"))
    assert (r.status_code, r.json()["amount_requested"]) == (201, "500.00")


# Answering -------------------------------------------------------------------------------


def test_the_handler_may_approve_exactly_the_standard_without_a_reason(wp, to_answer):
    r = transition(to_answer(), "answer", fresh(wp["office2"]), approved=True, amount="500.00", answer="同意")
    assert (r.status, r.amount_approved, r.standard_override_reason) == ("answered", Decimal("500.00"), "")


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_approving_over_the_standard_without_a_reason_is_refused(wp, to_answer, reason):
    r = to_answer()
    extra = {} if reason is None else {"override_reason": reason}
    with pytest.raises(InvalidPayload) as err:
        transition(r, "answer", fresh(wp["office2"]), approved=True, amount="500.01", answer="同意", **extra)
    assert (err.value.code, err.value.fields) == ("above_standard", {"amount": [ILLNESS_CAP]})
    r.refresh_from_db()
    assert (r.status, r.amount_approved) == ("assigned", None)
    assert not HistoryEntry.objects.for_item(r).filter(action="welfarerequest.answer").exists()


def test_approving_over_the_standard_with_a_reason_is_stored_and_in_the_history(wp, to_answer):
    why = "住院时间长、家庭困难，经校工会办公会研究提高慰问标准。"
    r = transition(
        to_answer(), "answer", fresh(wp["office2"]), approved=True, amount="800.00", answer="同意", override_reason=why
    )
    assert (r.status, r.amount_approved, r.standard_override_reason) == ("answered", Decimal("800.00"), why)
    assert answer_entry(r).payload["override_reason"] == why


def test_declining_needs_no_reason(wp, to_answer):
    r = transition(to_answer(), "answer", fresh(wp["office2"]), approved=False, amount=None, answer="不符合条件")
    assert (r.status, r.approved, r.standard_override_reason) == ("answered", False, "")


def test_answers_of_other_kinds_and_uncapped_occasions_are_not_capped(wp, to_answer):
    r = transition(to_answer("hardship"), "answer", fresh(wp["office2"]), approved=True, amount="5000", answer="同意")
    assert r.amount_approved == Decimal("5000")
    visit = to_answer(visit_reason="marriage", diagnosis="")
    VisitStandard.objects.filter(visit_reason="marriage").delete()
    r = transition(visit, "answer", fresh(wp["office2"]), approved=True, amount="5000", answer="同意")
    assert (r.amount_approved, r.standard_override_reason) == (Decimal("5000"), "")


def test_the_api_refuses_an_answer_over_the_standard_unless_given_a_reason(client_for, to_answer):
    pk = to_answer().pk
    office2 = client_for("office2")
    over = {"approved": True, "amount": "500.01", "answer": "同意"}
    got = assert_error(run(office2, pk, "answer", over), 400, "above_standard", "amount")
    assert got["fields"]["amount"] == [ILLNESS_CAP]
    r = run(office2, pk, "answer", {**over, "override_reason": "特殊困难，校工会研究同意。"})
    assert r.status_code == 200, r.content
    got = r.json()
    assert (got["status"], got["amount_approved"], got["standard_override_reason"]) == (
        "answered",
        "500.01",
        "特殊困难，校工会研究同意。",
    )
    history = office2.get(f"{URL}{pk}/history/").json()
    assert history[-1]["payload"]["override_reason"] == "特殊困难，校工会研究同意。"
