"""福利发放清单: the sums the union approved in a period, as the finance office pays them.

A row is either a request closed (办结) in the period with an approved sum, or a children's
medical claim (子女医疗统筹报销) the union office approved in the period: a claim is paid
on its own, so it is its own row. The period is two dates in Asia/Shanghai, both included.

Hardship requests are paid only after their publicity (公示); `close` refuses before then
(welfare.publicity), so "closed" already says it and nothing here repeats the rule.

Who may see the list is the policy row ``view_payouts``; which requests it draws from is
welfare.selectors.welfare_requests_visible_to; whether the payee's ID number is shown or
masked is welfare.privacy's decision, which also logs every unmasked row it lets through.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import gettext as _

from org.selectors import person_name
from workflow.errors import InvalidPayload

from .models import MedicalClaim, WelfareKind, WelfareRequest, WelfareStatus
from .privacy import MASK, sensitive_serve
from .selectors import welfare_requests_visible_to

LOCAL = ZoneInfo("Asia/Shanghai")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CLAIM = "claim"  # the category key of a medical claim's row (the kinds use their own values)
# The one sensitive field a payout list shows: the payee's ID number, which the bank needs.
SHOWN = ("id_number",)
# Only what a row shows is read from the database.
_REQUEST_COLUMNS = (
    "kind",
    "status",
    "visit_reason",
    "amount_approved",
    "closed_at",
    "id_number",
    "applicant__username",
    "applicant__profile__full_name",
    "unit__name",
)


@dataclass(frozen=True)
class Period:
    """Two dates in Asia/Shanghai, both included."""

    starts: date
    ends: date

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.starts, time.min, tzinfo=LOCAL)

    @property
    def end_before(self) -> datetime:
        return datetime.combine(self.ends + timedelta(days=1), time.min, tzinfo=LOCAL)

    def query(self) -> dict[str, str]:
        return {"from": self.starts.isoformat(), "to": self.ends.isoformat()}


def local_date(at: datetime) -> date:
    return at.astimezone(LOCAL).date()


def default_period(*, now: datetime) -> Period:
    """The current month in Asia/Shanghai."""
    today = local_date(now)
    last = calendar.monthrange(today.year, today.month)[1]
    return Period(today.replace(day=1), today.replace(day=last))


def _year_later(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return date(d.year + 1, 3, 1)


def _parse(value: str, field: str) -> date:
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        message = _("日期格式不正确，请按 YYYY-MM-DD 填写。")
        raise InvalidPayload(message, code="bad_date", fields={field: [message]}) from None


def payout_period(*, starts: str | None, ends: str | None, now: datetime) -> Period:
    """The period a query string asks for: both dates (YYYY-MM-DD), or neither for the current
    month. Refused (InvalidPayload, with the field at fault): a date that is not one, only one of
    the two, the start after the end, or more than a year (a year is 1 Jan to 31 Dec)."""
    starts, ends = (starts or "").strip(), (ends or "").strip()
    if not starts and not ends:
        return default_period(now=now)
    missing = [f for f, v in (("from", starts), ("to", ends)) if not v]
    if missing:
        message = _("请同时填写开始日期和截止日期。")
        raise InvalidPayload(message, code="bad_period", fields={f: [message] for f in missing})
    period = Period(_parse(starts, "from"), _parse(ends, "to"))
    if period.starts > period.ends:
        message = _("开始日期不能晚于截止日期。")
        raise InvalidPayload(message, code="bad_period", fields={"to": [message]})
    if period.ends >= _year_later(period.starts):
        message = _("查询期间不能超过一年。")
        raise InvalidPayload(message, code="bad_period", fields={"to": [message]})
    return period


@dataclass(frozen=True)
class PayoutRow:
    index: int  # 序号, from 1
    request_id: int
    claim_id: int | None
    name: str  # 姓名
    username: str  # 工号
    unit: str  # 所在单位
    category_key: str  # the kind, or CLAIM
    category: str  # 申请类别, a must-visit with its occasion
    amount: Decimal  # 批准金额
    paid_on: date  # 办结日期 (a claim: the day it was approved)
    id_number: str  # 身份证号码, or MASK

    @property
    def masked(self) -> bool:
        return self.id_number == MASK


@dataclass(frozen=True)
class CategoryTotal:
    key: str
    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class PayoutList:
    period: Period
    rows: list[PayoutRow]
    by_category: list[CategoryTotal]  # every kind and the claims, zeros included

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def amount(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0.00"))


def category_labels() -> dict[str, str]:
    """The rows' categories in the order the totals list them."""
    return {**{k: str(label) for k, label in WelfareKind.choices}, CLAIM: _("子女医疗统筹报销")}


def _category(request: WelfareRequest) -> str:
    if request.kind == WelfareKind.MUST_VISIT and request.visit_reason:
        return _("%(kind)s（%(reason)s）") % {
            "kind": request.get_kind_display(),
            "reason": request.get_visit_reason_display(),
        }
    return str(request.get_kind_display())


def payout_requests(*, user: Any, period: Period) -> list[WelfareRequest]:
    """The requests closed in the period with a sum approved, oldest first."""
    qs = (
        welfare_requests_visible_to(user)
        .filter(
            status=WelfareStatus.CLOSED,
            approved=True,
            amount_approved__isnull=False,
            closed_at__gte=period.start_at,
            closed_at__lt=period.end_before,
        )
        .select_related("applicant__profile", "unit")
        .only(*_REQUEST_COLUMNS)
        .order_by("closed_at", "pk")
    )
    return list(qs)


def payout_claims(*, user: Any, period: Period) -> list[MedicalClaim]:
    """The medical claims approved in the period (a sum approved), oldest first."""
    visible = welfare_requests_visible_to(user).values("pk")
    qs = (
        MedicalClaim.objects.filter(
            Q(request__in=visible),
            status=MedicalClaim.Status.APPROVED,
            amount_approved__isnull=False,
            decided_at__gte=period.start_at,
            decided_at__lt=period.end_before,
        )
        .select_related("request__applicant__profile", "request__unit")
        .only("amount_approved", "decided_at", "request", *(f"request__{c}" for c in _REQUEST_COLUMNS))
        .order_by("decided_at", "pk")
    )
    return list(qs)


def payout_list(*, user: Any, period: Period, channel: str, path: str = "") -> PayoutList:
    """The period's rows as ``user`` may read them (the ID number masked unless welfare.privacy
    allows it; each request served unmasked logged once through ``channel``), with the totals
    per category. A fixed number of queries whatever the number of rows."""
    requests = payout_requests(user=user, period=period)
    claims = payout_claims(user=user, period=period)
    # Every request once, whether it is paid itself, through its claims, or both.
    payees = {r.pk: r for r in requests} | {c.request.pk: c.request for c in claims}
    unmasked = sensitive_serve(user=user, requests=payees.values(), channel=channel, path=path, fields=SHOWN)
    labels = category_labels()

    entries: list[tuple[datetime, int, int, WelfareRequest, MedicalClaim | None]] = []
    for r in requests:
        assert r.closed_at is not None and r.amount_approved is not None  # the filter says so
        entries.append((r.closed_at, 0, r.pk, r, None))
    for c in claims:
        assert c.decided_at is not None
        entries.append((c.decided_at, 1, c.pk, c.request, c))
    entries.sort(key=lambda e: e[:3])

    rows = []
    for index, (at, _is_claim, _pk, r, claim) in enumerate(entries, start=1):
        amount = claim.amount_approved if claim is not None else r.amount_approved
        assert amount is not None
        rows.append(
            PayoutRow(
                index=index,
                request_id=r.pk,
                claim_id=claim.pk if claim is not None else None,
                name=person_name(r.applicant),
                username=r.applicant.get_username(),
                unit=r.unit.name,
                category_key=CLAIM if claim is not None else r.kind,
                category=labels[CLAIM] if claim is not None else _category(r),
                amount=amount,
                paid_on=local_date(at),
                id_number=r.id_number if r.pk in unmasked else MASK,
            )
        )
    totals = [
        CategoryTotal(
            key=key,
            label=label,
            count=sum(1 for row in rows if row.category_key == key),
            amount=sum((row.amount for row in rows if row.category_key == key), Decimal("0.00")),
        )
        for key, label in labels.items()
    ]
    return PayoutList(period=period, rows=rows, by_category=totals)
