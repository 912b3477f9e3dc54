"""子女医疗统筹报销 on the pages: the claims section of an enrolled request's page (the
claims with their receipts, the form to file one, the union office's decision form per
pending claim) and the union office's queue of pending claims across requests.

Thin: welfare.claims decides; a claim of a request the user may not see is a 404. The
hospital and the description are medical information, shown only to those who read the
request's sensitive data (welfare.privacy), like the receipts' links.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.auth import login_required
from config.pages import paginate, show_error
from workflow import policy
from workflow.errors import DomainError

from .attachment_views import bound, keep_bound, may_open_files, render_again
from .claim_forms import ClaimDecideForm, MedicalClaimPageForm
from .claims import claims_pending, is_enrolled, medical_claim_decide, medical_claim_file, medical_claims_visible_to
from .models import MedicalClaim, WelfareKind, WelfareRequest
from .privacy import MASK


def _decide_form(claim: MedicalClaim, data: Any = None) -> ClaimDecideForm:
    return ClaimDecideForm(data, prefix=f"claim{claim.pk}", auto_id=f"id_claim{claim.pk}_%s")


def claims_context(request: HttpRequest, item: WelfareRequest) -> dict[str, Any]:
    """The "医疗费用报销" section, for children's medical coverage requests only."""
    if item.kind != WelfareKind.CHILD_MEDICAL:
        return {"claims_shown": False}
    user = request.user
    may_open = may_open_files(request, item)
    can_decide = policy.allows(item, "decide_claim", user)
    rows = []
    for claim in medical_claims_visible_to(user).filter(request=item).order_by("created_at", "id"):
        decide_form = None
        if can_decide and claim.status == MedicalClaim.Status.PENDING:
            decide_form = bound(request, f"decide{claim.pk}") or _decide_form(claim)
        rows.append(
            {
                "claim": claim,
                "hospital": claim.hospital if may_open else MASK,
                "description": claim.description if may_open else (MASK if claim.description else ""),
                "receipts": list(claim.receipts.all()),
                "decide_form": decide_form,
            }
        )
    claim_form = bound(request, "claim")
    if claim_form is None and is_enrolled(item) and policy.allows(item, "file_claim", user):
        claim_form = MedicalClaimPageForm()
    return {
        "claims_shown": True,
        "enrolled": is_enrolled(item),
        "claims": rows,
        "claim_form": claim_form,
        "may_open_files": may_open,
    }


@login_required
@require_POST
def claim_file(request: HttpRequest, pk: int) -> HttpResponse:
    """POST a claim with its receipts (several files in `receipts`) to the request `pk`."""
    from . import views

    item = views._visible_request(request, pk)
    form = MedicalClaimPageForm(request.POST, request.FILES)
    try:
        medical_claim_file(
            user=request.user,
            request=item,
            visit_date=request.POST.get("visit_date", ""),
            hospital=request.POST.get("hospital", ""),
            amount_claimed=request.POST.get("amount_claimed", ""),
            description=request.POST.get("description", ""),
            receipts=request.FILES.getlist("receipts"),
        )
    except DomainError as err:
        keep_bound(request, "claim", show_error(form, err))
        return render_again(request, pk, err.status)
    messages.success(request, _("医疗费用报销已提交，等待校工会审核。"))
    return redirect("welfare:detail", pk=item.pk)


@login_required
@require_POST
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The union office's decision on the claim `pk` (the form of the request's page)."""
    claim = get_object_or_404(medical_claims_visible_to(request.user).select_related("request"), pk=pk)
    form = _decide_form(claim, request.POST)
    raw = form.add_prefix
    approved = {"true": True, "false": False}.get(request.POST.get(raw("approved"), ""))
    try:
        medical_claim_decide(
            user=request.user,
            claim=claim,
            approved=approved,
            amount=request.POST.get(raw("amount"), "").strip() or None,
            note=request.POST.get(raw("note"), ""),
        )
    except DomainError as err:
        keep_bound(request, f"decide{claim.pk}", show_error(form, err))
        return render_again(request, claim.request_id, err.status)
    messages.success(request, _("已完成医疗费用报销审核。"))
    return redirect("welfare:detail", pk=claim.request_id)


@login_required
@require_GET
def claims_queue(request: HttpRequest) -> HttpResponse:
    """医疗报销审核: the claims waiting for the union office, oldest first, across requests."""
    if not policy.allows(WelfareRequest(), "view_claims_queue", request.user, state=""):
        raise PermissionDenied(_("医疗费用报销审核仅供校工会办公室使用。"))
    return render(request, "welfare/claims_queue.html", {"page_obj": paginate(request, claims_pending(request.user))})
