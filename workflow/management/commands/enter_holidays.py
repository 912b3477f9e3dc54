"""manage.py enter_holidays YEAR FILE: a year's holiday schedule from a plain text or CSV list.

One day (or range of days) per line, then optionally its kind and a note, separated by a comma
or a tab; `#` starts a comment and an optional header line (日期,类型) is skipped:

    # 国务院办公厅关于2027年部分节假日安排的通知
    2027-01-01,放假,元旦
    2027-02-05~2027-02-12,放假,春节
    2027-02-14,上班,春节调休

Kinds: 放假 / 休 / closed (the default) and 上班 / 班 / workday. The same checks as the union
office's page apply (workflow.calendar_years); on any error nothing is saved.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workflow.calendar_years import calendar_year_enter, parse_days
from workflow.errors import InvalidPayload

CLOSED = {"放假", "休", "休息", "closed", "holiday", "off"}
WORKDAY = {"上班", "班", "调休上班", "workday", "makeup", "work"}
HEADER = {"日期", "date"}


def read_schedule(text: str) -> tuple[list[date], list[date], list[str]]:
    """The closed days, the make-up workdays and one message per bad line (with its number)."""
    closed: list[date] = []
    makeup: list[date] = []
    errors: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text), skipinitialspace=True), start=1):
        cells = [c.strip() for c in (row[0].split("\t") if len(row) == 1 else row)]
        if not cells or not cells[0] or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() in HEADER:
            continue
        kind = (cells[1] if len(cells) > 1 else "").lower() or "放假"
        days, bad = parse_days(cells[0])
        if bad or not days:
            errors += [_("第%(line)d行：%(error)s") % {"line": number, "error": e} for e in bad or [cells[0]]]
        elif kind in CLOSED:
            closed += days
        elif kind in WORKDAY:
            makeup += days
        else:
            errors.append(
                _("第%(line)d行：类型“%(kind)s”无法识别，应为“放假”或“上班”。") % {"line": number, "kind": cells[1]}
            )
    return closed, makeup, errors


class Command(BaseCommand):
    help = "Enter (or correct) a year's holiday schedule from a text/CSV list, then recount provisional deadlines."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("year", type=int)
        parser.add_argument("file", help="UTF-8 text or CSV: date or date range, kind (放假/上班), note")
        parser.add_argument(
            "--basis", help="the notice it comes from; default: 国务院办公厅关于YEAR年部分节假日安排的通知"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        year = options["year"]
        try:
            text = Path(options["file"]).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            raise CommandError(_("无法读取文件：%(error)s") % {"error": err}) from err
        closed, makeup, errors = read_schedule(text)
        if errors:
            raise CommandError("\n".join(errors))
        basis = options["basis"] or _("国务院办公厅关于%(year)s年部分节假日安排的通知") % {"year": year}
        try:
            result = calendar_year_enter(user=None, year=year, basis=basis, closed_days=closed, makeup_days=makeup)
        except InvalidPayload as err:
            raise CommandError("\n".join(m for messages in err.fields.values() for m in messages)) from err
        self.stdout.write(
            _(
                "已录入%(year)s年放假安排：放假 %(closed)d 天，调休上班 %(makeup)d 天；"
                "重新计算 %(recounted)d 项期限，其中 %(moved)d 项日期有变。"
            )
            % {
                "year": year,
                "closed": len(set(closed)),
                "makeup": len(set(makeup)),
                "recounted": result.recount.recounted,
                "moved": result.recount.moved,
            }
        )
