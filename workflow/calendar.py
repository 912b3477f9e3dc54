"""The engine's working-day calendar: deadlines in calendar days or working days (工作日).

Everything is counted in Asia/Shanghai local dates, whatever time zone the caller's instant
is in: a UTC instant at 17:30 on 30 September is already 1 October (a holiday) on campus.

A working day is a Monday-Friday that is not a statutory holiday, or a weekend day that the
State Council made a make-up working day (调休), as published in `chinese_calendar`, minus
the extra closed days the union office enters (`workflow.models.ClosedDay`), plus the
make-up workdays it enters (`MakeUpWorkday`). For a year the holiday data does not cover
yet, the union office enters that year's schedule by hand (closed days and make-up
workdays from the State Council's notice) and records the year as entered (`EnteredYear`).

Conventions (one each, tested in tests/workflow/test_calendar.py):

- `add_days(start, n)` keeps the Shanghai wall-clock time: Tue 10:00 + 7 days is the next
  Tue 10:00. Holidays do not matter for calendar days.
- `add_working_days(start, n)` returns the END of the n-th working day strictly after
  start's local date, i.e. 23:59:59.999999 Asia/Shanghai on that date. The time of day of
  `start` and whether start's date is itself a working day do not matter; people read a
  deadline as a date ("请于10月8日前答复") and a whole day to act on it. Examples from the
  2024 National Day holiday (1-7 Oct off, Sun 29 Sep and Sat 12 Oct worked):
  Mon 30 Sep 10:00 + 1 -> Tue 8 Oct 23:59:59.999999; Thu 3 Oct (holiday) + 1 -> the same;
  Fri 27 Sep + 1 -> Sun 29 Sep (a make-up working day).
  n == 0 means "by the end of today's working day": start's date if it is a working day,
  else the next working day. n < 0 counts backwards: the end of the |n|-th working day
  strictly before start's date (for "remind N working days before").
- `working_days_between(a, b)` counts working days in (a, b]; negative when b < a. Days
  overdue = working_days_between(local_date(due), local_date(now)).

A year neither `chinese_calendar` nor the union office covers is never refused: it is
counted with the best data there is (docs/operations.md, "The holiday calendar"): the
statutory holidays the `holidays` package computes for China where it has that year, else
plain weekends. A deadline counted through such a year is provisional (`Due.provisional`);
entering the year recomputes it (workflow.calendar_years).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays
from django.db import models
from django.db.models import Value
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Hard-coded rather than settings.TIME_ZONE: the holiday data is China's, so the dates it
# speaks about are Shanghai dates regardless of how a deployment is configured.
SHANGHAI = ZoneInfo("Asia/Shanghai")


class YearSource(models.TextChoices):
    """Where the working days of a year come from, best first."""

    PACKAGE = "package", gettext_lazy("国家放假安排（系统内置数据）")
    ENTERED = "entered", gettext_lazy("校工会录入的放假安排")
    ESTIMATED = "estimated", gettext_lazy("暂按预估的法定节假日（未含调休）")
    WEEKENDS = "weekends", gettext_lazy("暂按周末休息（无节假日数据）")


PROVISIONAL_SOURCES = frozenset({YearSource.ESTIMATED, YearSource.WEEKENDS})


@lru_cache(maxsize=64)
def year_covered(year: int) -> bool:
    """Whether the installed holiday data (`chinese_calendar`) has `year`."""
    # chinese_calendar signals an unsupported year only by raising NotImplementedError from
    # its lookups; probing one date per year (cached) turns that into a clean yes/no.
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def estimated_holidays(year: int) -> frozenset[date] | None:
    """The statutory holidays the `holidays` package computes for China in `year` (the lunar
    festivals included, the 调休 make-up workdays not), or None outside the package's range."""
    if not holidays.China.start_year <= year <= holidays.China.end_year:
        return None
    return _estimated(year)


@lru_cache(maxsize=16)
def _estimated(year: int) -> frozenset[date]:
    return frozenset(holidays.China(years=year).keys())


def fallback_source(year: int) -> YearSource:
    """How a year neither `chinese_calendar` nor the union office covers is counted."""
    return YearSource.ESTIMATED if estimated_holidays(year) is not None else YearSource.WEEKENDS


def provisional_note(years: Iterable[int]) -> str:
    """The words shown beside a provisional date: how it was counted and what will fix it."""
    pending = sorted(set(years))
    if not pending:
        return ""
    if all(fallback_source(y) == YearSource.ESTIMATED for y in pending):
        how = _("暂按预估的法定节假日计算")
    else:
        how = _("暂按周末休息计算")
    return str(format_lazy(_("{how}，待录入{years}年放假安排后更新"), how=how, years="、".join(map(str, pending))))


def pending_years_text(years: Iterable[int]) -> str:
    """The years a provisional due date waits for, as stored on the row ("2027" or "2027,2028")."""
    return ",".join(str(y) for y in sorted(set(years)))


def parse_pending_years(text: str) -> list[int]:
    return [int(y) for y in text.split(",") if y.strip().isdigit()]


@dataclass(frozen=True)
class Due:
    """A deadline and how it was counted: `working_days` working days after `start`, or a
    date someone chose (no start). Provisional when the count went through a year whose
    holiday schedule the product does not have yet (`pending_years`)."""

    at: datetime
    start: datetime | None = None
    working_days: int | None = None
    pending_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.pending_years)


def _require_aware(instant: datetime) -> None:
    if not isinstance(instant, datetime):
        raise TypeError(f"expected a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        # A naive datetime would be read in whatever zone the server runs in; refuse to guess.
        raise ValueError("start must be a timezone-aware datetime")


def _require_date(d: date) -> None:
    # datetime is a subclass of date; taking its .date() would use the instant's own zone,
    # not Shanghai's, so make the caller say which local date they mean (see local_date).
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}; use local_date() for instants")


def local_date(instant: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware instant."""
    _require_aware(instant)
    return instant.astimezone(SHANGHAI).date()


def end_of_day(d: date) -> datetime:
    """The last representable instant of local date `d` (23:59:59.999999 Asia/Shanghai)."""
    _require_date(d)
    return datetime.combine(d, time.max, tzinfo=SHANGHAI)


class WorkingCalendar:
    """Answers "is this a working day?" for one unit of work.

    The union office's closed days are loaded for whole years, one query per span of years
    first asked about, then kept: a deadline computation touches one year, or two across New
    Year. Share one instance across a loop (e.g. a reminder sweep) to keep it at one query;
    do not keep one across requests, or closed days entered meanwhile are missed.
    """

    def __init__(self) -> None:
        self._closed: frozenset[date] = frozenset()
        self._makeup: frozenset[date] = frozenset()
        self._entered: frozenset[int] = frozenset()
        self._years: tuple[int, int] | None = None  # inclusive span of years already loaded
        # Years without a schedule this calendar has counted through (see `due`).
        self.pending: set[int] = set()

    def _load(self, first_year: int, last_year: int) -> None:
        if self._years is not None and self._years[0] <= first_year and last_year <= self._years[1]:
            return
        lo, hi = first_year, last_year
        if self._years is not None:
            # Keep the loaded span contiguous; the table holds a handful of rows a year, so
            # reloading the union in one query is cheaper than tracking holes.
            lo, hi = min(lo, self._years[0]), max(hi, self._years[1])
        # The calendar module is importable before apps load.
        from workflow.models import ClosedDay, EnteredYear, MakeUpWorkday

        span = {"date__gte": date(lo, 1, 1), "date__lte": date(hi, 12, 31)}
        uncovered = [y for y in range(lo, hi + 1) if not year_covered(y)]
        entered = (
            set(EnteredYear.objects.filter(year__in=uncovered).values_list("year", flat=True)) if uncovered else set()
        )
        self._entered = frozenset(entered)
        # One query for both tables: closed days and make-up workdays of the span.
        closed = (
            ClosedDay.objects.filter(**span).order_by().annotate(working=Value(False)).values_list("date", "working")
        )
        makeup = (
            MakeUpWorkday.objects.filter(**span).order_by().annotate(working=Value(True)).values_list("date", "working")
        )
        rows = list(closed.union(makeup, all=True))
        self._closed = frozenset(d for d, working in rows if not working)
        self._makeup = frozenset(d for d, working in rows if working)
        self._years = (lo, hi)

    def source(self, year: int) -> YearSource:
        """Where this calendar takes `year`'s working days from."""
        if year_covered(year):
            return YearSource.PACKAGE
        self._load(year, year)
        if year in self._entered:
            return YearSource.ENTERED
        return fallback_source(year)

    def is_working_day(self, d: date) -> bool:
        _require_date(d)
        self._load(d.year, d.year)
        if d in self._closed:
            return False
        if d in self._makeup:
            return True
        if year_covered(d.year):
            return bool(chinese_calendar.is_workday(d))
        if d.year in self._entered:
            return d.weekday() < 5
        # Nobody has given us this year's schedule: count it with the best estimate and
        # remember that whatever was counted through it is provisional.
        self.pending.add(d.year)
        estimate = estimated_holidays(d.year)
        return d.weekday() < 5 and (estimate is None or d not in estimate)

    def due(self, start: datetime, n: int) -> Due:
        """The deadline n working days after `start` (see add_working_days), with how it was
        counted: provisional when the count went through a year without a schedule."""
        _require_aware(start)
        before, self.pending = self.pending, set()
        try:
            at = end_of_day(self.shift(local_date(start), n))
            return Due(at, start, n, tuple(sorted(self.pending)))
        finally:
            self.pending |= before

    def shift(self, d: date, n: int) -> date:
        """The n-th working day strictly after `d` (n > 0), strictly before it (n < 0), or
        `d` itself if working else the next working day (n == 0)."""
        _require_date(d)
        if n == 0:
            while not self.is_working_day(d):
                d += timedelta(days=1)
            return d
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        # Terminates: every year, estimated or not, has working days.
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def count_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative when b < a."""
        _require_date(a)
        _require_date(b)
        if b < a:
            return -self.count_between(b, a)
        if a == b:
            return 0
        self._load((a + timedelta(days=1)).year, b.year)
        days = (b - a).days
        return sum(1 for i in range(1, days + 1) if self.is_working_day(a + timedelta(days=i)))


def add_days(start: datetime, n: int) -> datetime:
    """`start` plus n calendar days, at the same Asia/Shanghai wall-clock time."""
    _require_aware(start)
    local = start.astimezone(SHANGHAI)
    # Arithmetic on the wall clock, then re-attach the zone, so a caller's own DST (e.g. an
    # instant given in New York) cannot shift the campus time of day.
    return (local.replace(tzinfo=None) + timedelta(days=n)).replace(tzinfo=SHANGHAI)


def add_working_days(start: datetime, n: int, *, calendar: WorkingCalendar | None = None) -> datetime:
    """The deadline n working days after `start`: the end (23:59:59.999999 Asia/Shanghai)
    of the n-th working day strictly after start's local date. See the module docstring for
    n == 0 and n < 0. Through a year without a schedule it counts the estimate; use
    `working_due` to know whether it did."""
    return working_due(start, n, calendar=calendar).at


def working_due(start: datetime, n: int, *, calendar: WorkingCalendar | None = None) -> Due:
    """`add_working_days` with how the date was counted (`Due.provisional`)."""
    return (calendar or WorkingCalendar()).due(start, n)


def recount(due: Due, *, calendar: WorkingCalendar | None = None) -> Due:
    """The same count again, with the calendar as it is now (a chosen date stays as it is)."""
    if due.start is None or due.working_days is None:
        return due
    return working_due(due.start, due.working_days, calendar=calendar)


def is_working_day(d: date, *, calendar: WorkingCalendar | None = None) -> bool:
    """Whether local date `d` is a working day (statutory calendar, 调休 and closed days)."""
    return (calendar or WorkingCalendar()).is_working_day(d)


def working_days_between(a: date, b: date, *, calendar: WorkingCalendar | None = None) -> int:
    """Working days in (a, b]: 0 when equal, negative when b < a. For "days overdue" pass the
    due date as `a` and today's local date as `b`."""
    return (calendar or WorkingCalendar()).count_between(a, b)
