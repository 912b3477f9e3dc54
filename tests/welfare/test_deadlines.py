"""Time limits, reminders and escalation of welfare requests, on the engine's deadlines.

Dates (2026, Asia/Shanghai): Qingming is Sat 4 - Mon 6 Apr (Mon 6 off); May Day is Fri 1 -
Tue 5 May, with Sat 9 May a make-up working day (调休). A hardship request (review 3, assign
2, answer 10 working days by default) submitted Thu 2 Apr 10:00 is due for review at the
end of Wed 8 Apr: Fri 3, (weekend, Qingming Monday), Tue 7, Wed 8.
"""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from tests.factories import fresh
from welfare.admin import limits_help
from welfare.deadlines import DEFAULT_LIMITS
from welfare.models import WelfareRequest, WelfareTimeLimit
from workflow import deadlines
from workflow.calendar_years import calendar_year_enter
from workflow.deadlines import open_deadlines, sweep
from workflow.fsm import WorkflowItem
from workflow.models import Deadline, HistoryEntry, Reminder
from workflow.services import transition

from .conftest import ID_X

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=9, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SH)


def end_of(y, m, d):
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=SH)


def reminders(user, event=None):
    qs = Notification.objects.filter(recipient=user, event__startswith="reminder.").order_by("id")
    return [n.event for n in (qs.filter(event=event) if event else qs)]


def the_deadline(item):
    (d,) = open_deadlines(item)
    return d


@pytest.fixture
def submitted(file_request):
    """A hardship request dave filed on Thu 2 Apr 2026 10:00."""
    with time_machine.travel(at(2026, 4, 2, 10), tick=False):
        return file_request("hardship")


@pytest.fixture
def assigned(wp, submitted):
    """Reviewed Wed 8 Apr 15:00, assigned to office2 Fri 10 Apr 11:00."""
    with time_machine.travel(at(2026, 4, 8, 15), tick=False):
        r = transition(submitted, "review", fresh(wp["chair"]), comment="属实")
    with time_machine.travel(at(2026, 4, 10, 11), tick=False):
        return transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)


# Each step opens on the right working day and closes when it is done ----------------------


def test_submitting_opens_the_review_deadline_across_a_weekend_and_qingming(submitted):
    d = the_deadline(submitted)
    assert (d.step, d.due, d.opened_at) == ("review", end_of(2026, 4, 8), at(2026, 4, 2, 10))
    assert submitted.deadline_specs()[0].at == end_of(2026, 4, 8)


def test_reviewing_closes_the_review_deadline_and_opens_the_assign_deadline(wp, submitted):
    with time_machine.travel(at(2026, 4, 8, 15), tick=False):
        r = transition(submitted, "review", fresh(wp["chair"]))
    review = Deadline.objects.get(object_id=r.pk, step="review")
    assert review.closed_at == at(2026, 4, 8, 15) and review.next_check_at is None
    d = the_deadline(r)
    assert (d.step, d.due) == ("assign", end_of(2026, 4, 10))  # Thu 9, Fri 10


def test_assigning_opens_the_answer_deadline_from_the_moment_of_assignment(assigned):
    d = the_deadline(assigned)
    # Ten working days after Fri 10 Apr: Mon 13 - Fri 17, Mon 20 - Fri 24.
    assert (d.step, d.due, d.opened_at) == ("answer", end_of(2026, 4, 24), at(2026, 4, 10, 11))
    # Derived again later (from the open deadline, else from the history), it does not move.
    with time_machine.travel(at(2026, 4, 20), tick=False):
        assert WelfareRequest.objects.get(pk=assigned.pk).deadline_specs()[0].at == end_of(2026, 4, 24)


def test_answering_closes_the_last_deadline(wp, assigned):
    with time_machine.travel(at(2026, 4, 14), tick=False):
        r = transition(assigned, "answer", fresh(wp["office2"]), approved=True, amount="800.00", answer="同意。")
    assert not open_deadlines(r).exists()
    assert r.deadline_specs() == []
    assert set(Deadline.objects.filter(object_id=r.pk).values_list("step", flat=True)) == {
        "review",
        "assign",
        "answer",
    }


def test_a_request_sent_back_to_its_handler_gets_a_fresh_answer_deadline(wp, assigned):
    """Derived from the status, not a transition's name: whatever sends an answered request
    back to ``assigned`` (a publicity objection upheld) reopens the answer step from then."""
    with time_machine.travel(at(2026, 4, 14), tick=False):
        r = transition(assigned, "answer", fresh(wp["office2"]), approved=True, amount="800.00", answer="同意。")
    WelfareRequest.objects.filter(pk=r.pk).update(status="assigned")
    r = WelfareRequest.objects.get(pk=r.pk)
    with time_machine.travel(at(2026, 4, 29, 10), tick=False):
        deadlines.sync(r)
    d = the_deadline(r)
    # Thu 30 Apr, (May Day 1-5), Wed 6, Thu 7, Fri 8, Sat 9 (调休), Mon 11 ... Fri 15 May.
    assert (d.step, d.due, d.opened_at) == ("answer", end_of(2026, 5, 15), at(2026, 4, 29, 10))


def test_reconsidering_an_answered_hardship_request_reopens_the_answer_step(wp, assigned):
    with time_machine.travel(at(2026, 4, 14), tick=False):
        r = transition(assigned, "answer", fresh(wp["office2"]), approved=True, amount="800.00", answer="同意。")
    with time_machine.travel(at(2026, 4, 20, 10), tick=False):
        r = transition(r, "reconsider", fresh(wp["office"]), reason="公示期间收到异议，经核实情况有出入。")
    d = the_deadline(r)
    assert (d.step, d.due, d.opened_at) == ("answer", end_of(2026, 5, 7), at(2026, 4, 20, 10))  # 1-5 May skipped


@pytest.mark.parametrize("who", ["withdraw", "reject"])
def test_withdrawing_or_rejecting_closes_every_deadline(wp, submitted, who):
    with time_machine.travel(at(2026, 4, 3), tick=False):
        if who == "withdraw":
            r = transition(submitted, "withdraw", fresh(wp["dave"]))
        else:
            r = transition(submitted, "reject", fresh(wp["chair"]), reason="不符合条件。")
    assert not open_deadlines(r).exists()
    assert Deadline.objects.get(object_id=r.pk).closed_at == at(2026, 4, 3)
    assert sweep(now=at(2026, 4, 20)).reminders == 0


def test_withdrawing_while_assigned_closes_the_answer_deadline(wp, assigned):
    r = transition(assigned, "withdraw", fresh(wp["dave"]))
    assert not open_deadlines(r).exists()
    assert sweep(now=at(2026, 5, 20)).reminders == 0


def test_a_must_visit_is_faster_and_counts_the_make_up_saturday(wp, file_request):
    with time_machine.travel(at(2026, 5, 6, 10), tick=False):
        r = file_request("must_visit")
    assert the_deadline(r).due == end_of(2026, 5, 8)  # two working days: Thu 7, Fri 8
    with time_machine.travel(at(2026, 5, 7, 10), tick=False):
        r = transition(r, "review", fresh(wp["chair"]))
        assert the_deadline(r).due == end_of(2026, 5, 8)  # one working day
        r = transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)
    assert the_deadline(r).due == end_of(2026, 5, 11)  # Fri 8, Sat 9 (调休), Mon 11


def test_a_year_the_calendar_does_not_cover_never_refuses_a_members_request(wp, file_request):
    """A member filing in late December is not turned away because next year's holidays are
    not entered yet: the step is counted with the estimate (1 Jan off) and is provisional
    until the union office enters 2027, which settles it and says so in the history."""
    with time_machine.travel(at(2026, 12, 29, 10), tick=False):
        r = file_request("hardship")  # three working days reach 2027, which nobody entered
    assert r.status == "submitted"
    d = the_deadline(r)
    assert d.due == end_of(2027, 1, 4)  # Wed 30, Thu 31, (Fri 1 Jan estimated off), Mon 4
    assert d.due_provisional and d.due_pending_years == "2027"
    with time_machine.travel(at(2026, 12, 30, 10), tick=False):
        result = calendar_year_enter(
            user=fresh(wp["office"]),
            year=2027,
            basis="国务院办公厅关于2027年部分节假日安排的通知",
            closed_days=[date(2027, 1, 1), date(2027, 1, 4)],
            makeup_days=[],
        )
    assert result.recount.moved == 1
    d = the_deadline(r)
    assert d.due == end_of(2027, 1, 5) and not d.due_provisional
    last = HistoryEntry.objects.for_item(r).order_by("-seq").first()
    assert last.action == "welfarerequest.due_recounted"
    assert last.payload["step"] == "review" and last.payload["was_provisional"] is True
    # The reviewer is told; the reminder names the step and the new date, nothing personal.
    (note,) = Notification.objects.filter(event="reminder.due_moved", recipient=wp["chair"])
    assert "1月5日" in note.body and "900" not in note.body and r.id_number not in note.body


# Time limits the union office sets -----------------------------------------------------------


def test_a_time_limit_row_overrides_the_default(wp, file_request):
    WelfareTimeLimit.objects.create(kind="hardship", review_days=5, assign_days=1, answer_days=20)
    with time_machine.travel(at(2026, 4, 2, 10), tick=False):
        r = file_request("hardship")
    assert the_deadline(r).due == end_of(2026, 4, 10)  # Fri 3, Tue 7, Wed 8, Thu 9, Fri 10
    with time_machine.travel(at(2026, 4, 2, 10), tick=False):
        other = file_request("other")
    assert the_deadline(other).due == end_of(2026, 4, 8)  # another kind keeps its default


def test_a_changed_limit_applies_to_steps_opened_afterwards(wp, submitted):
    WelfareTimeLimit.objects.create(kind="hardship", review_days=1, assign_days=4, answer_days=10)
    with time_machine.travel(at(2026, 4, 3), tick=False):
        deadlines.sync(submitted)  # any later sync keeps the date people were given
    assert the_deadline(submitted).due == end_of(2026, 4, 8)
    with time_machine.travel(at(2026, 4, 7, 10), tick=False):
        r = transition(submitted, "review", fresh(wp["chair"]))
    assert the_deadline(r).due == end_of(2026, 4, 13)  # the new 4 days: Wed 8 - Mon 13


def test_the_admin_explains_working_days_and_when_a_change_applies(admin_client_for, wp):
    client = admin_client_for(wp["admin"])
    page = client.get("/admin/welfare/welfaretimelimit/add/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "工作日" in text and "此后开始的环节" in text and "五必访：审核2、分派1、答复3个工作日" in text
    client.post(
        "/admin/welfare/welfaretimelimit/add/",
        {"kind": "must_visit", "review_days": "1", "assign_days": "1", "answer_days": "2"},
    )
    assert WelfareTimeLimit.objects.filter(kind="must_visit", answer_days=2).exists()
    assert "办理时限" in client.get("/admin/welfare/").content.decode()
    assert len(DEFAULT_LIMITS) == 5 and limits_help().count("个工作日") == 5


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


# The sweep: who hears what, and when -----------------------------------------------------------


def test_the_review_step_reminds_the_units_chair_then_escalates_to_the_union_office(wp, submitted):
    chair, other_chair, office, office2, dave = (
        wp["chair"],
        wp["other_chair"],
        wp["office"],
        wp["office2"],
        wp["dave"],
    )
    assert sweep(now=at(2026, 4, 2, 12)).reminders == 0
    # "before": two working days ahead of Wed 8 Apr is Fri 3 Apr (Mon 6 is Qingming).
    sweep(now=at(2026, 4, 3))
    assert reminders(chair) == ["reminder.before"]
    sweep(now=at(2026, 4, 7))
    assert reminders(chair) == ["reminder.before"]
    sweep(now=at(2026, 4, 8))
    assert reminders(chair) == ["reminder.before", "reminder.due"]
    assert reminders(office) == []
    sweep(now=at(2026, 4, 9))  # the first working day after: the union office hears of it
    assert reminders(chair)[-1] == "reminder.escalate_head"
    assert reminders(office) == reminders(office2) == ["reminder.escalate_head"]
    sweep(now=at(2026, 4, 10))  # overdue every two working days
    assert reminders(chair)[-1] == "reminder.overdue"
    assert reminders(office) == ["reminder.escalate_head"]
    sweep(now=at(2026, 4, 13))  # three working days late: level 2
    assert reminders(office) == ["reminder.escalate_head", "reminder.escalate_office"]
    assert reminders(chair) == [
        "reminder.before",
        "reminder.due",
        "reminder.escalate_head",
        "reminder.overdue",
        "reminder.escalate_office",
    ]
    assert the_deadline(submitted).escalation_level == 2
    # Nobody else: not the chair of another unit, not the applicant.
    assert reminders(other_chair) == [] and reminders(dave) == []


def test_two_sweeps_never_send_a_reminder_twice(wp, submitted):
    first = sweep(now=at(2026, 4, 13))
    assert first.reminders == 3  # escalate:1, escalate:2 and the newest plain reminder
    again = sweep(now=at(2026, 4, 13, 11))
    assert (again.reminders, again.notifications) == (0, 0)
    assert Reminder.objects.count() == 3
    assert reminders(wp["office"]) == ["reminder.escalate_head", "reminder.escalate_office"]


def test_the_assign_step_reminds_the_union_office(wp, submitted):
    with time_machine.travel(at(2026, 4, 8, 15), tick=False):
        transition(submitted, "review", fresh(wp["chair"]))
    sweep(now=at(2026, 4, 9))  # "before": one working day ahead of Fri 10 Apr (limit 2, capped)
    assert reminders(wp["office"]) == reminders(wp["office2"]) == ["reminder.before"]
    assert reminders(wp["chair"]) == []
    sweep(now=at(2026, 4, 10))
    assert reminders(wp["office"]) == ["reminder.before", "reminder.due"]


def test_the_answer_step_reminds_the_handler_then_the_whole_union_office(wp, assigned):
    handler, office = wp["office2"], wp["office"]
    sweep(now=at(2026, 4, 22))  # two working days before Fri 24 Apr
    assert reminders(handler) == ["reminder.before"]
    assert reminders(office) == []
    sweep(now=at(2026, 4, 24))
    assert reminders(handler) == ["reminder.before", "reminder.due"]
    sweep(now=at(2026, 4, 27))  # the next working day: the whole union office hears of it
    assert reminders(office) == ["reminder.escalate_head"]
    assert reminders(handler)[-1] == "reminder.escalate_head"
    sweep(now=at(2026, 4, 28))
    assert reminders(office) == ["reminder.escalate_head"]
    sweep(now=at(2026, 4, 29))  # three working days late: level 2
    assert reminders(office) == ["reminder.escalate_head", "reminder.escalate_office"]
    assert reminders(wp["chair"]) == [] and reminders(wp["other_chair"]) == [] and reminders(wp["dave"]) == []


def test_a_chairs_own_request_is_chased_with_the_union_office(wp, file_request):
    with time_machine.travel(at(2026, 4, 2, 10), tick=False):
        r = file_request("hardship", user=wp["chair"])
    sweep(now=at(2026, 4, 3))
    assert reminders(wp["chair"]) == []
    assert reminders(wp["office"]) == ["reminder.before"]
    assert set(r.reminder_recipients("review", 0)) == {wp["office"], wp["office2"]}


def test_a_reminder_reads_right_in_chinese_and_tells_nothing_personal(wp, file_request):
    with time_machine.travel(at(2026, 4, 2, 10), tick=False):
        r = file_request("must_visit", title="住院慰问申请", income=Decimal("1234.56"))
    sweep(now=at(2026, 4, 3))  # must-visit review: due Tue 7 Apr; "before" capped to one day
    (n,) = Notification.objects.filter(recipient=wp["chair"], event__startswith="reminder.")
    assert n.event == "reminder.before"
    assert n.title == "提醒：福利申请《住院慰问申请》分工会审核将于4月7日（周二）到期，请及时办理"
    assert "分工会审核" in n.body and "4月7日（周二）" in n.body
    assert n.link == f"/welfare/{r.pk}/"
    sweep(now=at(2026, 4, 8))
    titles = dict(Notification.objects.filter(recipient=wp["office"]).values_list("event", "title"))
    assert (
        titles["reminder.escalate_head"]
        == "督办：福利申请《住院慰问申请》分工会审核已逾期（4月7日（周二）到期），请督促办理"
    )
    everything = " ".join(f"{t} {b}" for t, b in Notification.objects.values_list("title", "body"))
    for secret in ("阑尾炎", "1234.56", ID_X, "500.00", "刘伟"):  # diagnosis, income, ID, amount, applicant
        assert secret not in everything


def test_a_long_title_is_shortened_to_fit_the_notification(wp, file_request):
    with time_machine.travel(at(2026, 4, 2, 10), tick=False):
        file_request("hardship", title="困" * 200)
    sweep(now=at(2026, 4, 3))
    (n,) = Notification.objects.filter(recipient=wp["chair"], event="reminder.before")
    assert len(n.title) <= 200 and "困…" in n.title


def test_the_sweep_asks_a_fixed_number_of_queries_however_many_requests_are_due(wp, file_request):
    def run(count, day):
        with time_machine.travel(at(2026, 4, day, 10), tick=False):
            made = [file_request("hardship") for _ in range(count)]
        with CaptureQueriesContext(connection) as ctx:
            sent = sweep(now=at(2026, 4, day + 1))
        assert sent.reminders == count
        for r in made:  # out of the way of the next run
            transition(r, "withdraw", fresh(wp["dave"]))
        return len(ctx.captured_queries)

    few, many = run(2, 2), run(6, 13)
    # Each reminder writes its own Reminder row (a savepoint and an insert), its notifications
    # and their deliveries; reading the requests, the chairs, the union office, the time limits
    # and the due dates is done once per batch and does not grow with the number of requests.
    assert many - few <= 6 * 4
    assert few <= 20


# The engine needed no change for any of this -------------------------------------------------


def test_welfare_deadlines_are_the_engines_hooks_and_the_engine_never_names_welfare():
    for hook in ("deadline_specs", "reminder_policy", "reminder_recipients", "sweep_queryset"):
        assert hook in vars(WelfareRequest) and hook in vars(WorkflowItem), hook
    workflow = Path(deadlines.__file__).resolve().parent
    assert not [p for p in workflow.rglob("*.py") if "welfare" in p.read_text(encoding="utf-8").lower()]
