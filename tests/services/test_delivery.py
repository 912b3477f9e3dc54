"""Delivery end to end: transitions commit in this process, a real Celery worker on Redis
sends the e-mails to a real SMTP server and the robot messages to a local HTTP server;
the broker is stopped while transitions commit, and nothing is lost or sent twice."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.delivery import redispatch, webhook_channels_retry
from notifications.models import OPEN_STATUSES, Delivery, Notification, Preference, WebhookChannel
from notifications.services import notify
from notifications.tasks import deliver
from tests.notifications.world import submit

from .conftest import SITE_URL, wait_until, web_side_broker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def settled() -> bool:
    return not Delivery.objects.filter(status__in=OPEN_STATUSES).exists()


def expected_mail() -> list[tuple[str, str]]:
    """(to, subject) for every e-mail delivery: each notification's once."""
    rows = Delivery.objects.filter(channel="email").exclude(status="skipped")
    return sorted(rows.values_list("notification__recipient__email", "notification__title"))


def robots_for_everyone(robots) -> tuple[WebhookChannel, WebhookChannel]:
    wecom = WebhookChannel.objects.create(name="校工会企业微信群", kind="wecom", url=robots.wecom_url())
    dingtalk = WebhookChannel.objects.create(
        name="校工会钉钉群", kind="dingtalk", url=robots.dingtalk_url(), secret=robots.dingtalk_secret
    )
    return wecom, dingtalk


def test_a_transition_reaches_email_wecom_and_dingtalk_through_the_worker(
    worker, mailbox, robots, people, session, category
):
    robots_for_everyone(robots)
    Preference.objects.create(user=people["committee"], channels=["email", "wecom", "dingtalk"])
    bob = people["bob"]
    bob.email = ""  # bob is invited to co-sign but has no e-mail address
    bob.save()

    p = submit(people, session, category)  # invites bob and carol, tells alice of each co-signature, then the committee

    wait_until(settled, what="every delivery to be sent", log=worker.log)
    assert mailbox.received() == expected_mail()
    assert ("committee@example.edu.cn", "提案《食堂晚餐供应时间延长》已提交，待审查") in mailbox.received()
    assert len(mailbox) == 4  # carol, alice twice, the committee
    [wecom] = robots.of("wecom")
    [dingtalk] = robots.of("dingtalk")  # the server checked DingTalk's signature
    link = f"{SITE_URL}/proposals/{p.pk}/"
    assert "**陈静**" in wecom.body["markdown"]["content"] and link in wecom.body["markdown"]["content"]
    assert "**陈静**" in dingtalk.body["markdown"]["text"] and link in dingtalk.body["markdown"]["text"]
    skipped = Delivery.objects.get(notification__recipient=bob)
    assert (skipped.status, skipped.last_error) == ("skipped", "该用户没有电子邮件地址。")
    assert Notification.objects.filter(recipient=bob).count() == 1  # the in-app message arrived


def test_a_robot_answering_an_error_is_marked_failing_and_the_message_arrives_once_fixed(
    worker, mailbox, robots, people, session, category
):
    wecom, _dingtalk = robots_for_everyone(robots)
    Preference.objects.create(user=people["committee"], channels=["wecom"])
    robots.answer = (502, "Bad Gateway")

    submit(people, session, category)

    d = wait_until(
        lambda: Delivery.objects.filter(channel="wecom", status="retrying").first(),
        what="the failed robot delivery",
        log=worker.log,
    )
    wecom.refresh_from_db()
    assert wecom.failing_since is not None and "HTTP 502" in wecom.last_error
    assert d.last_error == wecom.last_error

    robots.answer = None  # the admin fixed it, then asks to send again
    assert webhook_channels_retry(channel_ids=[wecom.pk]) == 1

    wait_until(lambda: Delivery.objects.get(pk=d.pk).status == "sent", what="the retried delivery", log=worker.log)
    assert len(robots.of("wecom")) == 1
    wecom.refresh_from_db()
    assert (wecom.failing_since, wecom.last_error) == (None, "")


def test_a_broker_outage_while_transitions_commit_loses_nothing_and_sends_each_once(
    own_redis, start_worker, mailbox, robots, people, session, category, settings
):
    robots_for_everyone(robots)
    Preference.objects.create(user=people["committee"], channels=["email", "wecom"])
    w = start_worker(own_redis.url)
    with web_side_broker(own_redis.url):
        submit(people, session, category, title="校园停车位不足")  # the broker is up: sent at once
        wait_until(settled, what="the first transition's deliveries", log=w.log)

        own_redis.stop()
        started = time.monotonic()
        for title in ("图书馆延长开放时间", "食堂增加清真窗口", "增加教职工子女暑期托管"):
            submit(people, session, category, title=title)  # commits; enqueueing fails and is logged
        assert time.monotonic() - started < 30, "a dead broker must not hold up the transitions"
        waiting = Delivery.objects.filter(status="pending").count()
        assert waiting == 3 * 6  # per proposal: bob, carol, alice twice, the committee by e-mail and WeCom

        own_redis.start()  # an empty Redis: whatever was published before the outage is gone too
        later = timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_REDISPATCH_AFTER)
        assert redispatch(now=later) == waiting  # what beat runs every minute
        wait_until(settled, timeout=90, what="the re-dispatched deliveries", log=w.log)

        # Run every task again, as a redelivery would, then one new notification behind them in
        # the queue: once that has arrived the solo worker has worked through the duplicates.
        for pk in Delivery.objects.values_list("pk", flat=True):
            deliver.delay(pk)
        with transaction.atomic():
            [last] = notify(recipients=[people["committee"]], event="proposal.close", item=Notification.objects.first())
        wait_until(lambda: settled() and Delivery.objects.filter(notification=last).count() == 2, log=w.log)

    committee_notes = Notification.objects.filter(recipient=people["committee"]).count()
    assert len(mailbox) == 4 * 5 + 1
    assert mailbox.received() == expected_mail()  # every notification exactly once
    assert len(robots.of("wecom")) == committee_notes == 4 + 1
    assert Delivery.objects.filter(attempts=1, status="sent").count() == Delivery.objects.count()
