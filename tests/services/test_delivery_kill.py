"""A worker killed (SIGKILL) after the SMTP server took an e-mail and before the row was
marked sent: the message is sent again once the lease has run out, under the same
Message-ID, and the row ends up sent once. Real processes throughout: a Celery worker
on a redis-server of the test's own, and an SMTP server (aiosmtpd) that does the killing."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from notifications.delivery import redispatch
from notifications.models import Delivery
from notifications.services import notify
from notifications.tasks import deliver
from tests.factories import draft

from .conftest import Mailbox, Worker, free_port, wait_until, web_side_broker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@dataclass
class KillingMailbox(Mailbox):
    """Kills the armed process as the SMTP conversation ends. The client says QUIT only after it
    has read our "250" to DATA: the message is accepted, and the sender is waiting for nothing
    but the answer to QUIT before it goes on to record the row as sent."""

    victim: int | None = None

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        if self.victim is not None:
            pid, self.victim = self.victim, None  # once: later senders are left alone
            os.kill(pid, signal.SIGKILL)
        return "221 Bye"

    def of(self, to: str) -> list[Any]:
        with self.lock:
            return [m for m in self.messages if str(m["To"]) == to]


@pytest.fixture
def killing_smtp() -> Iterator[tuple[KillingMailbox, int]]:
    box, port = KillingMailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def workers(own_redis, killing_smtp, tmp_path) -> Iterator[list[Worker]]:
    """Started by the test on its own redis-server (``Worker(own_redis.url, port, tmp_path)``)."""
    started: list[Worker] = []
    yield started
    for w in started:
        w.stop()  # a killed one is already gone


def test_a_worker_killed_between_the_smtp_accept_and_the_commit_resends_under_the_same_message_id(
    own_redis, killing_smtp, workers, tmp_path, people, session, category
):
    box, port = killing_smtp
    committee, alice = people["committee"], people["alice"]
    proposal = draft(alice, session, category)

    first = Worker(own_redis.url, port, tmp_path)
    workers.append(first)
    box.victim = first.proc.pid  # -P solo: the worker's main process is the one that sends
    with web_side_broker(own_redis.url):
        with transaction.atomic():
            [n] = notify(recipients=[committee], event="proposal.accept", item=proposal, actor=alice)
        d = Delivery.objects.get(notification=n)  # the task is enqueued on commit

        wait_until(lambda: first.proc.poll() is not None, what="the worker to be killed", log=first.log)
        assert first.proc.returncode == -signal.SIGKILL
        [copy] = box.of(committee.email)  # the server has it...
        d.refresh_from_db()  # ...the database does not know: pending, leased to the dead worker
        assert (d.status, d.attempts, d.sent_at) == ("pending", 1, None)
        assert d.leased_until is not None and d.next_attempt_at == d.leased_until
        expected = f"<delivery-{d.pk}.{n.pk}@jdh.example.edu.cn>"
        assert d.message_id == expected == str(copy["Message-ID"])

        # A new worker gets the task again (as a broker redelivery would) while the dead worker's
        # lease is live: it leaves the row alone. The solo worker runs its queue in order, so once
        # the e-mail to alice queued behind it has arrived, the task has run.
        second = Worker(own_redis.url, port, tmp_path)
        workers.append(second)
        deliver.delay(d.pk)
        with transaction.atomic():
            [marker] = notify(recipients=[alice], event="proposal.accept", item=proposal)
        wait_until(lambda: box.of(alice.email), what="the e-mail queued behind the task", log=second.log)
        d.refresh_from_db()
        assert (d.status, d.attempts, len(box.of(committee.email))) == ("pending", 1, 1)

        # The sweep (beat, every minute) leaves a live lease alone, and sends the row once it has
        # run out. The worker wrote the lease with its own clock; the sweep is told the time.
        assert redispatch(now=d.leased_until - timedelta(seconds=1)) == 0
        assert redispatch(now=d.leased_until) == 1
        wait_until(
            lambda: Delivery.objects.filter(pk=d.pk, status="sent").exists(), what="the resent row", log=second.log
        )

    copies = box.of(committee.email)
    assert len(copies) == 2  # at least once: the second copy is a duplicate the recipient can see as one
    assert [str(m["Message-ID"]) for m in copies] == [expected, expected]
    assert copies[0].get_content() == copies[1].get_content()
    d.refresh_from_db()
    assert (d.status, d.attempts, d.leased_until, d.next_attempt_at) == ("sent", 2, None, None)
    assert d.sent_at is not None and d.message_id == expected
    assert Delivery.objects.filter(notification=n).count() == 1
    assert Delivery.objects.get(notification=marker).status == "sent"
    assert redispatch(now=d.sent_at + timedelta(days=1)) == 0  # nothing left to send
