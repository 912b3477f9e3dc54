"""Writes that are not plain transitions (filing a request), and the side effects the
transition service asks the welfare kind to make."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from workflow import flowlink, history, policy
from workflow.errors import InvalidPayload
from workflow.services import transition

from .forms import WelfareRequestForm
from .models import WelfareRequest
from .rules import AS_APPLICANT, AS_FILER, AS_HANDLER, AS_UNIT_REVIEWER
from .selectors import office_group, unit_chairs


def welfare_request_file(*, user: Any, applicant: Any = None, **fields: Any) -> WelfareRequest:
    """File a request and submit it to the applicant's sub-union, in one transaction.

    ``applicant`` defaults to ``user``; naming someone else is 代录 by the union office.
    Raises NotPermitted (403) without the right to file (for oneself or for another), and
    InvalidPayload (400) with field errors for a bad form (a wrong ID number's checksum, a
    kind's missing fields) or an applicant who cannot file."""
    applicant = applicant if applicant is not None else user
    on_behalf = applicant.pk != user.pk
    probe = WelfareRequest()
    policy.check(probe, "file_for_other" if on_behalf else "create", user, state="")
    if on_behalf and not policy.allows(probe, "create", applicant, state=""):
        raise InvalidPayload(fields={"applicant": [_("只能为工会会员代录福利申请。")]})
    profile = getattr(applicant, "profile", None)
    unit = profile.department if profile is not None else None
    if unit is None:
        raise InvalidPayload(fields={"applicant": [_("申请人未登记所在单位，无法交分工会审核。")]})
    form = WelfareRequestForm(data=fields)
    if not form.is_valid():
        raise InvalidPayload(fields={k: [str(e) for e in v] for k, v in form.errors.items()})
    with transaction.atomic():
        request = form.save(commit=False)
        request.applicant, request.unit, request.filed_by = applicant, unit, user
        request.save()
        assign_perm(AS_APPLICANT, applicant, request)
        if on_behalf:
            assign_perm(AS_FILER, user, request)
        # To the unit's group: with the subunion_chair role this makes its chair the reviewer.
        # A chair does not review their own request, and a unit without a chair has nobody to
        # review it: then the union office's group reviews it instead (selectors.request_reviewers).
        chairs = set(unit_chairs(unit.pk).values_list("pk", flat=True))
        if applicant.pk not in chairs:
            assign_perm(AS_UNIT_REVIEWER, unit.group, request)
        if applicant.pk in chairs or not chairs:
            assign_perm(AS_UNIT_REVIEWER, office_group(), request)
        # Never the sensitive fields: history rows are read by auditors unmasked.
        history.record(
            request,
            "welfarerequest.create",
            user,
            {"kind": request.kind, "applicant": applicant.pk, "unit": unit.pk},
            to_state=request.status,
        )
        return transition(request, "submit", user)  # type: ignore[return-value]


def welfare_request_after_transition(*, request: WelfareRequest, name: str, user: Any, payload: dict[str, Any]) -> None:
    if name == "submit":
        # The process starts with the submission, so its first task is the sub-union's review.
        flowlink.start_process(request, user)
    elif name == "assign":
        assign_perm(AS_HANDLER, payload["handler"], request)
