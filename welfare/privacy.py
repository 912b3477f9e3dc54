"""Privacy of a welfare request's sensitive fields, decided in one place.

Who may *see* a request at all is welfare.selectors.welfare_requests_visible_to. Among
those, who reads the sensitive fields (diagnosis, income, ID number, family situation)
unmasked is:

- the policy table (welfare/rules.py, action ``view_sensitive`` in any state): the
  applicant, the sub-union chair of the request's unit, the union office;
- plus whoever an admin explicitly granted the model permission
  ``welfare.view_sensitive_welfarerequest`` (typically an auditor). A superuser's implicit
  "every permission" does not count: admins see the fields masked until the permission is
  granted to them like to anyone else, so opening the data is a deliberate, visible act.

Everyone else gets ``***`` in each sensitive field, whatever its value (an empty value
masked too, so even "has a diagnosis" does not leak). Every response that serves an
unmasked value writes one SensitiveAccess row per request (bulk for lists).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Q

from workflow import policy

from .models import SENSITIVE_FIELDS, AccessChannel, SensitiveAccess, WelfareRequest

__all__ = [
    "MASK",
    "SENSITIVE_FIELDS",
    "VIEW_SENSITIVE_PERM",
    "masked",
    "may_see_sensitive",
    "sensitive_access_record",
    "sensitive_serve",
    "unmasked_ids",
]

MASK = "***"
VIEW_SENSITIVE_PERM = "welfare.view_sensitive_welfarerequest"
_PERM_CACHE = "_welfare_view_sensitive"


def holds_sensitive_grant(user: Any) -> bool:
    """Whether the user was explicitly granted VIEW_SENSITIVE_PERM, directly or through a
    group (a superuser's implicit permissions excluded). Cached on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, _PERM_CACHE, None)
    if cached is None:
        app_label, codename = VIEW_SENSITIVE_PERM.split(".", 1)
        cached = (
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            .filter(Q(user=user) | Q(group__user=user))
            .exists()
        )
        setattr(user, _PERM_CACHE, cached)
    return bool(cached)


def may_see_sensitive(request: WelfareRequest, user: Any) -> bool:
    """Whether ``user`` may read ``request``'s sensitive fields unmasked. Assumes the caller
    already knows the user may see the request (the selector); this only decides the mask."""
    return policy.allows(request, "view_sensitive", user) or holds_sensitive_grant(user)


def unmasked_ids(user: Any, requests: Iterable[WelfareRequest]) -> set[int]:
    """The ids among ``requests`` whose sensitive fields ``user`` may read, at a constant
    number of queries whatever their number."""
    requests = list(requests)
    if not requests:
        return set()
    policy.prefetch(user, requests)
    allowed = {r.pk for r in requests if policy.allows(r, "view_sensitive", user)}
    if len(allowed) < len(requests) and holds_sensitive_grant(user):
        return {r.pk for r in requests}
    return allowed


def masked(values: dict[str, Any], *, unmasked: bool) -> dict[str, Any]:
    """``values`` (a serialised request) with the sensitive fields replaced by MASK unless unmasked."""
    if unmasked:
        return values
    return {k: (MASK if k in SENSITIVE_FIELDS else v) for k, v in values.items()}


def _served_fields(request: WelfareRequest, shown: Sequence[str] = SENSITIVE_FIELDS) -> list[str]:
    return [f for f in shown if getattr(request, f) not in (None, "")]


def sensitive_access_record(
    *,
    user: Any,
    requests: Iterable[WelfareRequest],
    channel: str,
    path: str = "",
    fields: Sequence[str] = SENSITIVE_FIELDS,
) -> list[SensitiveAccess]:
    """Log that ``user`` was served these requests' sensitive fields unmasked: one row per
    request that has any sensitive value (serving only empty fields reveals nothing), in one
    insert. ``fields``: the sensitive fields the response shows (a payout list shows only the
    ID number), so the log says what was seen, not what could have been."""
    channel = AccessChannel(channel).value
    rows = [
        SensitiveAccess(user=user, request=r, fields=served, channel=channel, path=path[:500])
        for r in requests
        if (served := _served_fields(r, fields))
    ]
    return SensitiveAccess.objects.bulk_create(rows) if rows else []


def sensitive_serve(
    *,
    user: Any,
    requests: Iterable[WelfareRequest],
    channel: str,
    path: str = "",
    fields: Sequence[str] = SENSITIVE_FIELDS,
) -> set[int]:
    """What a page, the API or an export calls before rendering requests: the ids to show
    unmasked (everything else is masked), with their access already logged (``fields``: the
    sensitive fields the response shows, all of them unless it shows fewer)."""
    requests = list(requests)
    ids = unmasked_ids(user, requests)
    served = [r for r in requests if r.pk in ids]
    sensitive_access_record(user=user, requests=served, channel=channel, path=path, fields=fields)
    return ids
