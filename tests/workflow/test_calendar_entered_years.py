"""A year the holiday data does not cover yet works once the union office enters it."""

from datetime import date, datetime

import pytest

from workflow.calendar import SHANGHAI, WorkingCalendar, YearSource, add_working_days, is_working_day, working_due
from workflow.models import ClosedDay, EnteredYear, MakeUpWorkday

pytestmark = pytest.mark.django_db


def test_an_entered_year_replaces_the_estimate_and_settles_the_count():
    # Thu 31 Dec 2026 + 1: the estimate has 1 Jan off, so Mon 4 Jan, provisional.
    assert working_due(datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI), 1).provisional
    EnteredYear.objects.create(year=2027, note="国务院办公厅关于2027年部分节假日安排的通知")
    assert WorkingCalendar().source(2027) == YearSource.ENTERED
    assert is_working_day(date(2027, 1, 4))  # a Monday
    assert not is_working_day(date(2027, 1, 2))  # a Saturday
    # Entered, nothing closed: 1 Jan is a working Friday now, and the count is settled.
    due = working_due(datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI), 1)
    assert due.at.date() == date(2027, 1, 1)
    assert not due.provisional


def test_entered_closed_days_and_make_up_workdays_shape_an_entered_year():
    EnteredYear.objects.create(year=2027, note="录入")
    ClosedDay.objects.create(date=date(2027, 1, 1), reason="元旦")
    MakeUpWorkday.objects.create(date=date(2027, 1, 9), reason="调休上班")
    # Thu 31 Dec 2026 + 1 working day: Fri 1 Jan is closed, so Mon 4 Jan.
    start = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)
    assert add_working_days(start, 1).date() == date(2027, 1, 4)
    # Fri 8 Jan + 1: the make-up Saturday 9 Jan counts.
    assert add_working_days(datetime(2027, 1, 8, 9, 0, tzinfo=SHANGHAI), 1).date() == date(2027, 1, 9)


def test_a_make_up_workday_also_overrides_a_covered_year():
    # 2024-10-13 is an ordinary Sunday in the statutory calendar.
    assert not is_working_day(date(2024, 10, 13))
    MakeUpWorkday.objects.create(date=date(2024, 10, 13), reason="校运会补课")
    assert is_working_day(date(2024, 10, 13))
