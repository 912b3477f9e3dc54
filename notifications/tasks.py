"""Celery tasks for delivery. Thin: they take primary keys and call one service each;
every one of them is safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

# A delivery that meets a transient database error (SQLite busy beyond its timeout, a dropped
# connection) is tried again with backoff; the row stays open whatever happens, so after the
# last retry the minute's redispatch (redispatch_due) still sends it: never dropped.
TRANSIENT: dict[str, Any] = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(acks_late=True, ignore_result=True, **TRANSIENT)
def deliver(delivery_id: int) -> None:
    from .delivery import delivery_send

    delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True, ignore_result=True, **TRANSIENT)
def deliver_digest(user_id: int, channel: str) -> None:
    from .delivery import digest_send

    digest_send(user_id=user_id, channel=channel)


@shared_task(acks_late=True, ignore_result=True)
def redispatch_due() -> None:
    from .delivery import redispatch

    redispatch(now=timezone.now())


@shared_task(acks_late=True, ignore_result=True)
def send_daily_digests() -> None:
    from .delivery import send_digests

    send_digests(now=timezone.now())
