"""子女医疗统筹报销: claims with receipts against an approved enrolment, filed by the
applicant (or the union office for them) and decided by the union office, at the edges of
each rule; the pages, the union office's queue and the API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from notifications.models import Notification
from tests.api.conftest import assert_error
from tests.factories import fresh
from tests.welfare.conftest import token_client
from welfare.claims import medical_claim_decide, medical_claim_file
from welfare.models import MedicalClaim, SensitiveAccess, WelfareAttachment
from workflow.errors import Conflict, InvalidPayload, NotPermitted
from workflow.models import HistoryEntry

from .files import EXE, PDF, PNG, carry, upload

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
HOSPITAL = "市儿童医院"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def enrolled(wp, file_request):
    """dave's child's coverage for 2025, approved by the union office (answered)."""
    return carry(wp, file_request("child_medical", enrolment_year=2025), "answered")


def claim_fields(**extra):
    fields = {
        "visit_date": date(2025, 6, 1),
        "hospital": HOSPITAL,
        "amount_claimed": Decimal("320.50"),
        "description": "急性支气管炎门诊",
        "receipts": [upload("收据.png", PNG)],
    }
    fields.update(extra)
    return fields


def file_claim(wp, request, who="dave", **extra):
    return medical_claim_file(user=fresh(wp[who]), request=request, now=NOW, **claim_fields(**extra))


# Filing -------------------------------------------------------------------------------
def test_the_applicant_files_a_claim_with_two_receipts(wp, enrolled):
    claim = file_claim(wp, enrolled, receipts=[upload("收据1.png", PNG), upload("发票.pdf", PDF)])
    assert (claim.request, claim.filed_by, claim.status) == (enrolled, wp["dave"], "pending")
    assert (claim.hospital, claim.amount_claimed, claim.visit_date) == (HOSPITAL, Decimal("320.50"), date(2025, 6, 1))
    receipts = list(claim.receipts.order_by("id"))
    assert [(f.name, f.content_type, f.request_id) for f in receipts] == [
        ("收据1.png", "image/png", enrolled.pk),
        ("发票.pdf", "application/pdf", enrolled.pk),
    ]
    assert receipts[1].file.read() == PDF
    entry = HistoryEntry.objects.for_item(enrolled).get(action="welfarerequest.claim_filed")
    assert entry.payload == {
        "claim": claim.pk,
        "amount_claimed": "320.50",
        "receipts": [{"name": "收据1.png", "size": len(PNG)}, {"name": "发票.pdf", "size": len(PDF)}],
    }
    assert HOSPITAL not in str(entry.payload) and "支气管炎" not in str(entry.payload)


def test_the_union_office_files_a_claim_for_the_applicant(wp, enrolled):
    claim = file_claim(wp, enrolled, who="office")
    assert (claim.filed_by, claim.request.applicant) == (wp["office"], wp["dave"])


def test_a_claim_may_be_filed_once_the_enrolment_is_closed(wp, enrolled):
    from workflow.services import transition

    closed = transition(enrolled, "close", fresh(wp["office"]))
    assert file_claim(wp, closed).status == "pending"


@pytest.mark.parametrize("who", ["chair", "auditor", "admin", "other_chair", "alice", "committee"])
def test_no_one_else_files_a_claim(wp, enrolled, who):
    with pytest.raises(NotPermitted):
        file_claim(wp, enrolled, who=who)
    assert not MedicalClaim.objects.exists()


def test_a_request_that_is_not_an_approved_enrolment_takes_no_claim(wp, file_request):
    pending = file_request("child_medical", enrolment_year=2025)
    declined = carry(wp, file_request("child_medical", enrolment_year=2025), "answered", approved=False)
    hardship = carry(wp, file_request("hardship"), "answered")
    for r in (pending, carry(wp, file_request("child_medical", enrolment_year=2025), "assigned"), declined, hardship):
        with pytest.raises(Conflict) as err:
            file_claim(wp, r)
        assert err.value.code == "not_enrolled" and err.value.status == 409
    assert not MedicalClaim.objects.exists() and not WelfareAttachment.objects.exists()


def test_a_claim_needs_a_receipt(wp, enrolled):
    with pytest.raises(InvalidPayload) as err:
        file_claim(wp, enrolled, receipts=[])
    assert err.value.code == "receipt_missing"
    assert err.value.fields["receipts"] == ["请上传至少一张收据或发票。"]


def test_every_receipt_is_judged_by_its_content_and_named_when_refused(wp, enrolled):
    with pytest.raises(InvalidPayload) as err:
        file_claim(wp, enrolled, receipts=[upload("好.png", PNG), upload("坏.pdf", EXE)])
    assert err.value.code == "attachment_type"
    (message,) = err.value.fields["receipts"]
    assert message.startswith("坏.pdf：") and "PDF、JPG 或 PNG" in message
    assert not MedicalClaim.objects.exists() and not WelfareAttachment.objects.exists()


def test_field_errors_and_receipt_errors_come_together(wp, enrolled):
    with pytest.raises(InvalidPayload) as err:
        file_claim(wp, enrolled, hospital="", amount_claimed="0", receipts=[])
    assert set(err.value.fields) == {"hospital", "amount_claimed", "receipts"}


@pytest.mark.parametrize(
    ("visit", "ok"),
    [
        (date(2025, 1, 1), True),  # the first day of the enrolment year
        (date(2025, 12, 31), True),  # its last day
        (date(2024, 12, 31), False),
        (date(2026, 1, 1), False),
    ],
)
def test_the_visit_falls_within_the_enrolment_year(wp, enrolled, visit, ok):
    if ok:
        assert file_claim(wp, enrolled, visit_date=visit).visit_date == visit
    else:
        with pytest.raises(InvalidPayload) as err:
            file_claim(wp, enrolled, visit_date=visit)
        assert err.value.fields["visit_date"] == ["就诊日期须在参保年度（2025 年）内。"]


def test_the_visit_is_not_in_the_future(wp, file_request):
    this_year = carry(wp, file_request("child_medical", enrolment_year=2026), "answered")
    assert file_claim(wp, this_year, visit_date=date(2026, 3, 16)).pk  # today
    with pytest.raises(InvalidPayload) as err:
        file_claim(wp, this_year, visit_date=date(2026, 3, 17))
    assert err.value.fields["visit_date"] == ["就诊日期不能晚于今天。"]


@pytest.mark.parametrize("amount", ["0", "-1", "12.345", "abc"])
def test_the_sum_claimed_is_a_positive_sum_in_yuan_and_fen(wp, enrolled, amount):
    with pytest.raises(InvalidPayload) as err:
        file_claim(wp, enrolled, amount_claimed=amount)
    assert err.value.fields["amount_claimed"]


# Deciding ------------------------------------------------------------------------------
@pytest.fixture
def claim(wp, enrolled):
    return file_claim(wp, enrolled)


def decide(wp, claim, who="office", **kwargs):
    return medical_claim_decide(user=fresh(wp[who]), claim=claim, **kwargs)


def test_the_union_office_approves_exactly_the_sum_claimed_and_the_applicant_is_told(wp, claim):
    decided = decide(wp, claim, approved=True, amount=Decimal("320.50"), note="")
    assert (decided.status, decided.amount_approved, decided.decided_by) == (
        "approved",
        Decimal("320.50"),
        wp["office"],
    )
    assert decided.decided_at is not None
    entry = HistoryEntry.objects.for_item(claim.request).get(action="welfarerequest.claim_decided")
    assert entry.payload == {"claim": claim.pk, "approved": True, "amount_approved": "320.50"}
    told = Notification.objects.get(event="welfarerequest.claim_decided")
    assert told.recipient == wp["dave"] and "医疗费用报销已审核" in told.title


def test_the_handler_who_is_union_office_decides_too(wp, claim):
    assert decide(wp, claim, who="office2", approved=True, amount=Decimal("100")).amount_approved == Decimal("100.00")


def test_one_fen_above_the_sum_claimed_is_refused(wp, claim):
    with pytest.raises(InvalidPayload) as err:
        decide(wp, claim, approved=True, amount=Decimal("320.51"))
    assert err.value.fields["amount"] == ["核准金额不能超过报销金额（320.50 元）。"]
    assert MedicalClaim.objects.get(pk=claim.pk).status == "pending"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (None, "核准报销时须填写核准金额。"),
        (Decimal("0"), "核准金额须大于 0。"),
        (Decimal("-5"), "核准金额须大于 0。"),
        (Decimal("1.001"), "金额最多保留两位小数。"),
    ],
)
def test_an_approval_needs_a_sum_above_zero(wp, claim, amount, message):
    with pytest.raises(InvalidPayload) as err:
        decide(wp, claim, approved=True, amount=amount)
    assert err.value.fields["amount"] == [message]


def test_a_rejection_needs_a_reason_and_keeps_no_sum(wp, claim):
    with pytest.raises(InvalidPayload) as err:
        decide(wp, claim, approved=False, amount=None, note="  ")
    assert err.value.fields["note"] == ["不予报销时须填写理由。"]
    decided = decide(wp, claim, approved=False, amount=Decimal("10"), note="属于自费药品，不在统筹范围。")
    assert (decided.status, decided.amount_approved, decided.decision_note) == (
        "rejected",
        None,
        "属于自费药品，不在统筹范围。",
    )
    assert Notification.objects.filter(recipient=wp["dave"], event="welfarerequest.claim_decided").exists()


def test_a_decided_claim_is_not_decided_again(wp, claim):
    decide(wp, claim, approved=True, amount=Decimal("300"))
    for kwargs in ({"approved": False, "note": "重新审核"}, {"approved": True, "amount": Decimal("1")}):
        with pytest.raises(Conflict) as err:
            decide(wp, MedicalClaim.objects.get(pk=claim.pk), **kwargs)
        assert err.value.code == "claim_decided"
    assert MedicalClaim.objects.get(pk=claim.pk).amount_approved == Decimal("300.00")


@pytest.mark.parametrize("who", ["dave", "chair", "auditor", "admin"])
def test_only_the_union_office_decides(wp, claim, who):
    with pytest.raises(NotPermitted):
        decide(wp, claim, who=who, approved=True, amount=Decimal("1"))
    assert MedicalClaim.objects.get(pk=claim.pk).status == "pending"


# Pages ---------------------------------------------------------------------------------
def _page(client, user, request):
    client.force_login(user)
    return client.get(reverse("welfare:detail", args=[request.pk])).content.decode()


def test_the_applicant_files_a_claim_with_several_receipts_from_the_page(client, wp, enrolled):
    page = _page(client, wp["dave"], enrolled)
    assert "提交医疗费用报销" in page and 'name="receipts"' in page and "multiple" in page
    data = {
        "visit_date": "2025-06-01",
        "hospital": HOSPITAL,
        "amount_claimed": "88.00",
        "description": "",
        "receipts": [upload("收据1.png", PNG), upload("收据2.pdf", PDF)],
    }
    r = client.post(reverse("welfare:claim_file", args=[enrolled.pk]), data)
    assert r.status_code == 302 and r.url == reverse("welfare:detail", args=[enrolled.pk])
    claim = MedicalClaim.objects.get()
    assert claim.receipts.count() == 2
    page = _page(client, wp["dave"], enrolled)
    assert HOSPITAL in page and "88.00" in page and "待审核" in page
    for f in claim.receipts.all():
        assert reverse("welfare:attachment_download", args=[f.pk]) in page
    assert "提交医疗费用报销" in page  # the timeline and the form for the next one
    assert reverse("welfare:claim_decide", args=[claim.pk]) not in page  # not the office's form


def test_a_claim_without_receipts_is_refused_on_the_page_with_the_form_kept(client, wp, enrolled):
    client.force_login(wp["dave"])
    data = {"visit_date": "2024-06-01", "hospital": HOSPITAL, "amount_claimed": "88.00"}
    r = client.post(reverse("welfare:claim_file", args=[enrolled.pk]), data)
    assert r.status_code == 400
    page = r.content.decode()
    assert "请上传至少一张收据或发票。" in page and "就诊日期须在参保年度（2025 年）内。" in page
    assert 'value="市儿童医院"' in page
    assert not MedicalClaim.objects.exists()


def test_filing_on_a_request_not_enrolled_is_a_409_on_the_page(client, wp, file_request):
    r = file_request("child_medical")
    client.force_login(wp["dave"])
    page = client.get(reverse("welfare:detail", args=[r.pk])).content.decode()
    assert "子女医疗统筹申请批准后，可在此提交医疗费用报销。" in page and 'name="receipts"' not in page
    data = {**{k: str(v) for k, v in claim_fields().items() if k != "receipts"}, "receipts": upload()}
    resp = client.post(reverse("welfare:claim_file", args=[r.pk]), data)
    assert resp.status_code == 409 and "只有已批准参保的子女医疗统筹申请才能报销医疗费用。" in resp.content.decode()


def test_the_union_office_decides_from_the_page(client, wp, claim):
    page = _page(client, wp["office"], claim.request)
    url = reverse("welfare:claim_decide", args=[claim.pk])
    assert f'action="{url}"' in page and f'name="claim{claim.pk}-approved"' in page
    p = f"claim{claim.pk}-"
    r = client.post(url, {p + "approved": "true", p + "amount": "320.51", p + "note": ""})
    assert r.status_code == 400 and "核准金额不能超过报销金额（320.50 元）。" in r.content.decode()
    r = client.post(url, {p + "approved": "true", p + "amount": "300.00", p + "note": "按比例报销。"})
    assert r.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.amount_approved) == ("approved", Decimal("300.00"))
    page = _page(client, wp["dave"], claim.request)
    assert "已核准" in page and "300.00" in page and "按比例报销。" in page
    r = client.post(url, {p + "approved": "false", p + "note": "再审"})
    assert r.status_code == 403  # dave is signed in now


def test_the_decision_is_refused_to_others_and_hidden_from_strangers(client, wp, claim):
    url = reverse("welfare:claim_decide", args=[claim.pk])
    p = f"claim{claim.pk}-"
    data = {p + "approved": "true", p + "amount": "1"}
    for who, status in (("dave", 403), ("chair", 403), ("auditor", 403), ("alice", 404), ("other_chair", 404)):
        client.force_login(wp[who])
        assert client.post(url, data).status_code == status, who
    assert MedicalClaim.objects.get(pk=claim.pk).status == "pending"


def test_an_auditor_sees_the_claim_masked_and_the_receipts_without_links(client, wp, claim):
    page = _page(client, wp["auditor"], claim.request)
    assert "320.50" in page and "收据.png" in page
    assert HOSPITAL not in page and "支气管炎" not in page and "***" in page
    assert reverse("welfare:attachment_download", args=[claim.receipts.get().pk]) not in page


def test_other_kinds_have_no_claims_section(client, wp, file_request):
    assert "医疗费用报销" not in _page(client, wp["dave"], file_request("hardship"))


def test_the_queue_lists_pending_claims_across_requests_for_the_union_office(
    client, wp, file_request, django_assert_max_num_queries
):
    requests = [carry(wp, file_request("child_medical", enrolment_year=2025), "answered") for _ in range(3)]
    claims = [file_claim(wp, r, hospital=f"医院{i}") for i, r in enumerate(requests) for _ in range(2)]
    decide(wp, claims[0], approved=True, amount=Decimal("1"))
    client.force_login(wp["office"])
    url = reverse("welfare:claims_queue")
    client.get(url)  # warm the per-process caches
    with django_assert_max_num_queries(12):
        r = client.get(url)
    assert r.status_code == 200
    page = r.content.decode()
    assert "待审核 5 笔" in page
    assert f"#claim-{claims[1].pk}" in page and f"#claim-{claims[0].pk}" not in page
    assert reverse("welfare:claims_queue") in page  # the link in the header


@pytest.mark.parametrize("who", ["dave", "chair", "auditor", "committee"])
def test_the_queue_is_the_union_offices(client, wp, who):
    client.force_login(wp[who])
    r = client.get(reverse("welfare:claims_queue"))
    assert r.status_code == 403 and "仅供校工会办公室使用" in r.content.decode()
    assert f'href="{reverse("welfare:claims_queue")}"' not in r.content.decode()  # no link in their header


def test_the_request_page_with_many_claims_stays_within_its_budget(client, wp, enrolled, django_assert_max_num_queries):
    for _ in range(6):
        file_claim(wp, enrolled, receipts=[upload("a.png", PNG), upload("b.pdf", PDF)])
    client.force_login(wp["office"])
    url = reverse("welfare:detail", args=[enrolled.pk])
    client.get(url)
    with django_assert_max_num_queries(45):
        assert client.get(url).status_code == 200
    few = client.get(url)
    assert few.status_code == 200


# API -----------------------------------------------------------------------------------
@pytest.fixture
def api(wp):
    return lambda who: token_client(wp[who])


def _claims_url(r):
    return f"/api/v1/welfare-requests/{r.pk}/claims/"


def _body(**extra):
    body = {"visit_date": "2025-06-01", "hospital": HOSPITAL, "amount_claimed": "320.50", "description": "门诊"}
    body["receipts"] = [upload("收据1.png", PNG), upload("收据2.pdf", PDF)]
    body.update(extra)
    return body


def test_the_api_files_lists_and_decides_a_claim(api, wp, enrolled):
    r = api("dave").post(_claims_url(enrolled), _body(), format="multipart")
    assert r.status_code == 201, r.content
    created = r.json()
    assert (created["status"], created["amount_claimed"], created["hospital"]) == ("pending", "320.50", HOSPITAL)
    assert [f["name"] for f in created["receipts"]] == ["收据1.png", "收据2.pdf"]
    assert all(f["download_url"] for f in created["receipts"])
    listed = api("auditor").get(_claims_url(enrolled)).json()
    assert [(c["hospital"], c["description"]) for c in listed] == [("***", "***")]
    assert [f["download_url"] for f in listed[0]["receipts"]] == [None, None]
    decide_url = f"/api/v1/medical-claims/{created['id']}/decide/"
    r = api("office").post(decide_url, {"approved": True, "amount": "320.50"}, format="json")
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["amount_approved"]) == ("approved", "320.50")
    assert_error(api("office").post(decide_url, {"approved": False, "note": "x"}, format="json"), 409, "claim_decided")


def test_the_api_refuses_claims_with_codes(api, wp, enrolled, file_request):
    url = _claims_url(enrolled)
    assert_error(api("dave").post(url, _body(receipts=[]), format="multipart"), 400, "receipt_missing", "receipts")
    assert_error(
        api("dave").post(url, _body(visit_date="2026-01-01"), format="multipart"), 400, "invalid", "visit_date"
    )
    assert_error(api("dave").post(url, _body(extra="x"), format="multipart"), 400, "unknown_field", "extra")
    assert_error(api("chair").post(url, _body(), format="multipart"), 403, "permission_denied")
    assert_error(api("alice").post(url, _body(), format="multipart"), 404, "not_found")
    pending = file_request("child_medical")
    assert_error(api("dave").post(_claims_url(pending), _body(), format="multipart"), 409, "not_enrolled")
    assert not MedicalClaim.objects.exists()


def test_the_api_decision_is_the_union_offices(api, wp, claim):
    url = f"/api/v1/medical-claims/{claim.pk}/decide/"
    assert_error(api("dave").post(url, {"approved": True, "amount": "1"}, format="json"), 403, "permission_denied")
    assert_error(api("auditor").post(url, {"approved": True, "amount": "1"}, format="json"), 403, "permission_denied")
    assert_error(api("alice").post(url, {"approved": True, "amount": "1"}, format="json"), 404, "not_found")
    assert_error(
        api("office").post(url, {"approved": True, "amount": "320.51"}, format="json"), 400, "invalid", "amount"
    )
    assert_error(api("office").post(url, {"approved": False}, format="json"), 400, "invalid", "note")
    assert_error(api("office").post(url, {"approved": True, "sum": "1"}, format="json"), 400, "unknown_field", "sum")
    r = api("office").post(url, {"approved": False, "note": "不在统筹范围。"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["amount_approved"] is None


def test_the_api_claims_list_stays_within_its_budget(api, wp, enrolled, django_assert_max_num_queries):
    for _ in range(6):
        file_claim(wp, enrolled, receipts=[upload("a.png", PNG), upload("b.pdf", PDF)])
    client = api("office")
    client.get(_claims_url(enrolled))
    with django_assert_max_num_queries(12):
        r = client.get(_claims_url(enrolled))
    assert len(r.json()) == 6 and all(len(c["receipts"]) == 2 for c in r.json())


def test_receipts_download_like_certificates(client, wp, claim):
    f = claim.receipts.get()
    client.force_login(wp["dave"])
    r = client.get(reverse("welfare:attachment_download", args=[f.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == PNG
    assert SensitiveAccess.objects.filter(user=wp["dave"], fields=[f"attachment:{f.pk}"]).exists()
