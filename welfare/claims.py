"""子女医疗统筹报销: reimbursement claims, each with its receipts, against an approved
enrolment (a child_medical request the union office approved: answered or closed).

The applicant files a claim (or the union office files it for them, 代录) with at least one
receipt; the visit must fall in the enrolment year and not in the future. The union office
approves a sum above zero and at most the sum claimed, or rejects with a reason; a decided
claim stays decided. Who may do each is a policy row (welfare/rules.py: ``file_claim``,
``decide_claim``); history rows on the request carry sums and counts, never the hospital or
the description.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from workflow import history, policy
from workflow.errors import Conflict, InvalidPayload

from .attachments import file_record, files_removed_on_error, store, welfare_file_validate
from .claim_forms import MedicalClaimForm
from .models import MedicalClaim, WelfareAttachment, WelfareKind, WelfareRequest, WelfareStatus
from .selectors import welfare_requests_visible_to

CLAIM_DECIDED_EVENT = "welfarerequest.claim_decided"


def is_enrolled(request: WelfareRequest) -> bool:
    """An approved children's medical coverage: the only requests claims are filed against."""
    return (
        request.kind == WelfareKind.CHILD_MEDICAL
        and request.status in (WelfareStatus.ANSWERED, WelfareStatus.CLOSED)
        and request.approved is True
    )


def _not_enrolled() -> Conflict:
    return Conflict(_("只有已批准参保的子女医疗统筹申请才能报销医疗费用。"), code="not_enrolled")


def medical_claims_visible_to(user: Any) -> QuerySet[MedicalClaim]:
    """The claims of the requests the user may see, each with its receipts loaded."""
    receipts = WelfareAttachment.objects.select_related("uploaded_by__profile").order_by("created_at", "id")
    return (
        MedicalClaim.objects.filter(request__in=welfare_requests_visible_to(user))
        .select_related("filed_by__profile", "decided_by__profile")
        .prefetch_related(Prefetch("receipts", queryset=receipts))
    )


def _visit_date_errors(request: WelfareRequest, visit_date: date, today: date) -> list[str]:
    year = request.enrolment_year
    if visit_date > today:
        return [_("就诊日期不能晚于今天。")]
    if year is not None and not (date(year, 1, 1) <= visit_date <= date(year, 12, 31)):
        return [_("就诊日期须在参保年度（%(year)s 年）内。") % {"year": year}]
    return []


def _receipt_types(receipts: list[Any]) -> list[Any]:
    if not receipts:
        raise InvalidPayload(fields={"receipts": [_("请上传至少一张收据或发票。")]}, code="receipt_missing")
    types, errors, code = [], [], "attachment_type"
    for upload in receipts:
        try:
            types.append(welfare_file_validate(upload=upload, field="receipts"))
        except InvalidPayload as err:
            name = getattr(upload, "name", "") or _("收据")
            errors.append(_("%(name)s：%(error)s") % {"name": name, "error": err.message})
            code = err.code
    if errors:
        raise InvalidPayload(errors[0], code=code, fields={"receipts": errors})
    return types


def medical_claim_file(
    *,
    user: Any,
    request: WelfareRequest,
    visit_date: Any,
    hospital: str,
    amount_claimed: Any,
    description: str = "",
    receipts: list[Any],
    now: datetime | None = None,
) -> MedicalClaim:
    """File a claim with its receipts against an enrolled child_medical request.

    Conflict ``not_enrolled`` (409) on any other request; NotPermitted (403) for anyone but
    the applicant and the union office; InvalidPayload (400) with field errors for the form,
    a visit outside the enrolment year or in the future, and missing or refused receipts."""
    if not is_enrolled(request):
        raise _not_enrolled()
    policy.check(request, "file_claim", user)
    form = MedicalClaimForm(
        data={
            "visit_date": visit_date,
            "hospital": hospital,
            "amount_claimed": amount_claimed,
            "description": description or "",
        }
    )
    errors: dict[str, list[str]] = {}
    if not form.is_valid():
        errors = {k: [str(e) for e in v] for k, v in form.errors.items()}
    elif visit_errors := _visit_date_errors(request, form.cleaned_data["visit_date"], timezone.localdate(now)):
        errors["visit_date"] = visit_errors
    try:
        types = _receipt_types(list(receipts or []))
    except InvalidPayload as err:
        if not errors:
            raise
        errors.update(err.fields)
    if errors:
        raise InvalidPayload(fields=errors)
    stored: list[WelfareAttachment] = []
    with transaction.atomic(), files_removed_on_error(stored):
        locked = WelfareRequest.objects.select_for_update().get(pk=request.pk)
        if not is_enrolled(locked):
            raise _not_enrolled()
        policy.check(locked, "file_claim", user)
        claim = form.save(commit=False)
        claim.request, claim.filed_by = locked, user
        claim.save()
        for upload, file_type in zip(receipts, types, strict=True):
            receipt = store(request=locked, upload=upload, file_type=file_type, user=user, claim=claim)
            stored.append(receipt)
        WelfareAttachment.objects.bulk_create(stored)
        history.record(
            locked,
            "welfarerequest.claim_filed",
            user,
            {
                "claim": claim.pk,
                "amount_claimed": str(claim.amount_claimed),
                "receipts": [file_record(f) for f in stored],
            },
        )
    return claim


def _decision_errors(claim: MedicalClaim, approved: Any, amount: Any, note: str) -> dict[str, list[str]]:
    if approved is None:
        return {"approved": [_("请选择核准报销或不予报销。")]}
    if not approved:
        return {} if note.strip() else {"note": [_("不予报销时须填写理由。")]}
    if amount is None or amount == "":
        return {"amount": [_("核准报销时须填写核准金额。")]}
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        return {"amount": [_("请输入有效的金额。")]}
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return {"amount": [_("金额最多保留两位小数。")]}
    if amount <= 0:
        return {"amount": [_("核准金额须大于 0。")]}
    if amount > claim.amount_claimed:
        return {"amount": [_("核准金额不能超过报销金额（%(claimed)s 元）。") % {"claimed": claim.amount_claimed}]}
    return {}


def medical_claim_decide(
    *,
    user: Any,
    claim: MedicalClaim,
    approved: bool | None,
    amount: Decimal | str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> MedicalClaim:
    """The union office approves a sum (above zero, at most the sum claimed) or rejects the
    claim with a reason; the applicant is told. NotPermitted (403) for anyone else, Conflict
    ``claim_decided`` (409) for a claim already decided, InvalidPayload (400) otherwise."""
    policy.check(claim.request, "decide_claim", user)
    if claim.status != MedicalClaim.Status.PENDING:
        raise _decided()
    note = (note or "").strip()
    if errors := _decision_errors(claim, approved, amount, note):
        raise InvalidPayload(fields=errors)
    with transaction.atomic():
        request = WelfareRequest.objects.select_for_update().get(pk=claim.request_id)
        policy.check(request, "decide_claim", user)
        locked = MedicalClaim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != MedicalClaim.Status.PENDING:
            raise _decided()
        locked.status = MedicalClaim.Status.APPROVED if approved else MedicalClaim.Status.REJECTED
        locked.amount_approved = Decimal(str(amount)) if approved else None
        locked.decision_note = note
        locked.decided_by, locked.decided_at = user, now or timezone.now()
        locked.save(update_fields=["status", "amount_approved", "decision_note", "decided_by", "decided_at"])
        history.record(
            request,
            "welfarerequest.claim_decided",
            user,
            {
                "claim": locked.pk,
                "approved": bool(approved),
                "amount_approved": str(locked.amount_approved) if approved else None,
            },
        )
        notify(recipients=[request.applicant], event=CLAIM_DECIDED_EVENT, item=request, actor=user)
    return locked


def _decided() -> Conflict:
    return Conflict(_("该报销已审核，不能再次审核。"), code="claim_decided")


def claims_pending(user: Any) -> QuerySet[MedicalClaim]:
    """The claims waiting for the union office's decision among those the user may see,
    oldest first (the view asks the policy whether the user may open the queue)."""
    return (
        medical_claims_visible_to(user)
        .filter(status=MedicalClaim.Status.PENDING)
        .select_related("request__applicant__profile", "request__unit")
        .order_by("created_at", "id")
    )
