"""The dashboard's figures (数据看板): counts and rates for one congress session, or all.

Reads only. Every figure starts from the visibility selectors
(`proposals_visible_to`, `assignments_visible_to`), so who sees what stays decided
in one place, and each is one GROUP BY query whatever the number of rows; the
overdue list is the overdue board's own rows (`selectors.overdue_board`), so
"overdue" means the same thing on both pages.

What is counted:

- proposals: every proposal past the draft stage (a draft is still its proposer's
  working paper); suggestions (转为意见建议) are shown as their own state;
- assignments: every department's assignment, lead (主办) and co-handling (协办), of
  every round, except those the department returned (退回): the committee reassigns
  those, and the new assignment is the one counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet

from .models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Category,
    CongressSession,
    Feedback,
    Proposal,
    ProposalStatus,
    Satisfaction,
)
from .selectors import OverdueRow, assignments_visible_to, overdue_board, proposals_visible_to

ANSWERED = Q(status__in=[AssignmentStatus.ANSWERED, AssignmentStatus.APPROVED])
# Answered by the due date in force when it answered (an extension granted moves it); an
# assignment without a due date has nothing to be late for.
ANSWERED_ON_TIME = ANSWERED & (Q(due__isnull=True) | Q(answered_at__lte=F("due")))


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class CategoryBucket:
    category_id: int
    name: str
    count: int  # proposals past the draft stage
    accepted: int  # of which 立案 (they carry a number from then on)


@dataclass(frozen=True)
class DepartmentFigures:
    department_id: int
    name: str
    lead: int
    co: int
    answered: int
    answered_on_time: int
    overdue: int  # open and past the due date, as on the overdue board

    @property
    def total(self) -> int:
        return self.lead + self.co

    @property
    def answered_late(self) -> int:
        return self.answered - self.answered_on_time

    @property
    def unanswered(self) -> int:
        return self.total - self.answered


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        """One decimal; None when there is nothing to divide by (no 0 % for "no data")."""
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None


@dataclass(frozen=True)
class Figures:
    session: CongressSession | None  # None: all sessions
    by_state: list[Bucket]
    by_category: list[CategoryBucket]
    by_department: list[DepartmentFigures]
    feedback: list[Bucket]  # each proposal's latest feedback, by rating
    on_time: Rate
    satisfaction: Rate
    overdue: list[OverdueRow] = field(default_factory=list)

    @property
    def proposal_count(self) -> int:
        return sum(b.count for b in self.by_state)


def _proposals(*, user: Any, session: CongressSession | None) -> QuerySet[Proposal]:
    qs = proposals_visible_to(user).exclude(status=ProposalStatus.DRAFT)
    return qs.filter(session=session) if session is not None else qs


def _assignments(*, user: Any, session: CongressSession | None) -> QuerySet[Assignment]:
    qs = assignments_visible_to(user).exclude(status=AssignmentStatus.RETURNED)
    return qs.filter(proposal__session=session) if session is not None else qs


def proposal_counts(*, user: Any, session: CongressSession | None) -> tuple[list[Bucket], list[CategoryBucket]]:
    """Proposals by state (in the lifecycle's order, drafts left out) and by category (every
    category in the categories' order, with how many were accepted, 立案), zeros included.

    One query for both: categories LEFT JOIN the session's proposals (the session in the
    join's ON clause, so other sessions' rows are never joined), grouped by category and state,
    counting those the user may see; a category without any gets one row counting 0."""
    joined = ~Q(proposal__status=ProposalStatus.DRAFT)
    if session is not None:
        joined &= Q(proposal__session=session)
    visible = Q(p__in=_proposals(user=user, session=session).values("pk"))
    rows = (
        Category.objects.order_by()
        .annotate(p=FilteredRelation("proposal", condition=joined))
        .values("pk", "name", "order", "p__status")
        .annotate(n=Count("p", filter=visible), accepted=Count("p", filter=visible & ~Q(p__number="")))
    )
    by_status: dict[str, int] = {}
    categories: dict[int, dict[str, Any]] = {}
    for r in rows:
        if r["p__status"] is not None:
            by_status[r["p__status"]] = by_status.get(r["p__status"], 0) + r["n"]
        c = categories.setdefault(r["pk"], {"name": r["name"], "order": r["order"], "n": 0, "accepted": 0})
        c["n"] += r["n"]
        c["accepted"] += r["accepted"]
    by_state = [
        Bucket(str(status), str(status.label), by_status.get(status, 0))
        for status in ProposalStatus
        if status != ProposalStatus.DRAFT
    ]
    by_category = [
        CategoryBucket(pk, c["name"], c["n"], c["accepted"])
        for pk, c in sorted(categories.items(), key=lambda item: (item[1]["order"], item[0]))
    ]
    return by_state, by_category


def assignment_counts_by_department(
    *, user: Any, session: CongressSession | None, overdue: list[OverdueRow]
) -> list[DepartmentFigures]:
    """Each department with an assignment in scope: lead and co counts, how many it answered
    and how many of those on time (see `on_time_rate`), and how many of `overdue` (the overdue
    list) are its. Most assignments first."""
    rows = (
        _assignments(user=user, session=session)
        .order_by()
        .values("department_id", "department__name")
        .annotate(
            lead=Count("pk", filter=Q(role=AssignmentRole.LEAD)),
            co=Count("pk", filter=Q(role=AssignmentRole.CO)),
            answered=Count("pk", filter=ANSWERED),
            on_time=Count("pk", filter=ANSWERED_ON_TIME),
        )
    )
    late: dict[int, int] = {}
    for row in overdue:
        late[row.assignment.department_id] = late.get(row.assignment.department_id, 0) + 1
    figures = [
        DepartmentFigures(
            department_id=r["department_id"],
            name=r["department__name"],
            lead=r["lead"],
            co=r["co"],
            answered=r["answered"],
            answered_on_time=r["on_time"],
            overdue=late.get(r["department_id"], 0),
        )
        for r in rows
    ]
    return sorted(figures, key=lambda d: (-d.total, d.name))


def on_time_rate(*, departments: list[DepartmentFigures]) -> Rate:
    """按期办复率: of the assignments answered (the department's answer is in: status
    answered or approved; lead and co-handling alike, every round, returned ones left out),
    the share whose answer (`answered_at`) came no later than the assignment's due date
    (`due`, which a granted extension moves). Denominator: answered assignments; numerator:
    those answered on time. Assignments not yet answered count in neither, even when overdue
    (they are on the overdue list)."""
    return Rate(
        numerator=sum(d.answered_on_time for d in departments),
        denominator=sum(d.answered for d in departments),
    )


def feedback_counts(*, user: Any, session: CongressSession | None) -> list[Bucket]:
    """Proposals by the rating of their latest feedback (the highest round), every rating
    listed, zeros included; proposals without feedback are not counted."""
    later = Feedback.objects.filter(proposal=OuterRef("proposal"), round__gt=OuterRef("round"))
    rows = (
        Feedback.objects.filter(proposal__in=_proposals(user=user, session=session).values("pk"))
        .exclude(Exists(later))
        .order_by()
        .values("satisfaction")
        .annotate(n=Count("pk"))
    )
    counts = {r["satisfaction"]: r["n"] for r in rows}
    return [Bucket(str(s), str(s.label), counts.get(s, 0)) for s in Satisfaction]


def satisfaction_rate(*, feedback: list[Bucket]) -> Rate:
    """满意率: of the proposals with feedback, the share whose latest feedback is 满意
    (satisfied; 基本满意 is not 满意). The latest feedback decides: a proposal rated
    不满意 goes back for its one second round (Proposal.feedback) and counts as unsatisfied
    until its second feedback replaces the first. Denominator: proposals with feedback;
    numerator: those whose latest rating is satisfied."""
    satisfied = sum(b.count for b in feedback if b.key == Satisfaction.SATISFIED)
    return Rate(numerator=satisfied, denominator=sum(b.count for b in feedback))


def overdue_list(*, user: Any, session: CongressSession | None, now: datetime) -> list[OverdueRow]:
    """The overdue board's overdue rows (not the ones merely due soon) of the session, most
    overdue first."""
    return [
        row
        for row in overdue_board(user, now=now)
        if row.overdue and (session is None or row.assignment.proposal.session_id == session.pk)
    ]


def dashboard_figures(*, user: Any, session: CongressSession | None, now: datetime) -> Figures:
    """Everything the dashboard shows, in a fixed number of queries."""
    overdue = overdue_list(user=user, session=session, now=now)
    departments = assignment_counts_by_department(user=user, session=session, overdue=overdue)
    feedback = feedback_counts(user=user, session=session)
    by_state, by_category = proposal_counts(user=user, session=session)
    return Figures(
        session=session,
        by_state=by_state,
        by_category=by_category,
        by_department=departments,
        feedback=feedback,
        on_time=on_time_rate(departments=departments),
        satisfaction=satisfaction_rate(feedback=feedback),
        overdue=overdue,
    )
