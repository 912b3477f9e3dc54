"""Delivering the outbox through e-mail and group robots.

The rows are written by ``notify()`` in the caller's transaction; after the commit
one Celery task per row sends it (``delivery_send``). A task locks its row with
SKIP LOCKED and sends only while the row is still open, so running it twice, or
in two workers at once, sends once. A failure is retried with backoff; the
re-dispatch sweep (every minute) enqueues every row whose ``next_attempt_at`` has
come, which also covers tasks that never reached the broker. Rows that wait for
the daily digest are released by ``send_digests`` and sent one message per user
and channel.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from . import channels, messages
from .models import OPEN_STATUSES, Channel, Delivery, DeliveryStatus, Notification, WebhookChannel
from .preferences import choices_for

log = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd, ... failed attempt; the last step repeats.
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360, 720)
MAX_ATTEMPTS = 8
REDISPATCH_BATCH = 1000
# A request must not hang when the broker is down: try briefly, then leave it to the sweep.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def backoff(attempts: int) -> timedelta:
    step = BACKOFF_MINUTES[min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1]
    return timedelta(minutes=step)


def _grace() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATIONS_REDISPATCH_AFTER)


# Writing (inside notify's transaction) --------------------------------------------------


def deliveries_create(
    *, notifications: Sequence[Notification], recipients: dict[int, Any], kind: str, now: datetime
) -> list[Delivery]:
    """One row per notification per outside channel the recipient chose, and one task per
    row after the commit. A channel with nobody to send to is recorded as skipped."""
    if not notifications:
        return []
    choices = choices_for(user_ids=recipients.keys(), kind=kind)
    rows = []
    for n in notifications:
        user = recipients[n.recipient_id]
        choice = choices.get(user.pk) or choices[None]
        for channel in choice.channels:
            d = Delivery(
                notification=n,
                channel=channel,
                digest=choice.digest,
                next_attempt_at=None if choice.digest else now + _grace(),
            )
            if channel == Channel.EMAIL and not (user.email or "").strip():
                d.status, d.next_attempt_at, d.last_error = DeliveryStatus.SKIPPED, None, _("该用户没有电子邮件地址。")
            rows.append(d)
    created = Delivery.objects.bulk_create(rows)
    for d in created:
        if d.next_attempt_at is not None:
            # robust: a broker outage must not turn a committed transition into an error.
            transaction.on_commit(partial(enqueue_delivery, d.pk), robust=True)
    return created


# Sending (in the Celery tasks) ----------------------------------------------------------


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str | None:
    """Send one delivery if it is still open; return its new status, or None when there was
    nothing to do (already sent, or another worker has it)."""
    with transaction.atomic():
        d = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__recipient__profile")
            .filter(pk=delivery_id, digest=False, status__in=OPEN_STATUSES)
            .first()
        )
        if d is None:
            return None
        user = d.notification.recipient
        _attempt([d], user, messages.single(d.notification, user), now or timezone.now())
        return d.status


def digest_send(*, user_id: int, channel: str, now: datetime | None = None) -> int:
    """Send the user's released digest rows for one channel as one message; return how many."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification")
            .filter(
                notification__recipient_id=user_id,
                channel=channel,
                digest=True,
                status__in=OPEN_STATUSES,
                next_attempt_at__isnull=False,
            )
            .order_by("notification__created_at", "pk")
        )
        if not rows:
            return 0
        user = get_user_model().objects.select_related("profile").get(pk=user_id)
        _attempt(rows, user, messages.digest([d.notification for d in rows], user, now), now)
        return len(rows)


def robot_for(user: Any, kind: str) -> WebhookChannel | None:
    """The active robot of the user's department, else the global one (no department)."""
    try:
        department_id = user.profile.department_id
    except AttributeError:
        department_id = None
    scope = Q(department__isnull=True)
    if department_id is not None:
        scope |= Q(department_id=department_id)
    return (
        WebhookChannel.objects.filter(scope, kind=kind, is_active=True)
        .order_by(F("department_id").asc(nulls_last=True), "pk")
        .first()
    )


def _attempt(rows: list[Delivery], user: Any, message: messages.Message, now: datetime) -> None:
    """Send ``message`` once for ``rows`` (one row, or a digest's rows) and record the outcome."""
    channel = rows[0].channel
    webhook = robot_for(user, channel) if channel in (Channel.WECOM, Channel.DINGTALK) else None
    try:
        channels.send(channel, message, user, webhook)
    except channels.Skip as exc:
        _record(rows, status=DeliveryStatus.SKIPPED, error=str(exc), webhook=webhook)
    except Exception as exc:
        if isinstance(exc, channels.SendError):
            reason = str(exc)
        else:  # SMTP errors, a refused connection, or a bug: keep the row and say what happened
            log.warning("delivery of %s failed", [d.pk for d in rows], exc_info=True)
            reason = f"{type(exc).__name__}: {exc}"
        _record_failure(rows, reason=reason, webhook=webhook, now=now)
        if isinstance(exc, channels.WebhookError) and webhook is not None:
            WebhookChannel.objects.filter(pk=webhook.pk).update(
                failing_since=Coalesce(F("failing_since"), Value(now)), last_error=reason
            )
    else:
        for d in rows:
            d.sent_at = now
        _record(rows, status=DeliveryStatus.SENT, error="", webhook=webhook)
        if webhook is not None:
            WebhookChannel.objects.filter(pk=webhook.pk, failing_since__isnull=False).update(
                failing_since=None, last_error=""
            )


_FIELDS = ["status", "attempts", "next_attempt_at", "last_error", "webhook", "sent_at"]


def _record(rows: list[Delivery], *, status: str, error: str, webhook: WebhookChannel | None) -> None:
    for d in rows:
        d.status, d.next_attempt_at, d.last_error, d.webhook = status, None, error, webhook
        if status == DeliveryStatus.SENT:
            d.attempts += 1
    Delivery.objects.bulk_update(rows, _FIELDS)


def _record_failure(rows: list[Delivery], *, reason: str, webhook: WebhookChannel | None, now: datetime) -> None:
    for d in rows:
        d.attempts += 1
        d.last_error, d.webhook = reason[:2000], webhook
        if d.attempts >= MAX_ATTEMPTS:
            d.status, d.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            d.status, d.next_attempt_at = DeliveryStatus.RETRYING, now + backoff(d.attempts)
    Delivery.objects.bulk_update(rows, _FIELDS)


# Sweeps (beat) and the admin's retry -----------------------------------------------------


def redispatch(*, now: datetime) -> int:
    """Enqueue every delivery whose time has come: retries after their backoff, and rows
    whose task never ran (the broker was down at commit, or a worker died). Each row is
    leased for the grace period so the next sweep does not enqueue it again while its
    task waits in the queue. Returns how many tasks were enqueued."""
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(next_attempt_at__lte=now, status__in=OPEN_STATUSES)
            .order_by("next_attempt_at")
            .values_list("pk", "digest", "notification__recipient_id", "channel")[:REDISPATCH_BATCH]
        )
        if not due:
            return 0
        Delivery.objects.filter(pk__in=[row[0] for row in due]).update(next_attempt_at=now + _grace())
    singles = [pk for pk, digest, _user, _channel in due if not digest]
    digests = sorted({(user_id, channel) for _pk, digest, user_id, channel in due if digest})
    sent = 0
    for pk in singles:
        if not enqueue_delivery(pk):
            return sent  # the broker is down; the lease runs out and the next sweep tries again
        sent += 1
    for user_id, channel in digests:
        if not enqueue_digest(user_id, channel):
            return sent
        sent += 1
    return sent


def send_digests(*, now: datetime) -> int:
    """Release every row held for the digest up to ``now`` and enqueue one digest per user and
    channel. Returns how many rows were released."""
    released = Delivery.objects.filter(
        digest=True, status=DeliveryStatus.PENDING, next_attempt_at__isnull=True, created_at__lte=now
    ).update(next_attempt_at=now)
    if released:
        redispatch(now=now)
    return released


def deliveries_retry(*, delivery_ids: Iterable[int], now: datetime | None = None) -> int:
    """The admin's "send again": failed and skipped rows become due now (a permanently failed
    row gets one more attempt). Returns how many rows were reopened."""
    now = now or timezone.now()
    reopened = (
        Delivery.objects.filter(pk__in=list(delivery_ids))
        .exclude(status=DeliveryStatus.SENT)
        .update(
            status=Case(
                When(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SKIPPED], then=Value(DeliveryStatus.PENDING)),
                default=Value(DeliveryStatus.RETRYING),
            ),
            next_attempt_at=now,
        )
    )
    if reopened:
        transaction.on_commit(partial(redispatch, now=now), robust=True)
    return reopened


def webhook_channels_retry(*, channel_ids: Iterable[int], now: datetime | None = None) -> int:
    """After fixing a robot: send again everything that failed through it."""
    ids = Delivery.objects.filter(
        webhook_id__in=list(channel_ids), status__in=[DeliveryStatus.RETRYING, DeliveryStatus.FAILED]
    ).values_list("pk", flat=True)
    return deliveries_retry(delivery_ids=list(ids), now=now)


# Enqueueing -------------------------------------------------------------------------------


def enqueue_delivery(delivery_id: int) -> bool:
    from .tasks import deliver

    return _publish(deliver, delivery_id)


def enqueue_digest(user_id: int, channel: str) -> bool:
    from .tasks import deliver_digest

    return _publish(deliver_digest, user_id, channel)


def _publish(task: Any, *args: Any) -> bool:
    """Send a task to the broker; False (logged, not raised) when the broker cannot be reached.
    The row stays due, so the re-dispatch sweep sends it once the broker is back."""
    try:
        task.apply_async(args, retry=True, retry_policy=PUBLISH_RETRY)
    except Exception:
        log.warning("could not enqueue %s%r; the re-dispatch sweep will", task.name, args, exc_info=True)
        return False
    return True
