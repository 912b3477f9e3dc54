"""The proposal lifecycle as a state machine: any sequence of any transition of a proposal or
of its assignments, by any role, with time passing and the reminder sweep running, keeps the
lifecycle's promises after every step:

- no proposal whose round is over (answered, closed, rejected, merged, withdrawn) has an
  assignment still waiting on its department, and every waiting assignment belongs to the
  proposal's current round while the proposal is being handled;
- nothing settled has an open deadline, so no reminder or escalation can follow it, and the
  overdue board holds only assignments still waiting on their department;
- nobody's task list holds a task on an item that is over;
- every history chain verifies.

hypothesis drives the steps (derandomized, no example database: the same sequences on every
run). Each sequence runs in a savepoint rolled back afterwards, on the same personas and
departments.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from proposals.models import OPEN_ASSIGNMENT, ROUND_SETTLED, Assignment, Proposal, ProposalStatus, Satisfaction
from proposals.selectors import overdue_board
from tests.factories import draft, fresh, submitted
from workflow import flowlink, history
from workflow.deadlines import sweep
from workflow.errors import DomainError
from workflow.models import Deadline
from workflow.services import available_transitions, transition

pytestmark = pytest.mark.django_db

EXAMPLES, STEPS = 16, 30
# Every transition a proposal and an assignment have, the engine's own ones included (a user
# asking for those is refused).
PROPOSAL_ACTIONS = [
    "submit",
    "withdraw",
    "accept",
    "reject",
    "merge",
    "convert",
    "assign",
    "receive_answer",
    "feedback",
    "supervise",
    "close",
]
ASSIGNMENT_ACTIONS = [
    "accept",
    "return",
    "answer",
    "approve",
    "send_back",
    "request_extension",
    "grant_extension",
    "refuse_extension",
    "lapse",
]
PERSONAS = [
    "alice",
    "bob",
    "carol",
    "dave",
    "committee",
    "office",
    "handler",
    "head",
    "hr_handler",
    "hr_head",
    "auditor",
]
# Those who move a proposal on (the others are refused everything, which anyone_tries_anything
# covers): the proposer, the committee, and both departments' handlers and heads.
ACTORS = ["alice", "bob", "committee", "handler", "head", "hr_handler", "hr_head"]
# Proposals at once in one sequence: enough to merge one into another, few enough that each
# gets far.
MAX_PROPOSALS = 3
# Proposals that are over: nothing of theirs may wait in anyone's task list.
OVER = {ProposalStatus.CLOSED, ProposalStatus.REJECTED, ProposalStatus.MERGED, ProposalStatus.WITHDRAWN}
# Where each sequence's first proposal starts, along the usual path.
STAGES = ["submitted", "reviewed", "assigned", "lead answered", "answered", "second round", "closed"]
# Time passes in steps; the whole walk stays inside the years the holiday data covers.
MAX_ELAPSED_DAYS = 240


class Lifecycle(RuleBasedStateMachine):
    world: dict[str, Any]  # set by the test: personas, departments, session, category

    proposals = Bundle("proposals")

    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.clock = time_machine.travel(timezone.now(), tick=False)
        self.traveller = self.clock.start()
        self.elapsed = 0

    def teardown(self) -> None:
        self.clock.stop()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def user(self, name: str) -> Any:
        return fresh(self.world["people"][name])

    def attempt(self, item: Any, name: str, who: str, payload: dict[str, Any]) -> None:
        try:
            transition(item, name, self.user(who), **payload)
        except DomainError:
            pass  # refused with a code: the invariants still must hold

    # Steps -----------------------------------------------------------------------------
    @initialize(target=proposals, stage=st.sampled_from([*STAGES[::-1], "co returned"]))  # the furthest first
    def a_proposal_some_way_along(self, stage: str) -> int:
        """Each sequence starts from a proposal carried along the usual path to `stage`, so the
        steps that follow begin where a round can end with work outstanding."""
        w, p = self.world, self.world["people"]
        d = w["departments"]
        proposal = submitted(p["alice"], [p["bob"], p["carol"]], w["session"], w["category"])
        # "co returned": assigned, and 人事处 sent its part back (the committee may reassign it).
        path = STAGES[1 : STAGES.index("assigned" if stage == "co returned" else stage) + 1]
        if "reviewed" in path:
            proposal = transition(proposal, "accept", self.user("committee"))
        if "assigned" in path:
            proposal = transition(
                proposal,
                "assign",
                self.user("committee"),
                lead_department=d["logistics"].pk,
                co_departments=[d["hr"].pk],
            )
        if stage == "co returned":
            co = Assignment.objects.get(proposal=proposal, role="co")
            transition(co, "return", self.user("hr_handler"), reason="不属于本单位职责")
        if "lead answered" in path:
            lead = Assignment.objects.get(proposal=proposal, role="lead")
            transition(lead, "accept", self.user("handler"))
            transition(lead, "answer", self.user("handler"), answer="已办理。", answer_class="A")
        if "answered" in path:
            # 人事处 never answers; once its time has passed the head releases the lead's answer.
            lead = Assignment.objects.get(proposal=proposal, role="lead")
            self.passes(days=(lead.due - timezone.now()).days + 2)
            transition(lead, "approve", self.user("head"))
        if stage == "closed":
            proposal = Proposal.objects.get(pk=proposal.pk)
            transition(proposal, "feedback", self.user("alice"), satisfaction="satisfied", comment="")
        elif "second round" in path:
            transition(
                Proposal.objects.get(pk=proposal.pk),
                "feedback",
                self.user("alice"),
                satisfaction="unsatisfied",
                comment="",
            )
        return proposal.pk

    @rule(target=proposals, by=st.sampled_from(["alice", "bob", "carol"]), cosigned=st.booleans())
    def a_new_proposal(self, by: str, cosigned: bool) -> Any:
        w, p = self.world, self.world["people"]
        if Proposal.objects.count() >= MAX_PROPOSALS:
            return multiple()
        others = [p[n] for n in ("alice", "bob", "carol") if n != by]
        try:
            if cosigned:
                return submitted(p[by], others, w["session"], w["category"]).pk
        except DomainError:
            pass  # the collection window has closed
        return draft(p[by], w["session"], w["category"]).pk

    def payload(self, item: Any, name: str, data: Any) -> dict[str, Any]:
        """A payload the transition's form would accept (or, now and then, one it refuses)."""
        d = self.world["departments"]
        if isinstance(item, Proposal):
            if name == "reject":
                return {"reason": "不属于提案范围"}
            if name == "merge":
                others = list(Proposal.objects.exclude(pk=item.pk).values_list("pk", flat=True)) or [item.pk]
                return {"into": data.draw(st.sampled_from(others), label="into")}
            if name == "assign":
                lead = data.draw(st.sampled_from(["logistics", "hr"]), label="lead")
                co = data.draw(st.lists(st.sampled_from(["logistics", "hr", "library"]), unique=True, max_size=2))
                days = data.draw(st.sampled_from([None, 5, 20]), label="due in days")
                return {
                    "lead_department": d[lead].pk,
                    "co_departments": [d[c].pk for c in co],
                    "due": timezone.now() + timedelta(days=days) if days else None,
                }
            if name == "feedback":
                return {"satisfaction": data.draw(st.sampled_from(Satisfaction.values)), "comment": "反馈"}
            if name == "supervise":
                return {"is_key": data.draw(st.booleans(), label="is_key")}
            return {}
        if name == "return":
            return {"reason": "不属于本单位职责"}
        if name == "answer":
            return {"answer": "已办理。", "answer_class": data.draw(st.sampled_from(["", "A", "B", "C", "D"]))}
        if name == "send_back":
            return {"note": "请补充"}
        if name == "request_extension":
            return {"reason": "需要调研", "new_due": (item.due or timezone.now()) + timedelta(days=10)}
        if name == "refuse_extension":
            return {"reason": "不予延期"}
        return {}

    def items_of(self, pk: int) -> list[Any]:
        return [Proposal.objects.get(pk=pk), *Assignment.objects.filter(proposal_id=pk).select_related("proposal")]

    @rule(pk=proposals, steps=st.integers(1, 4), data=st.data())
    def people_take_the_steps_the_pages_offer(self, pk: int, steps: int, data: Any) -> None:
        """A few of the steps the pages offer each persona on the proposal and its
        assignments, one after another: the walk moves the way people move it."""
        for _ in range(steps):
            # The first persona, in a drawn order, to whom the pages offer something.
            for who in data.draw(st.permutations(ACTORS), label="who"):
                user = self.user(who)
                offers = [(item, name) for item in self.items_of(pk) for name in available_transitions(item, user)]
                if offers:
                    item, name = data.draw(st.sampled_from(offers), label="offer")
                    self.attempt(item, name, who, self.payload(item, name, data))
                    break
            else:
                return  # nobody can do anything more with it

    @rule(pk=proposals, data=st.data())
    def anyone_tries_anything(self, pk: int, data: Any) -> None:
        """Any persona asks for any transition of the proposal or one of its assignments, the
        engine's own ones included: refused with a code, or done."""
        item = data.draw(st.sampled_from(self.items_of(pk)), label="item")
        actions = PROPOSAL_ACTIONS if isinstance(item, Proposal) else ASSIGNMENT_ACTIONS
        name = data.draw(st.sampled_from(actions), label="name")
        who = data.draw(st.sampled_from(PERSONAS), label="who")
        self.attempt(item, name, who, self.payload(item, name, data))

    def passes(self, days: int) -> None:
        if self.elapsed + days > MAX_ELAPSED_DAYS:
            return
        self.elapsed += days
        self.traveller.shift(timedelta(days=days))
        sweep(now=timezone.now())

    @rule(days=st.sampled_from([1, 7, 30, 60]))
    def time_passes_and_the_sweep_runs(self, days: int) -> None:
        self.passes(days)

    # Promises --------------------------------------------------------------------------
    @invariant()
    def no_settled_round_keeps_an_assignment_waiting(self) -> None:
        waiting = Assignment.objects.filter(OPEN_ASSIGNMENT).select_related("proposal")
        for a in waiting:
            p = a.proposal
            assert p.status not in ROUND_SETTLED, (p.number, p.status, a.department_id, a.status)
            assert p.status == ProposalStatus.ASSIGNED and a.round == p.round, (p.status, p.round, a.round)

    @invariant()
    def nothing_settled_has_a_deadline_or_is_on_the_board(self) -> None:
        for d in Deadline.objects.filter(closed_at__isnull=True):
            item = d.content_type.get_object_for_this_type(pk=d.object_id)
            if isinstance(item, Assignment):
                assert item.awaits_department and item.proposal.status == ProposalStatus.ASSIGNED, item.status
            elif isinstance(item, Proposal):
                assert item.status not in OVER, item.status
        board = overdue_board(self.user("committee"), now=timezone.now() + timedelta(days=400))
        for row in board:
            assert row.assignment.awaits_department and row.assignment.proposal.status == ProposalStatus.ASSIGNED

    @invariant()
    def no_task_list_holds_an_item_that_is_over(self) -> None:
        for name in PERSONAS:
            for task in flowlink.user_tasks(self.user(name)):
                item = task.item
                proposal = item if isinstance(item, Proposal) else item.proposal
                assert proposal.status not in OVER, (name, task.node, proposal.status)
                if isinstance(item, Assignment):
                    assert proposal.status not in ROUND_SETTLED, (name, task.node, item.status, proposal.status)

    @invariant()
    def note_what_the_walk_reached(self) -> None:
        """Not a promise: the states seen after each step, so the test can tell the walk went
        where the promises matter."""
        reached = self.world["reached"]
        reached.update(f"proposal:{s}" for s in Proposal.objects.values_list("status", flat=True))
        reached.update(f"assignment:{s}" for s in Assignment.objects.values_list("status", flat=True))
        if Proposal.objects.filter(round=2).exists():
            reached.add("second round")

    @invariant()
    def every_history_chain_verifies(self) -> None:
        assert list(history.verify_chains()) == []


def test_no_sequence_of_steps_breaks_the_lifecycles_promises(people, departments, session, category):
    reached: set[str] = set()
    Lifecycle.world = {
        "people": people,
        "departments": departments,
        "session": session,
        "category": category,
        "reached": reached,
    }
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # The sequences went where a round ends with work outstanding, and past it.
    wanted = {
        "proposal:answered",
        "proposal:closed",
        "assignment:lapsed",
        "assignment:returned",
        "assignment:approved",
        "second round",
    }
    assert wanted <= reached, sorted(wanted - reached)
    assert reached & {"proposal:rejected", "proposal:merged", "proposal:withdrawn"}, sorted(reached)
