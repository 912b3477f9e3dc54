"""The auditor's page of the sensitive-field access log (敏感信息查看记录): who was served which
request's diagnosis, income, ID number, family situation or confidential file unmasked, when
and how. The same rows as /api/v1/welfare-access-log/, for people rather than programs."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from config.auth import login_required
from config.pages import paginate, tidy
from workflow import policy
from workflow.calendar import SHANGHAI

from .models import AccessChannel, SensitiveAccess

FIELD_LABELS: dict[str, Any] = {
    "diagnosis": gettext_lazy("病情诊断"),
    "income": gettext_lazy("家庭人均月收入"),
    "id_number": gettext_lazy("身份证号码"),
    "attachment": gettext_lazy("证明材料"),
}


class AccessLogFilterForm(forms.Form):
    person = forms.CharField(label=gettext_lazy("查看人"), required=False, max_length=64)
    request = forms.IntegerField(label=gettext_lazy("申请编号"), required=False, min_value=1)
    channel = forms.ChoiceField(
        label=gettext_lazy("途径"), required=False, choices=[("", gettext_lazy("全部")), *AccessChannel.choices]
    )
    since = forms.DateField(
        label=gettext_lazy("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("截止日期不能早于起始日期。"))
        return data


def access_log_filtered(data: dict[str, Any]) -> QuerySet[SensitiveAccess]:
    qs = SensitiveAccess.objects.all()
    if data.get("person"):
        term = data["person"].strip()
        qs = qs.filter(user__username=term) | qs.filter(user__profile__full_name__contains=term)
    if data.get("request"):
        qs = qs.filter(request_id=data["request"])
    if data.get("channel"):
        qs = qs.filter(channel=data["channel"])
    # Whole days in Asia/Shanghai, both ends included.
    if data.get("since"):
        qs = qs.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=SHANGHAI))
    if data.get("until"):
        qs = qs.filter(at__lt=datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=SHANGHAI))
    return qs


@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    if not policy.allows(SensitiveAccess(), "view", request.user, state=""):
        raise PermissionDenied(_("敏感信息查看记录仅供审计监督人员和管理员查看。"))
    form = AccessLogFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    qs = access_log_filtered(data).select_related("user__profile", "request__applicant__profile", "request__unit")
    page_obj = paginate(request, qs.order_by("-at", "-id"))
    for row in page_obj:
        row.field_labels = [str(FIELD_LABELS.get(f, f)) for f in row.fields]
    return render(request, "welfare/access_log.html", {"form": tidy(form), "page_obj": page_obj})
