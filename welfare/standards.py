"""慰问标准: the union office sets each must-visit occasion's standard sum on a page (and
still may in the admin). The rule that applies them is welfare.models.visit_standard_exceeded."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from workflow import policy
from workflow.errors import InvalidPayload

from .models import VisitReason, VisitStandard, WelfareRequest
from .recuperation_forms import VisitStandardForm


def visit_standards_table() -> list[dict[str, Any]]:
    """Every occasion, with its standard when it has one (one query)."""
    rows = {s.visit_reason: s for s in VisitStandard.objects.all()}
    return [{"reason": value, "label": label, "standard": rows.get(value)} for value, label in VisitReason.choices]


def visit_standard_set(*, user: Any, visit_reason: str, amount: Any = None, note: str = "") -> VisitStandard | None:
    """Set an occasion's standard; an empty amount removes it (the occasion is then uncapped).
    Applies to requests filed and answered afterwards. Returns the row, or None once removed."""
    policy.check(WelfareRequest(), "manage_standards", user, state="")
    form = VisitStandardForm(data={"visit_reason": visit_reason, "amount": amount, "note": note})
    if not form.is_valid():
        raise InvalidPayload(fields={k: [str(e) for e in v] for k, v in form.errors.items()})
    data = form.cleaned_data
    with transaction.atomic():
        if data["amount"] is None:
            VisitStandard.objects.filter(visit_reason=data["visit_reason"]).delete()
            return None
        standard, _ = VisitStandard.objects.update_or_create(
            visit_reason=data["visit_reason"], defaults={"amount": data["amount"], "note": data["note"]}
        )
        return standard
