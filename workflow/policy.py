"""Who may do what: one declarative table of item kind x action x states x roles.

A row says: on an item of this kind, in one of these states, a user holding one
of these roles may perform this action; if ``object_perm`` is set, the user must
also hold that django-guardian permission on the item itself (granted to the
proposer and co-signers on their proposal, to a department's group on its
assignment). Kinds are named by their model label, so the engine imports none
of them. HTML views, the API, the admin and the FSM's ``permission=`` all ask
this module; nothing else decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

from org.roles import user_roles

from .errors import NotPermitted, TransitionNotAllowed


@dataclass(frozen=True)
class Rule:
    kind: str
    action: str
    states: frozenset[str]
    roles: frozenset[str]
    object_perm: str = ""


def rule(kind: str, action: str, *, states: Iterable[str], roles: Iterable[str], object_perm: str = "") -> Rule:
    return Rule(kind, action, frozenset(states), frozenset(roles), object_perm)


P = "proposals.proposal"
ANY_STATE = "*"
A = "proposals.assignment"
AS_PROPOSER = "proposals.act_as_proposer"
AS_DEPARTMENT = "proposals.handle_assignment"

RULES: list[Rule] = [
    # Only delegates propose; a proposal not yet written has the empty state.
    rule(P, "create", states=[""], roles=["delegate"]),
    # The delegate's own proposal.
    rule(P, "edit", states=["draft"], roles=["delegate"], object_perm=AS_PROPOSER),
    rule(P, "invite", states=["draft"], roles=["delegate"], object_perm=AS_PROPOSER),
    rule(P, "submit", states=["draft"], roles=["delegate"], object_perm=AS_PROPOSER),
    rule(P, "withdraw", states=["draft", "submitted"], roles=["delegate"], object_perm=AS_PROPOSER),
    rule(P, "feedback", states=["answered"], roles=["delegate"], object_perm=AS_PROPOSER),
    # Attachments (附件): the proposer on the draft.
    rule(P, "attach", states=["draft"], roles=["delegate"], object_perm=AS_PROPOSER),
    # Co-signing someone else's draft (the service refuses the proposer).
    rule(P, "cosign", states=["draft"], roles=["delegate"]),
    # The proposal committee's triage, assignment and closing.
    rule(P, "accept", states=["submitted"], roles=["committee"]),
    rule(P, "reject", states=["submitted"], roles=["committee"]),
    rule(P, "merge", states=["submitted"], roles=["committee"]),
    rule(P, "convert", states=["submitted"], roles=["committee"]),
    rule(P, "assign", states=["reviewed", "converted", "assigned"], roles=["committee"]),
    rule(P, "close", states=["answered"], roles=["committee"]),
    rule(P, "supervise", states=["reviewed", "converted", "assigned", "answered"], roles=["committee"]),
    # Duplicate suggestions are a triage tool, at any stage of the proposal.
    rule(P, "similar", states=[ANY_STATE], roles=["committee"]),
    # The triage queue (审查队列) is about submitted proposals in general, so it is asked with the empty state.
    rule(P, "triage_queue", states=[ANY_STATE], roles=["committee"]),
    # 附议邀请: a delegate's page of the invitations sent to them, about drafts in general.
    rule(P, "invitations", states=[ANY_STATE], roles=["delegate"]),
    # 谢绝: the invited delegate declines to co-sign the draft (the service checks the invitation is theirs).
    rule(P, "decline", states=["draft"], roles=["delegate"]),
    # The dashboard (数据看板): figures about all proposals, asked with the empty state; auditors only read.
    rule(P, "view_dashboard", states=[ANY_STATE], roles=["committee", "union_office", "auditor", "admin"]),
    # The department's side of an assignment.
    rule(A, "accept", states=["assigned"], roles=["department_handler", "department_head"], object_perm=AS_DEPARTMENT),
    rule(
        A,
        "return",
        states=["assigned", "accepted"],
        roles=["department_handler", "department_head"],
        object_perm=AS_DEPARTMENT,
    ),
    rule(A, "answer", states=["accepted"], roles=["department_handler", "department_head"], object_perm=AS_DEPARTMENT),
    rule(A, "approve", states=["answered"], roles=["department_head"], object_perm=AS_DEPARTMENT),
    rule(A, "send_back", states=["answered"], roles=["department_head"], object_perm=AS_DEPARTMENT),
    # The department's answer may carry attachments while it is being written.
    rule(A, "attach", states=["accepted"], roles=["department_handler", "department_head"], object_perm=AS_DEPARTMENT),
    # 延期申请: the department asks, the committee decides.
    rule(
        A,
        "request_extension",
        states=["assigned", "accepted"],
        roles=["department_handler", "department_head"],
        object_perm=AS_DEPARTMENT,
    ),
    rule(A, "grant_extension", states=["assigned", "accepted", "answered"], roles=["committee"]),
    rule(A, "refuse_extension", states=["assigned", "accepted", "answered"], roles=["committee"]),
    # The overdue board (逾期督办) lists every department's late work; it is about assignments
    # in general, not one of them, so it is asked with the empty state. Auditors only read it.
    rule(A, "view_overdue_board", states=[ANY_STATE], roles=["committee", "union_office", "auditor", "admin"]),
    # The assignments list (交办事项): a department's inbox, and every department's for those who oversee them.
    rule(
        A,
        "view_list",
        states=[ANY_STATE],
        roles=["department_handler", "department_head", "committee", "union_office", "auditor", "admin"],
    ),
    # Congress sessions have no status; their one "state" is the empty string.
    rule("proposals.congresssession", "create", states=[""], roles=["union_office", "admin"]),
    rule("proposals.congresssession", "edit", states=[""], roles=["union_office", "admin"]),
    # 开始征集 / 结束征集 move the collection window, so they are asked with the window's state
    # (proposals.sessions.collection_state); 会议管理 is the union office's page of sessions.
    rule("proposals.congresssession", "open_collection", states=["not_collecting"], roles=["union_office", "admin"]),
    rule("proposals.congresssession", "close_collection", states=["collecting"], roles=["union_office", "admin"]),
    rule("proposals.congresssession", "manage", states=[ANY_STATE], roles=["union_office", "admin"]),
    # 花名册导入: the roster upload changes people, departments and roles at large.
    rule("org.department", "import_roster", states=[ANY_STATE], roles=["union_office", "admin"]),
    # Finding delegates by name or pinyin (to invite them, to pick them on the committee's pages).
    rule("org.profile", "search", states=[ANY_STATE], roles=["delegate", "committee", "union_office"]),
]

# The history chain check (流转记录校验): auditors and admins read the results and run a check.
RULES += [
    rule("workflow.chaincheck", "view", states=[ANY_STATE], roles=["auditor", "admin"]),
    rule("workflow.chaincheck", "run", states=[ANY_STATE], roles=["auditor", "admin"]),
]

# The holiday schedules of the years (节假日安排): the union office enters the State Council's
# notice for a year the installed data lacks; asked with the empty state.
RULES += [
    rule("workflow.enteredyear", "view", states=[ANY_STATE], roles=["union_office", "admin"]),
    rule("workflow.enteredyear", "enter", states=[ANY_STATE], roles=["union_office", "admin"]),
]

_BY_KEY: dict[tuple[str, str], list[Rule]] = defaultdict(list)


def register(*rules: Rule) -> None:
    """Add rows for a kind defined outside this table (used by tests and plug-in kinds)."""
    for r in rules:
        RULES.append(r)
        _BY_KEY[(r.kind, r.action)].append(r)


for _r in RULES:
    _BY_KEY[(_r.kind, _r.action)].append(_r)


def kind_of(item: models.Model) -> str:
    return item._meta.label_lower


def actions_for(kind: str) -> list[str]:
    seen: dict[str, None] = {}
    for r in RULES:
        if r.kind == kind:
            seen.setdefault(r.action, None)
    return list(seen)


def _holds(user: Any, perm: str, item: models.Model) -> bool:
    checker = getattr(user, "_guardian_checker", None)
    if checker is None:
        from guardian.core import ObjectPermissionChecker

        checker = ObjectPermissionChecker(user)
        user._guardian_checker = checker
    codename = perm.split(".", 1)[1]
    return bool(checker.has_perm(codename, item))


def check(item: models.Model, action: str, user: Any, *, state: str | None = None) -> None:
    """Permission first, then state: raise NotPermitted (403) if no row of this action fits
    the user in any state, TransitionNotAllowed (409) if some do but none in the item's state.
    So someone who may never do it learns nothing about the item's state."""
    state = getattr(item, "status", "") if state is None else state
    roles = user_roles(user)
    mine = [
        r
        for r in _BY_KEY.get((kind_of(item), action), [])
        if r.roles & roles and (not r.object_perm or _holds(user, r.object_perm, item))
    ]
    if not mine:
        raise NotPermitted()
    if not any(state in r.states or ANY_STATE in r.states for r in mine):
        raise TransitionNotAllowed()


def allows(item: models.Model, action: str, user: Any, *, state: str | None = None) -> bool:
    try:
        check(item, action, user, state=state)
    except (TransitionNotAllowed, NotPermitted):
        return False
    return True


def permission(action: str) -> Callable[[Any, Any], bool]:
    """The FSM's ``permission=`` for a transition: the same table, asked by django-fsm."""

    def fsm_permission(instance: Any, user: Any) -> bool:
        return allows(instance, action, user)

    fsm_permission.__name__ = f"policy_{action}"
    return fsm_permission


def prefetch(user: Any, items: Iterable[models.Model]) -> None:
    """Load the user's object grants for a page of items in one query per model."""
    from guardian.core import ObjectPermissionChecker

    items = list(items)
    if not items or not getattr(user, "is_authenticated", False):
        return
    checker = getattr(user, "_guardian_checker", None) or ObjectPermissionChecker(user)
    user._guardian_checker = checker
    checker.prefetch_perms(items)  # type: ignore[arg-type]  # any sequence of one model works
