"""Delivery through e-mail and group robots: written with the transition, sent after the
commit, retried with backoff, re-dispatched when the broker lost the task, digested daily."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications import delivery
from notifications.delivery import BACKOFF_MINUTES, MAX_ATTEMPTS, redispatch, send_digests
from notifications.models import Delivery, Notification, Preference, WebhookChannel
from notifications.services import notify
from notifications.tasks import deliver
from tests.factories import draft
from tests.notifications.world import submit

pytestmark = pytest.mark.django_db

START = timezone.make_aware(timezone.datetime(2026, 3, 10, 9, 0))


class BrokenSMTP(BaseEmailBackend):
    """An e-mail backend whose server refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPDataError(451, b"4.3.0 Mail server temporarily rejected message")


@pytest.fixture
def proposal(people, session, category):
    return draft(people["alice"], session, category)


@pytest.fixture
def tell(django_capture_on_commit_callbacks, proposal, people):
    """``tell(user, ...)``: notify as a transition would, and run what follows the commit."""

    def run(*users, event="proposal.accept", item=None, execute=True):
        with django_capture_on_commit_callbacks(execute=execute) as callbacks:
            with transaction.atomic():
                notify(recipients=users, event=event, item=item or proposal, actor=people["committee"])
        return callbacks

    return run


def prefer(user, *channels, kind="*", digest=False):
    Preference.objects.update_or_create(
        user=user, event_kind=kind, defaults={"channels": list(channels), "digest": digest}
    )


# E-mail -------------------------------------------------------------------------------------


def test_a_transition_e_mails_the_committee_after_the_commit_with_a_link(
    django_capture_on_commit_callbacks, people, session, category
):
    with django_capture_on_commit_callbacks(execute=True):
        p = submit(people, session, category)

    [message] = [m for m in mail.outbox if m.to == ["committee@example.edu.cn"]]
    assert message.subject == "提案《食堂晚餐供应时间延长》已提交，待审查"
    assert "陈静，您好：" in message.body
    assert f"查看详情：https://jdh.example.edu.cn/proposals/{p.pk}/" in message.body
    d = Delivery.objects.get(notification__recipient=people["committee"])
    assert (d.channel, d.status, d.attempts, d.next_attempt_at) == ("email", "sent", 1, None)
    assert d.sent_at is not None


def test_nothing_is_enqueued_before_the_commit(tell, people):
    callbacks = tell(people["alice"], people["bob"], execute=False)

    assert len(callbacks) == 2  # one task per delivery
    assert mail.outbox == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
    assert not Delivery.objects.filter(next_attempt_at__isnull=True).exists()


def test_a_rolled_back_transition_leaves_no_notification_and_sends_nothing(
    django_capture_on_commit_callbacks, proposal, people
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(recipients=[people["alice"]], event="proposal.accept", item=proposal)
            raise RuntimeError("the transition failed")

    assert callbacks == []
    assert not Notification.objects.exists() and not Delivery.objects.exists()


def test_a_user_without_an_email_address_gets_the_in_app_message_and_nothing_raises(tell, people):
    alice = people["alice"]
    alice.email = ""
    alice.save()

    tell(alice)

    assert Notification.objects.filter(recipient=alice).count() == 1
    d = Delivery.objects.get()
    assert (d.status, d.last_error, d.next_attempt_at) == ("skipped", "该用户没有电子邮件地址。", None)
    assert mail.outbox == []


def test_the_delivery_task_is_safe_to_run_twice(tell, people):
    tell(people["alice"])
    d = Delivery.objects.get()

    deliver.delay(d.pk)
    deliver.delay(d.pk)

    assert len(mail.outbox) == 1
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("sent", 1)


def test_a_user_with_only_in_app_gets_no_delivery_rows(tell, people):
    prefer(people["alice"])

    tell(people["alice"])

    assert Notification.objects.count() == 1
    assert not Delivery.objects.exists()


# Retries and re-dispatch ----------------------------------------------------------------


def test_a_failing_email_is_retried_with_backoff_then_given_up(tell, people, settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenSMTP"
    with time_machine.travel(START, tick=False) as clock:
        tell(people["alice"])
        d = Delivery.objects.get()
        waits = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            d.refresh_from_db()
            assert d.attempts == attempt and "SMTPDataError" in d.last_error
            if attempt == MAX_ATTEMPTS:
                break
            assert d.status == "retrying"
            wait = d.next_attempt_at - timezone.now()
            waits.append(int(wait.total_seconds() // 60))
            assert redispatch(now=timezone.now() + wait - timedelta(seconds=1)) == 0  # not yet
            clock.shift(wait)
            assert redispatch(now=timezone.now()) == 1

    assert waits == [*BACKOFF_MINUTES, BACKOFF_MINUTES[-1]][: MAX_ATTEMPTS - 1]
    assert (d.status, d.next_attempt_at) == ("failed", None)
    assert redispatch(now=START + timedelta(days=30)) == 0
    assert mail.outbox == []


def test_a_broker_outage_at_commit_loses_nothing(tell, people, settings):
    with time_machine.travel(START, tick=False):
        with mock.patch.object(deliver, "apply_async", side_effect=OperationalError("Connection refused")):
            tell(people["alice"], people["bob"])  # the transition itself succeeds

        assert mail.outbox == []
        assert redispatch(now=timezone.now()) == 0  # give a slow worker its grace period first
        later = timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_REDISPATCH_AFTER)
        assert redispatch(now=later) == 2
        assert redispatch(now=later + timedelta(hours=1)) == 0

    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.edu.cn", "bob@example.edu.cn"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_redispatch_enqueues_a_waiting_row_once_per_lease(tell, people, settings):
    grace = timedelta(seconds=settings.NOTIFICATIONS_REDISPATCH_AFTER)
    with mock.patch.object(deliver, "apply_async") as publish:
        tell(people["alice"])  # the task is "in the queue" but no worker has run it
        now = timezone.now() + grace

        assert redispatch(now=now) == 1
        assert redispatch(now=now + timedelta(seconds=1)) == 0  # still leased
        assert redispatch(now=now + grace) == 1  # the lease ran out and it is still not sent

    assert publish.call_count == 3
    d = Delivery.objects.get()
    assert publish.call_args.args[0] == (d.pk,)


def test_redispatch_stops_when_the_broker_is_down_and_tries_again_later(tell, people, settings):
    with mock.patch.object(deliver, "apply_async", side_effect=OperationalError("down")):
        tell(people["alice"], people["bob"])
        later = timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_REDISPATCH_AFTER)
        assert redispatch(now=later) == 0

    assert redispatch(now=later + timedelta(hours=1)) == 2
    assert len(mail.outbox) == 2


# Group robots ---------------------------------------------------------------------------


def test_wecom_gets_markdown_naming_the_user_with_a_link(tell, people, proposal, robots):
    prefer(people["alice"], "wecom")
    robot = WebhookChannel.objects.create(name="校工会企业微信群", kind="wecom", url=robots.wecom_url())

    tell(people["alice"])

    [post] = robots.of("wecom")
    assert post.query == {"key": "wecom-key"}
    assert post.body["msgtype"] == "markdown"
    content = post.body["markdown"]["content"]
    assert "**王丽**" in content
    assert f"[您的提案《食堂晚餐供应时间延长》已立案](https://jdh.example.edu.cn/proposals/{proposal.pk}/)" in content
    d = Delivery.objects.get()
    assert (d.status, d.webhook) == ("sent", robot)


def test_dingtalk_gets_a_signed_markdown_message_that_mentions_the_user(tell, people, robots):
    alice = people["alice"]
    alice.profile.mobile = "13800138000"
    alice.profile.save()
    prefer(alice, "dingtalk")
    WebhookChannel.objects.create(
        name="钉钉群", kind="dingtalk", url=robots.dingtalk_url(), secret=robots.dingtalk_secret
    )

    tell(alice)

    [post] = robots.of("dingtalk")  # the server checked timestamp and sign
    assert post.query["access_token"] == "dingtalk-token"
    assert post.body["markdown"]["title"] == "您的提案《食堂晚餐供应时间延长》已立案"
    assert "**王丽**" in post.body["markdown"]["text"] and "@13800138000" in post.body["markdown"]["text"]
    assert post.body["at"] == {"atMobiles": ["13800138000"], "isAtAll": False}
    assert Delivery.objects.get().status == "sent"


def test_the_departments_robot_is_used_before_the_global_one(tell, people, departments, robots):
    prefer(people["alice"], "wecom")
    prefer(people["bob"], "wecom")
    WebhookChannel.objects.create(name="全校", kind="wecom", url=robots.wecom_url("global"))
    cs = WebhookChannel.objects.create(
        name="信息工程学院", kind="wecom", url=robots.wecom_url("cs"), department=departments["cs"]
    )
    WebhookChannel.objects.create(
        name="停用的", kind="wecom", url=robots.wecom_url("off"), department=departments["hr"], is_active=False
    )

    tell(people["alice"], people["bob"])  # alice is in 信息工程学院, bob in 人事处

    keys = sorted(p.query["key"] for p in robots.of("wecom"))
    assert keys == ["cs", "global"]
    assert Delivery.objects.get(notification__recipient=people["alice"]).webhook == cs


def test_without_a_robot_the_delivery_is_skipped_and_the_inbox_still_has_it(tell, people):
    prefer(people["alice"], "dingtalk")

    tell(people["alice"])

    d = Delivery.objects.get()
    assert (d.status, d.last_error) == ("skipped", "未配置钉钉群机器人。")
    assert Notification.objects.filter(recipient=people["alice"]).exists()


def test_a_plain_http_robot_is_marked_failing_and_the_message_waits_until_it_is_fixed(tell, people, robots, settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []
    prefer(people["alice"], "wecom")
    robot = WebhookChannel.objects.create(name="企业微信群", kind="wecom", url=robots.wecom_url())

    tell(people["alice"])

    robot.refresh_from_db()
    d = Delivery.objects.get()
    assert robot.failing_since is not None and robot.last_error == "Webhook 地址必须以 https:// 开头。"
    assert (d.status, d.last_error, d.webhook) == ("retrying", robot.last_error, robot)
    assert robots.posts == []

    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]  # "fixed" (a test server may stay on http)
    with transaction.atomic():
        assert delivery.webhook_channels_retry(channel_ids=[robot.pk]) == 1
    redispatch(now=timezone.now())

    assert len(robots.of("wecom")) == 1
    robot.refresh_from_db()
    assert (robot.failing_since, robot.last_error) == (None, "")
    assert Delivery.objects.get().status == "sent"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ((500, "internal error"), "返回 HTTP 500：internal error"),
        ((200, '{"errcode": 93000, "errmsg": "invalid webhook url"}'), "errcode 93000，invalid webhook url"),
        ((200, "<html>bad gateway</html>"), "应答不是预期的 JSON"),
    ],
)
def test_a_robot_that_answers_an_error_is_marked_failing_with_the_reason(tell, people, robots, answer, reason):
    prefer(people["alice"], "wecom")
    robot = WebhookChannel.objects.create(name="企业微信群", kind="wecom", url=robots.wecom_url("secret-key"))
    robots.answer = answer

    tell(people["alice"])

    robot.refresh_from_db()
    d = Delivery.objects.get()
    assert reason in robot.last_error and robot.failing_since is not None
    assert "secret-key" not in robot.last_error  # the key is a credential
    assert (d.status, d.attempts) == ("retrying", 1)
    assert d.next_attempt_at > timezone.now()


def test_a_wrong_dingtalk_secret_is_reported_and_the_message_is_sent_once_it_is_corrected(tell, people, robots):
    prefer(people["alice"], "dingtalk")
    robot = WebhookChannel.objects.create(name="钉钉群", kind="dingtalk", url=robots.dingtalk_url(), secret="SECwrong")

    tell(people["alice"])
    robot.refresh_from_db()
    assert "errcode 310000" in robot.last_error and robots.posts == []

    robot.secret = robots.dingtalk_secret
    robot.save()
    with transaction.atomic():
        delivery.webhook_channels_retry(channel_ids=[robot.pk])
    redispatch(now=timezone.now())

    assert len(robots.of("dingtalk")) == 1
    assert Delivery.objects.get().status == "sent"


def test_an_unreachable_robot_is_retried(tell, people, robots):
    prefer(people["alice"], "wecom")
    url = robots.wecom_url()
    robots.stop()  # nobody listens there any more
    WebhookChannel.objects.create(name="企业微信群", kind="wecom", url=url)

    tell(people["alice"])

    d = Delivery.objects.get()
    assert d.status == "retrying" and "无法连接" in d.last_error
    robots.start()  # for the fixture's teardown


# Preferences and digests ----------------------------------------------------------------


def test_a_preference_for_a_kind_wins_over_the_users_default(tell, people, proposal):
    alice = people["alice"]
    prefer(alice, "email")
    prefer(alice, kind="reminder")  # reminders: in-app only

    tell(alice, event="reminder.due")
    tell(alice, event="proposal.accept")

    assert Notification.objects.filter(recipient=alice).count() == 2
    assert list(Delivery.objects.values_list("notification__event", flat=True)) == ["proposal.accept"]


def test_the_site_default_applies_to_users_without_preferences(tell, people):
    Preference.objects.filter(user=None).update(channels=["email", "dingtalk"])

    tell(people["alice"])

    assert sorted(Delivery.objects.values_list("channel", flat=True)) == ["dingtalk", "email"]


def test_a_digest_user_gets_one_message_a_day(tell, people, proposal, session, category):
    alice = people["alice"]
    prefer(alice, "email", digest=True)
    other = draft(alice, session, category, title="图书馆延长开放时间")
    with time_machine.travel(START, tick=False):
        tell(alice, event="proposal.accept")
        tell(alice, event="proposal.reject", item=other)
        tell(people["bob"])  # bob is not on the digest
        assert [m.to for m in mail.outbox] == [["bob@example.edu.cn"]]
        assert redispatch(now=START + timedelta(hours=3)) == 0  # held back for the digest

    evening = START.replace(hour=18)
    with time_machine.travel(evening, tick=False):
        assert send_digests(now=evening) == 2
        assert send_digests(now=evening) == 0

    assert len(mail.outbox) == 2
    digest = mail.outbox[1]
    assert digest.to == ["alice@example.edu.cn"]
    assert digest.subject == "每日通知汇总（2026-03-10）：2 条新通知"
    assert "1. 您的提案《食堂晚餐供应时间延长》已立案" in digest.body
    assert "2. 您的提案《图书馆延长开放时间》未予立案" in digest.body
    assert f"https://jdh.example.edu.cn/proposals/{other.pk}/" in digest.body
    assert set(Delivery.objects.filter(digest=True).values_list("status", flat=True)) == {"sent"}


def test_a_failed_digest_is_retried_as_one_message(tell, people, settings):
    alice = people["alice"]
    prefer(alice, "email", digest=True)
    tell(alice)
    tell(alice, event="proposal.reject")
    settings.EMAIL_BACKEND = f"{__name__}.BrokenSMTP"
    now = timezone.now()
    send_digests(now=now)
    assert set(Delivery.objects.values_list("status", "attempts")) == {("retrying", 1)}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert redispatch(now=now + timedelta(minutes=BACKOFF_MINUTES[0], seconds=1)) == 1  # one task for both

    assert len(mail.outbox) == 1 and "2 条新通知" in mail.outbox[0].subject


def test_an_event_of_an_unknown_kind_follows_the_all_events_preference(tell, people):
    alice = people["alice"]
    prefer(alice, "wecom")
    prefer(alice, "email", kind="proposal")

    tell(alice, event="welfarerequest.submit")  # no preference of its own: "*" applies
    tell(alice, event="proposal.accept")

    got = sorted(Delivery.objects.values_list("notification__event", "channel"))
    assert got == [("proposal.accept", "email"), ("welfarerequest.submit", "wecom")]


def test_the_caller_may_name_the_kind(django_capture_on_commit_callbacks, people, proposal):
    prefer(people["alice"], kind="reminder")  # in-app only for reminders
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[people["alice"]], event="proposal.overdue", item=proposal, kind="reminder")

    assert Notification.objects.count() == 1 and not Delivery.objects.exists()


def test_an_account_without_a_profile_is_greeted_by_its_username(tell, django_user_model):
    admin = django_user_model.objects.create_user("sysadmin", email="sysadmin@example.edu.cn")

    tell(admin)

    assert mail.outbox[0].body.startswith("sysadmin，您好：")
