"""福利年度统计: the welfare tab of the dashboard (数据看板), a page of its own in the
dashboard's look so proposals/ never imports welfare (the tabs: config/dashboards.py).

The figures come from welfare.figures; who may open the page is the policy row
``view_figures``. The charts are drawn by ECharts (static/js/welfare_figures.js, reading the
JSON this view puts in the page); every chart has a table of the same numbers beside it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.auth import login_required
from config.dashboards import dashboard_tabs

from .figures import YearFigures, figure_years, welfare_figures
from .payout_views import require
from .payouts import local_date


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int, required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, _("%(year)s 年") % {"year": y}) for y in years]  # type: ignore[attr-defined]


def chart_data(figures: YearFigures) -> dict[str, Any]:
    """What static/js/welfare_figures.js draws, every label already translated."""
    return {
        "locale": "EN" if (get_language() or "").startswith("en") else "ZH",
        "noData": _("暂无数据"),
        "kind": {
            "labels": [k.label for k in figures.by_kind],
            "series": [
                {"name": _("申请数"), "values": [k.filed for k in figures.by_kind]},
                {"name": _("批准"), "values": [k.approved for k in figures.by_kind]},
                {"name": _("未获批准"), "values": [k.not_approved for k in figures.by_kind]},
            ],
        },
        "unit": {
            "series": _("批准金额（元）"),
            "labels": [u.label for u in figures.by_unit],
            "values": [float(u.amount) for u in figures.by_unit],
        },
    }


@login_required
@require_GET
def figures_page(request: HttpRequest) -> HttpResponse:
    require(request, "view_figures")
    now = timezone.now()
    years = figure_years(user=request.user, now=now)
    current = local_date(now).year
    data = request.GET.copy()
    if not data.get("year"):
        data["year"] = str(current)
    form = YearForm(data, years=years)
    # An unknown year shows the form's error and this year's figures.
    year = form.cleaned_data["year"] if form.is_valid() else current
    figures = welfare_figures(user=request.user, year=year)
    context = {
        "form": form,
        "figures": figures,
        "charts": chart_data(figures),
        "now": now,
        "dashboard_tabs": dashboard_tabs(request.user, current="welfare"),
    }
    return render(request, "welfare/figures.html", context)
