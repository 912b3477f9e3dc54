"""The dashboard's tabs (数据看板): the proposals' figures and the welfare figures live in
their own apps and pages; this list joins them under one heading, so neither app imports the
other. Each tab is shown to whoever the policy table lets open its page (the same row the
page itself asks), named by model label and action, never by importing the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflow import policy


@dataclass(frozen=True)
class Tab:
    key: str
    label: Any
    url_name: str
    model: str  # the policy row's kind, e.g. "proposals.proposal"
    action: str


TABS = [
    Tab("proposals", _("提案"), "proposals:dashboard", "proposals.proposal", "view_dashboard"),
    Tab("welfare", _("福利"), "welfare:figures", "welfare.welfarerequest", "view_figures"),
]


def dashboard_tabs(user: Any, *, current: str) -> list[dict[str, Any]]:
    """The tabs this user may open, for templates/_dashboard_tabs.html (empty when only one:
    a single tab is no choice)."""
    tabs = [
        {"key": t.key, "label": t.label, "url": reverse(t.url_name), "current": t.key == current}
        for t in TABS
        if policy.allows(apps.get_model(t.model)(), t.action, user, state="")
    ]
    return tabs if len(tabs) > 1 else []
