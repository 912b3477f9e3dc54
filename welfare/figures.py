"""福利年度统计: a year's welfare requests by kind and by unit: how many were filed, approved
and not approved, and the sums approved.

Reads only, from welfare.selectors.welfare_requests_visible_to, in a fixed number of queries
(one GROUP BY for the requests, one for the claims, one for the years on offer) whatever the
number of rows. What is counted, for a calendar year in Asia/Shanghai:

- 申请数 (filed): requests submitted in the year (``submitted_at``; a request still being
  written has none), whatever became of them since;
- 批准 (approved): those of them the union office approved (``approved``);
- 未获批准 (not approved): those refused at review (未通过审核) or answered 不批准;
- 批准金额 (sum approved): the sums approved on those requests, plus the sums approved on
  children's medical claims (子女医疗统筹报销) filed in the year (the claim's own filing
  time), counted under the enrolment's kind and unit.

A request waiting for a decision counts as filed only, so filed ≥ approved + not approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from .models import MedicalClaim, WelfareKind, WelfareStatus
from .payouts import LOCAL, local_date
from .selectors import welfare_requests_visible_to

ZERO = Decimal("0.00")
NOT_APPROVED = Q(status=WelfareStatus.REJECTED) | Q(approved=False)


@dataclass(frozen=True)
class Line:
    key: str  # the kind, or the unit's id
    label: str
    filed: int
    approved: int
    not_approved: int
    requests_amount: Decimal
    claims_amount: Decimal

    @property
    def amount(self) -> Decimal:
        return self.requests_amount + self.claims_amount


@dataclass(frozen=True)
class YearFigures:
    year: int
    by_kind: list[Line]  # every kind, zeros included
    by_unit: list[Line]  # units with a request or a claim in the year, the largest sums first
    total: Line


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=LOCAL), datetime(year + 1, 1, 1, tzinfo=LOCAL)


def figure_years(*, user: Any, now: datetime) -> list[int]:
    """The years with a request on file, and the current one, newest first."""
    dates = (
        welfare_requests_visible_to(user)
        .filter(submitted_at__isnull=False)
        .datetimes("submitted_at", "year", tzinfo=LOCAL)
    )
    return sorted({d.year for d in dates} | {local_date(now).year}, reverse=True)


def _add(lines: dict[Any, dict[str, Any]], key: Any, label: str, **values: Any) -> None:
    line = lines.setdefault(
        key,
        {"label": label, "filed": 0, "approved": 0, "not_approved": 0, "requests_amount": ZERO, "claims_amount": ZERO},
    )
    for name, value in values.items():
        line[name] += value or 0


def _line(key: Any, values: dict[str, Any]) -> Line:
    return Line(key=str(key), **values)


def welfare_figures(*, user: Any, year: int) -> YearFigures:
    """The year's figures as ``user`` may see them (the requests their selector shows)."""
    starts, ends = year_bounds(year)
    visible = welfare_requests_visible_to(user)
    requests = (
        visible.filter(submitted_at__gte=starts, submitted_at__lt=ends)
        .order_by()
        .values("kind", "unit_id", "unit__name")
        # Names apart from the model's fields: an annotation called "approved" would be
        # what the next filter's Q(approved=...) reads.
        .annotate(
            n_filed=Count("pk"),
            n_approved=Count("pk", filter=Q(approved=True)),
            n_not_approved=Count("pk", filter=NOT_APPROVED),
            sum_approved=Sum("amount_approved", filter=Q(approved=True)),
        )
    )
    claims = (
        MedicalClaim.objects.filter(
            request__in=visible.values("pk"),
            status=MedicalClaim.Status.APPROVED,
            created_at__gte=starts,
            created_at__lt=ends,
        )
        .order_by()
        .values("request__kind", "request__unit_id", "request__unit__name")
        .annotate(amount=Sum("amount_approved"))
    )

    kinds: dict[Any, dict[str, Any]] = {}
    for key, label in WelfareKind.choices:
        _add(kinds, key, str(label))
    units: dict[Any, dict[str, Any]] = {}
    for r in requests:
        counts = {"filed": r["n_filed"], "approved": r["n_approved"], "not_approved": r["n_not_approved"]}
        _add(kinds, r["kind"], "", **counts, requests_amount=r["sum_approved"])
        _add(units, r["unit_id"], r["unit__name"], **counts, requests_amount=r["sum_approved"])
    for c in claims:
        _add(kinds, c["request__kind"], "", claims_amount=c["amount"])
        _add(units, c["request__unit_id"], c["request__unit__name"], claims_amount=c["amount"])

    by_kind = [_line(k, v) for k, v in kinds.items()]
    by_unit = sorted((_line(k, v) for k, v in units.items()), key=lambda u: (-u.amount, -u.filed, u.label))
    total = {
        "label": _("合计"),
        "filed": sum(k.filed for k in by_kind),
        "approved": sum(k.approved for k in by_kind),
        "not_approved": sum(k.not_approved for k in by_kind),
        "requests_amount": sum((k.requests_amount for k in by_kind), ZERO),
        "claims_amount": sum((k.claims_amount for k in by_kind), ZERO),
    }
    return YearFigures(year=year, by_kind=by_kind, by_unit=by_unit, total=_line("total", total))
