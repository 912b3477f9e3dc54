"""``{% publicity_panel item %}``: a request's publicity window and objections on its page
(templates/welfare/_objections.html), as welfare.publicity lets the viewer see them. A tag
rather than view context so the request page's view stays as it is."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from welfare.models import WelfareKind, WelfareRequest
from welfare.publicity import objections_of, publicity_state
from workflow import policy
from workflow.calendar import local_date

register = template.Library()


@register.inclusion_tag("welfare/_objections.html", takes_context=True)
def publicity_panel(context: Any, item: WelfareRequest) -> dict[str, Any]:
    """For a request the page already found the viewer may see."""
    if item.kind != WelfareKind.HARDSHIP:
        return {"show": False}
    user = context["request"].user
    summary = objections_of(user=user, request=item)
    state = publicity_state(item, today=local_date(timezone.now()))
    if state == "none" and not summary.total:
        return {"show": False}
    may_resolve = policy.allows(item, "resolve_objection", user)
    return {"show": True, "item": item, "state": state, "summary": summary, "may_resolve": may_resolve}
