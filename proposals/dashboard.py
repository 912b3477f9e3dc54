"""The dashboard (数据看板): proposals by state and category, each department's assignments,
the on-time answer rate and the satisfaction rate, and the overdue list, for one session.

The figures come from `proposals.figures`; who may open the page is the policy row
`view_dashboard`. The charts are drawn by ECharts from our own static files
(static/js/dashboard.js, reading the JSON this view puts in the page); every chart has a
table of the same numbers beside it, which is what works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.auth import login_required
from config.dashboards import dashboard_tabs
from workflow import policy
from workflow.errors import DomainError

from .figures import Figures, dashboard_figures
from .models import Assignment, CongressSession, Proposal

ALL_SESSIONS = "all"


class DashboardFilterForm(forms.Form):
    session = forms.ChoiceField(label=gettext_lazy("会议"), required=False)

    def __init__(self, *args: Any, sessions: list[CongressSession], **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        choices = [(str(s.pk), s.name) for s in sessions] + [(ALL_SESSIONS, _("全部会议"))]
        self.fields["session"].choices = choices  # type: ignore[attr-defined]


def _require_dashboard(user: Any) -> None:
    try:
        policy.check(Proposal(), "view_dashboard", user, state="")
    except DomainError as err:
        raise PermissionDenied(str(err.message)) from err


def _default_session(sessions: list[CongressSession]) -> CongressSession | None:
    """`selectors.current_session`'s rule (the one collecting now, else the newest), applied to
    the list the filter loads anyway: one query fewer."""
    now = timezone.now()
    open_ = [s for s in sessions if s.collection_opens <= now < s.collection_closes]
    candidates = open_ or sessions
    return candidates[0] if candidates else None


def _chosen_session(request: HttpRequest, sessions: list[CongressSession]) -> tuple[DashboardFilterForm, Any]:
    """The filter form and the session it picks: a session, None for all, the default when
    the query string names none (or one that is not there)."""
    default = _default_session(sessions)
    data: QueryDict = request.GET.copy()
    if not data.get("session"):
        data["session"] = str(default.pk) if default else ALL_SESSIONS
    form = DashboardFilterForm(data, sessions=sessions)
    if not form.is_valid():
        return form, default
    value = form.cleaned_data["session"]
    if value == ALL_SESSIONS:
        return form, None
    return form, next(s for s in sessions if str(s.pk) == value)


def chart_data(figures: Figures) -> dict[str, Any]:
    """What static/js/dashboard.js draws, with every label already translated."""
    departments = figures.by_department
    return {
        "locale": "EN" if (get_language() or "").startswith("en") else "ZH",
        "noData": _("暂无数据"),
        "state": {
            "series": _("提案数"),
            "labels": [b.label for b in figures.by_state],
            "values": [b.count for b in figures.by_state],
        },
        "category": {
            "series": _("提案数"),
            "labels": [c.name for c in figures.by_category],
            "values": [c.count for c in figures.by_category],
        },
        "department": {
            "labels": [d.name for d in departments],
            "series": [
                {"name": _("按期答复"), "values": [d.answered_on_time for d in departments]},
                {"name": _("逾期答复"), "values": [d.answered_late for d in departments]},
                {"name": _("未答复"), "values": [d.unanswered for d in departments]},
            ],
        },
        "rates": [
            {"name": _("按期办复率"), "value": figures.on_time.percent},
            {"name": _("满意率"), "value": figures.satisfaction.percent},
        ],
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_dashboard(user)
    sessions = list(
        CongressSession.objects.order_by("-collection_opens").only("name", "collection_opens", "collection_closes")
    )
    form, session = _chosen_session(request, sessions)
    now = timezone.now()
    figures = dashboard_figures(user=user, session=session, now=now)
    context = {
        "form": form,
        "figures": figures,
        "charts": chart_data(figures),
        "now": now,
        "can_view_overdue_board": policy.allows(Assignment(), "view_overdue_board", user, state=""),
        # The other figures' pages (the welfare figures), as tabs: config/dashboards.py.
        "dashboard_tabs": dashboard_tabs(user, current="proposals"),
    }
    return render(request, "proposals/dashboard.html", context)
