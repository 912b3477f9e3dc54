"""The 公示 page: hardship requests in their publicity period, with a form per row to object
(实名), and for the union office the open objections with their dismiss/uphold forms.

Thin: what is listed and who may do what is welfare.publicity's (selectors, services and
policy rows); a refused write shows the page again with the error next to its form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.auth import login_required
from config.pages import show_error, tidy
from org.selectors import person_name
from workflow import policy
from workflow.errors import DomainError, InvalidPayload, NotPermitted, NotVisible

from . import publicity
from .models import PublicityObjection, WelfareRequest
from .publicity_forms import ObjectionForm, ResolveForm
from .selectors import welfare_requests_visible_to


def _page(
    request: HttpRequest,
    *,
    failed: tuple[str, int, Any, DomainError] | None = None,
) -> HttpResponse:
    """The page; ``failed`` is a refused write: ("request" or "objection", its id, the bound
    form, the error), shown next to its row, or on top when the row is no longer listed."""
    user = request.user
    if not policy.allows(WelfareRequest(), "view_publicity", user, state=""):
        raise PermissionDenied(_("公示仅供工会会员查看。"))
    kind, failed_pk, failed_form, err = failed if failed is not None else ("", 0, None, None)
    # One answer for every row: the rows that let anyone object have no object grant.
    may_object = policy.allows(WelfareRequest(), "raise_objection", user, state="")
    items = publicity.publicity_list_for(user=user).select_related("applicant__profile", "unit")
    rows: list[dict[str, Any]] = []
    for item in items:
        own = item.applicant_id == user.pk
        row_form = None
        if may_object and not own:
            mine = kind == "request" and failed_pk == item.pk
            row_form = failed_form if mine else ObjectionForm(auto_id=f"id_objection_{item.pk}_%s")
        rows.append(
            {
                "pk": item.pk,
                "name": person_name(item.applicant),
                "unit": item.unit.name,
                "kind": item.get_kind_display(),
                "amount": item.amount_approved,
                "starts": item.publicity_starts,
                "ends": item.publicity_ends,
                "own": own,
                "form": tidy(row_form) if row_form is not None else None,
            }
        )
    objections: list[dict[str, Any]] = []
    for o in publicity.objections_open_for(user=user):
        mine = kind == "objection" and failed_pk == o.pk
        resolve_form: Any = failed_form if mine else ResolveForm(auto_id=f"id_resolve_{o.pk}_%s")
        objections.append(
            {
                "pk": o.pk,
                "objection": o,
                "raised_by": person_name(o.raised_by),
                "applicant": person_name(o.request.applicant),
                "form": tidy(resolve_form),
            }
        )
    shown = {r["pk"] for r in (rows if kind == "request" else objections)}
    page_error = str(err.message) if err is not None and failed_pk not in shown else ""
    context = {
        "rows": rows,
        "objections": objections,
        "may_resolve": policy.allows(WelfareRequest(), "resolve_objection", user, state=""),
        "page_error": page_error,
        "working_days": publicity.PUBLICITY_WORKING_DAYS,
    }
    return render(request, "welfare/publicity.html", context, status=err.status if err is not None else 200)


@login_required
@require_GET
def publicity_list(request: HttpRequest) -> HttpResponse:
    """公示: the hardship requests whose notice is up today."""
    return _page(request)


@login_required
@require_POST
def objection_raise(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        item = publicity.objection_target(user=request.user, pk=pk)
        publicity.objection_raise(user=request.user, request=item, text=request.POST.get("text", ""))
    except NotVisible as err:
        raise Http404 from err
    except NotPermitted as err:
        raise PermissionDenied(str(err.message)) from err
    except DomainError as err:
        form = show_error(ObjectionForm(data=request.POST, auto_id=f"id_objection_{pk}_%s"), err)
        return _page(request, failed=("request", pk, form, err))
    messages.success(request, _("异议已提交，校工会将予以核实。您的姓名不会告知申请人。"))
    return redirect("welfare:publicity")


def _upheld(value: str) -> bool:
    if value not in ("0", "1"):
        raise InvalidPayload(fields={"upheld": [_("请选择异议成立或不成立。")]})
    return value == "1"


@login_required
@require_POST
def objection_resolve(request: HttpRequest, oid: int) -> HttpResponse:
    """异议成立 / 不成立: the union office, with its reasons."""
    objection = (
        PublicityObjection.objects.filter(pk=oid, request__in=welfare_requests_visible_to(request.user))
        .select_related("request")
        .first()
    )
    if objection is None:
        raise Http404
    if not policy.allows(objection.request, "resolve_objection", request.user):
        raise PermissionDenied(_("只有校工会办公室可以处理公示异议。"))
    try:
        upheld = _upheld(request.POST.get("upheld", ""))
        publicity.objection_resolve(
            user=request.user, objection=objection, upheld=upheld, resolution=request.POST.get("resolution", "")
        )
    except DomainError as err:
        form = show_error(ResolveForm(data=request.POST, auto_id=f"id_resolve_{oid}_%s"), err)
        return _page(request, failed=("objection", oid, form, err))
    if upheld:
        messages.success(request, _("已认定异议成立，申请已退回经办人重新答复。"))
    else:
        messages.success(request, _("已认定异议不成立。"))
    return redirect("welfare:publicity")
