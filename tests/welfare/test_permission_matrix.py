"""Every welfare transition from every state, for every persona, held against a table
written out by hand from the domain's rules (not read from welfare/rules.py).

Each test builds one request in one state; every persona's attempt runs in a savepoint
that is rolled back, so all of them see the same request.
"""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from django.db import transaction

from tests.factories import fresh
from welfare.selectors import welfare_requests_visible_to
from workflow.errors import DomainError
from workflow.services import transition

from .publicity_support import after_publicity

pytestmark = pytest.mark.django_db

PERSONAS = ("dave", "alice", "chair", "other_chair", "office", "office2", "auditor", "admin", "committee")
# dave       the applicant (member of cs)
# alice      a colleague in the same unit (member, delegate), so in the unit's group
# chair      subunion_chair of cs; other_chair of hr
# office     union_office, not the handler; office2 union_office, the assigned handler
# (draft is in the table for what may be done elsewhere; no test builds one: requests are filed submitted)
STATES = ("submitted", "reviewed", "assigned", "answered", "closed", "rejected", "withdrawn")
TRANSITIONS = ("submit", "review", "reject", "assign", "answer", "close", "withdraw", "reconsider")

# fmt: off
# 409 in a cell: the persona may run it from another state, not this one (permission is
# checked before state, so only they learn that the state is the reason).
_GRID = """
#         from       dave alice chair ochr ofc  ofc2 aud  adm  cmte
review    submitted  403  403   ok    403  403  403  403  403  403
reject    submitted  403  403   ok    403  409  409  403  403  403
withdraw  submitted  ok   403   403   403  403  403  403  403  403
reject    reviewed   403  403   409   403  ok   ok   403  403  403
assign    reviewed   403  403   403   403  ok   ok   403  403  403
withdraw  reviewed   ok   403   403   403  403  403  403  403  403
answer    assigned   403  403   403   403  403  ok   403  403  403
withdraw  assigned   ok   403   403   403  403  403  403  403  403
close     answered   403  403   403   403  ok   ok   403  403  403
reconsider answered  403  403   403   403  ok   ok   403  403  403
submit    draft      ok   403   403   403  403  403  403  403  403
"""
# fmt: on
GRID = {
    (name, state): dict(zip(PERSONAS, outcomes, strict=True))
    for name, state, *outcomes in (line.split() for line in _GRID.strip().splitlines() if not line.startswith("#"))
}
TARGETS = {
    "review": "reviewed",
    "reject": "rejected",
    "assign": "assigned",
    "answer": "answered",
    "close": "closed",
    "withdraw": "withdrawn",
    "reconsider": "assigned",
}
VISIBLE_TO = {"dave", "chair", "office", "office2", "auditor", "admin"}


def payload(name, wp):
    return {
        "review": {"comment": "情况属实。"},
        "reject": {"reason": "不符合条件。"},
        "assign": {"handler": wp["office2"].pk},
        "answer": {"approved": True, "amount": "500.00", "answer": "同意补助。"},
        "reconsider": {"reason": "公示异议成立。"},
    }.get(name, {})


def build(state, wp, file_request):
    r = file_request()
    steps = {
        "submitted": [],
        "reviewed": ["review"],
        "assigned": ["review", "assign"],
        "answered": ["review", "assign", "answer"],
        "closed": ["review", "assign", "answer", "close"],
        "rejected": ["reject"],
        "withdrawn": ["withdraw"],
    }[state]
    actor = {"review": "chair", "reject": "chair", "assign": "office", "answer": "office2", "close": "office"}
    for name in steps:
        # An approved hardship request is closed only after its publicity (welfare.publicity).
        with after_publicity(r) if name == "close" else nullcontext():
            r = transition(r, name, fresh(wp[actor.get(name, "dave")]), **payload(name, wp))
    assert r.status == state
    return r


class _Undo(Exception):
    pass


def attempt(item, name, user, data):
    """'ok' (and the new status), or the refusal's HTTP status; the change is undone."""
    try:
        with transaction.atomic():
            done = transition(type(item).objects.get(pk=item.pk), name, user, **data)
            raise _Undo(done.status)
    except _Undo as undo:
        return "ok", str(undo)
    except DomainError as err:
        return str(err.status), err.code


def unavailable(name, persona, state):
    """A transition the state does not offer: 409 for whoever may run it from another state,
    403 for anyone else (permission is checked before state)."""
    if name == "answer" and persona == "office2" and state not in {"assigned", "answered", "closed"}:
        return "403"  # office2 is this request's handler only once it has been assigned to them
    elsewhere = [r[persona] for (n, _state), r in GRID.items() if n == name]
    return "409" if any(o == "ok" or o.startswith("409") for o in elsewhere) else "403"


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", TRANSITIONS)
def test_each_persona_gets_what_the_table_says(wp, file_request, state, name):
    item = build(state, wp, file_request)
    row = GRID.get((name, state))
    got, want = {}, {}
    # Closing waits for the end of an approved hardship request's publicity (welfare.publicity).
    clock = after_publicity(item) if name == "close" and item.publicity_ends else nullcontext()
    for persona in PERSONAS:
        with clock:
            outcome, detail = attempt(item, name, fresh(wp[persona]), payload(name, wp))
        got[persona] = outcome if outcome != "ok" else ("ok" if detail == TARGETS[name] else detail)
        want[persona] = row[persona] if row else unavailable(name, persona, state)
    assert got == want
    item.refresh_from_db()
    assert item.status == state


def test_the_table_leaves_no_persona_without_a_refusal_and_every_transition_with_a_taker():
    assert {n for n, _ in GRID} == set(TRANSITIONS)  # submit only from draft, which no test builds
    for outcomes in GRID.values():
        assert "ok" in outcomes.values() and "403" in outcomes.values()


@pytest.mark.parametrize("state", ["submitted", "closed"])
def test_only_the_applicant_the_units_chair_the_union_office_auditors_and_admins_see_a_request(wp, file_request, state):
    item = build(state, wp, file_request)
    seen = {p for p in PERSONAS if welfare_requests_visible_to(fresh(wp[p])).filter(pk=item.pk).exists()}
    assert seen == VISIBLE_TO


def test_a_chair_sees_only_their_own_units_requests(wp, file_request):
    from tests.factories import make_user

    mine = file_request()
    hr_member = make_user("hr_member", "蒋平", ["member"], wp["bob"].profile.department)
    theirs = file_request(user=hr_member)
    assert list(welfare_requests_visible_to(fresh(wp["chair"]))) == [mine]
    assert list(welfare_requests_visible_to(fresh(wp["other_chair"]))) == [theirs]
    assert list(welfare_requests_visible_to(fresh(hr_member))) == [theirs]


def test_an_anonymous_visitor_sees_none(wp, file_request):
    from django.contrib.auth.models import AnonymousUser

    file_request()
    assert not welfare_requests_visible_to(AnonymousUser()).exists()
