"""The union office's holiday schedule pages (节假日安排): for each year, what the product
counts working days with (the package's data, the office's entry, or a provisional
estimate), and the form to enter or correct a year from the State Council's notice.

Thin: workflow.calendar_years holds the rules (the same service the API at
/api/v1/calendar/years/ calls), workflow.policy says who may.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.auth import login_required
from config.pages import show_error, tidy

from . import policy
from .calendar import local_date
from .calendar_years import (
    FIRST_YEAR,
    LAST_YEAR,
    calendar_year_enter,
    missing_next_year,
    parse_days,
    year_schedule,
    years_overview,
)
from .errors import DomainError
from .models import EnteredYear

DAYS_HELP = gettext_lazy("每行一个日期，如 2027-01-01；连续的几天可写作 2027-10-01~2027-10-07（其中的周末自动略去）。")


class YearEntryForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年份"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    basis = forms.CharField(
        label=gettext_lazy("依据"),
        max_length=200,
        help_text=gettext_lazy("例如：国务院办公厅关于2027年部分节假日安排的通知"),
    )
    closed_days = forms.CharField(
        label=gettext_lazy("放假日（工作日中放假的日期）"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=DAYS_HELP,
    )
    makeup_days = forms.CharField(
        label=gettext_lazy("调休上班日（周六、周日上班的日期）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=gettext_lazy("每行一个日期，如 2027-02-20。"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("closed_days", "makeup_days"):
            days, errors = parse_days(data.get(name, ""))
            for e in errors:
                self.add_error(name, e)
            data[name + "_list"] = days
        return data


def _require(action: str, user: Any) -> None:
    if not policy.allows(EnteredYear(), action, user, state=""):
        raise PermissionDenied(_("只有校工会和系统管理员可以维护节假日安排。"))


def _days_text(days: list[Any]) -> str:
    return "\n".join(d.isoformat() for d in days)


def _enter(request: HttpRequest, form: YearEntryForm, *, fixed_year: int | None) -> HttpResponse | None:
    """Run the entry; None when it failed (the errors are on the form)."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    year = fixed_year if fixed_year is not None else data["year"]
    try:
        result = calendar_year_enter(
            user=request.user,
            year=year,
            basis=data["basis"],
            closed_days=data["closed_days_list"],
            makeup_days=data["makeup_days_list"],
        )
    except DomainError as err:
        show_error(form, err)
        return None
    facts = {"year": year, "recounted": result.recount.recounted, "moved": result.recount.moved}
    if result.recount.moved:
        text = _(
            "已保存%(year)s年放假安排；重新计算了 %(recounted)d 项期限，其中 %(moved)d 项日期有变，已通知相关人员。"
        )
    else:
        text = _("已保存%(year)s年放假安排；重新计算了 %(recounted)d 项期限，日期均未改变。")
    messages.success(request, text % facts)
    return redirect("calendar_year", year=year)


@login_required
def calendar_years(request: HttpRequest) -> HttpResponse:
    _require("view", request.user)
    now = timezone.now()
    form = YearEntryForm(request.POST or None, initial={"year": local_date(now).year + 1})
    status = 200
    if request.method == "POST":
        _require("enter", request.user)
        year = request.POST.get("year", "")
        if year.isdigit() and EnteredYear.objects.filter(year=int(year)).exists():
            form.is_valid()
            form.add_error("year", _("%(year)s年已录入，请在该年的页面上更正。") % {"year": year})
        elif (done := _enter(request, form, fixed_year=None)) is not None:
            return done
        status = 400
    context = {
        "years": years_overview(today=local_date(now)),
        "missing": missing_next_year(now=now),
        "form": tidy(form),
        "can_enter": policy.allows(EnteredYear(), "enter", request.user, state=""),
    }
    return render(request, "workflow/calendar_years.html", context, status=status)


@login_required
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    _require("view", request.user)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    schedule = year_schedule(year)
    form = None
    status = 200
    if schedule.may_enter:
        initial = {
            "year": year,
            "basis": schedule.basis or _("国务院办公厅关于%(year)s年部分节假日安排的通知") % {"year": year},
            "closed_days": _days_text(schedule.closed_days) if schedule.entered else "",
            "makeup_days": _days_text(schedule.makeup_days) if schedule.entered else "",
        }
        form = YearEntryForm(request.POST or None, initial=initial)
        form.fields["year"].disabled = True
        if request.method == "POST":
            _require("enter", request.user)
            if (done := _enter(request, form, fixed_year=year)) is not None:
                return done
            status = 400
    elif request.method == "POST":
        raise PermissionDenied(_("%(year)s年的放假安排已由系统内置的国家数据提供，无需录入。") % {"year": year})
    context = {
        "schedule": schedule,
        "form": tidy(form) if form is not None else None,
        "can_enter": policy.allows(EnteredYear(), "enter", request.user, state=""),
    }
    return render(request, "workflow/calendar_year.html", context, status=status)
