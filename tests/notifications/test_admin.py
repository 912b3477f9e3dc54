"""The admin: failed deliveries with their reasons, failing robots, retry, and the https rule."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from notifications.models import Delivery, Notification, WebhookChannel

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(people):
    n = Notification.objects.create(recipient=people["alice"], event="proposal.accept", title="您的提案已立案")
    return Delivery.objects.create(
        notification=n, channel="email", status="failed", attempts=8, last_error="SMTPDataError: 451 rejected"
    )


def test_the_failed_deliveries_are_listed_with_their_reasons(admin_client, failed, people):
    n = Notification.objects.create(recipient=people["bob"], event="proposal.accept", title="已送达的")
    Delivery.objects.create(notification=n, channel="email", status="sent")

    body = admin_client.get(reverse("admin:notifications_delivery_changelist"), {"problem": "yes"}).content.decode()

    assert "SMTPDataError: 451 rejected" in body and "您的提案已立案" in body
    assert "已送达的" not in body


def test_the_admin_can_send_a_failed_delivery_again(admin_client, failed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post(
            reverse("admin:notifications_delivery_changelist"),
            {"action": "retry", ACTION_CHECKBOX_NAME: [failed.pk]},
            follow=True,
        )

    assert "已安排重新发送 1 条消息。" in r.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.next_attempt_at) == ("sent", None)


def test_a_failing_robot_shows_since_when_and_why(admin_client):
    WebhookChannel.objects.create(
        name="后勤群",
        kind="wecom",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        failing_since=timezone.now(),
        last_error="errcode 93000，invalid webhook url",
    )
    WebhookChannel.objects.create(name="正常的群", kind="wecom", url="https://qyapi.weixin.qq.com/x")

    body = admin_client.get(reverse("admin:notifications_webhookchannel_changelist"), {"failing": "yes"})

    assert "errcode 93000，invalid webhook url" in body.content.decode()
    assert "正常的群" not in body.content.decode()


def test_the_admin_refuses_a_webhook_that_is_not_https(admin_client):
    r = admin_client.post(
        reverse("admin:notifications_webhookchannel_add"),
        {"name": "钉钉群", "kind": "dingtalk", "url": "http://oapi.dingtalk.com/robot/send?access_token=t"},
    )

    assert r.status_code == 200
    assert "Webhook 地址必须以 https:// 开头。" in r.content.decode()
    assert not WebhookChannel.objects.exists()
    with pytest.raises(ValidationError):
        WebhookChannel(name="x", kind="wecom", url="ftp://example.com/").full_clean()


def test_the_robot_secret_is_not_shown_again_and_is_kept_when_left_empty(admin_client):
    robot = WebhookChannel.objects.create(
        name="钉钉群", kind="dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=t", secret="SECsecret"
    )
    url = reverse("admin:notifications_webhookchannel_change", args=[robot.pk])
    assert "SECsecret" not in admin_client.get(url).content.decode()

    r = admin_client.post(
        url, {"name": "工会钉钉群", "kind": "dingtalk", "url": robot.url, "secret": "", "is_active": "on"}
    )

    assert r.status_code == 302
    robot.refresh_from_db()
    assert (robot.name, robot.secret) == ("工会钉钉群", "SECsecret")


def test_the_site_default_preference_is_edited_with_checkboxes(admin_client):
    from notifications.models import Preference

    default = Preference.objects.get(user=None)
    url = reverse("admin:notifications_preference_change", args=[default.pk])
    assert 'type="checkbox" name="channels" value="email"' in admin_client.get(url).content.decode()

    r = admin_client.post(url, {"event_kind": "*", "channels": ["email", "wecom"]})

    assert r.status_code == 302
    default.refresh_from_db()
    assert default.channels == ["email", "wecom"]
