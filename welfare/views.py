"""Server-rendered welfare request pages: a member's requests and the filing form, the
sub-union chair's review queue, the union office's queue (read-only for auditors), and a
request's page with its decision, timeline and the viewer's actions.

Thin, like proposals/views.py: rows come from welfare.selectors (a request the user may
not see is a 404), who may open a list is a policy row (welfare/rules.py), writes go
through welfare.services and workflow.services.transition, and which sensitive fields are
served unmasked (and logged) is welfare.privacy's decision.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from config.auth import login_required
from config.pages import Failed, run_transition, transition_actions
from config.pages import paginate as _page
from config.pages import show_error as _show_error
from config.pages import tidy as _tidy
from org.models import Department, Role
from org.roles import users_with_role
from org.selectors import people_by_strokes, person_name
from workflow import policy
from workflow.errors import DomainError, InvalidPayload
from workflow.models import HistoryEntry

from . import privacy, services
from .attachment_views import attachments_context
from .claim_views import claims_context
from .forms import WelfareRequestForm
from .models import (
    COMMON_SENSITIVE_FIELDS,
    KIND_FIELDS,
    SENSITIVE_FIELDS,
    WelfareKind,
    WelfareRequest,
    WelfareStatus,
    sensitive_fields_of,
)
from .selectors import welfare_requests_visible_to

TRANSITION_LABELS: dict[str, Any] = {
    "review": gettext_lazy("审核通过"),
    "reject": gettext_lazy("不予通过"),
    "assign": gettext_lazy("分派经办人"),
    "answer": gettext_lazy("答复"),
    "close": gettext_lazy("办结"),
    "withdraw": gettext_lazy("撤回申请"),
    "reconsider": gettext_lazy("退回重新答复"),
}

ACTION_LABELS: dict[str, Any] = {
    "welfarerequest.create": gettext_lazy("填写申请"),
    "welfarerequest.submit": gettext_lazy("提交申请"),
    "welfarerequest.review": gettext_lazy("分工会审核通过"),
    "welfarerequest.reject": gettext_lazy("不予通过"),
    "welfarerequest.assign": gettext_lazy("分派经办人"),
    "welfarerequest.answer": gettext_lazy("答复"),
    "welfarerequest.close": gettext_lazy("办结"),
    "welfarerequest.withdraw": gettext_lazy("撤回申请"),
    "welfarerequest.reconsider": gettext_lazy("退回重新答复"),
    "welfarerequest.objection_raised": gettext_lazy("收到公示异议"),
    "welfarerequest.objection_resolved": gettext_lazy("处理公示异议"),
    "welfarerequest.attachment_added": gettext_lazy("上传证明材料"),
    "welfarerequest.claim_filed": gettext_lazy("提交医疗费用报销"),
    "welfarerequest.claim_decided": gettext_lazy("审核医疗费用报销"),
    "welfarerequest.due_recounted": gettext_lazy("按放假安排重新计算期限"),
}

# The sub-union chair's queue: what waits for them, or everything of their unit.
REVIEW_TABS = {"pending": gettext_lazy("待审核"), "all": gettext_lazy("本单位全部申请")}

# Long texts a list never shows.
_LONG_FIELDS = ("description", "family_situation", "diagnosis", "review_comment", "reject_reason", "answer")


def _require(request: HttpRequest, action: str, message: str) -> None:
    if not policy.allows(WelfareRequest(), action, request.user, state=""):
        raise PermissionDenied(message)


# Forms that belong to the pages only ---------------------------------------------
class _MemberChoiceField(forms.ModelChoiceField):
    """Members in 姓氏笔画 order, each with their unit, so two people of one name differ."""

    def label_from_instance(self, obj: Any) -> str:
        profile = getattr(obj, "profile", None)
        if profile is not None and profile.department_id:
            return _("%(name)s（%(department)s）") % {"name": person_name(obj), "department": profile.department.name}
        return person_name(obj)


class WelfareFilingForm(WelfareRequestForm):
    """The filing page's form: the service's form, plus the applicant for 代录."""

    applicant = _MemberChoiceField(
        label=gettext_lazy("申请人（代录）"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=gettext_lazy("校工会代会员录入时选择申请人；为本人申请时留空。"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        probe = WelfareRequest()
        if policy.allows(probe, "file_for_other", user, state=""):
            field = self.fields["applicant"]
            members = users_with_role(Role.MEMBER).select_related("profile__department")
            field.queryset = members  # type: ignore[attr-defined]
            # Choices in 姓氏笔画 order, the order official lists of names use.
            field.choices = [  # type: ignore[attr-defined]
                ("", _("请选择会员")),
                *((u.pk, field.label_from_instance(u)) for u in people_by_strokes(members)),  # type: ignore[attr-defined]
            ]
            field.required = not policy.allows(probe, "create", user, state="")
            if field.required:
                field.help_text = _("选择要代为录入申请的会员。")
            # Shown first: whose request it is decides everything after.
            self.order_fields(["applicant", *self.fields])
        else:
            del self.fields["applicant"]

    def fieldsets(self) -> list[dict[str, Any]]:
        """The common fields, the sensitive ones, then one fieldset per kind (shown for its
        kind by static/js/welfare_form.js; all of them, each named, without the script)."""
        kinds = dict(WelfareKind.choices)
        common = [n for n in ("applicant", "kind", "title", "description", "amount_requested") if n in self.fields]
        sets = [
            {"legend": _("申请信息"), "kind": "", "fields": [self[n] for n in common]},
            {
                "legend": _("个人及家庭情况（仅申请人、分工会主席和校工会可见）"),
                "kind": "",
                "fields": [self[n] for n in COMMON_SENSITIVE_FIELDS],
            },
        ]
        for kind, names in KIND_FIELDS.items():
            if names:
                legend = _("%(kind)s：补充信息") % {"kind": kinds[kind]}
                sets.append({"legend": legend, "kind": kind, "fields": [self[n] for n in names]})
        return sets


class OfficeFilterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("申请类别"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    unit = forms.TypedChoiceField(label=gettext_lazy("所在单位"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["kind"].choices = everything + list(WelfareKind.choices)  # type: ignore[attr-defined]
        statuses = [c for c in WelfareStatus.choices if c[0] != WelfareStatus.DRAFT]
        self.fields["status"].choices = everything + statuses  # type: ignore[attr-defined]
        self.fields["unit"].choices = everything + units  # type: ignore[attr-defined]


def _dress(form: forms.BaseForm | None) -> forms.BaseForm | None:
    """Transition forms as a page shows them: handlers by name, approve as two radio buttons."""
    if form is None:
        return None
    _tidy(form)
    if "handler" in form.fields:
        form.fields["handler"].label_from_instance = person_name  # type: ignore[attr-defined]
    if "approved" in form.fields:
        form.fields["approved"].widget = forms.RadioSelect(
            choices=[("true", _("批准")), ("false", _("不批准"))],
        )
    return form


# Lists --------------------------------------------------------------------------
@login_required
@require_GET
def my_requests(request: HttpRequest) -> HttpResponse:
    """我的福利申请: the member's own requests, newest first."""
    _require(request, "view_mine", _("我的福利申请仅供工会会员查看。"))
    qs = (
        welfare_requests_visible_to(request.user)
        .filter(applicant_id=request.user.pk)
        .select_related("unit")
        .defer(*_LONG_FIELDS)
    )
    return render(request, "welfare/mine.html", {"page_obj": _page(request, qs)})


def _chair_unit(user: Any) -> int | None:
    profile = getattr(user, "profile", None)
    return profile.department_id if profile is not None else None


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """待审核: the requests of the chair's unit waiting for the sub-union's review."""
    _require(request, "view_review_queue", _("审核队列仅供分工会主席查看。"))
    unit_id = _chair_unit(request.user)
    unit_requests = welfare_requests_visible_to(request.user).filter(unit_id=unit_id)
    tab = request.GET.get("tab", "pending")
    if tab not in REVIEW_TABS:
        tab = "pending"
    qs = unit_requests.filter(status=WelfareStatus.SUBMITTED) if tab == "pending" else unit_requests
    qs = qs.select_related("applicant__profile").defer(*_LONG_FIELDS)
    pending = unit_requests.filter(status=WelfareStatus.SUBMITTED).count()
    tabs = [
        {"key": key, "label": label, "count": pending if key == "pending" else None, "current": key == tab}
        for key, label in REVIEW_TABS.items()
    ]
    context = {"page_obj": _page(request, qs), "tabs": tabs, "tab": tab}
    return render(request, "welfare/review_queue.html", context)


def _office_filtered(qs: QuerySet[WelfareRequest], data: dict[str, Any]) -> QuerySet[WelfareRequest]:
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("unit"):
        qs = qs.filter(unit_id=data["unit"])
    return qs


def office_queue_filter(
    request: HttpRequest,
) -> tuple[OfficeFilterForm, dict[str, Any], QuerySet[WelfareRequest], QuerySet[WelfareRequest]]:
    """The office queue's filters from the query string, as the page and its xlsx export
    (welfare/payout_views.py) both apply them: the form, its clean data, the requests before
    the kind filter (the tabs count those) and after it."""
    units = list(Department.objects.filter(welfare_requests__isnull=False).distinct().values_list("pk", "name"))
    form = OfficeFilterForm(request.GET, units=units)
    data = form.cleaned_data if form.is_valid() else {}
    base = _office_filtered(welfare_requests_visible_to(request.user).exclude(status=WelfareStatus.DRAFT), data)
    qs = base.filter(kind=data["kind"]) if data.get("kind") else base
    return form, data, base, qs


@login_required
@require_GET
def office_queue(request: HttpRequest) -> HttpResponse:
    """The union office's queue by kind and state, with how many of each kind; auditors and
    admins read it too (a request's page offers them no action)."""
    _require(request, "view_office_queue", _("福利申请队列仅供校工会办公室和审计人员查看。"))
    form, data, base, qs = office_queue_filter(request)
    # Counts per kind follow the other filters, so each kind's link says what it would show.
    counts = dict(base.order_by().values_list("kind").annotate(n=Count("pk")))
    kinds = [
        {"key": key, "label": label, "count": counts.get(key, 0), "current": data.get("kind") == key}
        for key, label in WelfareKind.choices
    ]
    qs = qs.select_related("applicant__profile", "unit", "handler__profile").defer(*_LONG_FIELDS)
    context = {
        "form": _tidy(form),
        "page_obj": _page(request, qs),
        "kinds": kinds,
        "total": sum(counts.values()),
        "kind": data.get("kind") or "",
        "can_file": policy.allows(WelfareRequest(), "file_for_other", request.user, state=""),
        # The xlsx export, the payout list and the yearly figures (welfare/payout_views.py).
        "can_export": policy.allows(WelfareRequest(), "export", request.user, state=""),
        "can_view_payouts": policy.allows(WelfareRequest(), "view_payouts", request.user, state=""),
        "can_view_figures": policy.allows(WelfareRequest(), "view_figures", request.user, state=""),
    }
    return render(request, "welfare/office_queue.html", context)


# Filing -------------------------------------------------------------------------
def _filing_page(request: HttpRequest, form: WelfareFilingForm, status: int = 200) -> HttpResponse:
    from .recuperation import filing_hint

    # 疗休养: this year's places left and who may apply, under the fields the rules judge.
    form.fields["years_of_service"].help_text = filing_hint()
    return render(request, "welfare/form.html", {"form": _tidy(form)}, status=status)


@login_required
def welfare_create(request: HttpRequest) -> HttpResponse:
    """提交申请: a member for themselves; the union office on a member's behalf (代录)."""
    probe = WelfareRequest()
    if not (
        policy.allows(probe, "create", request.user, state="")
        or policy.allows(probe, "file_for_other", request.user, state="")
    ):
        raise PermissionDenied(_("只有工会会员可以提交福利申请。"))
    if request.method != "POST":
        return _filing_page(request, WelfareFilingForm(user=request.user))
    form = WelfareFilingForm(data=request.POST, user=request.user)
    fields = {name: request.POST.get(name, "") for name in WelfareRequestForm.Meta.fields}
    try:
        applicant = None
        if "applicant" in form.fields:
            try:
                applicant = form.fields["applicant"].clean(request.POST.get("applicant", ""))
            except ValidationError as exc:
                raise InvalidPayload(fields={"applicant": [str(m) for m in exc.messages]}) from exc
        filed = services.welfare_request_file(user=request.user, applicant=applicant, **fields)
    except DomainError as err:
        return _filing_page(request, _show_error(form, err), status=err.status)
    messages.success(request, _("福利申请已提交，等待分工会审核。"))
    return redirect("welfare:detail", pk=filed.pk)


# A request's page -----------------------------------------------------------------
def _visible_request(request: HttpRequest, pk: int) -> WelfareRequest:
    qs = welfare_requests_visible_to(request.user).select_related(
        "applicant__profile",
        "unit",
        "filed_by__profile",
        "reviewed_by__profile",
        "handler__profile",
    )
    return get_object_or_404(qs, pk=pk)


def _actions(request: HttpRequest, item: WelfareRequest, failed: Failed | None) -> tuple[list[dict], str]:
    return transition_actions(
        request, item, labels=TRANSITION_LABELS, url_name="welfare:transition", failed=failed, dress=_dress
    )


def _timeline(item: WelfareRequest) -> list[dict[str, Any]]:
    states = dict(WelfareStatus.choices)
    return [
        {
            "at": e.at,
            "actor": person_name(e.actor) if e.actor is not None else _("系统"),
            "label": ACTION_LABELS.get(e.action, e.action),
            "department": "",
            "state": states.get(e.to_state, e.to_state) if e.to_state else "",
            "comment": e.comment,
        }
        for e in HistoryEntry.objects.for_item(item).select_related("actor__profile").order_by("at", "pk")
    ]


def _sensitive(request: HttpRequest, item: WelfareRequest) -> dict[str, Any]:
    """The sensitive fields as this viewer may read them; serving them unmasked is logged."""
    unmasked = item.pk in privacy.sensitive_serve(
        user=request.user, requests=[item], channel="page", path=request.get_full_path()
    )
    rows = []
    for name in sensitive_fields_of(item.kind):
        value = getattr(item, name)
        if unmasked and value in (None, ""):
            continue
        rows.append({"label": _label(name), "value": value if unmasked else privacy.MASK})
    return {"unmasked": unmasked, "rows": rows}


def _label(name: str) -> str:
    field = WelfareRequest._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _kind_facts(item: WelfareRequest) -> list[dict[str, Any]]:
    facts = []
    for name in KIND_FIELDS.get(item.kind, ()):
        value = getattr(item, name)
        if value in (None, "") or name in SENSITIVE_FIELDS:  # those are in _sensitive's rows
            continue
        display = getattr(item, f"get_{name}_display", None)
        facts.append({"label": _label(name), "value": display() if display else value})
    return facts


def _render_detail(request: HttpRequest, pk: int, *, failed: Failed | None = None, status: int = 200) -> HttpResponse:
    item = _visible_request(request, pk)
    actions, page_error = _actions(request, item, failed)
    context = {
        "item": item,
        "applicant": person_name(item.applicant),
        "filed_by": person_name(item.filed_by) if item.filed_by_id != item.applicant_id else "",
        "reviewed_by": person_name(item.reviewed_by) if item.reviewed_by_id else "",
        "handler": person_name(item.handler) if item.handler_id else "",
        "kind_facts": _kind_facts(item),
        "sensitive": _sensitive(request, item),
        "timeline": _timeline(item),
        "actions": actions,
        "page_error": page_error,
        # Confidential files and medical claims (welfare/attachment_views.py, welfare/claim_views.py).
        **attachments_context(request, item),
        **claims_context(request, item),
    }
    return render(request, "welfare/detail.html", context, status=status)


@login_required
@require_GET
def welfare_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, pk)


@login_required
@require_POST
def welfare_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """POST side of every action button: the form's fields as the payload, the one write
    path, and the page again with the error next to its field when it refuses."""
    item = _visible_request(request, pk)
    return run_transition(
        request,
        item,
        name,
        labels=TRANSITION_LABELS,
        render_again=_render_detail,
        done_url=reverse("welfare:detail", args=[item.pk]),
        dress=_dress,
    )
