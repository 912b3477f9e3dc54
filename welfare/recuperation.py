"""疗休养: the yearly quota, who is eligible (checked when a request is submitted), and the
batches (dates, places) approved requests are allotted to.

The rules, in the order a member meets them when submitting:

1. ``no_quota``: the union has not published the year's quota (RecuperationQuota) yet;
2. ``not_eligible_service``: fewer years of service than the year's minimum;
3. ``already_applied``: the applicant already has a live request this year;
4. ``not_eligible_interval``: their last recuperation, as typed or as our own records of an
   approved request show, is less than the interval ago;
5. ``quota_exhausted``: the year's live requests already fill its places.

A request is *live* (holds a place) from its submission until it is rejected, withdrawn or
answered "not approved"; an approved one keeps its place. The year is the filing year in
Asia/Shanghai. The quota's row is locked while a submission counts places, so two members
submitting for the last place one after the other cannot both get it.

The union office's writes (quotas, batches) are here too: keyword-only services that ask the
policy table (welfare/rules.py) and validate with welfare.recuperation_forms.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from workflow import policy
from workflow.errors import Conflict, InvalidPayload

from .models import RecuperationBatch, RecuperationQuota, WelfareKind, WelfareRequest, WelfareStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = WelfareStatus

# Places are held from submission on; an approved answer keeps the place (closed included).
LIVE = Q(status__in=[S.SUBMITTED, S.REVIEWED, S.ASSIGNED]) | Q(status__in=[S.ANSWERED, S.CLOSED], approved=True)
APPROVED = Q(status__in=[S.ANSWERED, S.CLOSED], approved=True)


def recuperation_year(now: datetime | None = None) -> int:
    """The year a request filed now is for: the calendar year in Asia/Shanghai."""
    return (now or timezone.now()).astimezone(SHANGHAI).year


def recuperation_requests(*, year: int | None = None) -> QuerySet[WelfareRequest]:
    qs = WelfareRequest.objects.filter(kind=WelfareKind.RECUPERATION)
    return qs if year is None else qs.filter(recuperation_year=year)


def recuperation_places_used(*, year: int) -> int:
    return recuperation_requests(year=year).filter(LIVE).count()


def _error(code: str, message: str) -> Conflict:
    return Conflict(message, code=code)


# The rules ---------------------------------------------------------------------------------


def recuperation_check_eligible(request: WelfareRequest, *, now: datetime | None = None) -> None:
    """Called by WelfareRequest.submit for a recuperation request: set its year, or raise
    Conflict (409) with the code and the reason in Chinese. Runs inside the submission's
    transaction, so a refusal saves nothing."""
    year = recuperation_year(now)
    request.recuperation_year = year
    # Locked until the submission commits: counting places and taking one is one step.
    quota = RecuperationQuota.objects.select_for_update().filter(year=year).first()
    if quota is None:
        raise _error("no_quota", _("本年度疗休养名额尚未公布，暂不能申请。"))
    service = request.years_of_service or 0
    if service < quota.min_years_of_service:
        raise _error(
            "not_eligible_service",
            _("疗休养须工龄满 %(min)d 年，您填写的工龄为 %(years)d 年，暂不符合申请条件。")
            % {"min": quota.min_years_of_service, "years": service},
        )
    others = recuperation_requests().filter(applicant_id=request.applicant_id).exclude(pk=request.pk)
    if others.filter(LIVE, recuperation_year=year).exists():
        raise _error("already_applied", _("您已提交本年度（%(year)d 年）的疗休养申请，不能重复申请。") % {"year": year})
    last = _last_recuperation_year(request, others)
    if last is not None and last + quota.interval_years > year:
        raise _error(
            "not_eligible_interval",
            _("疗休养须间隔 %(interval)d 年，您上次疗休养在 %(last)d 年，%(earliest)d 年起方可再次申请。")
            % {"interval": quota.interval_years, "last": last, "earliest": last + quota.interval_years},
        )
    if recuperation_places_used(year=year) >= quota.places:
        raise _error(
            "quota_exhausted",
            _("本年度（%(year)d 年）疗休养名额（%(places)d 个）已满，不能再申请。")
            % {"year": year, "places": quota.places},
        )


def _last_recuperation_year(request: WelfareRequest, others: QuerySet[WelfareRequest]) -> int | None:
    """The later of the year the member typed and the year of their last approved request in
    our own records: an approved trip counts even when someone types an older year."""
    recorded = others.filter(APPROVED, recuperation_year__isnull=False).order_by("-recuperation_year").first()
    years = [y for y in (request.last_recuperation_year, recorded and recorded.recuperation_year) if y]
    return max(years) if years else None


def request_year(request: WelfareRequest) -> int:
    """The year a request is for (requests filed before years were recorded: their submission's)."""
    if request.recuperation_year:
        return request.recuperation_year
    return recuperation_year(request.submitted_at or request.created_at)


def recuperation_allot(request: WelfareRequest, *, batch: RecuperationBatch | None) -> None:
    """Called by WelfareRequest.answer_ for a recuperation request: an approved one goes to a
    batch of its year with room left; a declined one to none."""
    if not request.approved:
        request.batch = None
        return
    if batch is None:
        raise InvalidPayload(
            _("批准疗休养申请须选择批次。"), code="batch_required", fields={"batch": [_("请选择疗休养批次。")]}
        )
    year = request_year(request)
    if batch.year != year:
        raise InvalidPayload(
            _("只能分配到本申请年度的疗休养批次。"),
            code="batch_wrong_year",
            fields={"batch": [_("请选择 %(year)d 年度的疗休养批次。") % {"year": year}]},
        )
    # Locked so two answers cannot both take a batch's last place.
    locked = RecuperationBatch.objects.select_for_update().get(pk=batch.pk)
    taken = locked.requests.filter(APPROVED).exclude(pk=request.pk).count()
    if taken >= locked.capacity:
        raise _error(
            "batch_full",
            _("批次“%(name)s”已满（%(capacity)d 人），请选择其他批次。")
            % {"name": locked.name, "capacity": locked.capacity},
        )
    request.batch = locked


# Reads for the pages and the API -------------------------------------------------------------


def quotas_with_usage() -> QuerySet[RecuperationQuota]:
    """Every year's quota with ``used`` (places held by live requests), in one query."""
    used = (
        recuperation_requests()
        .filter(LIVE, recuperation_year=OuterRef("year"))
        .order_by()
        .values("recuperation_year")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return RecuperationQuota.objects.annotate(
        used=Coalesce(Subquery(used, output_field=IntegerField()), Value(0))
    ).order_by("-year")


def batches_with_allotted(*, year: int | None = None) -> QuerySet[RecuperationBatch]:
    """Batches (of a year) with ``allotted``: the approved requests allotted to each."""
    approved = Q(requests__status__in=[S.ANSWERED, S.CLOSED], requests__approved=True)
    qs = RecuperationBatch.objects.annotate(allotted=Count("requests", filter=approved))
    return qs if year is None else qs.filter(year=year)


def batch_choices(*, year: int, keep: Any = None) -> list[tuple[Any, str]]:
    """The answer form's choices: the year's batches with places left (and ``keep``, the one
    already chosen, so a refused form shows it again)."""
    out: list[tuple[Any, str]] = [("", _("请选择批次"))]
    for b in batches_with_allotted(year=year).order_by("starts_on", "pk"):
        left = b.capacity - b.allotted  # type: ignore[attr-defined]
        if left > 0 or str(b.pk) == str(keep or ""):
            out.append((b.pk, _("%(batch)s，尚余 %(left)d 人") % {"batch": b, "left": max(left, 0)}))
    return out


def filing_hint(*, now: datetime | None = None) -> str:
    """What the filing page says about this year's recuperation: places left and who may apply."""
    year = recuperation_year(now)
    quota = quotas_with_usage().filter(year=year).first()
    if quota is None:
        return _("本年度（%(year)d 年）疗休养名额尚未公布，公布后方可申请。") % {"year": year}
    left = max(quota.places - quota.used, 0)  # type: ignore[attr-defined]
    return _(
        "本年度（%(year)d 年）疗休养名额 %(places)d 个，尚余 %(left)d 个。"
        "申请条件：工龄满 %(min)d 年，且距上次疗休养满 %(interval)d 年（上次在 %(last)d 年或以前）；"
        "每人每年限申请一次。"
    ) % {
        "year": year,
        "places": quota.places,
        "left": left,
        "min": quota.min_years_of_service,
        "interval": quota.interval_years,
        "last": year - quota.interval_years,
    }


# The union office's writes -------------------------------------------------------------------


def _check(user: Any, action: str) -> None:
    policy.check(WelfareRequest(), action, user, state="")


def _fields_of(form: Any) -> InvalidPayload:
    return InvalidPayload(fields={k: [str(e) for e in v] for k, v in form.errors.items()})


USUAL_RULES = ("min_years_of_service", "interval_years")


def recuperation_quota_create(*, user: Any, **fields: Any) -> RecuperationQuota:
    """Publish a year's quota. Conflict ``quota_exists`` if the year has one already."""
    from .recuperation_forms import QuotaForm

    _check(user, "manage_quota")
    # The rules a year usually has (5 years of service, 3 years apart) unless given.
    usual = {f.name: f.get_default() for f in RecuperationQuota._meta.concrete_fields if f.name in USUAL_RULES}
    form = QuotaForm(data={**usual, **fields})
    if not form.is_valid():
        raise _fields_of(form)
    with transaction.atomic():
        year = form.cleaned_data["year"]
        if RecuperationQuota.objects.select_for_update().filter(year=year).exists():
            raise Conflict(
                _("%(year)d 年度的疗休养名额已设置，请修改原有设置。") % {"year": year},
                code="quota_exists",
                fields={"year": [_("该年度的名额已设置。")]},
            )
        return form.save()


def recuperation_quota_update(*, user: Any, quota: RecuperationQuota, **fields: Any) -> RecuperationQuota:
    """Change a year's places or rules (fields left out keep their value); places may not fall
    below those already held by live requests. The year itself does not change."""
    from .recuperation_forms import QuotaForm

    _check(user, "manage_quota")
    with transaction.atomic():
        locked = RecuperationQuota.objects.select_for_update().get(pk=quota.pk)
        if "year" in fields and str(fields["year"]) != str(locked.year):
            raise InvalidPayload(fields={"year": [_("年度设置后不能更改。")]})
        data = {**QuotaForm(instance=locked).initial, **fields, "year": locked.year}
        form = QuotaForm(data=data, instance=locked)
        if not form.is_valid():
            raise _fields_of(form)
        used = recuperation_places_used(year=locked.year)
        if form.cleaned_data["places"] < used:
            raise InvalidPayload(
                fields={"places": [_("已有 %(used)d 人占用名额，名额不能少于 %(used)d 个。") % {"used": used}]}
            )
        return form.save()


def recuperation_batch_create(*, user: Any, **fields: Any) -> RecuperationBatch:
    from .recuperation_forms import BatchForm

    _check(user, "manage_batches")
    form = BatchForm(data=fields)
    if not form.is_valid():
        raise _fields_of(form)
    return form.save()


def recuperation_batch_update(*, user: Any, batch: RecuperationBatch, **fields: Any) -> RecuperationBatch:
    """Change a batch (fields left out keep their value). Its capacity may not fall below the
    people already allotted to it, and a batch with people in it keeps its year."""
    from .recuperation_forms import BatchForm

    _check(user, "manage_batches")
    with transaction.atomic():
        # Locked like recuperation_allot locks it: no allotment slips in while capacity shrinks.
        locked = RecuperationBatch.objects.select_for_update().get(pk=batch.pk)
        year = locked.year  # validating the form writes the new values onto `locked`
        form = BatchForm(data={**BatchForm(instance=locked).initial, **fields}, instance=locked)
        if not form.is_valid():
            raise _fields_of(form)
        allotted = locked.requests.filter(APPROVED).count()
        errors: dict[str, list[str]] = {}
        if form.cleaned_data["capacity"] < allotted:
            errors["capacity"] = [
                _("已有 %(n)d 人分配到此批次，人数上限不能少于 %(n)d 人。") % {"n": allotted},
            ]
        if allotted and form.cleaned_data["year"] != year:
            errors["year"] = [_("已有人员分配到此批次，不能更改年度。")]
        if errors:
            raise InvalidPayload(fields=errors)
        return form.save()
