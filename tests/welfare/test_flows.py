"""viewflow follows the welfare transitions: each step's task is in the right inbox, and
no one outside the request sees a task about it."""

import pytest
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from tests.factories import fresh
from workflow.flowlink import user_tasks
from workflow.services import transition

from .publicity_support import after_publicity

pytestmark = pytest.mark.django_db

OUTSIDERS = ("alice", "other_chair", "auditor", "committee", "bob")


def nodes(user):
    return sorted(row.node for row in user_tasks(fresh(user)))


def test_tasks_follow_the_request_from_review_to_close(wp, file_request):
    r = file_request()
    assert nodes(wp["chair"]) == ["review"]
    assert nodes(wp["dave"]) == [] and nodes(wp["office"]) == []
    assert all(nodes(wp[p]) == [] for p in OUTSIDERS)
    r = transition(r, "review", fresh(wp["chair"]))
    assert nodes(wp["chair"]) == []
    assert nodes(wp["office"]) == ["assign"] and nodes(wp["office2"]) == ["assign"]
    r = transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)
    assert nodes(wp["office2"]) == ["answer"] and nodes(wp["office"]) == []
    r = transition(r, "answer", fresh(wp["office2"]), approved=True, amount="800", answer="同意")
    assert nodes(wp["office"]) == ["close"]
    assert all(nodes(wp[p]) == [] for p in OUTSIDERS)
    with after_publicity(r):  # an approved hardship request closes after its publicity (公示)
        transition(r, "close", fresh(wp["office"]))
    assert Task.objects.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).count() == 0
    assert list(Process.objects.values_list("status", flat=True)) == [PROCESS.DONE]


@pytest.mark.parametrize("steps", [[], ["review"], ["review", "assign"]])
def test_withdrawing_or_rejecting_ends_the_process(wp, file_request, steps):
    r = file_request()
    for name in steps:
        extra = {"handler": wp["office2"].pk} if name == "assign" else {}
        r = transition(r, name, fresh(wp["chair" if name == "review" else "office"]), **extra)
    transition(r, "withdraw", fresh(wp["dave"]))
    assert Task.objects.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).count() == 0
    assert list(Process.objects.values_list("status", flat=True)) == [PROCESS.DONE]


def test_the_office_rejecting_a_reviewed_request_ends_the_process(wp, file_request):
    r = transition(file_request(), "review", fresh(wp["chair"]))
    transition(r, "reject", fresh(wp["office"]), reason="不符合条件")
    assert list(Process.objects.values_list("status", flat=True)) == [PROCESS.DONE]
