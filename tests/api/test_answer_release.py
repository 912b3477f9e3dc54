"""A department's answer goes out when its head approves the lead's answer. Before that its
text and class are the departments' working papers: the department itself, the round's lead
department (for a co-department's opinion), the committee, the union office and auditors read
them; the proposer, other delegates and the other departments do not, on the page or in the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.pages.conftest import assign, submit
from workflow.services import transition

pytestmark = pytest.mark.django_db

LEAD_TEXT = "图书馆周末开放时间延长至晚上九点半。"
CO_TEXT = "人事处同意增配周末值班人员编制。"


@pytest.fixture
def answered(people, departments, session, category):
    """Both departments answered in round one; the lead's head has not approved yet."""
    from proposals.models import Assignment

    proposal = assign(people, departments, submit(people, session, category))
    co = Assignment.objects.get(proposal=proposal, role="co")
    co = transition(transition(co, "accept", people["hr_handler"]), "answer", people["hr_handler"], answer=CO_TEXT)
    lead = Assignment.objects.get(proposal=proposal, role="lead")
    lead = transition(lead, "accept", people["handler"])
    lead = transition(lead, "answer", people["handler"], answer=LEAD_TEXT, answer_class="B")
    return {"proposal": proposal, "lead": lead, "co": co}


def _api_rows(api, who, proposal):
    body = api(who).get(f"/api/v1/proposals/{proposal.pk}/").json()
    return {row["role"]: row for row in body["assignments"]}


def _page(client, people, who, proposal):
    client.force_login(people[who])
    return client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()


# Before the head approves: the reader table.
READS_LEAD = {"handler", "head", "committee", "office", "auditor"}
READS_CO = READS_LEAD | {"hr_handler", "hr_head"}
READS_NEITHER = {"alice", "bob", "carol"}


@pytest.mark.parametrize("who", sorted(READS_CO | READS_NEITHER))
def test_before_approval_only_the_departments_and_the_overseers_read_the_answers(api, client, people, answered, who):
    rows = _api_rows(api, who, answered["proposal"])
    page = _page(client, people, who, answered["proposal"])
    reads_lead, reads_co = who in READS_LEAD, who in READS_CO
    assert (rows["lead"]["answer"] == LEAD_TEXT, rows["lead"]["answer_class"] == "B") == (reads_lead, reads_lead)
    assert (rows["co"]["answer"] == CO_TEXT) == reads_co
    assert (LEAD_TEXT in page, CO_TEXT in page) == (reads_lead, reads_co)
    if not reads_lead:
        assert (rows["lead"]["answer"], rows["lead"]["answer_class"]) == ("", "")
        assert "答复审核通过后公开" in page and "B 正在解决或列入计划" not in page


@pytest.mark.parametrize("who", ["alice", "bob", "hr_handler"])
def test_the_heads_approval_releases_the_round_to_whoever_sees_the_proposal(api, client, people, answered, who):
    transition(answered["lead"], "approve", people["head"])
    rows = _api_rows(api, who, answered["proposal"])
    assert (rows["lead"]["answer"], rows["lead"]["answer_class"], rows["co"]["answer"]) == (LEAD_TEXT, "B", CO_TEXT)
    page = _page(client, people, who, answered["proposal"])
    assert LEAD_TEXT in page and CO_TEXT in page and "答复审核通过后公开" not in page


def test_a_second_round_keeps_the_first_rounds_answers_released_and_hides_its_own(api, people, answered):
    from proposals.models import Assignment

    transition(answered["lead"], "approve", people["head"])
    proposal = transition(
        answered["proposal"].__class__.objects.get(pk=answered["proposal"].pk),
        "feedback",
        people["alice"],
        satisfaction="unsatisfied",
        comment="未解决实际问题。",
    )
    assert proposal.round == 2
    second = Assignment.objects.get(proposal=proposal, round=2, role="lead")
    second = transition(
        transition(second, "accept", people["handler"]),
        "answer",
        people["handler"],
        answer="第二轮：增加自习座位二百个。",
        answer_class="A",
    )
    body = api("alice").get(f"/api/v1/proposals/{proposal.pk}/").json()
    answers = {(r["round"], r["role"]): r["answer"] for r in body["assignments"]}
    assert answers[(1, "lead")] == LEAD_TEXT and answers[(2, "lead")] == ""
    assert api("committee").get(f"/api/v1/proposals/{proposal.pk}/").json()["assignments"][-1]["answer"] != ""
