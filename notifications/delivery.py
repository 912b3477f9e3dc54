"""Delivering the outbox through e-mail and group robots.

The rows are written by ``notify()`` in the caller's transaction; after the commit
one Celery task per row sends it (``delivery_send``). Sending is three steps, none of
them inside a long transaction:

1. claim: a short transaction locks the row (SKIP LOCKED), checks it is still open
   and not leased, and sets ``leased_until``; the lease is committed before anything
   leaves the building, so another worker, a second copy of the task or the sweep
   leaves the row alone while it is live;
2. send, with the row's fixed Message-ID (chosen on the first claim, kept for ever);
3. record the outcome right after, in its own short transaction.

A worker killed between 2 and 3 leaves a sent message on an open row: once the lease
has run out the sweep sends it again, under the same Message-ID. So delivery is at
least once, never lost, and an e-mail's duplicate is recognisable by its Message-ID.

A failure is retried with backoff; the re-dispatch sweep (every minute) enqueues every
row whose ``next_attempt_at`` has come and whose lease is not live, which also covers
tasks that never reached the broker and workers that died. Rows that wait for the
daily digest are released by ``send_digests`` and sent one message per user and
channel.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import partial
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

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


def lease() -> timedelta:
    """How long a claimed row belongs to the worker that claimed it. It must outlast one send,
    or a slow send is sent a second time (under the same Message-ID): an SMTP conversation is
    a few round trips, each bounded by EMAIL_TIMEOUT, a robot POST one bounded by
    WEBHOOK_TIMEOUT. It is also how long a message waits after its worker died mid-send."""
    return timedelta(seconds=max(300, 6 * settings.EMAIL_TIMEOUT, 3 * settings.WEBHOOK_TIMEOUT))


def _interrupted() -> str:
    return _(
        "上次发送未完成（工作进程在记录结果前退出），将重新发送；如上次已发出，"
        "收件人会收到两份相同的消息（邮件的 Message-ID 相同）。"
    )


def _free(now: datetime) -> Q:
    """Rows nobody is sending: never claimed, or the claim has run out (its worker died)."""
    return Q(leased_until__isnull=True) | Q(leased_until__lte=now)


# Message-IDs ----------------------------------------------------------------------------


def message_id_domain() -> str:
    """The right-hand side of our Message-IDs: the site's host name, else the sender address's
    domain (an IP address is no domain name: a development SITE_URL)."""
    host = urlsplit(settings.SITE_URL).hostname or ""
    try:
        ip_address(host)
        host = ""
    except ValueError:
        pass
    if not host:
        host = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    try:
        return host.encode("idna").decode("ascii") or "localhost"
    except UnicodeError:
        return "localhost"


def single_message_id(d: Delivery) -> str:
    return f"<delivery-{d.pk}.{d.notification_id}@{message_id_domain()}>"


def digest_message_id(first: Delivery, user_id: int) -> str:
    return f"<digest-{first.pk}.{user_id}@{message_id_domain()}>"


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
    """Send one delivery if it is still open and nobody else is sending it; return its new
    status, or None when there was nothing to do (already sent, or another worker has it)."""
    now = now or timezone.now()
    with transaction.atomic():
        d = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__recipient__profile")
            .filter(_free(now), pk=delivery_id, digest=False, status__in=OPEN_STATUSES)
            .first()
        )
        if d is None:
            return None
        d.message_id = d.message_id or single_message_id(d)
        _claim([d], now)
    user = d.notification.recipient
    _attempt([d], user, messages.single(d.notification, user), now)
    return d.status


def digest_send(*, user_id: int, channel: str, now: datetime | None = None) -> int:
    """Send the user's released digest rows for one channel; return how many rows were sent
    (or tried). Usually one message; rows already tried under a Message-ID go out again as
    exactly that message, and rows released since then in a message of their own."""
    now = now or timezone.now()
    done: list[int] = []
    while batch := _claim_digest(user_id=user_id, channel=channel, now=now, exclude=done):
        done += [d.pk for d in batch]
        user = get_user_model().objects.select_related("profile").get(pk=user_id)
        _attempt(batch, user, messages.digest([d.notification for d in batch], user, now), now)
    return len(done)


def _claim_digest(*, user_id: int, channel: str, now: datetime, exclude: list[int]) -> list[Delivery]:
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification")
            .filter(
                _free(now),
                notification__recipient_id=user_id,
                channel=channel,
                digest=True,
                status__in=OPEN_STATUSES,
                next_attempt_at__isnull=False,
            )
            .exclude(pk__in=exclude)
            .order_by("notification__created_at", "pk")
        )
        if not rows:
            return []
        # One Message-ID is one content: a digest that may have gone out is sent again with
        # exactly its rows, never with rows added since (a recipient dropping the "duplicate"
        # would lose them).
        batch = [d for d in rows if d.message_id == rows[0].message_id]
        if not rows[0].message_id:
            mid = digest_message_id(batch[0], user_id)
            for d in batch:
                d.message_id = mid
        _claim(batch, now)
        return batch


def _claim(rows: list[Delivery], now: datetime) -> None:
    """Lease the locked rows (inside the caller's short transaction, committed before the send)."""
    until = now + lease()
    for d in rows:
        d.leased_until = until
        # Should the sender die, the sweep finds the row again as soon as the lease is over.
        d.next_attempt_at = until
        # Counted when claimed, not when the outcome is known: an attempt its worker did not
        # survive is an attempt too.
        d.attempts += 1
    Delivery.objects.bulk_update(rows, ["leased_until", "next_attempt_at", "attempts", "message_id"])


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
    """Send ``message`` once for the claimed ``rows`` (one row, or a digest's rows), outside any
    transaction, and record the outcome right after in a short one of its own."""
    channel = rows[0].channel
    webhook = robot_for(user, channel) if channel in (Channel.WECOM, Channel.DINGTALK) else None
    try:
        channels.send(channel, message, user, webhook, message_id=rows[0].message_id)
    except channels.Skip as exc:
        with transaction.atomic():
            _record_end(rows, status=DeliveryStatus.SKIPPED, error=str(exc), webhook=webhook)
    except Exception as exc:
        if isinstance(exc, channels.SendError):
            reason = str(exc)
        else:  # SMTP errors, a refused connection, or a bug: keep the row and say what happened
            log.warning("delivery of %s failed", [d.pk for d in rows], exc_info=True)
            reason = f"{type(exc).__name__}: {exc}"
        with transaction.atomic():
            _record_failure(rows, reason=reason, webhook=webhook, now=now)
            if isinstance(exc, channels.WebhookError) and webhook is not None:
                WebhookChannel.objects.filter(pk=webhook.pk).update(
                    failing_since=Coalesce(F("failing_since"), Value(now)), last_error=reason
                )
    else:
        with transaction.atomic():
            _record_sent(rows, webhook=webhook, now=now)
            if webhook is not None:
                WebhookChannel.objects.filter(pk=webhook.pk, failing_since__isnull=False).update(
                    failing_since=None, last_error=""
                )


def _record_sent(rows: list[Delivery], *, webhook: WebhookChannel | None, now: datetime) -> None:
    """Whatever became of the lease meanwhile: the platform took the message, so the row is sent
    (once: a row some other attempt already marked sent keeps its first sent_at)."""
    for d in rows:
        d.status, d.sent_at = DeliveryStatus.SENT, d.sent_at or now
        d.next_attempt_at, d.leased_until, d.last_error, d.webhook = None, None, "", webhook
    Delivery.objects.filter(pk__in=[d.pk for d in rows]).exclude(status=DeliveryStatus.SENT).update(
        status=DeliveryStatus.SENT, next_attempt_at=None, leased_until=None, last_error="", webhook=webhook, sent_at=now
    )


_FIELDS = ["status", "next_attempt_at", "leased_until", "last_error", "webhook"]


def _still_ours(rows: list[Delivery]) -> list[Delivery]:
    """The rows whose lease is still the one we took: a send that outlived its lease must not
    overwrite what the worker that took over has recorded (or is about to)."""
    ours = set(
        Delivery.objects.select_for_update(of=("self",))
        .filter(status__in=OPEN_STATUSES)
        .filter(Q(*[Q(pk=d.pk, leased_until=d.leased_until) for d in rows], _connector=Q.OR))
        .values_list("pk", flat=True)
    )
    return [d for d in rows if d.pk in ours]


def _record_end(rows: list[Delivery], *, status: str, error: str, webhook: WebhookChannel | None) -> None:
    rows = _still_ours(rows)
    for d in rows:
        d.status, d.next_attempt_at, d.leased_until, d.last_error, d.webhook = status, None, None, error, webhook
    Delivery.objects.bulk_update(rows, _FIELDS)


def _record_failure(rows: list[Delivery], *, reason: str, webhook: WebhookChannel | None, now: datetime) -> None:
    rows = _still_ours(rows)
    for d in rows:
        d.leased_until, d.last_error, d.webhook = None, reason[:2000], webhook
        if d.attempts >= MAX_ATTEMPTS:
            d.status, d.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            d.status, d.next_attempt_at = DeliveryStatus.RETRYING, now + backoff(d.attempts)
    Delivery.objects.bulk_update(rows, _FIELDS)


# Sweeps (beat) and the admin's retry -----------------------------------------------------


def redispatch(*, now: datetime) -> int:
    """Enqueue every delivery whose time has come: retries after their backoff, rows whose
    task never ran (the broker was down at commit), and rows whose sender died mid-send
    (the lease has run out). A row with a live lease is being sent and is left alone.
    Each row enqueued is put off for the grace period so the next sweep does not enqueue
    it again while its task waits in the queue. Returns how many tasks were enqueued."""
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_free(now), next_attempt_at__lte=now, status__in=OPEN_STATUSES)
            .order_by("next_attempt_at")
            .values_list("pk", "digest", "notification__recipient_id", "channel", "leased_until")[:REDISPATCH_BATCH]
        )
        if not due:
            return 0
        # A run-out lease is released here, by the sweep's clock: the worker that gets the task
        # then claims the row even if its own clock lags behind ours.
        Delivery.objects.filter(pk__in=[row[0] for row in due]).update(
            next_attempt_at=now + _grace(), leased_until=None
        )
        # A lease that ran out without an outcome: its worker died mid-send. Say so while the
        # row waits, since the recipient may have the message already.
        interrupted = [row[0] for row in due if row[4] is not None]
        if interrupted:
            Delivery.objects.filter(pk__in=interrupted).update(last_error=_interrupted())
    singles = [pk for pk, digest, _user, _channel, _lease in due if not digest]
    digests = sorted({(user_id, channel) for _pk, digest, user_id, channel, _lease in due if digest})
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
