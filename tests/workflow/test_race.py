"""Real races on PostgreSQL: threads with their own connections fire the same
transition at once; the row lock lets exactly one through."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from proposals.models import Assignment, CoSignature, Proposal
from proposals.services import proposal_cosign
from tests.factories import draft, fresh, make_user
from workflow.errors import Conflict, DomainError, TransitionNotAllowed
from workflow.models import HistoryEntry
from workflow.services import transition

# Committed transactions, so other connections see the world; serialized_rollback
# puts the migrations' rows (categories, role groups) back for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 5


def race(n: int, prepare: Callable[[int], Any], fire: Callable[[int, Any], Any]) -> list[tuple[str, Any]]:
    """Run ``prepare(i)`` in each of n threads, wait until all are ready, then ``fire(i, prepared)``
    at once. Returns ("ok", result) or ("refused", DomainError) per thread; anything else fails the test."""
    barrier = threading.Barrier(n)
    results: list[tuple[str, Any]] = [("not run", None)] * n

    def run(i: int) -> None:
        try:
            prepared = prepare(i)
            barrier.wait(timeout=30)
            results[i] = ("ok", fire(i, prepared))
        except DomainError as exc:
            results[i] = ("refused", exc)
        except BaseException as exc:  # reported by the assertion below, not lost in the thread
            results[i] = ("crashed", exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racing thread never finished"
    assert all(kind in {"ok", "refused"} for kind, _ in results), results
    return results


def _submitted(people, session, category, title="食堂晚餐供应时间延长"):
    p = draft(people["alice"], session, category, title=title)
    proposal_cosign(proposal=p, user=people["bob"])
    proposal_cosign(proposal=p, user=people["carol"])
    return transition(p, "submit", people["alice"])


def test_committee_members_accepting_one_proposal_at_once_yield_one_winner_and_one_number(people, session, category):
    members = [people["committee"]] + [make_user(f"committee{i}", f"委员{i}", ["committee"], None) for i in range(1, 5)]
    p = _submitted(people, session, category)

    results = race(
        THREADS,
        prepare=lambda i: (Proposal.objects.get(pk=p.pk), fresh(members[i])),
        fire=lambda i, prepared: transition(prepared[0], "accept", prepared[1]),
    )

    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["ok"] + ["refused"] * (THREADS - 1)
    assert all(type(exc) is TransitionNotAllowed and exc.status == 409 for kind, exc in results if kind == "refused")
    p.refresh_from_db()
    assert (p.status, p.number) == ("reviewed", "6-1-001")
    assert HistoryEntry.objects.for_item(p).filter(transition="accept").count() == 1
    assert list(Proposal.objects.exclude(number="").values_list("number", flat=True)) == ["6-1-001"]


def test_two_handlers_accepting_one_assignment_at_once_yield_one_winner(people, session, category, departments):
    second_handler = make_user("handler2", "钱程", ["department_handler"], departments["logistics"])
    p = transition(_submitted(people, session, category), "accept", people["committee"])
    transition(p, "assign", people["committee"], lead_department=departments["logistics"].pk, co_departments=[])
    a = Assignment.objects.get(proposal=p)
    handlers = [people["handler"], second_handler]

    results = race(
        2,
        prepare=lambda i: (Assignment.objects.get(pk=a.pk), fresh(handlers[i])),
        fire=lambda i, prepared: transition(prepared[0], "accept", prepared[1]),
    )

    assert sorted(kind for kind, _ in results) == ["ok", "refused"]
    refused = next(exc for kind, exc in results if kind == "refused")
    assert (type(refused), refused.status) == (TransitionNotAllowed, 409)
    a.refresh_from_db()
    assert a.status == "accepted"
    assert HistoryEntry.objects.for_item(a).filter(transition="accept").count() == 1


def test_accepting_different_proposals_at_once_gives_each_its_own_sequential_number(people, session, category):
    proposals = [_submitted(people, session, category, title=f"提案{i}") for i in range(THREADS)]
    members = [make_user(f"committee{i}", f"委员{i}", ["committee"], None) for i in range(THREADS)]

    results = race(
        THREADS,
        prepare=lambda i: (Proposal.objects.get(pk=proposals[i].pk), fresh(members[i])),
        fire=lambda i, prepared: transition(prepared[0], "accept", prepared[1]).number,
    )

    assert [kind for kind, _ in results] == ["ok"] * THREADS
    numbers = sorted(n for _, n in results)
    assert numbers == [f"6-1-{k:03d}" for k in range(1, THREADS + 1)]
    assert sorted(Proposal.objects.values_list("number", flat=True)) == numbers


def test_a_delegate_cosigning_twice_at_once_signs_once(people, session, category):
    p = draft(people["alice"], session, category)

    results = race(
        2,
        prepare=lambda i: (Proposal.objects.get(pk=p.pk), fresh(people["bob"])),
        fire=lambda i, prepared: proposal_cosign(proposal=prepared[0], user=prepared[1]),
    )

    assert sorted(kind for kind, _ in results) == ["ok", "refused"]
    refused = next(exc for kind, exc in results if kind == "refused")
    assert (type(refused), refused.status, refused.code) == (Conflict, 409, "already_cosigned")
    assert CoSignature.objects.filter(proposal=p).count() == 1
    assert HistoryEntry.objects.for_item(p).filter(action="proposal.cosign").count() == 1
