"""The delivery lease and the fixed Message-ID: a second sender stays off a row that is being
sent, and a message sent again (its worker died before recording it, or the server dropped
the connection after taking it) carries the same Message-ID as the first time."""

from __future__ import annotations

import smtplib
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, transaction
from django.utils import timezone

from notifications import channels, delivery
from notifications.delivery import deliveries_retry, delivery_send, lease, message_id_domain, redispatch, send_digests
from notifications.models import Delivery, Preference, WebhookChannel
from notifications.services import notify
from tests.factories import draft

pytestmark = pytest.mark.django_db

MESSAGE_IDS: list[str] = []


class TakesThenDrops(LocmemBackend):
    """An SMTP server that takes the first message, then drops the connection before answering
    (the sender cannot tell it arrived); later messages are taken normally."""

    def send_messages(self, email_messages):
        for m in email_messages:
            MESSAGE_IDS.append(m.message()["Message-ID"])
        if len(MESSAGE_IDS) == 1:
            super().send_messages(email_messages)
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing after it runs, not even an except clause for Exception."""


@pytest.fixture
def proposal(people, session, category):
    return draft(people["alice"], session, category)


@pytest.fixture
def written(proposal, people):
    """``written(user)``: notify as a transition would, but leave the sending to the test (the
    task "never reached the broker")."""

    def run(*users, event="proposal.accept"):
        with mock.patch.object(delivery, "enqueue_delivery", return_value=True), transaction.atomic():
            notify(recipients=users, event=event, item=proposal, actor=people["committee"])
        return list(Delivery.objects.filter(notification__event=event).order_by("pk"))

    return run


def prefer(user, *chosen, digest=False):
    Preference.objects.update_or_create(
        user=user, event_kind="*", defaults={"channels": list(chosen), "digest": digest}
    )


def test_the_message_id_is_the_same_on_every_attempt(written, people, settings):
    settings.EMAIL_BACKEND = f"{__name__}.TakesThenDrops"
    MESSAGE_IDS.clear()
    [d] = written(people["alice"])

    assert delivery_send(delivery_id=d.pk) == "retrying"  # the server had it, but we cannot know
    d.refresh_from_db()
    assert d.next_attempt_at is not None and d.leased_until is None
    assert redispatch(now=d.next_attempt_at) == 1  # the second attempt, through the sweep

    expected = f"<delivery-{d.pk}.{d.notification_id}@jdh.example.edu.cn>"
    assert MESSAGE_IDS == [expected, expected]
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [expected, expected]
    d.refresh_from_db()
    assert (d.status, d.attempts, d.message_id) == ("sent", 2, expected)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_live_lease_keeps_a_second_worker_and_the_sweep_off(written, people, settings):
    [d] = written(people["alice"])
    later = timezone.now() + 2 * timedelta(seconds=settings.NOTIFICATIONS_REDISPATCH_AFTER)
    seen: dict[str, object] = {}

    def other_worker() -> None:
        # Another process's view: its own database connection, so it sees only what is committed.
        try:
            seen["task"] = delivery_send(delivery_id=d.pk)  # a second copy of the task
            seen["admin"] = deliveries_retry(delivery_ids=[d.pk])  # "send again": due at once
            seen["sweep"] = redispatch(now=later)  # due, long after its grace period: only the lease stops it
        finally:
            connection.close()

    real_send = channels.send

    def send_while_another_worker_tries(*args, **kwargs):
        thread = threading.Thread(target=other_worker)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive()
        return real_send(*args, **kwargs)

    with mock.patch.object(channels, "send", side_effect=send_while_another_worker_tries):
        assert delivery_send(delivery_id=d.pk) == "sent"

    assert seen == {"task": None, "admin": 1, "sweep": 0}
    assert len(mail.outbox) == 1
    d.refresh_from_db()
    assert (d.status, d.attempts, d.leased_until, d.next_attempt_at) == ("sent", 1, None, None)


@pytest.mark.parametrize("channel", ["email", "wecom"])
def test_a_sender_killed_after_the_send_is_sent_again_once_its_lease_runs_out(written, people, robots, channel):
    alice = people["alice"]
    prefer(alice, channel)
    WebhookChannel.objects.create(name="校工会企业微信群", kind="wecom", url=robots.wecom_url())
    [d] = written(alice)
    now = timezone.now()

    with mock.patch.object(delivery, "_record_sent", side_effect=WorkerKilled), pytest.raises(WorkerKilled):
        delivery_send(delivery_id=d.pk, now=now)  # the platform took it; the worker died before recording

    d.refresh_from_db()
    until = now + lease()
    assert (d.status, d.attempts, d.leased_until, d.next_attempt_at) == ("pending", 1, until, until)
    assert delivery_send(delivery_id=d.pk, now=now + timedelta(seconds=1)) is None  # a second task: leased
    assert redispatch(now=until - timedelta(seconds=1)) == 0  # the sweep, too
    with mock.patch.object(delivery, "enqueue_delivery", return_value=True):
        assert redispatch(now=until) == 1  # the lease ran out: sent again
    d.refresh_from_db()
    assert (d.status, d.leased_until) == ("pending", None)
    assert d.last_error.startswith("上次发送未完成")  # what the admin sees while it waits for its task
    assert delivery_send(delivery_id=d.pk) == "sent"  # the task, in a worker whose clock lags the sweep's

    d.refresh_from_db()
    assert (d.status, d.attempts, d.leased_until, d.next_attempt_at) == ("sent", 2, None, None)
    assert d.message_id == f"<delivery-{d.pk}.{d.notification_id}@jdh.example.edu.cn>"
    if channel == "email":
        assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [d.message_id] * 2
    else:
        # A robot's webhook takes no idempotency key: its group sees the message twice.
        assert len(robots.of("wecom")) == 2 and mail.outbox == []
    assert redispatch(now=until + timedelta(days=1)) == 0


def test_a_digest_killed_after_the_send_goes_out_again_as_the_same_message(written, people, proposal):
    alice = people["alice"]
    prefer(alice, "email", digest=True)
    first = written(alice, event="proposal.accept")
    evening = timezone.now()
    with mock.patch.object(delivery, "redispatch"):
        assert send_digests(now=evening) == 1
    with mock.patch.object(delivery, "_record_sent", side_effect=WorkerKilled), pytest.raises(WorkerKilled):
        delivery.digest_send(user_id=alice.pk, channel="email", now=evening)
    [killed] = mail.outbox
    written(alice, event="proposal.reject")  # the next one arrives meanwhile and is released too
    assert send_digests(now=evening + lease()) == 1  # also runs the sweep: the lease is over

    assert len(mail.outbox) == 3
    again, new = mail.outbox[1:]
    mid = f"<digest-{first[0].pk}.{alice.pk}@jdh.example.edu.cn>"
    assert killed.extra_headers["Message-ID"] == again.extra_headers["Message-ID"] == mid
    assert again.body == killed.body and "1 条新通知" in again.subject  # exactly what went out before
    assert new.extra_headers["Message-ID"] != mid and "未予立案" in new.body
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_the_message_id_domain_is_the_sites_host_else_the_senders_domain(settings):
    settings.SITE_URL = "https://JDH.example.edu.cn:8443/"
    assert message_id_domain() == "jdh.example.edu.cn"
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.DEFAULT_FROM_EMAIL = "教代会提案系统 <noreply@mail.example.edu.cn>"
    assert message_id_domain() == "mail.example.edu.cn"
    settings.SITE_URL = "https://教代会.example.cn"
    domain = message_id_domain()  # a Message-ID is ASCII: an internationalised name in its A-label form
    assert domain.startswith("xn--") and domain.encode().decode("idna") == "教代会.example.cn"
