"""The union office's spreadsheets and payout page: 福利发放清单 (a period's approved sums, as a
page and as xlsx for the finance office) and the office queue as xlsx with its current filters.

Thin: who may open each is a policy row (welfare/rules.py: ``view_payouts``, ``export``), the
rows come from welfare.payouts and the office queue's own filter (welfare.views), the ID
numbers and other sensitive fields are masked or served (and logged, channel ``export`` for
a file, ``page`` for the page) by welfare.privacy, the files are laid out by welfare.exports.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from config.auth import login_required
from config.pages import show_error, tidy
from workflow import policy
from workflow.errors import DomainError

from . import exports
from .models import AccessChannel, WelfareRequest
from .payouts import Period, local_date, payout_list, payout_period
from .privacy import sensitive_serve
from .views import office_queue_filter


def require(request: HttpRequest, *actions: str) -> None:
    """403 unless the policy table allows every one of these list-wide actions."""
    for action in actions:
        if not policy.allows(WelfareRequest(), action, request.user, state=""):
            raise PermissionDenied(_("福利发放清单、导出和统计仅供校工会办公室和审计人员查看。"))


class PeriodForm(forms.Form):
    """从/至, named ``from`` and ``to`` like the query string. Plain text fields: the dates are
    checked once, by welfare.payouts.payout_period, whose errors the page shows by field."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        date = forms.DateInput(attrs={"type": "date"})
        self.fields["from"] = forms.CharField(label=gettext_lazy("开始日期（办结）"), required=False, widget=date)
        self.fields["to"] = forms.CharField(label=gettext_lazy("截止日期（含当日）"), required=False, widget=date)


def _period(request: HttpRequest) -> Period:
    return payout_period(starts=request.GET.get("from"), ends=request.GET.get("to"), now=timezone.now())


@login_required
@require_GET
def payouts_page(request: HttpRequest) -> HttpResponse:
    """福利发放清单: the period's rows with the totals per kind and a link to the same as xlsx."""
    require(request, "view_payouts")
    context: dict[str, Any]
    can_export = policy.allows(WelfareRequest(), "export", request.user, state="")
    try:
        period = _period(request)
    except DomainError as err:
        form = show_error(tidy(PeriodForm(request.GET)), err)
        failed = {"form": form, "payouts": None, "can_export": can_export}
        return render(request, "welfare/payouts.html", failed, status=err.status)
    payouts = payout_list(user=request.user, period=period, channel=AccessChannel.PAGE, path=request.get_full_path())
    context = {
        "form": tidy(PeriodForm(period.query())),
        "payouts": payouts,
        "can_export": can_export,
        "xlsx_url": f"{reverse('welfare:payouts_xlsx')}?{urlencode(period.query())}",
    }
    return render(request, "welfare/payouts.html", context)


@login_required
@require_GET
def payouts_xlsx(request: HttpRequest) -> HttpResponse:
    """福利发放清单_<from>_<to>.xlsx for the finance office."""
    require(request, "view_payouts", "export")
    try:
        period = _period(request)
    except DomainError as err:
        return HttpResponseBadRequest(str(err.message), content_type="text/plain; charset=utf-8")
    payouts = payout_list(user=request.user, period=period, channel=AccessChannel.EXPORT, path=request.get_full_path())
    filename, fallback = exports.payout_filename(payouts)
    return exports.xlsx_response(exports.payouts_workbook(payouts), filename=filename, fallback=fallback)


@login_required
@require_GET
def queue_xlsx(request: HttpRequest) -> HttpResponse:
    """The office queue with its current filters (kind, state, unit), every row not only one
    page, with the sensitive fields as welfare.privacy lets this viewer read them."""
    require(request, "view_office_queue", "export")
    _form, _data, _base, qs = office_queue_filter(request)
    requests = list(
        qs.select_related("applicant__profile", "unit", "handler__profile").defer(
            "description", "family_situation", "review_comment", "reject_reason", "answer"
        )
    )
    unmasked = sensitive_serve(
        user=request.user,
        requests=requests,
        channel=AccessChannel.EXPORT,
        path=request.get_full_path(),
        fields=exports.QUEUE_SENSITIVE_FIELDS,
    )
    filename, fallback = exports.queue_filename(today=local_date(timezone.now()))
    return exports.xlsx_response(
        exports.queue_workbook(requests, unmasked=unmasked), filename=filename, fallback=fallback
    )
