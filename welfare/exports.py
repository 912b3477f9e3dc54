"""Spreadsheets (xlsx) of welfare requests: the payout list for the finance office and the
union office's queue. Each builder takes rows already read and masked by their selector
(welfare.payouts, welfare.privacy) and only lays them out: Chinese headers, number formats,
column widths, the header row frozen."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from org.selectors import person_name

from .models import WelfareRequest
from .payouts import PayoutList
from .privacy import MASK

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNT = "#,##0.00"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
TEXT = "@"  # an 18-digit ID number stays text, never a rounded number


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    number_format: str = ""


def _local(at: datetime | None) -> datetime | None:
    """Excel has no time zones: a time as the clock in Asia/Shanghai showed it."""
    return timezone.localtime(at).replace(tzinfo=None) if at is not None else None


BOLD = Font(bold=True)
CENTRED = Alignment(horizontal="center", vertical="center")


# Write-only workbooks stream their rows: a year's queue (thousands of rows) costs time in
# proportion to its size, where a normal worksheet re-scans its rows for every appended one.
def _sheet(wb: Workbook, title: str, columns: Sequence[Column]) -> WriteOnlyWorksheet:
    ws = wb.create_sheet(title)
    for i, c in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = c.width
    ws.freeze_panes = "A2"
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c.header)
        cell.font, cell.alignment = BOLD, CENTRED
        header.append(cell)
    ws.append(header)
    return ws


def _append(ws: WriteOnlyWorksheet, columns: Sequence[Column], values: Iterable[Any], *, bold: bool = False) -> None:
    row: list[Any] = []
    for c, value in zip(columns, values, strict=True):
        if not (c.number_format or bold):
            row.append(value)
            continue
        cell = WriteOnlyCell(ws, value=value)
        if c.number_format:
            cell.number_format = c.number_format
        if bold:
            cell.font = BOLD
        row.append(cell)
    ws.append(row)


def _bytes(wb: Workbook) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def attachment_disposition(filename: str, fallback: str) -> str:
    """Content-Disposition for a download with a Chinese name: ``filename*`` (RFC 5987, UTF-8)
    for browsers, an ASCII ``filename`` for the rest."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def xlsx_response(content: bytes, *, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = attachment_disposition(filename, fallback)
    # Personal data: never kept by a shared cache or the browser's.
    response["Cache-Control"] = "no-store"
    return response


# 福利发放清单 ---------------------------------------------------------------------------


def payout_columns() -> list[Column]:
    return [
        Column(_("序号"), 6),
        Column(_("姓名"), 12),
        Column(_("工号"), 14),
        Column(_("所在单位"), 24),
        Column(_("申请类别"), 22),
        Column(_("批准金额（元）"), 16, AMOUNT),
        Column(_("办结日期"), 12, DATE),
        Column(_("身份证号码"), 22, TEXT),
    ]


def payout_filename(payouts: PayoutList) -> tuple[str, str]:
    """The file's name, and its ASCII stand-in."""
    period = f"{payouts.period.starts.isoformat()}_{payouts.period.ends.isoformat()}"
    return f"{_('福利发放清单')}_{period}.xlsx", f"welfare-payouts_{period}.xlsx"


def payouts_workbook(payouts: PayoutList) -> bytes:
    columns = payout_columns()
    wb = Workbook(write_only=True)
    ws = _sheet(wb, _("福利发放清单"), columns)
    for r in payouts.rows:
        _append(ws, columns, [r.index, r.name, r.username, r.unit, r.category, r.amount, r.paid_on, r.id_number])
    _append(ws, columns, [_("合计"), None, None, None, None, payouts.amount, None, None], bold=True)
    return _bytes(wb)


# The union office's queue ---------------------------------------------------------------


def _label(name: str) -> str:
    field = WelfareRequest._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


# Model fields shown as they are, in the sheet's order after the columns written out below.
_KIND_COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("event_date", 14, DATE),
    ("years_of_service", 10, ""),
    ("last_recuperation_year", 14, ""),
    ("child_name", 12, ""),
    ("enrolment_year", 10, ""),
)
_SENSITIVE_COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("diagnosis", 30, ""),
    ("income", 18, AMOUNT),
    ("id_number", 22, TEXT),
)
# The sensitive fields the queue sheet shows (not the family situation: a long text for the page).
QUEUE_SENSITIVE_FIELDS: tuple[str, ...] = tuple(name for name, _w, _f in _SENSITIVE_COLUMNS)


def queue_columns() -> list[Column]:
    return [
        Column(_("编号"), 8),
        Column(_label("title"), 30),
        Column(_label("applicant"), 12),
        Column(_("工号"), 14),
        Column(_label("unit"), 24),
        Column(_label("kind"), 14),
        Column(_label("visit_reason"), 14),
        Column(_("状态"), 14),
        Column(_label("amount_requested"), 16, AMOUNT),
        Column(_("是否批准"), 10),
        Column(_label("amount_approved"), 16, AMOUNT),
        Column(_label("handler"), 12),
        Column(_label("submitted_at"), 17, DATETIME),
        Column(_label("decided_at"), 17, DATETIME),
        Column(_label("closed_at"), 17, DATETIME),
        *(Column(_label(name), width, fmt) for name, width, fmt in _KIND_COLUMNS),
        *(Column(_label(name), width, fmt) for name, width, fmt in _SENSITIVE_COLUMNS),
    ]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("批准") if value else _("不批准"))


def _sensitive(r: WelfareRequest, name: str, unmasked: bool) -> Any:
    if not unmasked:
        return MASK
    value = getattr(r, name)
    return value if value not in (None, "") else None


def queue_row(r: WelfareRequest, *, unmasked: bool) -> list[Any]:
    amount_requested: Decimal | None = r.amount_requested
    return [
        r.pk,
        r.title,
        person_name(r.applicant),
        r.applicant.get_username(),
        r.unit.name,
        r.get_kind_display(),
        r.get_visit_reason_display() if r.visit_reason else None,
        r.get_status_display(),
        amount_requested,
        _yes_no(r.approved),
        r.amount_approved,
        person_name(r.handler) if r.handler_id else None,
        _local(r.submitted_at),
        _local(r.decided_at),
        _local(r.closed_at),
        *(getattr(r, name) for name, _w, _f in _KIND_COLUMNS),
        *(_sensitive(r, name, unmasked) for name, _w, _f in _SENSITIVE_COLUMNS),
    ]


def queue_filename(*, today: date) -> tuple[str, str]:
    return f"{_('福利申请')}_{today.isoformat()}.xlsx", f"welfare-requests_{today.isoformat()}.xlsx"


def queue_workbook(requests: Iterable[WelfareRequest], *, unmasked: set[int]) -> bytes:
    columns = queue_columns()
    wb = Workbook(write_only=True)
    ws = _sheet(wb, _("福利申请"), columns)
    rows = 1
    for r in requests:
        _append(ws, columns, queue_row(r, unmasked=r.pk in unmasked))
        rows += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows}"  # type: ignore[attr-defined]  # set by _setup()
    return _bytes(wb)
