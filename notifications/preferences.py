"""Which channels a user wants for which kind of event.

Resolution, most specific first: the user's row for the event's kind, the user's
``*`` row, the site default row for the kind, the site default ``*`` row, and
finally in-app only. In-app is always on and never stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from workflow.errors import InvalidPayload

from .models import OUTSIDE_CHANNELS, Channel, EventKind, Preference


@dataclass(frozen=True)
class Choice:
    channels: tuple[str, ...]  # outside channels only, in Channel order
    digest: bool


NOTHING = Choice(channels=(), digest=False)

# Kinds of event that go out through these channels at once, whatever the recipient chose and
# never held for the digest: a broken history chain (workflow.history, kind "history").
MANDATORY_CHANNELS: dict[str, tuple[str, ...]] = {"history": (Channel.EMAIL.value,)}


def event_kind(event: str) -> str:
    """``proposal.accept`` -> ``proposal``; kinds we do not know fall under ``*``."""
    head = event.split(".", 1)[0]
    return head if head in EventKind.values else EventKind.ALL


def _normalised(channels: Iterable[str]) -> tuple[str, ...]:
    wanted = set(channels)
    return tuple(c.value for c in OUTSIDE_CHANNELS if c.value in wanted)


def choices_for(*, user_ids: Iterable[int], kind: str) -> dict[int | None, Choice]:
    """Each user's choice for this kind of event, in one query. Users without a row of their
    own are under the key None (the site default)."""
    ids = list(user_ids)
    kinds = {kind, EventKind.ALL.value}
    rows = Preference.objects.filter(Q(user_id__in=ids) | Q(user__isnull=True), event_kind__in=kinds)
    best: dict[int | None, tuple[int, Choice]] = {}
    for row in rows.only("user_id", "event_kind", "channels", "digest"):
        rank = 0 if row.event_kind == kind else 1
        if row.user_id in best and best[row.user_id][0] <= rank:
            continue
        best[row.user_id] = (rank, Choice(_normalised(row.channels or []), row.digest))
    out: dict[int | None, Choice] = {uid: choice for uid, (_rank, choice) in best.items()}
    out.setdefault(None, NOTHING)
    forced = MANDATORY_CHANNELS.get(kind)
    if forced:
        out = {uid: Choice(_normalised((*c.channels, *forced)), digest=False) for uid, c in out.items()}
    return out


def user_preferences(*, user: Any) -> list[dict[str, Any]]:
    """Every kind of event with the channels in force for this user, and whether the user
    set them (``custom``) or they come from ``*`` or the site default."""
    rows = {(p.user_id, p.event_kind): p for p in Preference.objects.filter(Q(user=user) | Q(user__isnull=True))}
    out = []
    for kind in EventKind:
        # The user's row for this kind, the user's "*", the site default for the kind, its "*".
        candidates = [(user.pk, kind.value), (user.pk, "*"), (None, kind.value), (None, "*")]
        key = next((k for k in candidates if k in rows), None)
        row = rows[key] if key is not None else None
        custom = key == (user.pk, kind.value)
        choice = Choice(_normalised(row.channels or []), row.digest) if row else NOTHING
        out.append(
            {
                "event_kind": kind.value,
                "label": str(kind.label),
                "channels": [Channel.IN_APP.value, *choice.channels],
                "digest": choice.digest,
                "custom": custom,
            }
        )
    return out


def preferences_set(*, user: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace the user's own preferences with ``rows`` (``event_kind``, ``channels``, ``digest``).
    A kind left out follows the user's ``*`` row, or the site default."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Choice] = {}
    for i, row in enumerate(rows):
        kind = row.get("event_kind")
        channels = row.get("channels") or []
        if kind not in EventKind.values:
            errors[f"preferences.{i}.event_kind"] = [_("未知的事项类别：%(kind)s") % {"kind": kind}]
        elif kind in cleaned:
            errors[f"preferences.{i}.event_kind"] = [_("事项类别重复：%(kind)s") % {"kind": kind}]
        unknown = [c for c in channels if c not in Channel.values]
        if unknown:
            errors[f"preferences.{i}.channels"] = [
                _("未知的渠道：%(channels)s") % {"channels": "、".join(map(str, unknown))}
            ]
        if kind in EventKind.values:
            cleaned[kind] = Choice(_normalised(channels), bool(row.get("digest", False)))
    if errors:
        raise InvalidPayload(fields=errors)
    with transaction.atomic():
        Preference.objects.filter(user=user).exclude(event_kind__in=list(cleaned)).delete()
        for kind, choice in cleaned.items():
            Preference.objects.update_or_create(
                user=user, event_kind=kind, defaults={"channels": list(choice.channels), "digest": choice.digest}
            )
    return user_preferences(user=user)
