"""Items at the stages the page tests start from, built through the real services."""

from __future__ import annotations

import pytest

from proposals.models import Assignment
from proposals.services import proposal_cosign, proposal_invite
from tests.factories import draft
from workflow.services import transition


def submit(people, session, category, **extra):
    """alice drafts, bob and carol co-sign, alice submits."""
    p = draft(people["alice"], session, category, **extra)
    proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"], people["carol"]])
    proposal_cosign(proposal=p, user=people["bob"])
    proposal_cosign(proposal=p, user=people["carol"])
    return transition(p, "submit", people["alice"])


def assign(people, departments, proposal):
    """The committee accepts and assigns: logistics leads, HR co-handles."""
    p = transition(proposal, "accept", people["committee"])
    return transition(
        p,
        "assign",
        people["committee"],
        lead_department=departments["logistics"].pk,
        co_departments=[departments["hr"].pk],
    )


@pytest.fixture
def submitted(people, session, category):
    return submit(people, session, category)


@pytest.fixture
def assigned(people, departments, submitted):
    return assign(people, departments, submitted)


@pytest.fixture
def lead(assigned):
    return Assignment.objects.get(proposal=assigned, role="lead")


@pytest.fixture
def co(assigned):
    return Assignment.objects.get(proposal=assigned, role="co")
