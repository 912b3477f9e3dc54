"""The one call that writes history, the check that the chain is intact, and the nightly seals.

Each row's hash covers its content and the previous row's hash. Since migration 0008 it is an
HMAC-SHA256 with settings.HISTORY_HMAC_KEY, so someone who can write to the database but has
not got the key cannot rewrite a row and reseal the rest of the chain: the keyed hashes would
not match. Rows written before were hashed with plain sha256 and keep it (`HistoryEntry.scheme`);
such a row is accepted only where it cannot be a keyed row rewritten as an unkeyed one: before
any keyed row of its chain, and written before the end of the first nightly seal (ChainSeal),
which covers it with the key. Until that first seal, a chain made only of unkeyed rows (an item
with no history since the upgrade, or one rewritten whole) cannot be told from an old one.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import ChainSeal, HashScheme, HistoryEntry, HistoryHead

# The key a laptop runs with when HISTORY_HMAC_KEY is not set (`make run` with no configuration).
# It is in the source, so it protects nothing: `manage.py check --deploy` reports an error
# (workflow.checks) when DEBUG is off and this is the key. Never change it: development
# databases' rows are keyed with it.
DEVELOPMENT_HMAC_KEY = "development-only-history-hmac-key-not-secret"


def hmac_key() -> bytes:
    return (settings.HISTORY_HMAC_KEY or DEVELOPMENT_HMAC_KEY).encode("utf-8")


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _keyed(text: str) -> str:
    return hmac.new(hmac_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()


def entry_hash(entry: HistoryEntry, scheme: str | None = None) -> str:
    """The row's hash under `scheme` (by default the row's own). An unknown scheme gives ""
    (which no stored hash equals)."""
    scheme = scheme or entry.scheme
    if scheme == HashScheme.HMAC_SHA256:
        return _keyed(_entry_text(entry))
    if scheme == HashScheme.SHA256:
        return _digest(_entry_text(entry))
    return ""


def _entry_text(entry: HistoryEntry) -> str:
    return _canonical(
        {
            "prev": entry.prev_hash,
            "ct": entry.content_type_id,
            "obj": entry.object_id,
            "seq": entry.seq,
            # UTC, as the database gives it back, whatever offset the caller used.
            "at": entry.at.astimezone(UTC).isoformat(),
            "actor": entry.actor_id,
            "action": entry.action,
            "transition": entry.transition,
            "from": entry.from_state,
            "to": entry.to_state,
            "comment": entry.comment,
            "payload": entry.payload_digest,
        }
    )


def record(
    item: models.Model,
    action: str,
    actor: Any,
    payload: dict[str, Any] | None = None,
    *,
    transition: str = "",
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    now: Any = None,
) -> HistoryEntry:
    """Append one row to the item's chain. Call inside the transaction that made the
    change, after the item row is locked, so two writers can't take the same seq."""
    ct = ContentType.objects.get_for_model(item, for_concrete_model=False)
    last = HistoryEntry.objects.filter(content_type=ct, object_id=item.pk).order_by("-seq").only("seq", "hash").first()
    payload_json = json.loads(_canonical(payload or {}))
    entry = HistoryEntry(
        content_type=ct,
        object_id=item.pk,
        seq=(last.seq + 1) if last else 1,
        at=now or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        payload=payload_json,
        payload_digest=_digest(_canonical(payload_json)),
        prev_hash=last.hash if last else "",
        scheme=HashScheme.HMAC_SHA256,  # always keyed; only rows from before 0008 are not
    )
    entry.hash = entry_hash(entry)
    entry.save()
    HistoryHead.objects.update_or_create(
        content_type=ct, object_id=item.pk, defaults={"seq": entry.seq, "hash": entry.hash}
    )
    return entry


@dataclass(frozen=True)
class ChainBreak:
    content_type_id: int
    object_id: int
    seq: int
    reason: str

    @property
    def code(self) -> str:
        """The kind of break, for the check page (its Chinese text is BREAK_LABELS)."""
        for code, start in BREAK_CODES.items():
            if self.reason.startswith(start):
                return code
        return "other"


BREAK_CODES = {
    "missing_row": "missing row",
    "prev_hash": "prev_hash does not match",
    "payload": "payload does not match",
    "hash": "row content does not match",
    "scheme": "unkeyed row",
    "no_head": "the chain has no recorded head",
    "head": "the chain ends at seq",
    "all_missing": "every row of this item's history is missing",
    "seal": "the seal of",
}

BREAK_LABELS = {
    "missing_row": gettext_lazy("缺少前一条记录（记录被删除）"),
    "prev_hash": gettext_lazy("与前一条记录的哈希不符（前一条被改动或删除）"),
    "payload": gettext_lazy("记录内容与其摘要不符（内容被改动）"),
    "hash": gettext_lazy("记录与其哈希不符（记录被改动）"),
    "scheme": gettext_lazy("启用密钥后出现未加密钥的记录（记录被改写）"),
    "no_head": gettext_lazy("该事项的记录链没有链头"),
    "head": gettext_lazy("记录链未止于链头（最新的记录被删除）"),
    "all_missing": gettext_lazy("该事项的全部流转记录均已丢失"),
    "seal": gettext_lazy("与当日发布的封存值不符（封存后记录被改写）"),
    "other": gettext_lazy("记录链断裂"),
}


@dataclass
class ChainStats:
    rows: int = 0
    items: int = 0


def verify_chains(batch_size: int = 2000, *, stats: ChainStats | None = None) -> Iterator[ChainBreak]:
    """Walk every item's chain in order and yield each place it is broken,
    including a chain whose newest rows were removed (it no longer ends at its head).
    `stats`, if given, counts the rows and items read.

    Each row is checked under its own scheme. An unkeyed (legacy) row is a break where it
    cannot be one of the rows that were there before the chain was keyed: after a keyed row
    of its chain, or written after the end of the first seal (every seal is keyed, so moving
    such a row back into a sealed day breaks that day's seal instead)."""
    stats = stats if stats is not None else ChainStats()
    heads = {(h.content_type_id, h.object_id): (h.seq, h.hash) for h in HistoryHead.objects.iterator()}
    keyed_from = ChainSeal.objects.order_by("until").values_list("until", flat=True).first()
    key: tuple[int, int] | None = None
    prev_hash = ""
    expected_seq = 1
    keyed_seen = False
    rows = HistoryEntry.objects.order_by("content_type_id", "object_id", "seq").iterator(chunk_size=batch_size)
    for row in rows:
        stats.rows += 1
        row_key = (row.content_type_id, row.object_id)
        if row_key != key:
            stats.items += 1
            if key is not None:
                yield from _check_head(key, expected_seq - 1, prev_hash, heads)
            key, prev_hash, expected_seq, keyed_seen = row_key, "", 1, False
        if row.seq != expected_seq:
            yield ChainBreak(*row_key, row.seq, f"missing row before seq {row.seq}")
        if row.prev_hash != prev_hash:
            yield ChainBreak(*row_key, row.seq, "prev_hash does not match the previous row")
        if row.payload_digest != _digest(_canonical(row.payload)):
            yield ChainBreak(*row_key, row.seq, "payload does not match its digest")
        if row.hash != entry_hash(row):
            yield ChainBreak(*row_key, row.seq, "row content does not match its hash")
        if row.scheme == HashScheme.SHA256:
            if keyed_seen:
                yield ChainBreak(*row_key, row.seq, "unkeyed row after a keyed row of its chain")
            elif keyed_from is not None and row.at >= keyed_from:
                yield ChainBreak(*row_key, row.seq, "unkeyed row written after the first seal")
        else:
            keyed_seen = True
        prev_hash, expected_seq = row.hash, row.seq + 1
    if key is not None:
        yield from _check_head(key, expected_seq - 1, prev_hash, heads)
    for lost in heads:
        yield ChainBreak(*lost, heads[lost][0], "every row of this item's history is missing")


def _check_head(
    key: tuple[int, int], last_seq: int, last_hash: str, heads: dict[tuple[int, int], tuple[int, str]]
) -> Iterator[ChainBreak]:
    head = heads.pop(key, None)
    if head is None:
        yield ChainBreak(*key, last_seq, "the chain has no recorded head")
    elif head != (last_seq, last_hash):
        yield ChainBreak(*key, last_seq, f"the chain ends at seq {last_seq} but its head is seq {head[0]}")


# Seals -------------------------------------------------------------------------------------


def _seal_rows(since: datetime | None, until: datetime) -> Iterator[tuple[str, str]]:
    """The (scheme, hash) of every history row written in [since, until), in a fixed order."""
    rows = HistoryEntry.objects.filter(at__lt=until)
    if since is not None:
        rows = rows.filter(at__gte=since)
    return rows.order_by("at", "id").values_list("scheme", "hash").iterator(chunk_size=2000)


def seal_digest(
    *, prev: str, date: Any, since: datetime | None, until: datetime, rows: Iterable[tuple[str, str]]
) -> tuple[int, str]:
    """How many rows, and the HMAC over the previous seal's digest, the period and the rows'
    hashes (each of which covers its row and, through prev_hash, its chain)."""
    mac = hmac.new(hmac_key(), digestmod=hashlib.sha256)
    header = {
        "prev": prev,
        "date": date.isoformat(),
        "since": since.astimezone(UTC).isoformat() if since else None,
        "until": until.astimezone(UTC).isoformat(),
    }
    mac.update(_canonical(header).encode("utf-8"))
    count = 0
    for scheme, row_hash in rows:
        mac.update(f"\n{scheme}:{row_hash}".encode())
        count += 1
    return count, mac.hexdigest()


def chain_seal_day(*, now: datetime | None = None) -> ChainSeal | None:
    """Seal yesterday (local time): every row written since the previous seal (or ever, for the
    first) up to today's midnight. Nothing when yesterday is already sealed."""
    now = now or timezone.now()
    tz = timezone.get_default_timezone()  # the university's day, whatever a request activated
    day = timezone.localdate(now, tz) - timedelta(days=1)
    until = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)
    last = ChainSeal.objects.order_by("-until").first()
    if last is not None and last.date >= day:
        return None
    since = last.until if last is not None else None
    rows, digest = seal_digest(
        prev=last.digest if last else "", date=day, since=since, until=until, rows=_seal_rows(since, until)
    )
    try:
        with transaction.atomic():
            return ChainSeal.objects.create(
                date=day, since=since, until=until, rows=rows, digest=digest, sealed_at=timezone.now()
            )
    except IntegrityError:  # a redelivered or overlapping run sealed the day first
        return None


def verify_seals() -> Iterator[ChainBreak]:
    """Recompute every stored seal from the rows as they are now and yield each one that differs,
    or that does not start where the previous one ended (a seal was removed)."""
    ct = ContentType.objects.get_for_model(ChainSeal)
    prev: ChainSeal | None = None
    for seal in ChainSeal.objects.order_by("until"):
        day = seal.date.isoformat()
        if seal.since != (prev.until if prev else None):
            yield ChainBreak(ct.pk, seal.pk, 0, f"the seal of {day} does not start where the previous seal ends")
        rows, digest = seal_digest(
            prev=prev.digest if prev else "",
            date=seal.date,
            since=seal.since,
            until=seal.until,
            rows=_seal_rows(seal.since, seal.until),
        )
        if (rows, digest) != (seal.rows, seal.digest):
            yield ChainBreak(
                ct.pk, seal.pk, 0, f"the seal of {day} does not match the rows as they are now ({rows} vs {seal.rows})"
            )
        prev = seal


# The check ---------------------------------------------------------------------------------

CHAIN_CHECK_MAX_BREAKS = 500  # kept on the check's row; the count is always exact
CHAIN_BROKEN_EVENT = "history.chain_broken"
# Its own kind of event: notifications.preferences sends it by e-mail whatever anyone chose.
CHAIN_BROKEN_EVENT_KIND = "history"


def chain_check_request(*, user: Any, now: Any = None) -> Any:
    """Record that `user` asked for a check; the Celery task `workflow.tasks.check_history_chains`
    runs it after the transaction commits."""
    from .models import ChainCheck

    return ChainCheck.objects.create(requested_by=user, requested_at=now or timezone.now())


def chain_check_run(*, check: Any) -> Any:
    """Walk every chain (`verify_chains`) and recompute every seal (`verify_seals`), store what
    was read and where it broke on `check`, and alert the admins and auditors when it broke."""
    check.started_at = timezone.now()
    check.save(update_fields=["started_at"])
    stats = ChainStats()
    breaks: list[dict[str, Any]] = []
    count = 0
    for b in itertools.chain(verify_chains(stats=stats), verify_seals()):
        count += 1
        if len(breaks) < CHAIN_CHECK_MAX_BREAKS:
            breaks.append(
                {
                    "content_type_id": b.content_type_id,
                    "object_id": b.object_id,
                    "seq": b.seq,
                    "code": b.code,
                    "detail": b.reason,
                }
            )
    check.rows_checked, check.items_checked = stats.rows, stats.items
    check.breaks, check.break_count = breaks, count
    check.finished_at = timezone.now()
    with transaction.atomic():
        check.save(update_fields=["rows_checked", "items_checked", "breaks", "break_count", "finished_at"])
        if count:
            chain_check_alert(check=check)
    return check


def chain_check_alert(*, check: Any) -> list[Any]:
    """Tell every admin (superusers and the admin role) and every auditor that the check found
    the history broken: in the app and, whatever their preferences, by e-mail at once."""
    from django.contrib.auth import get_user_model

    from notifications.services import notify
    from org.models import Role
    from org.roles import users_with_role

    superusers = get_user_model().objects.filter(is_superuser=True, is_active=True)
    recipients = [*superusers, *users_with_role(Role.ADMIN), *users_with_role(Role.AUDITOR)]
    return notify(recipients=recipients, event=CHAIN_BROKEN_EVENT, item=check, kind=CHAIN_BROKEN_EVENT_KIND)


def break_text(b: dict[str, Any], count: int) -> str:
    """Where a check's first break is, in words: the item and the row, or the seal's day."""
    ct = ContentType.objects.get_for_id(b["content_type_id"])
    model = ct.model_class()
    problem = BREAK_LABELS.get(b["code"], BREAK_LABELS["other"])
    if model is ChainSeal:
        seal = ChainSeal.objects.filter(pk=b["object_id"]).first()
        first = _("第一处断点：%(date)s 的流转记录%(problem)s。") % {
            "date": seal.date.isoformat() if seal else f"#{b['object_id']}",
            "problem": problem,
        }
    else:
        kind = model._meta.verbose_name if model is not None else ct.model
        first = _("第一处断点：%(kind)s #%(id)s 的第 %(seq)s 条流转记录，%(problem)s。") % {
            "kind": kind,
            "id": b["object_id"],
            "seq": b["seq"],
            "problem": problem,
        }
    total = ngettext(
        "共发现 %(count)d 处断点，请到流转记录校验页面核查。",
        "共发现 %(count)d 处断点，请到流转记录校验页面核查。",
        count,
    ) % {"count": count}
    return f"{first}{total}"
