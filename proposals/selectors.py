"""Reads. "Who may see this item" is decided here once and used by every list,
detail, API endpoint, export and search."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from org.models import Department, Role
from org.roles import user_roles, users_with_role
from workflow import memo
from workflow.calendar import WorkingCalendar, end_of_day, local_date, working_days_between
from workflow.models import Deadline

from .models import (
    OPEN_ASSIGNMENT,
    RELEASED_ANSWER,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Attachment,
    CongressSession,
    CoSignature,
    Invitation,
    Proposal,
    ProposalStatus,
)

SEES_EVERYTHING = {Role.COMMITTEE, Role.UNION_OFFICE, Role.AUDITOR, Role.ADMIN}


def proposals_visible_to(user: Any) -> QuerySet[Proposal]:
    """Everyone on the committee, the union office and auditors see all proposals.
    Delegates see every proposal past the draft stage, and drafts they wrote,
    co-signed or were invited to. Departments see proposals assigned to them."""
    qs = Proposal.objects.all()
    roles = user_roles(user)
    if roles & SEES_EVERYTHING:
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    visible = Q(proposer=user) | Q(co_proposers=user)
    if Role.DELEGATE in roles:
        visible |= ~Q(status=ProposalStatus.DRAFT)
        visible |= Q(cosignatures__delegate=user) | Q(invitations__delegate=user)
    department_id = _department_id(user)
    if department_id and roles & {Role.DEPARTMENT_HANDLER, Role.DEPARTMENT_HEAD}:
        visible |= Q(assignments__department_id=department_id)
    ids = Proposal.objects.filter(visible).values("pk")
    return qs.filter(pk__in=ids)


def assignments_visible_to(user: Any) -> QuerySet[Assignment]:
    qs = Assignment.objects.all()
    roles = user_roles(user)
    if roles & SEES_EVERYTHING:
        return qs
    department_id = _department_id(user)
    if department_id and roles & {Role.DEPARTMENT_HANDLER, Role.DEPARTMENT_HEAD}:
        return qs.filter(department_id=department_id)
    return qs.none()


class AnswerReaders:
    """Who reads a department's answer (its text, its class, its attachments). Once released
    (Assignment.answer_released) everyone who sees the proposal does. Before that only the
    department itself, for a co-department's opinion also the round's lead department (it
    drafts the official answer from the opinions), and those who see every proposal
    (SEES_EVERYTHING: the committee, the union office, auditors, admins). Not the proposer,
    not other delegates, not the other departments."""

    def __init__(self, user: Any):
        roles = user_roles(user)
        self.everything = bool(roles & SEES_EVERYTHING)
        self.department_id = _department_id(user) if roles & set(DEPT) else None

    def __call__(self, assignment: Assignment, siblings: list[Assignment] | None = None) -> bool:
        """``siblings``: the proposal's assignments when already loaded (a page of them)."""
        if self.everything or assignment.answer_released:
            return True
        if self.department_id is None:
            return False
        if assignment.department_id == self.department_id:
            return True
        if assignment.role != AssignmentRole.CO:
            return False
        if siblings is None:
            siblings = list(assignment.proposal.assignments.all())
        return any(
            s.role == AssignmentRole.LEAD
            and s.round == assignment.round
            and s.status != AssignmentStatus.RETURNED
            and s.department_id == self.department_id
            for s in siblings
        )

    def queryset(self) -> QuerySet[Assignment]:
        """The same decision as a filter: the assignments whose answer this user reads."""
        if self.everything:
            return Assignment.objects.all()
        readable = RELEASED_ANSWER
        if self.department_id is not None:
            leads = Assignment.objects.filter(
                proposal_id=OuterRef("proposal_id"),
                round=OuterRef("round"),
                role=AssignmentRole.LEAD,
                department_id=self.department_id,
            ).exclude(status=AssignmentStatus.RETURNED)
            readable = readable | Q(department_id=self.department_id) | Q(role=AssignmentRole.CO, lead_is_mine=True)
            return Assignment.objects.annotate(lead_is_mine=Exists(leads)).filter(readable)
        return Assignment.objects.filter(readable)


def attachments_visible_to(user: Any) -> QuerySet[Attachment]:
    """A proposal's own attachments go with the proposal. An answer's attachments go with the
    answer's text (AnswerReaders): the departments' working papers until it is released."""
    proposals = proposals_visible_to(user).values("pk")
    visible = Q(assignment__isnull=True, proposal__in=proposals)
    visible |= Q(assignment__in=AnswerReaders(user).queryset().values("pk"), proposal__in=proposals)
    return Attachment.objects.filter(visible)


def proposal_list(user: Any) -> QuerySet[Proposal]:
    """The visible proposals with what a list row shows, in a fixed number of queries."""
    return (
        proposals_visible_to(user)
        .select_related("session", "category", "proposer__profile")
        .prefetch_related(
            Prefetch("cosignatures", queryset=CoSignature.objects.select_related("delegate__profile")),
            Prefetch("co_proposers", queryset=get_user_model().objects.select_related("profile")),
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("department").order_by("round", "role", "id"),
            ),
        )
    )


def assignment_list(user: Any) -> QuerySet[Assignment]:
    return assignments_visible_to(user).select_related("department", "proposal__session")


def current_session(now: Any = None) -> CongressSession | None:
    """The session whose collection window is open now, else the newest one."""
    from django.utils import timezone

    now = now or timezone.now()
    open_ = CongressSession.objects.filter(collection_opens__lte=now, collection_closes__gt=now).first()
    return open_ or CongressSession.objects.order_by("-collection_opens").first()


def _department_id(user: Any) -> int | None:
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    return profile.department_id if profile else None


def department_members(department_id: int, *roles: str) -> QuerySet:
    return (
        get_user_model()
        .objects.filter(
            profile__department_id=department_id, groups__name__in=[f"role:{r}" for r in roles], is_active=True
        )
        .distinct()
    )


def proposal_recipients(*, proposal: Proposal, event: str) -> list[Any]:
    proposers = [proposal.proposer, *proposal.co_proposers.all()]
    if event == "supervise":
        handling = [u for a in proposal.current_assignments() for u in department_members(a.department_id, *DEPT)]
        return handling + proposers
    if event in {"submit", "feedback", "withdraw"}:
        return list(users_with_role(Role.COMMITTEE))
    if event == "assign":
        people: list[Any] = []
        for a in proposal.current_assignments().exclude(status=AssignmentStatus.RETURNED):
            people += department_members(a.department_id, Role.DEPARTMENT_HANDLER)
        return people + proposers
    return proposers


DEPT = (Role.DEPARTMENT_HANDLER, Role.DEPARTMENT_HEAD)


def proposal_reminder_recipients(*, proposal: Proposal, step: str, level: int) -> list[Any]:
    """Triage waits on the committee, feedback on the proposer; past the due date the
    union office hears of a late triage and the committee of a missing feedback."""
    if step == "feedback":
        proposer = [proposal.proposer]
        return proposer + _holders(Role.COMMITTEE) if level >= 1 else proposer
    committee = _holders(Role.COMMITTEE)
    return committee + _holders(Role.UNION_OFFICE) if level >= 1 else committee


def assignment_reminder_recipients(*, assignment: Assignment, level: int) -> list[Any]:
    """The department's handlers (its head too once the answer awaits approval); the head
    at level 1; the union office and the committee at level 2."""
    waiting_for_head = assignment.status == AssignmentStatus.ANSWERED
    roles = DEPT if (level >= 1 or waiting_for_head) else (Role.DEPARTMENT_HANDLER,)
    department = assignment.department_id
    people = memo.remember(("department", department, roles), lambda: list(department_members(department, *roles)))
    if level >= 2:
        people = people + _holders(Role.UNION_OFFICE) + _holders(Role.COMMITTEE)
    return people


def _holders(role: str) -> list[Any]:
    """The users holding a role; asked once per sweep batch."""
    return memo.remember(("role", role), lambda: list(users_with_role(role)))


def assignment_recipients(*, assignment: Assignment, event: str) -> list[Any]:
    if event in {"grant_extension", "refuse_extension", "send_back", "lapse"}:
        return list(department_members(assignment.department_id, *DEPT))
    if event == "answer":
        if assignment.role == AssignmentRole.LEAD:
            return list(department_members(assignment.department_id, Role.DEPARTMENT_HEAD))
        lead = (
            assignment.proposal.current_assignments()
            .filter(role=AssignmentRole.LEAD)
            .exclude(status=AssignmentStatus.RETURNED)
        )
        return [u for a in lead for u in department_members(a.department_id, Role.DEPARTMENT_HANDLER)]
    return list(users_with_role(Role.COMMITTEE))


# The overdue board (逾期督办) ----------------------------------------------------------

DUE_SOON_DAYS = 3  # the same window as the "before" reminder (ReminderPolicy.before_days)


def with_escalation_level(qs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Annotate `escalation_level` (0 none, 1 the department head, 2 the union office) from the
    assignment's open deadline, as a subquery of the same SELECT."""
    levels = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Assignment),  # cached after the first call
        object_id=OuterRef("pk"),
        closed_at__isnull=True,
    ).order_by("-escalation_level")
    return qs.annotate(escalation_level=Coalesce(Subquery(levels.values("escalation_level")[:1]), Value(0)))


def due_soon_until(
    now: datetime, *, soon_days: int = DUE_SOON_DAYS, calendar: WorkingCalendar | None = None
) -> datetime:
    """The end of the `soon_days`-th working day after today: what falls due by then is due soon."""
    today = local_date(now)
    # Across New Year into a year without a schedule the calendar counts its estimate.
    return end_of_day((calendar or WorkingCalendar()).shift(today, soon_days))


def due_window(
    now: datetime,
    *,
    overdue: bool = True,
    due_soon: bool = False,
    soon_days: int = DUE_SOON_DAYS,
    calendar: WorkingCalendar | None = None,
) -> Q:
    """Open assignments overdue at `now` (due < now), or falling due within `soon_days`
    working days (now <= due <= the end of that day), or either, as one filter."""
    if overdue and due_soon:
        window = Q(due__lte=due_soon_until(now, soon_days=soon_days, calendar=calendar))
    elif overdue:
        window = Q(due__lt=now)
    elif due_soon:
        window = Q(due__gte=now, due__lte=due_soon_until(now, soon_days=soon_days, calendar=calendar))
    else:
        return Q(pk__in=[])
    return OPEN_ASSIGNMENT & window


def assignments_due(
    qs: QuerySet[Assignment],
    *,
    now: datetime,
    overdue: bool = True,
    due_soon: bool = False,
    soon_days: int = DUE_SOON_DAYS,
    calendar: WorkingCalendar | None = None,
) -> QuerySet[Assignment]:
    """The assignments of `qs` in `due_window`."""
    return qs.filter(due_window(now, overdue=overdue, due_soon=due_soon, soon_days=soon_days, calendar=calendar))


# The department's inbox (收件箱): its assignments by what is asked of it next.
INBOX_TABS: tuple[str, ...] = ("new", "signed", "approval", "due_soon", "overdue", "all")


def inbox_filters(now: datetime, *, calendar: WorkingCalendar | None = None) -> dict[str, Q]:
    """Each inbox tab as a filter: new (待签收), signed and being answered (办理中), the lead's
    answer awaiting the head (待审核), due soon and overdue (as on the overdue board), all."""
    return {
        "new": Q(status=AssignmentStatus.ASSIGNED),
        "signed": Q(status=AssignmentStatus.ACCEPTED),
        "approval": Q(status=AssignmentStatus.ANSWERED, role=AssignmentRole.LEAD),
        "due_soon": due_window(now, overdue=False, due_soon=True, calendar=calendar),
        "overdue": due_window(now, overdue=True),
        "all": Q(pk__isnull=False),
    }


def assignment_inbox_counts(qs: QuerySet[Assignment], filters: dict[str, Q]) -> dict[str, int]:
    """How many of `qs` each tab (of `inbox_filters`) holds, in one query."""
    return qs.aggregate(**{tab: Count("pk", filter=f) for tab, f in filters.items()})


class DaysOverdue:
    """Working days past the due date for many rows at one instant, with one shared calendar
    (a query per span of years, not per row). Negative while time is left. Across a year
    without a schedule the count uses the calendar's estimate, as the due date itself did."""

    def __init__(self, now: datetime) -> None:
        self.today = local_date(now)
        self.calendar = WorkingCalendar()

    def __call__(self, due: datetime | None) -> int | None:
        if due is None:
            return None
        return working_days_between(local_date(due), self.today, calendar=self.calendar)


@dataclass(frozen=True)
class OverdueRow:
    assignment: Assignment
    overdue: bool
    days_overdue: int | None  # working days past the due date; 0 or less while due soon
    escalation_level: int

    @property
    def days_left(self) -> int | None:
        return None if self.days_overdue is None else -self.days_overdue

    @property
    def is_key(self) -> bool:
        """A key proposal (重点提案) under supervision (督办)."""
        return self.assignment.proposal.is_key

    @property
    def department(self) -> Department:
        return self.assignment.department


def overdue_board(user: Any, *, now: datetime | None = None, soon_days: int = DUE_SOON_DAYS) -> list[OverdueRow]:
    """Open assignments the user may see that are overdue or due within `soon_days` working
    days, most overdue first (due date ascending), in one query for the rows."""
    now = now or timezone.now()
    days = DaysOverdue(now)
    qs = assignments_due(
        with_escalation_level(assignments_visible_to(user)),
        now=now,
        overdue=True,
        due_soon=True,
        soon_days=soon_days,
        calendar=days.calendar,
    )
    qs = (
        qs.select_related("department", "proposal")
        .defer("answer", "return_reason", "extension_reason", "proposal__reason", "proposal__suggestion")
        .order_by("due", "id")
    )
    return [
        OverdueRow(a, bool(a.due and a.due < now), days(a.due), a.escalation_level)  # type: ignore[attr-defined]
        for a in qs
    ]


@dataclass
class DepartmentRows:
    department: Department
    rows: list[OverdueRow] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for r in self.rows if r.overdue)

    @property
    def due_soon_count(self) -> int:
        return sum(1 for r in self.rows if not r.overdue)


def overdue_board_by_department(rows: list[OverdueRow]) -> list[DepartmentRows]:
    """The board's rows by department; the department with the oldest overdue item first."""
    groups: dict[int, DepartmentRows] = {}
    for row in rows:  # already most overdue first, so each group keeps that order
        groups.setdefault(row.assignment.department_id, DepartmentRows(row.department)).rows.append(row)
    return sorted(groups.values(), key=lambda g: (g.rows[0].assignment.due, g.department.name))


# Co-sign invitations (附议邀请) ---------------------------------------------------------
def proposals_of(user: Any) -> QuerySet[Proposal]:
    """The proposals this delegate wrote or co-proposes (after a merge), newest first, with their
    assignments for "who acts next"."""
    ids = Proposal.objects.filter(Q(proposer=user) | Q(co_proposers=user)).values("pk")
    return (
        Proposal.objects.filter(pk__in=ids)
        .select_related("session", "category")
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("department").order_by("round", "role"))
        )
        .defer("reason", "suggestion")
        .order_by("-created_at", "-id")
    )


def invitations_for(user: Any) -> QuerySet[Invitation]:
    """The co-sign invitations sent to this delegate on drafts still open, not declined,
    newest first; each says whether the delegate has co-signed already (`cosigned`) and how
    many have (`cosigner_count`)."""
    if not getattr(user, "is_authenticated", False):
        return Invitation.objects.none()
    signed = CoSignature.objects.filter(proposal=OuterRef("proposal_id"))
    count = signed.order_by().values("proposal").annotate(n=Count("pk")).values("n")
    return (
        Invitation.objects.filter(delegate=user, declined_at__isnull=True, proposal__status=ProposalStatus.DRAFT)
        .select_related("proposal__proposer__profile", "proposal__session", "proposal__category")
        .annotate(
            cosigned=Exists(signed.filter(delegate=user)),
            cosigner_count=Coalesce(Subquery(count), 0),
        )
        .order_by("-created_at", "-id")
    )
