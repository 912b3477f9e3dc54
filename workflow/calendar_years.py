"""The holiday schedules of the years (放假安排), as the union office keeps them.

`chinesecalendar` ships each year's schedule weeks or months after the State Council
publishes it (November or December). Until then the union office enters the year itself,
from the notice: its closed days and its make-up workdays. This module

- says, for a year, what the product counts with (`year_schedule`): the package's data, the
  union office's entry, or a provisional estimate (workflow.calendar);
- enters or corrects a year (`calendar_year_enter`), refusing a bad entry whole;
- then recounts every open deadline counted through that year (`recount_deadlines`):
  the provisional ones, and on a correction those counted with the earlier entry; each
  change goes to the item's history and whoever the step waits on is told of a moved date;
- warns the union office from 1 November while next year is missing
  (`calendar_warn_missing_year`, daily from beat; once, then weekly).

What happens to a provisional date that has already passed is described in
docs/operations.md ("The holiday calendar").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import chinese_calendar
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import deadlines, history, policy
from .calendar import (
    PROVISIONAL_SOURCES,
    SHANGHAI,
    Due,
    WorkingCalendar,
    YearSource,
    estimated_holidays,
    local_date,
    recount,
    year_covered,
)
from .errors import InvalidPayload
from .models import CalendarNotice, ClosedDay, Deadline, EnteredYear, MakeUpWorkday

# The years an entry may be for: nothing before the product's own data starts, nothing so far
# ahead that it can only be a typing error.
FIRST_YEAR, LAST_YEAR = 2004, 2100
# From this day of the year on, a missing next year is worth a warning (the State Council's
# notice comes out in November or December).
WARN_FROM = (11, 1)
WARN_EVERY = timedelta(days=7)

WEEKEND = (5, 6)
MAX_RANGE_DAYS = 31  # the longest range of days `parse_days` reads (春节 and 国庆 are 8 or 9)


@dataclass(frozen=True)
class YearSchedule:
    """A year as the product counts it: where its working days come from, and the days that
    differ from a plain Monday-to-Friday week."""

    year: int
    source: YearSource
    closed_days: list[date]
    makeup_days: list[date]
    entered: EnteredYear | None = None

    @property
    def provisional(self) -> bool:
        return self.source in PROVISIONAL_SOURCES

    @property
    def may_enter(self) -> bool:
        """The union office enters (or corrects) only years the package does not have."""
        return self.source != YearSource.PACKAGE

    @property
    def basis(self) -> str:
        return self.entered.note if self.entered else ""


def year_schedule(year: int) -> YearSchedule:
    source = WorkingCalendar().source(year)
    span = {"date__year": year}
    entered_closed = list(ClosedDay.objects.filter(**span).values_list("date", flat=True))
    entered_makeup = list(MakeUpWorkday.objects.filter(**span).values_list("date", flat=True))
    entered = EnteredYear.objects.filter(year=year).first()
    if source == YearSource.PACKAGE:
        first, last = date(year, 1, 1), date(year, 12, 31)
        closed = {d for d in chinese_calendar.get_holidays(first, last, include_weekends=False)}
        makeup = {
            d for d in chinese_calendar.get_workdays(first, last, include_weekends=True) if d.weekday() in WEEKEND
        }
    elif source == YearSource.ESTIMATED:
        closed = {d for d in estimated_holidays(year) or () if d.weekday() not in WEEKEND}
        makeup = set()
    else:
        closed, makeup = set(), set()
    closed = (closed | set(entered_closed)) - set(entered_makeup)
    makeup = (makeup | set(entered_makeup)) - set(entered_closed)
    return YearSchedule(year, source, sorted(closed), sorted(makeup), entered)


def years_overview(*, today: date) -> list[YearSchedule]:
    """Last year to the year after next, and every year the union office ever entered."""
    years = set(range(today.year - 1, today.year + 3)) | set(EnteredYear.objects.values_list("year", flat=True))
    return [year_schedule(y) for y in sorted(years)]


# Reading what the union office typed ---------------------------------------------------------

_SEPARATORS = re.compile(r"[\s,，、;；]+")
_RANGE = re.compile(r"^(.+?)(?:~|～|至|--)(.+)$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


def _one_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def parse_days(text: str) -> tuple[list[date], list[str]]:
    """Dates typed one per line or separated by commas, 、 or spaces; a range
    `2027-10-01~2027-10-07` (or 至) stands for its days, weekends left out (they rest
    anyway). Returns the dates and one Chinese message per piece that is not a date."""
    days: list[date] = []
    errors: list[str] = []
    for piece in _SEPARATORS.split(text or ""):
        if not piece:
            continue
        m = _RANGE.match(piece)
        if m:
            first, last = _one_date(m.group(1)), _one_date(m.group(2))
            # No holiday of a notice lasts a month; a longer range is a typing error, and an
            # unbounded one (2027-01-04~9999-12-31) would be millions of days and messages.
            if first is None or last is None or last < first or (last - first).days >= MAX_RANGE_DAYS:
                errors.append(_("“%(text)s”不是有效的日期范围，应写作 2027-10-01~2027-10-07。") % {"text": piece})
                continue
            span = (first + timedelta(days=i) for i in range((last - first).days + 1))
            days += [d for d in span if d.weekday() not in WEEKEND]
            continue
        d = _one_date(piece)
        if d is None:
            errors.append(_("“%(text)s”不是有效的日期，应写作 2027-01-01。") % {"text": piece})
        else:
            days.append(d)
    return sorted(set(days)), errors


def validate_year(year: Any, closed: list[date], makeup: list[date]) -> dict[str, list[str]]:
    """Field errors for an entry, in Chinese; empty when it may be saved."""
    errors: dict[str, list[str]] = {}
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        return {"year": [_("年份应在 %(first)s 到 %(last)s 之间。") % {"first": FIRST_YEAR, "last": LAST_YEAR}]}
    if year_covered(year):
        errors["year"] = [_("%(year)s年的放假安排已由系统内置的国家数据提供，无需录入。") % {"year": year}]
    for name, days in (("closed_days", closed), ("makeup_days", makeup)):
        for d in days:
            if d.year != year:
                errors.setdefault(name, []).append(_("%(day)s 不在%(year)s年内。") % {"day": d, "year": year})
    for d in closed:
        if d.weekday() in WEEKEND:
            errors.setdefault("closed_days", []).append(
                _("%(day)s 是周末，本来就休息，不必录入为放假日。") % {"day": d}
            )
    for d in makeup:
        if d.weekday() not in WEEKEND:
            errors.setdefault("makeup_days", []).append(_("%(day)s 不是周末，调休上班日应是周六或周日。") % {"day": d})
    if not closed:
        errors.setdefault("closed_days", []).append(_("请至少录入一个放假日（例如元旦）。"))
    return errors


# Entering a year --------------------------------------------------------------------------


@dataclass
class RecountResult:
    recounted: int = 0  # deadlines whose count was redone and settled or changed
    moved: int = 0  # of those, the ones whose date changed
    items: list[Any] = field(default_factory=list)


@dataclass
class EnterResult:
    entered: EnteredYear
    created: bool
    recount: RecountResult


def calendar_year_enter(
    *,
    user: Any,
    year: Any,
    basis: str,
    closed_days: list[date],
    makeup_days: list[date],
    now: datetime | None = None,
) -> EnterResult:
    """Enter (or correct) a year's schedule from the State Council's notice, then recount
    the deadlines counted through it. Nothing is saved when any part is wrong."""
    if user is not None:  # None: the server's operator, through `manage.py enter_holidays`
        policy.check(EnteredYear(), "enter", user, state="")
    now = now or timezone.now()
    basis = (basis or "").strip()
    errors = validate_year(year, closed_days, makeup_days)
    if not basis:
        errors.setdefault("basis", []).append(
            _("请填写依据，例如：国务院办公厅关于%(year)s年部分节假日安排的通知。") % {"year": year}
        )
    elif len(basis) > 200:
        errors.setdefault("basis", []).append(_("依据最多 200 个字。"))
    overlap = set(closed_days) & set(makeup_days)
    if overlap:
        errors.setdefault("makeup_days", []).append(
            _("%(days)s 不能既是放假日又是调休上班日。") % {"days": "、".join(str(d) for d in sorted(overlap))}
        )
    if errors:
        raise InvalidPayload(fields=errors)
    with transaction.atomic():
        entered, created = EnteredYear.objects.select_for_update().get_or_create(year=year, defaults={"note": basis})
        entered.note, entered.entered_by, entered.entered_at = basis, user, now
        entered.save()
        ClosedDay.objects.filter(date__year=year).delete()
        MakeUpWorkday.objects.filter(date__year=year).delete()
        reason = basis[:200]
        ClosedDay.objects.bulk_create([ClosedDay(date=d, reason=reason) for d in sorted(set(closed_days))])
        MakeUpWorkday.objects.bulk_create([MakeUpWorkday(date=d, reason=reason) for d in sorted(set(makeup_days))])
        result = recount_deadlines(year=year, user=user, now=now, why=basis)
    return EnterResult(entered, created, result)


def recount_deadlines(
    *, year: int | None = None, user: Any = None, now: datetime | None = None, why: str = ""
) -> RecountResult:
    """Count again, with the calendar as it is now, every open deadline counted in working
    days through `year` (entered or corrected just now), or every provisional one (year None:
    a new `chinesecalendar` was installed; the `recount_deadlines` command). A chosen date
    is never recounted. A deadline whose date or provisional state changed gets a history
    row on its item (old and new date, why); when the date moved, whoever the step waits on
    is told."""
    now = now or timezone.now()
    result = RecountResult()
    cal = WorkingCalendar()
    rows = Deadline.objects.filter(closed_at__isnull=True, due_working_days__isnull=False)
    if year is None:
        rows = rows.filter(due_provisional=True)
    else:
        first = datetime.combine(date(year, 1, 1), time.min, tzinfo=SHANGHAI)
        rows = rows.filter(due__gte=first, due_counted_from__lt=first.replace(year=year + 1))
    with transaction.atomic():
        for row in rows.select_for_update().order_by("content_type_id", "object_id", "step"):
            old = row.due_value
            assert old is not None  # an open deadline always has a due date
            new = recount(old, calendar=cal)
            if new == old:
                continue  # counted the same way again
            _settle(row, old, new, user=user, now=now, why=why, cal=cal)
            result.recounted += 1
            if local_date(new.at) != local_date(old.at):
                result.moved += 1
    return result


def _settle(row: Deadline, old: Due, new: Due, *, user: Any, now: datetime, why: str, cal: WorkingCalendar) -> None:
    model = ContentType.objects.get_for_id(row.content_type_id).model_class()
    item: Any = model._default_manager.select_for_update().get(pk=row.object_id)  # type: ignore[union-attr]
    # The item may hold the date itself (an assignment's 办理期限); it follows first.
    hook = getattr(item, "deadline_recounted", None)
    if hook is not None:
        hook(row.step, old, new)
    was_overdue = old.at < now
    row.set_due(new)
    if new.at > old.at:
        row.escalation_level = 0  # a later date starts the ladder again, as an extension does
    row.next_check_at = deadlines.next_check(row, item.reminder_policy(), cal, now)
    row.save(update_fields=["escalation_level", "next_check_at", *deadlines.DUE_FIELDS])
    moved = local_date(new.at) != local_date(old.at)
    history.record(
        item,
        f"{item._meta.model_name}.due_recounted",
        user,
        {
            "step": row.step,
            "old_due": old.at,
            "new_due": new.at,
            "was_provisional": old.provisional,
            "provisional": new.provisional,
            "pending_years": list(new.pending_years),
            "was_overdue": was_overdue,
        },
        comment=_("按%(why)s重新计算期限：%(old)s → %(new)s")
        % {"why": why or _("最新放假安排"), "old": local_date(old.at), "new": local_date(new.at)},
        now=now,
    )
    if moved:
        from notifications.services import notify

        notify(recipients=item.reminder_recipients(row.step, 0), event="reminder.due_moved", item=item, actor=user)


# Warning in advance -------------------------------------------------------------------------


def missing_next_year(*, now: datetime) -> int | None:
    """Next year, when it is 1 November or later and nobody has its schedule yet; else None."""
    today = local_date(now)
    if (today.month, today.day) < WARN_FROM:
        return None
    year = today.year + 1
    if year_covered(year) or EnteredYear.objects.filter(year=year).exists():
        return None
    return year


def calendar_warn_missing_year(*, now: datetime | None = None) -> CalendarNotice | None:
    """Tell the union office that next year's schedule is missing: on the first run from
    1 November, then again each week until the year is entered or the package has it."""
    from notifications.services import notify
    from org.models import Role
    from org.roles import users_with_role

    now = now or timezone.now()
    year = missing_next_year(now=now)
    if year is None:
        return None
    today = local_date(now)
    with transaction.atomic():
        last = CalendarNotice.objects.filter(year=year).order_by("-sent_on").first()
        if last is not None and today - last.sent_on < WARN_EVERY:
            return None
        notice, created = CalendarNotice.objects.get_or_create(year=year, sent_on=today)
        if not created:
            return None  # another run got here first today
        notify(recipients=users_with_role(Role.UNION_OFFICE), event="calendar.year_missing", item=notice)
    return notice
