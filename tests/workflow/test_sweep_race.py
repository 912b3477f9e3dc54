"""Two sweeps at the same instant on PostgreSQL: each reminder goes out once."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from notifications.models import Notification
from proposals.services import proposal_cosign, proposal_invite
from tests.factories import draft
from workflow.deadlines import sweep
from workflow.models import Reminder
from workflow.services import transition

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_send_each_reminder_once(people, session, category, departments):
    with time_machine.travel(datetime(2026, 3, 16, 9, tzinfo=SH), tick=False):
        for i in range(6):
            p = draft(people["alice"], session, category, title=f"提案{i}")
            proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"], people["carol"]])
            proposal_cosign(proposal=p, user=people["bob"])
            proposal_cosign(proposal=p, user=people["carol"])
            transition(p, "submit", people["alice"])
            transition(p, "accept", people["committee"])
            transition(p, "assign", people["committee"], lead_department=departments["logistics"].pk, co_departments=[])
    now = datetime(2026, 5, 8, 9, tzinfo=SH)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(sweep(now=now, batch=2))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    sent = sum(r.reminders for r in results)
    # Per assignment: escalate:1, escalate:2 and the latest overdue reminder.
    assert sent == Reminder.objects.count() == 6 * 3
    keys = list(Reminder.objects.values_list("deadline_id", "rule", "due"))
    assert len(keys) == len(set(keys))
    per_user = Notification.objects.filter(recipient=people["head"], event="reminder.escalate_head").count()
    assert per_user == 6
