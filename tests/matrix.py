"""The permission table the domain expects, written out by hand from the domain's rules.

This module deliberately does not import ``workflow.policy``: it is the second,
independent statement of who may do what, and the matrix tests check that the
engine agrees with it. It is also deliberately independent of *how* a transition
is run: ``build_state`` and ``payload_for`` take a ``do(item, name, user, payload)``
callable, so the same table can be driven through ``workflow.services.transition``
(``service_do``) or through the REST API.

Reading the grids below: each line is one transition in one state the domain
lets it start from, then one outcome per persona:

- ``ok``   the persona may run it;
- ``403``  the state allows the transition, but not for this persona;
- ``409!`` the persona may, but a domain rule refuses it in this state, with the
  code given in ``RULE_CODES``.

Every (transition, state) pair that has no line is not available from that
state: a persona who may run it from another state gets 409
``transition_not_allowed``; every other persona gets 403 (permission is checked
before state, so the refusal says nothing about the item's state).

Where the domain's rules leave room, the reading taken is:

- "A department signs for it or returns it": the department's people act for it,
  so its head may sign, return and answer like its handler; approving the lead's
  answer is the head's alone.
- A department may still return an assignment after signing for it (it finds the
  matter is not its own), but not once it has answered.
- The committee may close an answered proposal (no feedback in time, or after the
  second round); it assigns converted suggestions like proposals ("answered like
  a proposal") and reassigns an assigned proposal only when a department returned
  its part.
- union_office, subunion_chair, member, auditor and admin have no part in a
  proposal's transitions; a superuser holding the admin role is no exception.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

PROPOSAL = "proposal"
ASSIGNMENT = "assignment"

# One persona per role of org.models.Role, with the department roles split by
# whether the department is the one the assignment went to.
PERSONAS: tuple[str, ...] = (
    "proposer",  # delegate who wrote the proposal
    "delegate",  # delegate who is not the proposer (one of its co-signers)
    "committee",
    "union_office",
    "handler",  # department_handler of the assigned (lead) department
    "other_handler",  # department_handler of another department
    "head",  # department_head of the assigned department
    "other_head",  # department_head of another department
    "subunion_chair",
    "member",
    "auditor",
    "admin",  # superuser with the admin role
)

PROPOSAL_STATES: tuple[str, ...] = (
    "draft",
    "submitted",
    "reviewed",
    "rejected",
    "merged",
    "converted",
    "withdrawn",
    "assigned",
    "answered",
    "closed",
)
PROPOSAL_TRANSITIONS: tuple[str, ...] = (
    "submit",
    "withdraw",
    "accept",
    "reject",
    "merge",
    "convert",
    "assign",
    "feedback",
    "close",
)
ASSIGNMENT_STATES: tuple[str, ...] = ("assigned", "accepted", "returned", "answered", "approved")
ASSIGNMENT_TRANSITIONS: tuple[str, ...] = ("accept", "return", "answer", "approve", "send_back")

STATES = {PROPOSAL: PROPOSAL_STATES, ASSIGNMENT: ASSIGNMENT_STATES}
TRANSITIONS = {PROPOSAL: PROPOSAL_TRANSITIONS, ASSIGNMENT: ASSIGNMENT_TRANSITIONS}

# fmt: off
# Column heads abbreviate PERSONAS, in the same order.
_PROPOSAL_GRID = """
#          from       prop dlg  cmte  uo   hdl  ohdl head ohead chair mbr  aud  adm
submit     draft      ok   403  403   403  403  403  403  403   403   403  403  403
withdraw   draft      ok   403  403   403  403  403  403  403   403   403  403  403
withdraw   submitted  ok   403  403   403  403  403  403  403   403   403  403  403
accept     submitted  403  403  ok    403  403  403  403  403   403   403  403  403
reject     submitted  403  403  ok    403  403  403  403  403   403   403  403  403
merge      submitted  403  403  ok    403  403  403  403  403   403   403  403  403
convert    submitted  403  403  ok    403  403  403  403  403   403   403  403  403
assign     reviewed   403  403  ok    403  403  403  403  403   403   403  403  403
assign     converted  403  403  ok    403  403  403  403  403   403   403  403  403
assign     assigned   403  403  409!  403  403  403  403  403   403   403  403  403
feedback   answered   ok   403  403   403  403  403  403  403   403   403  403  403
close      answered   403  403  ok    403  403  403  403  403   403   403  403  403
"""

_ASSIGNMENT_GRID = """
#          from       prop dlg  cmte  uo   hdl  ohdl head ohead chair mbr  aud  adm
accept     assigned   403  403  403   403  ok   403  ok   403   403   403  403  403
return     assigned   403  403  403   403  ok   403  ok   403   403   403  403  403
return     accepted   403  403  403   403  ok   403  ok   403   403   403  403  403
answer     accepted   403  403  403   403  ok   403  ok   403   403   403  403  403
approve    answered   403  403  403   403  403  403  ok   403   403   403  403  403
send_back  answered   403  403  403   403  403  403  ok   403   403   403  403  403
"""
# fmt: on

# The 409! cells: the rule that refuses them in the state the matrix builds.
RULE_CODES: dict[tuple[str, str, str], str] = {
    # A plain assigned proposal: no department returned its part, so there is nothing to reassign.
    (PROPOSAL, "assign", "assigned"): "nothing_to_reassign",
}

# Where an allowed transition takes the item (with the payloads of payload_for).
TARGETS: dict[tuple[str, str], str] = {
    (PROPOSAL, "submit"): "submitted",
    (PROPOSAL, "withdraw"): "withdrawn",
    (PROPOSAL, "accept"): "reviewed",
    (PROPOSAL, "reject"): "rejected",
    (PROPOSAL, "merge"): "merged",
    (PROPOSAL, "convert"): "converted",
    (PROPOSAL, "assign"): "assigned",
    (PROPOSAL, "feedback"): "closed",  # the payload says "satisfied"
    (PROPOSAL, "close"): "closed",
    (ASSIGNMENT, "accept"): "accepted",
    (ASSIGNMENT, "return"): "returned",
    (ASSIGNMENT, "answer"): "answered",
    (ASSIGNMENT, "approve"): "approved",
    (ASSIGNMENT, "send_back"): "accepted",
}


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    status: int | None = None  # 403 or 409 when refused
    code: str = ""  # the DomainError's machine-readable code when refused

    def __str__(self) -> str:
        return "ok" if self.allowed else f"{self.status}-{self.code}"


ALLOWED = Outcome(True)
FORBIDDEN = Outcome(False, 403, "permission_denied")
UNAVAILABLE = Outcome(False, 409, "transition_not_allowed")


def _parse_outcome(text: str, kind: str, name: str, state: str) -> Outcome:
    if text == "ok":
        return ALLOWED
    if text == "403":
        return FORBIDDEN
    if text == "409!":
        return Outcome(False, 409, RULE_CODES[(kind, name, state)])
    raise ValueError(f"unknown outcome {text!r}")


def _parse(grid: str, kind: str) -> dict[tuple[str, str], dict[str, Outcome]]:
    rows: dict[tuple[str, str], dict[str, Outcome]] = {}
    for line in grid.strip().splitlines():
        if line.startswith("#"):
            continue
        name, state, *outcomes = line.split()
        if len(outcomes) != len(PERSONAS):
            raise ValueError(f"{kind} {name}/{state}: {len(outcomes)} outcomes for {len(PERSONAS)} personas")
        if name not in TRANSITIONS[kind] or state not in STATES[kind] or (name, state) in rows:
            raise ValueError(f"{kind} {name}/{state}: unknown or repeated row")
        rows[(name, state)] = {p: _parse_outcome(o, kind, name, state) for p, o in zip(PERSONAS, outcomes, strict=True)}
    return rows


_GRIDS = {PROPOSAL: _parse(_PROPOSAL_GRID, PROPOSAL), ASSIGNMENT: _parse(_ASSIGNMENT_GRID, ASSIGNMENT)}


def expected(kind: str, state: str, name: str, persona: str) -> Outcome:
    """What the domain says happens when ``persona`` tries ``name`` on a ``kind`` in ``state``."""
    row = _GRIDS[kind].get((name, state))
    if row is not None:
        return row[persona]
    # Not available from this state: that is news only to someone who may run it elsewhere;
    # anyone else is refused for who they are (permission before state).
    may_elsewhere = any(
        outcome.allowed or outcome.status == 409
        for (other, _), outcomes in _GRIDS[kind].items()
        if other == name
        for who, outcome in outcomes.items()
        if who == persona
    )
    return UNAVAILABLE if may_elsewhere else FORBIDDEN


@dataclass(frozen=True)
class Cell:
    kind: str
    state: str
    transition: str
    persona: str
    outcome: Outcome

    @property
    def target(self) -> str:
        """The state an allowed cell ends in."""
        return TARGETS[(self.kind, self.transition)]

    def __str__(self) -> str:
        return f"{self.kind}.{self.state}.{self.transition}.{self.persona}.{self.outcome}"


def cells(kind: str | None = None) -> list[Cell]:
    """Every (state, transition, persona) of one item kind, or of both."""
    kinds = [kind] if kind else [PROPOSAL, ASSIGNMENT]
    return [
        Cell(k, state, name, persona, expected(k, state, name, persona))
        for k in kinds
        for state in STATES[k]
        for name in TRANSITIONS[k]
        for persona in PERSONAS
    ]


# The world ------------------------------------------------------------------

Do = Callable[[Any, str, Any, dict[str, Any]], Any]
Create = Callable[[Any, dict[str, Any]], Any]
Cosign = Callable[[Any, Any], Any]


def service_do(item: Any, name: str, user: Any, payload: dict[str, Any]) -> Any:
    from workflow.services import transition

    return transition(item, name, user, **payload)


def service_create(user: Any, data: dict[str, Any]) -> Any:
    from proposals.services import proposal_create

    return proposal_create(user=user, data=data)


def service_cosign(item: Any, user: Any) -> Any:
    from proposals.services import proposal_cosign

    return proposal_cosign(proposal=item, user=user)


@dataclass
class World:
    users: dict[str, Any]
    departments: dict[str, Any]
    session: Any
    category: Any
    cosigner: Any  # the second co-signer, so drafts reach the threshold of 2
    merge_target: Any = None  # a submitted proposal the merge payload points at


_PERSONA_SPECS: dict[str, tuple[str, list[str], str | None]] = {
    # persona: (full name, roles, department key)
    "proposer": ("王丽", ["delegate", "member"], "cs"),
    "delegate": ("李强", ["delegate", "member"], "hr"),
    "committee": ("陈静", ["committee"], None),
    "union_office": ("杨帆", ["union_office"], None),
    "handler": ("赵磊", ["department_handler"], "lead"),
    "other_handler": ("周洋", ["department_handler"], "other"),
    "head": ("黄涛", ["department_head"], "lead"),
    "other_head": ("吴刚", ["department_head"], "other"),
    "subunion_chair": ("郑芳", ["subunion_chair", "member"], "cs"),
    "member": ("刘伟", ["member"], "cs"),
    "auditor": ("孙红", ["auditor"], None),
    "admin": ("钱明", ["admin"], None),
}


def make_world(*, prefix: str = "mx", now: Any = None) -> World:
    """Departments, a session collecting now, and one user per persona.

    Names carry ``prefix`` so the world can live next to the conftest fixtures.
    Users get the password ``pw``."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from org.models import Department, DepartmentKind
    from proposals.models import Category, CongressSession
    from tests.factories import make_user

    now = now or timezone.now()
    departments = {
        "lead": Department.objects.create(name=f"{prefix}后勤管理处", kind=DepartmentKind.OFFICE),
        "other": Department.objects.create(name=f"{prefix}图书馆", kind=DepartmentKind.OFFICE),
        "hr": Department.objects.create(name=f"{prefix}人事处", kind=DepartmentKind.OFFICE),
        "cs": Department.objects.create(name=f"{prefix}信息工程学院", kind=DepartmentKind.COLLEGE),
    }
    session = CongressSession.objects.create(
        name=f"{prefix}第六届第一次",
        code=f"{prefix}-6-1",
        collection_opens=now - timedelta(days=10),
        collection_closes=now + timedelta(days=20),
        cosign_threshold=2,
    )
    category, _ = Category.objects.get_or_create(name="后勤保障")
    users = {}
    for persona, (full_name, roles, dept) in _PERSONA_SPECS.items():
        users[persona] = make_user(f"{prefix}_{persona}", full_name, roles, departments[dept] if dept else None)
    get_user_model().objects.filter(pk=users["admin"].pk).update(is_superuser=True, is_staff=True)
    users["admin"] = get_user_model().objects.get(pk=users["admin"].pk)
    cosigner = make_user(f"{prefix}_cosigner", "张敏", ["delegate"], departments["cs"])
    return World(users=users, departments=departments, session=session, category=category, cosigner=cosigner)


def draft_data(world: World, title: str = "食堂晚餐供应时间延长") -> dict[str, Any]:
    return {
        "title": title,
        "category": world.category.pk,
        "reason": "教职工晚上加班较多，食堂晚餐供应结束过早。",
        "suggestion": "建议食堂晚餐供应延长至19:30。",
        "session": world.session.pk,
    }


def payload_for(kind: str, name: str, world: World) -> dict[str, Any]:
    """A valid payload for each transition (primary keys and strings, so it serialises as JSON too)."""
    if kind == PROPOSAL:
        return {
            "reject": {"reason": "与学校现行规定重复，不予立案。"},
            "merge": {"into": world.merge_target.pk if world.merge_target is not None else None},
            "assign": {"lead_department": world.departments["lead"].pk, "co_departments": []},
            "feedback": {"satisfaction": "satisfied", "comment": "问题已解决，满意。"},
        }.get(name, {})
    return {
        "return": {"reason": "该事项不属于本单位职责。"},
        "answer": {"answer": "已协调食堂将晚餐供应延长至19:30。", "answer_class": "A"},
        "send_back": {"note": "请补充具体的完成时间。"},
    }.get(name, {})


# Who runs each step when a state is built, and the steps to each state.
_BUILD_ACTOR = {
    (PROPOSAL, "submit"): "proposer",
    (PROPOSAL, "withdraw"): "proposer",
    (PROPOSAL, "accept"): "committee",
    (PROPOSAL, "reject"): "committee",
    (PROPOSAL, "merge"): "committee",
    (PROPOSAL, "convert"): "committee",
    (PROPOSAL, "assign"): "committee",
    (PROPOSAL, "feedback"): "proposer",
    (ASSIGNMENT, "accept"): "handler",
    (ASSIGNMENT, "return"): "handler",
    (ASSIGNMENT, "answer"): "handler",
    (ASSIGNMENT, "approve"): "head",
}
_P, _A = PROPOSAL, ASSIGNMENT
_TO_ASSIGNED = [(_P, "submit"), (_P, "accept"), (_P, "assign")]
_TO_ANSWERED = [*_TO_ASSIGNED, (_A, "accept"), (_A, "answer"), (_A, "approve")]
PROPOSAL_PATHS: dict[str, list[tuple[str, str]]] = {
    "draft": [],
    "submitted": [(_P, "submit")],
    "reviewed": [(_P, "submit"), (_P, "accept")],
    "rejected": [(_P, "submit"), (_P, "reject")],
    "merged": [(_P, "submit"), (_P, "merge")],
    "converted": [(_P, "submit"), (_P, "convert")],
    "withdrawn": [(_P, "withdraw")],
    "assigned": _TO_ASSIGNED,
    "answered": _TO_ANSWERED,
    "closed": [*_TO_ANSWERED, (_P, "feedback")],
}
# The assignment under test is the lead department's, on a proposal with no co-departments.
ASSIGNMENT_PATHS: dict[str, list[tuple[str, str]]] = {
    "assigned": [],
    "accepted": [(_A, "accept")],
    "returned": [(_A, "return")],
    "answered": [(_A, "accept"), (_A, "answer")],
    "approved": [(_A, "accept"), (_A, "answer"), (_A, "approve")],
}


def _reload(item: Any) -> Any:
    return type(item).objects.get(pk=item.pk)


def _lead_assignment(proposal: Any) -> Any:
    from proposals.models import Assignment

    return (
        Assignment.objects.filter(proposal_id=proposal.pk, role="lead").exclude(status="returned").latest("round", "id")
    )


def new_draft(
    world: World,
    *,
    title: str = "食堂晚餐供应时间延长",
    create: Create = service_create,
    cosign: Cosign = service_cosign,
) -> Any:
    """A draft by the proposer, co-signed by the delegate and the cosigner (the threshold of 2).
    ``create`` may return the model or the API's JSON (a dict with ``id``)."""
    from proposals.models import Proposal

    proposal = create(world.users["proposer"], draft_data(world, title))
    proposal = Proposal.objects.get(pk=getattr(proposal, "pk", None) or proposal["id"])
    for user in (world.users["delegate"], world.cosigner):
        cosign(proposal, user)
    return _reload(proposal)


def ensure_merge_target(
    world: World, *, do: Do = service_do, create: Create = service_create, cosign: Cosign = service_cosign
) -> Any:
    """The submitted proposal merges go into, built once per world."""
    if world.merge_target is None:
        target = new_draft(world, title="延长图书馆开放时间", create=create, cosign=cosign)
        do(target, "submit", world.users["proposer"], {})
        world.merge_target = _reload(target)
    return world.merge_target


def _run(steps: Iterable[tuple[str, str]], proposal: Any, world: World, do: Do) -> Any:
    for kind, name in steps:
        item = proposal if kind == PROPOSAL else _lead_assignment(proposal)
        do(item, name, world.users[_BUILD_ACTOR[(kind, name)]], payload_for(kind, name, world))
        proposal = _reload(proposal)
    return proposal


def build_state(
    kind: str,
    state: str,
    world: World,
    *,
    do: Do = service_do,
    create: Create = service_create,
    cosign: Cosign = service_cosign,
) -> Any:
    """A fresh proposal (or lead assignment) driven to ``state`` through ``do``, as the
    natural actor of each step; returns the model instance, reloaded."""
    ensure_merge_target(world, do=do, create=create, cosign=cosign)
    proposal = new_draft(world, create=create, cosign=cosign)
    if kind == PROPOSAL:
        item = _run(PROPOSAL_PATHS[state], proposal, world, do)
    else:
        proposal = _run(_TO_ASSIGNED, proposal, world, do)
        lead = _lead_assignment(proposal)
        _run(ASSIGNMENT_PATHS[state], proposal, world, do)
        item = _reload(lead)
    if item.status != state:
        raise AssertionError(f"building {kind} {state} ended in {item.status}")
    return item


def build_all(world: World, **drivers: Any) -> dict[tuple[str, str], Any]:
    """One item per (kind, state): the subjects of every matrix cell."""
    return {(kind, state): build_state(kind, state, world, **drivers) for kind in STATES for state in STATES[kind]}
