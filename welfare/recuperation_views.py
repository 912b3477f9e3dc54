"""The union office's settings pages: 疗休养安排 (each year's quota and its batches, with who
is allotted to which batch) and 慰问标准 (the must-visit standard sums).

Thin like welfare/views.py: who may open or change them is a policy row (welfare/rules.py:
the union office changes them, auditors and admins read them), the writes are the services
in welfare.recuperation and welfare.standards, and a refusal shows the page again with the
error next to its field and the input kept.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.auth import login_required
from config.pages import show_error, tidy
from org.selectors import person_name
from workflow import policy
from workflow.errors import DomainError

from . import recuperation as r
from .models import RecuperationBatch, RecuperationQuota, VisitReason, WelfareRequest
from .recuperation_forms import BatchForm, QuotaForm, VisitStandardForm
from .standards import visit_standard_set, visit_standards_table

QUOTA_FIELDS = list(QuotaForm.Meta.fields)
BATCH_FIELDS = list(BatchForm.Meta.fields)


def _allows(request: HttpRequest, action: str) -> bool:
    return policy.allows(WelfareRequest(), action, request.user, state="")


def _require(request: HttpRequest, action: str) -> None:
    if not _allows(request, action):
        raise PermissionDenied(_("此页面仅供校工会办公室使用（审计人员和管理员可查看）。"))


def _posted(request: HttpRequest, names: list[str]) -> dict[str, Any]:
    return {name: request.POST[name] for name in names if name in request.POST}


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return r.recuperation_year()
    return year if 1950 <= year <= 2100 else r.recuperation_year()


def _plan_url(year: int) -> str:
    return f"{reverse('welfare:recuperation')}?year={year}"


# 疗休养安排 ------------------------------------------------------------------------------------
def _allotted(batches: list[RecuperationBatch]) -> dict[int, list[dict[str, str]]]:
    """Who is allotted to each batch, with their unit (one query for all the batches)."""
    people: dict[int, list[dict[str, str]]] = defaultdict(list)
    rows = (
        WelfareRequest.objects.filter(r.APPROVED, batch__in=batches)
        .select_related("applicant__profile", "unit")
        .order_by("batch_id", "decided_at", "pk")
    )
    for req in rows:
        assert req.batch_id is not None
        people[req.batch_id].append({"name": person_name(req.applicant), "unit": req.unit.name, "pk": str(req.pk)})
    return people


def _render_plan(
    request: HttpRequest,
    year: int,
    *,
    quota_form: QuotaForm | None = None,
    batch_form: BatchForm | None = None,
    status: int = 200,
) -> HttpResponse:
    quotas = list(r.quotas_with_usage())
    for q in quotas:
        q.remaining = max(q.places - q.used, 0)  # type: ignore[attr-defined]
    quota = next((q for q in quotas if q.year == year), None)
    batches = list(r.batches_with_allotted(year=year).order_by("starts_on", "pk"))
    people = _allotted(batches)
    for b in batches:
        b.people = people.get(b.pk, [])  # type: ignore[attr-defined]
        b.remaining = max(b.capacity - b.allotted, 0)  # type: ignore[attr-defined]
    can_quota, can_batches = _allows(request, "manage_quota"), _allows(request, "manage_batches")
    if can_quota and quota_form is None:
        quota_form = QuotaForm(instance=quota) if quota else QuotaForm(initial={"year": year})
    if can_batches and batch_form is None:
        batch_form = BatchForm(initial={"year": year}, auto_id="id_batch_%s")
    if quota_form is not None and quota is not None:
        quota_form.fields["year"].disabled = True
    context = {
        "year": year,
        "years": sorted({q.year for q in quotas} | {year, r.recuperation_year()}, reverse=True),
        "quotas": quotas,
        "quota": quota,
        "batches": batches,
        "quota_form": tidy(quota_form) if quota_form is not None else None,
        "quota_action": (
            reverse("welfare:recuperation_quota_edit", args=[year])
            if quota
            else reverse("welfare:recuperation_quota_create")
        ),
        "batch_form": tidy(batch_form) if batch_form is not None else None,
        "can_batches": can_batches,
    }
    return render(request, "welfare/recuperation_plan.html", context, status=status)


@login_required
@require_GET
def recuperation_plan(request: HttpRequest) -> HttpResponse:
    """疗休养安排: every year's quota with places used, and the chosen year's batches."""
    _require(request, "view_recuperation")
    return _render_plan(request, _year(request))


@login_required
@require_POST
def quota_create(request: HttpRequest) -> HttpResponse:
    _require(request, "manage_quota")
    data = _posted(request, QUOTA_FIELDS)
    try:
        quota = r.recuperation_quota_create(user=request.user, **data)
    except DomainError as err:
        form = show_error(QuotaForm(data=request.POST), err)
        year = form.cleaned_data.get("year") if hasattr(form, "cleaned_data") else None
        return _render_plan(request, year or r.recuperation_year(), quota_form=form, status=err.status)
    messages.success(request, _("已公布 %(year)d 年度疗休养名额。") % {"year": quota.year})
    return redirect(_plan_url(quota.year))


@login_required
@require_POST
def quota_edit(request: HttpRequest, year: int) -> HttpResponse:
    _require(request, "manage_quota")
    quota = get_object_or_404(RecuperationQuota, year=year)
    data = {**_posted(request, QUOTA_FIELDS), "year": year}
    try:
        r.recuperation_quota_update(user=request.user, quota=quota, **data)
    except DomainError as err:
        fresh = get_object_or_404(RecuperationQuota, year=year)
        form = show_error(QuotaForm(data=data, instance=fresh), err)
        return _render_plan(request, year, quota_form=form, status=err.status)
    messages.success(request, _("已保存 %(year)d 年度疗休养名额。") % {"year": year})
    return redirect(_plan_url(year))


@login_required
@require_POST
def batch_create(request: HttpRequest) -> HttpResponse:
    _require(request, "manage_batches")
    try:
        batch = r.recuperation_batch_create(user=request.user, **_posted(request, BATCH_FIELDS))
    except DomainError as err:
        form = show_error(BatchForm(data=request.POST, auto_id="id_batch_%s"), err)
        year = form.cleaned_data.get("year") if hasattr(form, "cleaned_data") else None
        return _render_plan(request, year or r.recuperation_year(), batch_form=form, status=err.status)
    messages.success(request, _("已新建疗休养批次“%(name)s”。") % {"name": batch.name})
    return redirect(_plan_url(batch.year))


def _render_batch(request: HttpRequest, batch: RecuperationBatch, form: BatchForm, status: int = 200) -> HttpResponse:
    context = {"batch": batch, "form": tidy(form), "people": _allotted([batch]).get(batch.pk, [])}
    return render(request, "welfare/recuperation_batch.html", context, status=status)


@login_required
def batch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改批次: its dates, place and capacity, with who is allotted to it."""
    _require(request, "manage_batches")
    batch = get_object_or_404(RecuperationBatch, pk=pk)
    if request.method != "POST":
        return _render_batch(request, batch, BatchForm(instance=batch))
    try:
        batch = r.recuperation_batch_update(user=request.user, batch=batch, **_posted(request, BATCH_FIELDS))
    except DomainError as err:
        # A fresh instance: validating the form wrote the refused input onto `batch`.
        fresh = get_object_or_404(RecuperationBatch, pk=pk)
        form = show_error(BatchForm(data=request.POST, instance=fresh), err)
        return _render_batch(request, get_object_or_404(RecuperationBatch, pk=pk), form, status=err.status)
    messages.success(request, _("已保存疗休养批次“%(name)s”。") % {"name": batch.name})
    return redirect(_plan_url(batch.year))


# 慰问标准 --------------------------------------------------------------------------------------
def _render_standards(
    request: HttpRequest, *, failed: tuple[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    can_manage = _allows(request, "manage_standards")
    rows = visit_standards_table()
    for row in rows:
        form: forms.Form | None = None
        if failed and failed[0] == row["reason"]:
            form = failed[1]
        elif can_manage:
            standard = row["standard"]
            initial = {"visit_reason": row["reason"]}
            if standard is not None:
                initial.update(amount=standard.amount, note=standard.note)
            form = VisitStandardForm(initial=initial, auto_id=f"id_{row['reason']}_%s")
        if form is not None:
            form.fields["visit_reason"].widget = forms.HiddenInput()
            tidy(form)
        row["form"] = form
    return render(request, "welfare/visit_standards.html", {"rows": rows, "can_manage": can_manage}, status=status)


@login_required
@require_GET
def visit_standards(request: HttpRequest) -> HttpResponse:
    """慰问标准: each must-visit occasion's standard sum; the union office edits them here."""
    _require(request, "view_standards")
    return _render_standards(request)


@login_required
@require_POST
def visit_standard_edit(request: HttpRequest, reason: str) -> HttpResponse:
    _require(request, "manage_standards")
    if reason not in VisitReason.values:
        raise Http404
    amount, note = request.POST.get("amount", "").strip(), request.POST.get("note", "")
    try:
        visit_standard_set(user=request.user, visit_reason=reason, amount=amount or None, note=note)
    except DomainError as err:
        data = {"visit_reason": reason, "amount": amount, "note": note}
        form = show_error(VisitStandardForm(data=data, auto_id=f"id_{reason}_%s"), err)
        return _render_standards(request, failed=(reason, form), status=err.status)
    messages.success(request, _("已保存“%(reason)s”的慰问标准。") % {"reason": VisitReason(reason).label})
    return redirect("welfare:standards")
