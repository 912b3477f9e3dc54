"""Building payable requests and claims for the payout, export and figures tests.

The states are written straight to the rows: these tests are about what the lists read, and
the flow that gets a request there has its own tests (test_lifecycle.py); one test in
test_payouts.py carries a request through the real transitions to be sure the two agree."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.welfare.conftest import token_client
from welfare.models import MedicalClaim, WelfareRequest

SH = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """An instant on the clock in Shanghai."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


def settle(request: Any, *, closed_at: datetime | None, amount: str | None = "500.00", approved: bool = True) -> Any:
    """The request answered (approved with ``amount``, or not) and, with ``closed_at``, closed then."""
    WelfareRequest.objects.filter(pk=request.pk).update(
        status="closed" if closed_at else "answered",
        approved=approved,
        amount_approved=Decimal(amount) if amount and approved else None,
        decided_at=closed_at or at(2026, 3, 16, 10),
        closed_at=closed_at,
    )
    return WelfareRequest.objects.get(pk=request.pk)


def claim(request: Any, *, decided_at: datetime | None, amount: str = "120.00", status: str = "approved") -> Any:
    return MedicalClaim.objects.create(
        request=request,
        visit_date=date(2026, 3, 1),
        hospital="市第一人民医院",
        amount_claimed=Decimal(amount),
        status=status,
        amount_approved=Decimal(amount) if status == "approved" else None,
        decided_at=decided_at,
        filed_by=request.applicant,
    )


def sheet(response: Any) -> Any:
    """The first sheet of an xlsx response."""
    return load_workbook(BytesIO(response.content)).active


def cells(ws: Any) -> list[list[Any]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


@pytest.fixture
def api_for(wp):
    return lambda who: token_client(wp[who])


def served_text(response: Any) -> str:
    """Everything a response holds, as text: an xlsx is a ZIP, so its entries are unpacked
    (searching the compressed bytes would find nothing whatever they hold)."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(BytesIO(response.content)) as archive:
            return "".join(archive.read(name).decode() for name in archive.namelist())
    return response.content.decode()
