"""The working-day calendar against the real 2024 National Day and 2025 Spring Festival schedules.

Expected dates are written out by hand from the State Council notices (as carried by
chinesecalendar 1.11.0):
- National Day 2024: 1-7 Oct off; Sun 29 Sep and Sat 12 Oct worked. Mid-Autumn 15-17 Sep off.
- Spring Festival 2025: 28 Jan-4 Feb off; Sun 26 Jan and Sat 8 Feb worked.
A working-day deadline is the end (23:59:59.999999 Shanghai) of the n-th working day strictly
after the start's Shanghai date.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workflow.calendar import (
    SHANGHAI,
    WorkingCalendar,
    YearSource,
    add_days,
    add_working_days,
    fallback_source,
    is_working_day,
    local_date,
    provisional_note,
    working_days_between,
    working_due,
)
from workflow.models import ClosedDay


def at(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=SHANGHAI)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=SHANGHAI)


# --- is_working_day ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 9, 27), True),  # Fri, ordinary
        (date(2024, 9, 28), False),  # Sat, ordinary weekend
        (date(2024, 9, 29), True),  # Sun, 调休 for National Day
        (date(2024, 10, 1), False),  # Tue, National Day
        (date(2024, 10, 7), False),  # Mon, last day of the National Day holiday
        (date(2024, 10, 8), True),  # Tue, back to work
        (date(2024, 10, 12), True),  # Sat, 调休 for National Day
        (date(2024, 10, 13), False),  # Sun, ordinary weekend
        (date(2025, 1, 26), True),  # Sun, 调休 for Spring Festival
        (date(2025, 1, 27), True),  # Mon, the eve before the holiday
        (date(2025, 1, 28), False),  # Tue, 除夕
        (date(2025, 2, 4), False),  # Tue, last day of Spring Festival
        (date(2025, 2, 5), True),  # Wed, back to work
        (date(2025, 2, 8), True),  # Sat, 调休 for Spring Festival
    ],
)
def test_it_follows_statutory_holidays_and_make_up_working_days(day, working):
    assert is_working_day(day) is working


@pytest.mark.django_db
def test_a_closed_day_entered_by_the_union_office_is_not_a_working_day():
    ClosedDay.objects.create(date=date(2024, 10, 8), reason="校园电力改造，全校停工")
    ClosedDay.objects.create(date=date(2024, 10, 12), reason="调休日闭校")

    assert is_working_day(date(2024, 10, 8)) is False
    assert is_working_day(date(2024, 10, 12)) is False  # even a 调休 Saturday can be closed
    assert is_working_day(date(2024, 10, 9)) is True


def test_it_refuses_a_datetime_where_a_local_date_is_meant():
    with pytest.raises(TypeError):
        is_working_day(datetime(2024, 10, 8, 1, 0, tzinfo=UTC))


# --- add_working_days: National Day 2024 ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (at(2024, 9, 27), 1, end_of(2024, 9, 29)),  # Fri -> the 调休 Sunday
        (at(2024, 9, 29), 1, end_of(2024, 9, 30)),  # 调休 Sunday -> Mon
        (at(2024, 9, 30), 1, end_of(2024, 10, 8)),  # Mon -> over the whole holiday
        (at(2024, 9, 30), 5, end_of(2024, 10, 12)),  # lands on the 调休 Saturday
        (at(2024, 9, 30), 6, end_of(2024, 10, 14)),  # Sun 13 Oct is a rest day again
        (at(2024, 9, 24), 30, end_of(2024, 11, 8)),  # "30 working days" from Tue 10:00
    ],
)
def test_working_days_around_national_day_2024(start, n, due):
    assert add_working_days(start, n) == due


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (at(2025, 1, 24), 1, end_of(2025, 1, 26)),  # Fri -> the 调休 Sunday
        (at(2025, 1, 24), 2, end_of(2025, 1, 27)),
        (at(2025, 1, 24), 3, end_of(2025, 2, 5)),  # over 28 Jan-4 Feb
        (at(2025, 1, 27), 4, end_of(2025, 2, 8)),  # lands on the 调休 Saturday
        (at(2025, 1, 27), 5, end_of(2025, 2, 10)),
        (at(2025, 1, 20), 30, end_of(2025, 3, 7)),
    ],
)
def test_working_days_around_spring_festival_2025(start, n, due):
    assert add_working_days(start, n) == due


@pytest.mark.django_db
def test_the_deadline_is_the_end_of_the_day_whatever_the_time_of_submission():
    assert add_working_days(at(2024, 9, 30, 0, 1), 1) == end_of(2024, 10, 8)
    assert add_working_days(at(2024, 9, 30, 23, 59), 1) == end_of(2024, 10, 8)


@pytest.mark.django_db
def test_a_start_on_a_non_working_day_counts_from_the_next_working_day():
    # Submitted on a holiday or an ordinary weekend: day 1 is the first working day after it.
    assert add_working_days(at(2024, 10, 3), 1) == end_of(2024, 10, 8)  # Thu, National Day
    assert add_working_days(at(2025, 2, 1), 1) == end_of(2025, 2, 5)  # Sat, Spring Festival
    assert add_working_days(at(2025, 3, 1), 1) == end_of(2025, 3, 3)  # ordinary Saturday
    assert add_working_days(at(2025, 3, 2), 1) == end_of(2025, 3, 3)  # ordinary Sunday


@pytest.mark.django_db
def test_zero_working_days_is_the_end_of_today_or_of_the_next_working_day():
    assert add_working_days(at(2024, 9, 30), 0) == end_of(2024, 9, 30)
    assert add_working_days(at(2024, 10, 3), 0) == end_of(2024, 10, 8)


@pytest.mark.django_db
def test_negative_working_days_count_backwards_over_holidays():
    assert add_working_days(at(2024, 10, 8), -1) == end_of(2024, 9, 30)
    assert add_working_days(at(2024, 10, 8), -2) == end_of(2024, 9, 29)  # the 调休 Sunday
    assert add_working_days(at(2025, 2, 5), -1) == end_of(2025, 1, 27)


@pytest.mark.django_db
def test_a_closed_day_entered_by_the_union_office_shifts_the_deadline():
    assert add_working_days(at(2024, 9, 30), 1) == end_of(2024, 10, 8)

    ClosedDay.objects.create(date=date(2024, 10, 8), reason="校园电力改造，全校停工")

    assert add_working_days(at(2024, 9, 30), 1) == end_of(2024, 10, 9)
    assert add_working_days(at(2024, 9, 30), 6) == end_of(2024, 10, 15)


@pytest.mark.django_db
def test_closed_days_are_loaded_with_one_query_per_year(django_assert_num_queries):
    ClosedDay.objects.create(date=date(2024, 10, 8), reason="停工")
    with django_assert_num_queries(1):
        assert add_working_days(at(2024, 9, 24), 30) == end_of(2024, 11, 11)
    with django_assert_num_queries(2):  # 2024, then 2025 when the count crosses New Year
        assert add_working_days(at(2024, 12, 20), 10) == end_of(2025, 1, 6)


@pytest.mark.django_db
def test_a_shared_calendar_answers_a_whole_sweep_with_one_query(django_assert_num_queries):
    cal = WorkingCalendar()
    with django_assert_num_queries(1):
        for day in range(1, 31):
            add_working_days(at(2024, 9, day), 30, calendar=cal)
        working_days_between(date(2024, 1, 1), date(2024, 12, 31), calendar=cal)


# --- years without a published schedule ------------------------------------------------------


@pytest.mark.django_db
def test_a_deadline_into_a_year_without_data_is_counted_with_the_estimate_and_marked_provisional():
    # chinesecalendar 1.11.0 covers 2004-2026. From Sunday 20 Dec 2026: 9 working days in
    # December, then 2027 by the holidays package's China calendar (1 Jan off): Mon 1 Feb.
    due = working_due(at(2026, 12, 20), 30)
    assert due.at == end_of(2027, 2, 1)
    assert due.provisional and due.pending_years == (2027,)
    assert (due.start, due.working_days) == (at(2026, 12, 20), 30)
    assert add_working_days(at(2026, 12, 20), 30) == due.at


@pytest.mark.django_db
def test_the_estimate_skips_the_spring_festival_the_holidays_package_computes():
    # Fri 29 Jan 2027 + 5: 1-4 Feb, then 5-10 Feb are the estimated Spring Festival days.
    assert working_due(at(2027, 1, 29), 5).at == end_of(2027, 2, 11)
    assert not is_working_day(date(2027, 2, 9))
    assert is_working_day(date(2027, 2, 11))


@pytest.mark.django_db
def test_a_deadline_inside_covered_years_is_exactly_as_before_and_not_provisional():
    due = working_due(at(2026, 12, 1), 5)
    assert due.at == end_of(2026, 12, 8)
    assert not due.provisional


@pytest.mark.django_db
def test_a_year_the_holidays_package_also_lacks_falls_back_to_weekends_and_says_so():
    assert fallback_source(2101) == YearSource.WEEKENDS
    # Mon 3 Oct 2101 would be National Day; without any data only weekends rest.
    assert is_working_day(date(2101, 10, 3))
    assert not is_working_day(date(2101, 10, 1))  # a Saturday
    due = working_due(at(2101, 9, 30), 1)  # Fri 30 Sep -> Mon 3 Oct
    assert due.at == end_of(2101, 10, 3)
    assert due.pending_years == (2101,)
    assert provisional_note(due.pending_years) == "暂按周末休息计算，待录入2101年放假安排后更新"
    assert provisional_note([2027]) == "暂按预估的法定节假日计算，待录入2027年放假安排后更新"


@pytest.mark.django_db
def test_years_are_sourced_from_the_package_the_estimate_or_weekends():
    cal = WorkingCalendar()
    assert cal.source(2026) == YearSource.PACKAGE
    assert cal.source(2027) == YearSource.ESTIMATED
    assert cal.source(2003) == YearSource.ESTIMATED  # before chinesecalendar's first year
    assert cal.source(2101) == YearSource.WEEKENDS
    assert is_working_day(date(2004, 1, 2)) is True
    # Counting across New Year into an estimated year answers instead of refusing.
    assert working_days_between(date(2026, 12, 31), date(2027, 1, 4)) == 1


# --- calendar days ----------------------------------------------------------------------------


def test_calendar_days_ignore_holidays_and_keep_the_wall_clock_time():
    assert add_days(at(2024, 9, 30, 10, 0), 7) == at(2024, 10, 7, 10, 0)
    assert add_days(at(2025, 1, 27, 16, 30), 15) == at(2025, 2, 11, 16, 30)
    assert add_days(at(2025, 3, 1, 9, 0), -1) == at(2025, 2, 28, 9, 0)


def test_calendar_days_keep_shanghai_time_for_an_instant_given_in_another_zone():
    # 20:00 in New York on 9 Mar 2024 is 09:00 on 10 Mar in Shanghai. New York switches to
    # daylight saving that night; the deadline must still be 09:00 on campus.
    start = datetime(2024, 3, 9, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    due = add_days(start, 2)
    assert due == at(2024, 3, 12, 9, 0)
    assert due.utcoffset() == timedelta(hours=8)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_days(datetime(2024, 9, 30, 10, 0), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(datetime(2024, 9, 30, 10, 0), 1)


# --- time zones -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_utc_instant_late_on_30_september_is_already_national_day_in_shanghai():
    late_utc = datetime(2024, 9, 30, 17, 30, tzinfo=UTC)  # 01:30 on 1 Oct in Shanghai

    assert local_date(late_utc) == date(2024, 10, 1)
    # Read as 30 Sep (a working day) this would be due tonight; read in Shanghai it is a holiday.
    assert add_working_days(late_utc, 0) == end_of(2024, 10, 8)


@pytest.mark.django_db
def test_a_utc_saturday_evening_is_the_make_up_sunday_in_shanghai():
    start = datetime(2024, 9, 28, 17, 0, tzinfo=UTC)  # Sun 29 Sep 01:00 in Shanghai (调休)
    due = add_working_days(start, 1)
    assert due == end_of(2024, 9, 30)  # counted from 29 Sep, not from Saturday 28 Sep
    assert due.utcoffset() == timedelta(hours=8)
    assert due.astimezone(UTC) == datetime(2024, 9, 30, 15, 59, 59, 999999, tzinfo=UTC)


# --- working_days_between ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("a", "b", "count"),
    [
        (date(2024, 9, 30), date(2024, 9, 30), 0),
        (date(2024, 9, 30), date(2024, 10, 7), 0),  # the whole holiday is no working day
        (date(2024, 9, 30), date(2024, 10, 8), 1),
        (date(2024, 9, 27), date(2024, 10, 12), 7),  # 29 Sep, 30 Sep, 8-12 Oct
        (date(2024, 10, 12), date(2024, 9, 27), -7),
        (date(2025, 1, 24), date(2025, 2, 8), 6),  # 26 Jan, 27 Jan, 5-7 Feb, 8 Feb (调休)
        (date(2024, 12, 31), date(2025, 1, 2), 1),  # New Year's Day off, 2 Jan worked
    ],
)
def test_working_days_between_counts_the_half_open_interval(a, b, count):
    assert working_days_between(a, b) == count


@pytest.mark.django_db
def test_days_overdue_are_counted_in_working_days():
    due = add_working_days(at(2025, 1, 20), 5)  # Sun 26 Jan (调休) is day 5
    assert due == end_of(2025, 1, 26)

    def overdue(now: datetime) -> int:
        return max(0, working_days_between(local_date(due), local_date(now)))

    assert overdue(at(2025, 1, 26, 23, 0)) == 0  # still on the due date
    assert overdue(at(2025, 1, 27, 9, 0)) == 1
    assert overdue(at(2025, 2, 4, 9, 0)) == 1  # the holiday does not make it later
    assert overdue(at(2025, 2, 10, 9, 0)) == 6  # 27 Jan, 5-8 Feb, 10 Feb


@pytest.mark.django_db
def test_a_closed_day_does_not_count_as_a_day_overdue():
    ClosedDay.objects.create(date=date(2024, 10, 9), reason="停工")
    assert working_days_between(date(2024, 9, 30), date(2024, 10, 10)) == 2  # 8 Oct, 10 Oct
