from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .delivery import deliveries_create
from .models import Notification
from .preferences import event_kind
from .texts import event_body, event_title


def notify(
    *, recipients: Iterable[Any], event: str, item: models.Model, actor: Any = None, kind: str | None = None
) -> list[Notification]:
    """Write one outbox row per recipient (never to the actor themself), and a delivery row
    for each outside channel the recipient chose for this kind of event (by default the
    event's prefix: ``proposal``, ``assignment``, ``reminder``). Call it inside the
    transaction that makes the change: the deliveries are enqueued after the commit."""
    seen: set[int] = set()
    users: dict[int, Any] = {}
    ct = ContentType.objects.get_for_model(item, for_concrete_model=False)
    link = item.get_absolute_url() if hasattr(item, "get_absolute_url") else ""
    title, body = event_title(event, item), event_body(event, item)  # the same for every recipient
    rows = []
    for user in recipients:
        if user is None or user.pk in seen or (actor is not None and user.pk == getattr(actor, "pk", None)):
            continue
        seen.add(user.pk)
        users[user.pk] = user
        rows.append(
            Notification(
                recipient=user,
                event=event,
                content_type=ct,
                object_id=item.pk,
                title=title,
                body=body,
                link=link,
            )
        )
    created = Notification.objects.bulk_create(rows)
    deliveries_create(notifications=created, recipients=users, kind=kind or event_kind(event), now=timezone.now())
    return created


def notification_mark_read(*, user: Any, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, all) of the user's notifications read."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


__all__ = ["notification_mark_read", "notify", "unread_count"]
