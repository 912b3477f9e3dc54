"""公示: the publicity period of an approved hardship request, and the objections raised in it.

An approved hardship request (困难补助) is made known to the members before it is paid: the
notice runs from the next working day after the answer for PUBLICITY_WORKING_DAYS working
days (workflow.calendar: weekends, statutory holidays and 调休 counted), both ends inclusive,
in Asia/Shanghai dates. Meanwhile any union member, or the union office recording one
received by phone or letter, may object (实名). The request cannot be closed (办结, handed
over for payment) while the notice runs or while an objection is open; the union office
dismisses an objection or upholds it, and upholding sends the request back to its handler
(the ``reconsider`` transition), whose new answer opens a new publicity period.

Privacy: the notice shows the applicant's name, unit, kind, the sum approved and the dates,
never the request's description, family situation, income, diagnosis or ID number. Who
objected is known to the union office (and read-only to auditors and admins: policy row
``view_objections``); the history row of a new objection carries only the objection's id and
no actor, so the applicant reading the timeline or the history API cannot learn who it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from org.models import Role
from org.roles import users_with_role
from workflow import history, policy
from workflow.calendar import WorkingCalendar, local_date
from workflow.errors import Conflict, InvalidPayload, NotPermitted, NotVisible
from workflow.services import transition

from .models import PublicityObjection, WelfareKind, WelfareRequest, WelfareStatus
from .selectors import welfare_requests_visible_to

PUBLICITY_WORKING_DAYS = 5
OBJECTION_MAX_LENGTH = 2000


def _today(now: datetime | None) -> date:
    return local_date(now or timezone.now())


# The window --------------------------------------------------------------------------


def publicity_window(answered_on: date, *, calendar: WorkingCalendar | None = None) -> tuple[date, date]:
    """The first and last day (inclusive) of the publicity of a request answered on
    ``answered_on``: from the next working day, PUBLICITY_WORKING_DAYS working days."""
    cal = calendar or WorkingCalendar()
    return cal.shift(answered_on, 1), cal.shift(answered_on, PUBLICITY_WORKING_DAYS)


def publicity_open(request: WelfareRequest, now: datetime | None = None) -> None:
    """Called by WelfareRequest.answer_ for a hardship request: an approval opens the
    publicity period, a refusal has none."""
    if request.kind != WelfareKind.HARDSHIP:
        return
    if request.approved:
        request.publicity_starts, request.publicity_ends = publicity_window(_today(now))
    else:
        publicity_clear(request)


def publicity_clear(request: WelfareRequest) -> None:
    request.publicity_starts = request.publicity_ends = None


def in_publicity(request: WelfareRequest, *, today: date) -> bool:
    """Whether the request's notice is up today (objections may be raised)."""
    return (
        request.kind == WelfareKind.HARDSHIP
        and request.status == WelfareStatus.ANSWERED
        and bool(request.approved)
        and request.publicity_starts is not None
        and request.publicity_ends is not None
        and request.publicity_starts <= today <= request.publicity_ends
    )


def publicity_state(request: WelfareRequest, *, today: date) -> str:
    """One of "none" (no publicity), "pending" (starts on the next working day), "running",
    "ended"."""
    if request.publicity_starts is None or request.publicity_ends is None:
        return "none"
    if today < request.publicity_starts:
        return "pending"
    return "running" if today <= request.publicity_ends else "ended"


def publicity_check_closable(request: WelfareRequest, now: datetime | None = None) -> None:
    """Called by WelfareRequest.close for a hardship request: Conflict (409) while the
    publicity of an approval has not run its course, or while an objection is open."""
    if request.kind != WelfareKind.HARDSHIP:
        return
    if request.approved:
        if request.publicity_ends is None:
            # Only a row written around the services lacks its window; paying it unannounced
            # is exactly what the rule forbids.
            raise Conflict(_("该困难补助未经公示，不能办结。"), code="publicity_missing")
        if _today(now) <= request.publicity_ends:
            raise Conflict(
                _("公示期至 %(date)s，公示期满后方可办结。") % {"date": request.publicity_ends.isoformat()},
                code="publicity_running",
            )
    if request.objections.filter(status=PublicityObjection.Status.OPEN).exists():
        raise Conflict(_("该申请有待处理的公示异议，处理后方可办结。"), code="objection_open")


# Reads ---------------------------------------------------------------------------------


def welfare_requests_in_publicity(*, today: date) -> QuerySet[WelfareRequest]:
    """Every request whose notice is up today, soonest to end first."""
    return WelfareRequest.objects.filter(
        kind=WelfareKind.HARDSHIP,
        status=WelfareStatus.ANSWERED,
        approved=True,
        publicity_starts__lte=today,
        publicity_ends__gte=today,
    ).order_by("publicity_ends", "pk")


def publicity_list_for(*, user: Any, now: datetime | None = None) -> QuerySet[WelfareRequest]:
    """The notice as ``user`` may read it: every request in publicity for those the policy
    lets read it (members, the union office, auditors, admins), nothing for anyone else."""
    if not policy.allows(WelfareRequest(), "view_publicity", user, state=""):
        return WelfareRequest.objects.none()
    return welfare_requests_in_publicity(today=_today(now))


def objection_target(*, user: Any, pk: int, now: datetime | None = None) -> WelfareRequest:
    """The request an objection is raised against: one the user may see, or one on the
    notice they may read. Anything else is NotVisible (404), so ids reveal nothing."""
    found = welfare_requests_visible_to(user).filter(pk=pk).first()
    if found is None:
        found = publicity_list_for(user=user, now=now).filter(pk=pk).first()
    if found is None:
        raise NotVisible()
    return found


def may_view_objections(*, user: Any, request: WelfareRequest) -> bool:
    return policy.allows(request, "view_objections", user)


def objections_open_for(*, user: Any) -> QuerySet[PublicityObjection]:
    """The open objections the union office has to decide (nothing for others)."""
    if not policy.allows(WelfareRequest(), "resolve_objection", user, state=""):
        return PublicityObjection.objects.none()
    return (
        PublicityObjection.objects.filter(status=PublicityObjection.Status.OPEN)
        .select_related("request__unit", "request__applicant__profile", "raised_by__profile")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class ObjectionSummary:
    """What a viewer of a request learns about its objections: always how many (and how many
    are open); the objections themselves (text, objector, resolution) only with
    ``view_objections``."""

    total: int
    open: int
    rows: list[PublicityObjection] | None


def objections_of(*, user: Any, request: WelfareRequest) -> ObjectionSummary:
    """For a request the caller already knows the user may see (the selector)."""
    if may_view_objections(user=user, request=request):
        rows = list(request.objections.select_related("raised_by__profile", "resolved_by__profile"))
        still_open = sum(1 for o in rows if o.status == PublicityObjection.Status.OPEN)
        return ObjectionSummary(total=len(rows), open=still_open, rows=rows)
    counts = request.objections.aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(status=PublicityObjection.Status.OPEN))
    )
    return ObjectionSummary(total=counts["total"], open=counts["open"], rows=None)


# Writes --------------------------------------------------------------------------------


def objection_raise(
    *, user: Any, request: WelfareRequest, text: str, now: datetime | None = None
) -> PublicityObjection:
    """异议: a member (实名), or the union office recording one it received, objects to a
    request on the notice. NotPermitted (403) for anyone else and for the applicant
    themself; InvalidPayload (400) without text; Conflict ``not_in_publicity`` (409) when the
    notice of this request is not up today."""
    policy.check(request, "raise_objection", user)
    if request.applicant_id == user.pk:
        raise NotPermitted(_("不能对本人的申请提出异议。"), code="own_request")
    text = (text or "").strip()
    if not text:
        raise InvalidPayload(fields={"text": [_("请填写异议内容。")]})
    if len(text) > OBJECTION_MAX_LENGTH:
        raise InvalidPayload(
            fields={"text": [_("异议内容不能超过 %(n)s 字。") % {"n": OBJECTION_MAX_LENGTH}]},
        )
    from .publicity_forms import ObjectionForm

    form = ObjectionForm(data={"text": text})  # the rest of the form's rules (no NUL characters)
    if not form.is_valid():
        raise InvalidPayload(fields={k: [str(m) for m in v] for k, v in form.errors.items()})
    now = now or timezone.now()
    with transaction.atomic():
        locked = WelfareRequest.objects.select_for_update().get(pk=request.pk)
        if not in_publicity(locked, today=local_date(now)):
            raise Conflict(_("该申请不在公示期内，不能提出异议。"), code="not_in_publicity")
        objection = PublicityObjection.objects.create(request=locked, raised_by=user, text=text, created_at=now)
        # No actor and no text: the applicant reads this history, and must not learn who
        # objected; the objection row itself keeps both for the union office.
        history.record(locked, "welfarerequest.objection_raised", None, {"objection": objection.pk})
        notify(
            recipients=users_with_role(Role.UNION_OFFICE),
            event="welfarerequest.objection_raised",
            item=locked,
            actor=user,
        )
    return objection


def objection_resolve(
    *, user: Any, objection: PublicityObjection, upheld: bool, resolution: str, now: datetime | None = None
) -> PublicityObjection:
    """The union office decides an open objection, with its reasons. Upheld, the request
    goes back to its handler to answer again (``reconsider``), unless it is already back
    there; dismissed, it may be closed once its notice has run (and no other is open)."""
    policy.check(objection.request, "resolve_objection", user)
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidPayload(fields={"resolution": [_("请填写处理意见。")]})
    with transaction.atomic():
        request = WelfareRequest.objects.select_for_update().get(pk=objection.request_id)
        locked = PublicityObjection.objects.select_for_update().get(pk=objection.pk)
        if locked.status != PublicityObjection.Status.OPEN:
            raise Conflict(_("该异议已处理。"), code="objection_resolved")
        locked.status = PublicityObjection.Status.UPHELD if upheld else PublicityObjection.Status.DISMISSED
        locked.resolution = resolution
        locked.resolved_by, locked.resolved_at = user, now or timezone.now()
        locked.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
        # The resolution is the union office's own words, written for the applicant to read;
        # the objection's text and its author stay out of the history.
        history.record(
            request,
            "welfarerequest.objection_resolved",
            user,
            {"objection": locked.pk, "upheld": bool(upheld)},
            comment=resolution,
        )
        if upheld and request.status == WelfareStatus.ANSWERED:
            reason = _("公示异议成立：%(resolution)s") % {"resolution": resolution}
            transition(request, "reconsider", user, reason=reason)
    return locked
