"""Reads. Who may see a welfare request is decided here once: the applicant, the
sub-union chair of the request's unit, the union office, auditors and admins. Everyone
else sees none of them (a 404, never a 403 that would reveal one exists)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet

from org.models import Role
from org.roles import user_roles, users_with_role

from .models import WelfareRequest

SEES_EVERY_REQUEST = {Role.UNION_OFFICE, Role.AUDITOR, Role.ADMIN}


def welfare_requests_visible_to(user: Any) -> QuerySet[WelfareRequest]:
    qs = WelfareRequest.objects.all()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    roles = user_roles(user)
    if roles & SEES_EVERY_REQUEST:
        return qs
    visible = Q(applicant=user)
    unit_id = _department_id(user)
    if Role.SUBUNION_CHAIR in roles and unit_id:
        visible |= Q(unit_id=unit_id)
    return qs.filter(visible)


def unit_chairs(unit_id: int) -> QuerySet:
    """The sub-union chairs of a unit (normally one)."""
    return (
        get_user_model()
        .objects.filter(profile__department_id=unit_id, groups__name=Role.SUBUNION_CHAIR.group_name, is_active=True)
        .distinct()
        .order_by("pk")
    )


def office_group() -> Group:
    """The union office's role group (it reviews when the unit's chair cannot)."""
    return Group.objects.get_or_create(name=Role.UNION_OFFICE.group_name)[0]


def request_reviewers(request: WelfareRequest) -> list[Any]:
    """Who does the sub-union's review of this request: the unit's chairs, except that a chair's
    own request, or a request from a unit without a chair, goes to the union office instead
    (the grants welfare.services.welfare_request_file made say the same)."""
    chairs = list(unit_chairs(request.unit_id))
    if chairs and request.applicant_id not in {c.pk for c in chairs}:
        return chairs
    return list(users_with_role(Role.UNION_OFFICE))


def welfare_request_recipients(*, request: WelfareRequest, event: str) -> list[Any]:
    """Who is told about a transition (the service leaves out whoever made it)."""
    applicant = [request.applicant]
    if event == "submit":
        # When the union office files on someone's behalf, they learn of it too.
        return [*request_reviewers(request), *applicant]
    if event == "review":
        return list(users_with_role(Role.UNION_OFFICE))
    if event == "assign":
        return [request.handler, *applicant]
    if event == "withdraw":
        if request.handler_id:
            return [request.handler]
        if request.reviewed_at:
            return list(users_with_role(Role.UNION_OFFICE))
        return request_reviewers(request)
    if event == "reconsider":
        # Back to the handler to answer again (welfare.publicity); the applicant learns why.
        return [request.handler, *applicant]
    # reject, answer, close
    return applicant


def _department_id(user: Any) -> int | None:
    profile = getattr(user, "profile", None)
    return profile.department_id if profile else None
