"""Reads. "Who may see this item" is decided here once and used by every list,
detail, API endpoint, export and search."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from org.models import Role
from org.roles import user_roles, users_with_role

from .models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    CongressSession,
    CoSignature,
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
        people = [u for a in proposal.current_assignments() for u in department_members(a.department_id, *DEPT)]
        return people + proposers
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
        return proposer + list(users_with_role(Role.COMMITTEE)) if level >= 1 else proposer
    committee = list(users_with_role(Role.COMMITTEE))
    return committee + list(users_with_role(Role.UNION_OFFICE)) if level >= 1 else committee


def assignment_reminder_recipients(*, assignment: Assignment, level: int) -> list[Any]:
    """The department's handlers (its head too once the answer awaits approval); the head
    at level 1; the union office and the committee at level 2."""
    waiting_for_head = assignment.status == AssignmentStatus.ANSWERED
    roles = DEPT if (level >= 1 or waiting_for_head) else (Role.DEPARTMENT_HANDLER,)
    people = list(department_members(assignment.department_id, *roles))
    if level >= 2:
        people += list(users_with_role(Role.UNION_OFFICE)) + list(users_with_role(Role.COMMITTEE))
    return people


def assignment_recipients(*, assignment: Assignment, event: str) -> list[Any]:
    if event in {"grant_extension", "refuse_extension"}:
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
