"""The congress does not stop at New Year: deadlines into a year without a published holiday
schedule are provisional, and entering the year recounts them.

Dates: chinesecalendar 1.11.0 ends at 2026. Assigned on Sun 20 Dec 2026 10:00 with the default
30 working days: 9 working days in December (21-25, 28-31), then 2027 by the holidays
package's estimate (1 Jan off): due Mon 1 Feb 2027, provisional. With 1 and 4 Jan entered as
closed days it is Tue 2 Feb; with 1 Jan and 1-5 Feb closed, Mon 8 Feb.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from notifications.models import Notification
from proposals.models import Assignment, CongressSession
from tests.factories import fresh, submitted
from workflow import history
from workflow.calendar_years import calendar_warn_missing_year, calendar_year_enter
from workflow.deadlines import open_deadlines, sweep
from workflow.errors import InvalidPayload, NotPermitted
from workflow.models import CalendarNotice, ClosedDay, EnteredYear, HistoryEntry, MakeUpWorkday
from workflow.services import transition

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
BASIS = "国务院办公厅关于2027年部分节假日安排的通知"
YEARS = "/api/v1/calendar/years/"


def at(y, m, d, h=9):
    return datetime(y, m, d, h, 0, tzinfo=SH)


def day_of(instant):
    return instant.astimezone(SH).date()


@pytest.fixture
def december(people, category, departments):
    """A proposal assigned on Sun 20 Dec 2026 to 后勤管理处 (lead) and 人事处 (co)."""
    with time_machine.travel(at(2026, 12, 20, 10), tick=False):
        session = CongressSession.objects.create(
            name="第六届第二次",
            code="6-2",
            collection_opens=at(2026, 12, 1),
            collection_closes=at(2027, 1, 10),
        )
        p = submitted(people["alice"], [people["bob"], people["carol"]], session, category)
        transition(p, "accept", people["committee"])
        transition(
            p,
            "assign",
            people["committee"],
            lead_department=departments["logistics"].pk,
            co_departments=[departments["hr"].pk],
        )
    return Assignment.objects.get(proposal=p, role="lead")


def token_client(user):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def enter(user, closed, makeup=(), *, when=None):
    with time_machine.travel(when or at(2026, 12, 28, 10), tick=False):
        return calendar_year_enter(
            user=fresh(user), year=2027, basis=BASIS, closed_days=list(closed), makeup_days=list(makeup)
        )


# Never refused: provisional ---------------------------------------------------------------------


def test_assigning_in_december_succeeds_with_a_provisional_due_in_february(december):
    a = december
    assert day_of(a.due) == date(2027, 2, 1)
    assert a.due_provisional and a.due_pending_years == "2027"
    assert (a.due_counted_from, a.due_working_days) == (at(2026, 12, 20, 10), 30)
    assert a.due_note == "暂按预估的法定节假日计算，待录入2027年放假安排后更新"
    (row,) = open_deadlines(a)
    assert row.due == a.due and row.due_provisional
    assert a.proposal.due == a.due and a.proposal.due_provisional


def test_every_api_representation_of_the_due_date_says_it_is_provisional(december, people):
    committee = token_client(people["committee"])
    body = committee.get(f"/api/v1/assignments/{december.pk}/").json()
    assert body["due_provisional"] is True
    listed = committee.get("/api/v1/assignments/").json()["results"]
    assert {r["id"]: r["due_provisional"] for r in listed}[december.pk] is True
    proposal = committee.get(f"/api/v1/proposals/{december.proposal_id}/").json()
    assert proposal["due_provisional"] is True
    assert all(row["due_provisional"] for row in proposal["assignments"])
    schema = committee.get("/api/schema/?format=json").json()
    assert "due_provisional" in schema["components"]["schemas"]["Assignment"]["properties"]


def test_a_due_date_inside_covered_years_is_not_provisional(people, session, category, departments):
    # The suite's clock: Mon 16 Mar 2026, 30 working days stay inside 2026.
    p = submitted(people["alice"], [people["bob"], people["carol"]], session, category)
    transition(p, "accept", people["committee"])
    transition(p, "assign", people["committee"], lead_department=departments["logistics"].pk, co_departments=[])
    a = Assignment.objects.get(proposal=p)
    assert not a.due_provisional and a.due_note == ""
    assert token_client(people["committee"]).get(f"/api/v1/assignments/{a.pk}/").json()["due_provisional"] is False


def test_the_pages_show_the_provisional_note_beside_the_date(december, people, client):
    client.force_login(people["handler"])
    page = client.get(f"/proposals/assignments/{december.pk}/").content.decode()
    assert "2027-02-01" in page
    assert "暂定" in page and "待录入2027年放假安排后更新" in page


def test_an_extension_across_the_boundary_is_a_chosen_date_and_the_ladder_follows_it(december, people):
    with time_machine.travel(at(2027, 1, 20, 10), tick=False):
        a = transition(
            december, "request_extension", people["handler"], reason="需跨部门协调", new_due=at(2027, 3, 1, 18)
        )
        a = transition(a, "grant_extension", people["committee"])
    assert a.due == at(2027, 3, 1, 18)
    assert not a.due_provisional  # a date the committee agreed to is not recounted
    (row,) = open_deadlines(a)
    assert row.due == a.due and row.due_working_days is None

    # The ladder is counted with the estimate: 3 working days before Mon 1 Mar is Wed 24 Feb.
    # (人事处, the co-department, kept 1 Feb and is long overdue; only the lead's reminders count.)
    def handler_reminders():
        return list(Notification.objects.filter(recipient=people["handler"], event__startswith="reminder."))

    sweep(now=at(2027, 2, 23))
    assert handler_reminders() == []
    sweep(now=at(2027, 2, 24))
    assert [n.event for n in handler_reminders()] == ["reminder.before"]


def test_the_sweep_and_the_overdue_board_work_across_new_year(december, people):
    handler, head = people["handler"], people["head"]
    sweep(now=at(2027, 1, 26))
    assert not Notification.objects.filter(recipient=handler, event__startswith="reminder.").exists()
    sweep(now=at(2027, 1, 27))  # 3 working days before Mon 1 Feb
    assert Notification.objects.filter(recipient=handler, event="reminder.before").count() == 1
    sweep(now=at(2027, 2, 1))
    assert Notification.objects.filter(recipient=handler, event="reminder.due").count() == 1
    sweep(now=at(2027, 2, 2))
    assert Notification.objects.filter(recipient=head, event="reminder.escalate_head").count() == 1
    with time_machine.travel(at(2027, 2, 3, 10), tick=False):
        board = token_client(people["committee"]).get("/api/v1/assignments/", {"overdue": "1"}).json()["results"]
    row = next(r for r in board if r["id"] == december.pk)
    assert row["days_overdue"] == 2 and row["due_provisional"] is True and row["escalation_level"] == 1


# Entering the year ----------------------------------------------------------------------------


def test_entering_2027_through_the_api_recounts_records_and_notifies(december, people):
    office = token_client(people["office"])
    with time_machine.travel(at(2026, 12, 28, 10), tick=False):
        r = office.post(
            YEARS,
            {"year": 2027, "basis": BASIS, "closed_days": ["2027-01-01", "2027-01-04"], "makeup_days": ["2027-02-20"]},
            format="json",
        )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["data_source"] == "entered" and body["provisional"] is False
    assert body["recount"] == {"recounted": 2, "moved": 2}  # the lead's and the co-department's
    a = Assignment.objects.get(pk=december.pk)
    assert day_of(a.due) == date(2027, 2, 2) and not a.due_provisional
    assert a.proposal.due == a.due and not a.proposal.due_provisional
    (row,) = open_deadlines(a)
    assert row.due == a.due and not row.due_provisional
    last = HistoryEntry.objects.for_item(a).order_by("-seq").first()
    assert last.action == "assignment.due_recounted" and last.actor == people["office"]
    assert day_of(datetime.fromisoformat(last.payload["old_due"])) == date(2027, 2, 1)
    assert day_of(datetime.fromisoformat(last.payload["new_due"])) == date(2027, 2, 2)
    assert BASIS in last.comment
    assert Notification.objects.filter(recipient=people["handler"], event="reminder.due_moved").count() == 1
    assert Notification.objects.filter(recipient=people["hr_handler"], event="reminder.due_moved").count() == 1
    assert token_client(people["committee"]).get(f"/api/v1/assignments/{a.pk}/").json()["due_provisional"] is False
    assert list(history.verify_chains()) == []  # the recount rows are links of the chain like any other


def test_an_unchanged_date_is_settled_without_telling_anyone(december, people):
    result = enter(people["office"], [date(2027, 1, 1)])
    assert (result.recount.recounted, result.recount.moved) == (2, 0)
    a = Assignment.objects.get(pk=december.pk)
    assert day_of(a.due) == date(2027, 2, 1) and not a.due_provisional
    assert HistoryEntry.objects.for_item(a).order_by("-seq").first().action == "assignment.due_recounted"
    assert not Notification.objects.filter(event="reminder.due_moved").exists()


@pytest.mark.parametrize(
    ("closed", "makeup", "field"),
    [
        (["2027-01-02"], [], "closed_days"),  # a Saturday rests anyway
        (["2027-01-01"], ["2027-01-05"], "makeup_days"),  # a Tuesday is no make-up day
        (["2026-12-31"], [], "closed_days"),  # not in 2027
        ([], [], "closed_days"),  # nothing closed at all
        (["2027-01-01"], ["2027-01-01"], "makeup_days"),  # both at once
    ],
)
def test_an_invalid_entry_changes_nothing(december, people, closed, makeup, field):
    before = HistoryEntry.objects.count()
    r = token_client(people["office"]).post(
        YEARS, {"year": 2027, "basis": BASIS, "closed_days": closed, "makeup_days": makeup}, format="json"
    )
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "invalid" and r.json()["fields"][field]
    assert not EnteredYear.objects.exists()
    assert not ClosedDay.objects.exists() and not MakeUpWorkday.objects.exists()
    a = Assignment.objects.get(pk=december.pk)
    assert day_of(a.due) == date(2027, 2, 1) and a.due_provisional
    assert HistoryEntry.objects.count() == before
    assert not Notification.objects.filter(event="reminder.due_moved").exists()


def test_the_messages_name_the_wrong_day_in_chinese(people):
    with pytest.raises(InvalidPayload) as err:
        calendar_year_enter(
            user=people["office"], year=2027, basis="", closed_days=[date(2027, 1, 2)], makeup_days=[date(2027, 1, 5)]
        )
    fields = err.value.fields
    assert fields["closed_days"] == ["2027-01-02 是周末，本来就休息，不必录入为放假日。"]
    assert fields["makeup_days"] == ["2027-01-05 不是周末，调休上班日应是周六或周日。"]
    assert fields["basis"]


def test_a_year_the_package_has_is_not_entered_by_hand(people):
    r = token_client(people["office"]).post(
        YEARS, {"year": 2026, "basis": BASIS, "closed_days": ["2026-01-01"]}, format="json"
    )
    assert r.status_code == 400 and "系统内置" in r.json()["fields"]["year"][0]
    assert (
        token_client(people["office"]).post(YEARS, {"year": 936, "closed_days": []}, format="json").status_code == 400
    )


def test_correcting_an_entered_year_recounts_what_the_first_entry_counted(december, people):
    office = token_client(people["office"])
    enter(people["office"], [date(2027, 1, 1)])
    assert day_of(Assignment.objects.get(pk=december.pk).due) == date(2027, 2, 1)
    again = office.post(YEARS, {"year": 2027, "basis": BASIS, "closed_days": ["2027-01-01"]}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "year_entered")
    with time_machine.travel(at(2026, 12, 29, 10), tick=False):
        r = office.patch(f"{YEARS}2027/", {"closed_days": ["2027-01-01", "2027-01-04"]}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["recount"]["moved"] == 2 and r.json()["basis"] == BASIS
    assert day_of(Assignment.objects.get(pk=december.pk).due) == date(2027, 2, 2)
    assert list(ClosedDay.objects.values_list("date", flat=True)) == [date(2027, 1, 1), date(2027, 1, 4)]
    got = office.get(f"{YEARS}2027/").json()
    assert got["closed_days"] == ["2027-01-01", "2027-01-04"] and got["data_source"] == "entered"
    assert (
        office.put(f"{YEARS}2028/", {"basis": BASIS, "closed_days": ["2028-01-03"]}, format="json").status_code == 404
    )


def test_a_provisional_date_that_passed_is_recounted_with_a_trace(december, people):
    sweep(now=at(2027, 2, 2))  # overdue by the estimate: the head was told
    (row,) = open_deadlines(december)
    assert row.escalation_level == 1
    # The real schedule closes 1-5 Feb: the date moves to Mon 8 Feb, in the future again.
    closed = [date(2027, 1, 1)] + [date(2027, 2, d) for d in range(1, 6)]
    enter(people["office"], closed, when=at(2027, 2, 3, 10))
    a = Assignment.objects.get(pk=december.pk)
    assert day_of(a.due) == date(2027, 2, 8)
    last = HistoryEntry.objects.for_item(a).order_by("-seq").first()
    assert last.payload["was_overdue"] is True
    (row,) = open_deadlines(a)
    assert row.escalation_level == 0  # the ladder starts again from the real date
    # The escalation already sent stays on record.
    assert Notification.objects.filter(recipient=people["head"], event="reminder.escalate_head").count() == 1
    with time_machine.travel(at(2027, 2, 3, 10), tick=False):
        board = token_client(people["committee"]).get("/api/v1/assignments/", {"overdue": "1"}).json()["results"]
    assert december.pk not in [r["id"] for r in board]


def test_the_command_reads_a_plain_list_and_refuses_a_bad_one_whole(december, people, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("日期,类型,说明\n2027-01-01,放假,元旦\n2027-01-03,放假,周日\n2027-02-30,放假\n", encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("enter_holidays", "2027", str(bad))
    assert "第4行" in str(err.value) or "2027-01-03" in str(err.value)
    assert not EnteredYear.objects.exists() and not ClosedDay.objects.exists()
    good = tmp_path / "2027.txt"
    good.write_text(
        f"# {BASIS}\n2027-01-01,放假,元旦\n2027-01-04\n2027-02-05~2027-02-11,放假,春节\n2027-02-20,上班,春节调休\n",
        encoding="utf-8",
    )
    with time_machine.travel(at(2026, 12, 28, 10), tick=False):
        call_command("enter_holidays", "2027", str(good), stdout=open("/dev/null", "w"))
    assert EnteredYear.objects.get(year=2027).note == BASIS
    assert ClosedDay.objects.filter(date__year=2027).count() == 7  # 1, 4 Jan and the five weekdays 5-11 Feb
    assert list(MakeUpWorkday.objects.values_list("date", flat=True)) == [date(2027, 2, 20)]
    assert not Assignment.objects.get(pk=december.pk).due_provisional


# Who may ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "committee", "handler", "head", "auditor"])
def test_only_the_union_office_and_admins_read_and_enter_years(people, name):
    client = token_client(people[name])
    assert client.get(YEARS).status_code == 403
    r = client.post(YEARS, {"year": 2027, "basis": BASIS, "closed_days": ["2027-01-01"]}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert not EnteredYear.objects.exists()
    with pytest.raises(NotPermitted):
        calendar_year_enter(user=people[name], year=2027, basis=BASIS, closed_days=[date(2027, 1, 1)], makeup_days=[])


def test_the_union_office_and_an_admin_may(people):
    office = token_client(people["office"])
    listed = office.get(YEARS).json()
    assert {y["year"]: y["data_source"] for y in listed}[2027] == "estimated"
    admin = get_user_model().objects.create_superuser("root", "root@example.edu.cn", "pw")
    r = token_client(admin).post(YEARS, {"year": 2027, "basis": BASIS, "closed_days": ["2027-01-01"]}, format="json")
    assert r.status_code == 201
    assert APIClient().get(YEARS).status_code in (401, 403)


# The warning from 1 November ----------------------------------------------------------------


def test_the_union_office_is_warned_once_then_weekly_until_the_year_is_entered(people):
    office = people["office"]

    def warnings():
        return Notification.objects.filter(recipient=office, event="calendar.year_missing").count()

    assert calendar_warn_missing_year(now=at(2026, 10, 31, 8)) is None
    assert calendar_warn_missing_year(now=at(2026, 11, 1, 8)) is not None
    assert warnings() == 1
    assert Notification.objects.get(recipient=office).title.startswith("2027年放假安排尚未录入")
    for day in range(1, 8):  # the rest of the first week, run daily as beat does
        calendar_warn_missing_year(now=at(2026, 11, day, 9))
    assert warnings() == 1
    calendar_warn_missing_year(now=at(2026, 11, 8, 8))
    assert warnings() == 2
    assert not Notification.objects.filter(recipient=people["committee"], event="calendar.year_missing").exists()
    enter(office, [date(2027, 1, 1)], when=at(2026, 11, 10, 10))
    calendar_warn_missing_year(now=at(2026, 11, 15, 8))
    assert warnings() == 2
    assert CalendarNotice.objects.count() == 2


def test_the_banner_is_on_the_union_offices_home_until_the_year_is_entered(people, client):
    with time_machine.travel(at(2026, 10, 20, 10), tick=False):
        client.force_login(people["office"])
        assert "calendar-banner" not in client.get("/proposals/sessions/").content.decode()
    with time_machine.travel(at(2026, 11, 2, 10), tick=False):
        page = client.get("/proposals/sessions/").content.decode()
        assert "calendar-banner" in page and "2027年的法定节假日安排尚未录入" in page
    enter(people["office"], [date(2027, 1, 1)], when=at(2026, 11, 2, 11))
    with time_machine.travel(at(2026, 11, 2, 12), tick=False):
        assert "calendar-banner" not in client.get("/proposals/sessions/").content.decode()


def test_the_warning_stops_when_the_package_has_the_year(people, monkeypatch):
    from workflow import calendar_years

    monkeypatch.setattr(calendar_years, "year_covered", lambda year: True)
    assert calendar_warn_missing_year(now=at(2026, 11, 1, 8)) is None
    assert not Notification.objects.exists()


def test_after_the_warning_a_week_passes_by_the_calendar_not_by_runs(people):
    calendar_warn_missing_year(now=at(2026, 11, 20, 8))  # the first run comes late
    calendar_warn_missing_year(now=at(2026, 11, 26, 23))
    assert CalendarNotice.objects.count() == 1
    calendar_warn_missing_year(now=at(2026, 11, 27, 8))
    assert CalendarNotice.objects.count() == 2
