"""The one call that writes history, and the check that the chain is intact."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from .models import HistoryEntry, HistoryHead


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(entry: HistoryEntry) -> str:
    return _digest(
        _canonical(
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
        """The kind of break, for the check page (its Chinese text is in workflow.views)."""
        for code, start in BREAK_CODES.items():
            if self.reason.startswith(start):
                return code
        return "other"


BREAK_CODES = {
    "missing_row": "missing row",
    "prev_hash": "prev_hash does not match",
    "payload": "payload does not match",
    "hash": "row content does not match",
    "no_head": "the chain has no recorded head",
    "head": "the chain ends at seq",
    "all_missing": "every row of this item's history is missing",
}


@dataclass
class ChainStats:
    rows: int = 0
    items: int = 0


def verify_chains(batch_size: int = 2000, *, stats: ChainStats | None = None) -> Iterator[ChainBreak]:
    """Walk every item's chain in order and yield each place it is broken,
    including a chain whose newest rows were removed (it no longer ends at its head).
    `stats`, if given, counts the rows and items read."""
    stats = stats if stats is not None else ChainStats()
    heads = {(h.content_type_id, h.object_id): (h.seq, h.hash) for h in HistoryHead.objects.iterator()}
    key: tuple[int, int] | None = None
    prev_hash = ""
    expected_seq = 1
    rows = HistoryEntry.objects.order_by("content_type_id", "object_id", "seq").iterator(chunk_size=batch_size)
    for row in rows:
        stats.rows += 1
        row_key = (row.content_type_id, row.object_id)
        if row_key != key:
            stats.items += 1
            if key is not None:
                yield from _check_head(key, expected_seq - 1, prev_hash, heads)
            key, prev_hash, expected_seq = row_key, "", 1
        if row.seq != expected_seq:
            yield ChainBreak(*row_key, row.seq, f"missing row before seq {row.seq}")
        if row.prev_hash != prev_hash:
            yield ChainBreak(*row_key, row.seq, "prev_hash does not match the previous row")
        if row.payload_digest != _digest(_canonical(row.payload)):
            yield ChainBreak(*row_key, row.seq, "payload does not match its digest")
        if row.hash != entry_hash(row):
            yield ChainBreak(*row_key, row.seq, "row content does not match its hash")
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


CHAIN_CHECK_MAX_BREAKS = 500  # kept on the check's row; the count is always exact


def chain_check_request(*, user: Any, now: Any = None) -> Any:
    """Record that `user` asked for a check; the Celery task `workflow.tasks.check_history_chains`
    runs it after the transaction commits."""
    from .models import ChainCheck

    return ChainCheck.objects.create(requested_by=user, requested_at=now or timezone.now())


def chain_check_run(*, check: Any) -> Any:
    """Walk every chain (`verify_chains`) and store what was read and where it broke on `check`."""
    check.started_at = timezone.now()
    check.save(update_fields=["started_at"])
    stats = ChainStats()
    breaks: list[dict[str, Any]] = []
    count = 0
    for b in verify_chains(stats=stats):
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
    check.save(update_fields=["rows_checked", "items_checked", "breaks", "break_count", "finished_at"])
    return check
