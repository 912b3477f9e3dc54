"""The outbox and what delivers it.

``Notification`` is one row per recipient per event, written in the transition's
transaction; the in-app inbox reads these rows. ``Delivery`` is one row per
notification per outside channel (e-mail, WeCom, DingTalk), written in the same
transaction and sent by Celery after the commit; a periodic re-dispatch sends
whatever is still due, so a broker outage loses nothing. ``Preference`` says which
channels a user wants for which kind of event; ``WebhookChannel`` is a group
robot that WeCom or DingTalk messages are posted to.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    event = models.CharField(_("事件"), max_length=100)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    item = GenericForeignKey("content_type", "object_id")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    """Where a notification can reach someone. In-app is always on: it is the Notification row itself."""

    IN_APP = "in_app", _("站内消息")
    EMAIL = "email", _("电子邮件")
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")


# The channels a Delivery row is written for; in-app needs none.
OUTSIDE_CHANNELS = (Channel.EMAIL, Channel.WECOM, Channel.DINGTALK)


class EventKind(models.TextChoices):
    """What a preference is about: the part of the event name before the dot
    (``proposal.accept`` is a proposal event, ``reminder.due`` a reminder)."""

    ALL = "*", _("全部事项")
    PROPOSAL = "proposal", _("提案进展")
    ASSIGNMENT = "assignment", _("交办事项")
    REMINDER = "reminder", _("催办与到期提醒")


class Preference(models.Model):
    """A user's channels for one kind of event. A row without a user is the site default,
    which the admin may change; the user's own rows win over it, a specific kind over ``*``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_preferences",
        verbose_name=_("用户"),
        help_text=_("留空表示全校默认设置。"),
    )
    event_kind = models.CharField(_("事项类别"), max_length=32, choices=EventKind.choices, default=EventKind.ALL)
    channels = models.JSONField(_("接收渠道"), default=list, blank=True, help_text=_("站内消息总是开启。"))
    digest = models.BooleanField(_("每日汇总"), default=False, help_text=_("每天 18:00 汇总发送一次，而不是逐条发送。"))

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")
        ordering = ["user_id", "event_kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event_kind"], name="notifications_preference_unique"),
            # NULLs are distinct in a unique index, so the site default needs its own constraint.
            models.UniqueConstraint(
                fields=["event_kind"], condition=Q(user__isnull=True), name="notifications_preference_default_unique"
            ),
        ]

    def __str__(self) -> str:
        who = str(self.user) if self.user_id else gettext("全校默认")
        return f"{who} · {self.get_event_kind_display()}"

    def clean(self) -> None:
        if not isinstance(self.channels, list) or any(c not in Channel.values for c in self.channels):
            raise ValidationError({"channels": _("接收渠道只能是：站内消息、电子邮件、企业微信、钉钉。")})


class WebhookKind(models.TextChoices):
    WECOM = Channel.WECOM.value, _("企业微信群机器人")
    DINGTALK = Channel.DINGTALK.value, _("钉钉群机器人")


def webhook_url_problem(url: str) -> str | None:
    """Why this webhook URL may not be used, or None. Only https leaves the building;
    plain http is allowed for the hosts in WEBHOOK_ALLOW_HTTP_HOSTS (local test servers)."""
    parts = urlsplit(url or "")
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and parts.hostname in settings.WEBHOOK_ALLOW_HTTP_HOSTS:
        return None
    return gettext("Webhook 地址必须以 https:// 开头。")


class WebhookChannel(models.Model):
    """A WeCom or DingTalk group robot. A user who chose that channel is told through the
    robot of their department's group, or, when the department has none, the global one
    (no department: the union office's group). The user is named in the message."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=WebhookKind.choices)
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_channels",
        verbose_name=_("单位"),
        help_text=_("留空表示全校（校工会）群，用于没有本单位群机器人的人员。"),
    )
    url = models.URLField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(
        _("加签密钥"),
        max_length=200,
        blank=True,
        help_text=_("钉钉机器人“加签”安全设置中的密钥（SEC 开头）；企业微信不需要。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    failing_since = models.DateTimeField(_("故障起始时间"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("最近错误"), blank=True, editable=False)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["kind", "department_id", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problem = webhook_url_problem(self.url)
        if problem:
            raise ValidationError({"url": problem})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    RETRYING = "retrying", _("发送失败，待重试")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送")


# The statuses a delivery task still has work for.
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class Delivery(models.Model):
    """One notification sent through one outside channel.

    ``next_attempt_at`` is set exactly while there is something to do: the re-dispatch
    sweep sends every row whose time has come. A row waiting for the daily digest has
    none until the digest releases it.

    ``leased_until`` is set while a worker is sending the row: until then nobody else
    sends it (a worker that dies mid-send holds it that long, then the sweep takes it
    back). ``message_id`` is fixed on the first attempt and sent with every later one,
    so a message that did go out before its worker died arrives again under the same
    Message-ID and the recipient's mail system can drop the copy."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知")
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    digest = models.BooleanField(_("每日汇总"), default=False)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    webhook = models.ForeignKey(
        WebhookChannel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("群机器人"),
    )
    leased_until = models.DateTimeField(
        _("发送租约到期"),
        null=True,
        blank=True,
        help_text=_("正在发送：到此时间之前不会有其他进程发送这条消息。"),
    )
    message_id = models.CharField(
        _("邮件标识（Message-ID）"),
        max_length=255,
        blank=True,
        help_text=_("首次发送时确定，重发时不变；收件方可据此识别重复的邮件。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息投递")
        verbose_name_plural = _("消息投递")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="notifications_delivery_unique"),
        ]
        indexes = [
            # The re-dispatch sweep: only rows with something to do are in the index.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(next_attempt_at__isnull=False),
                name="notifications_delivery_due",
            ),
            # The daily digest: rows still held back for it.
            models.Index(
                fields=["created_at"],
                condition=Q(digest=True, status="pending", next_attempt_at__isnull=True),
                name="notifications_delivery_digest",
            ),
            models.Index(fields=["status", "channel"], name="notifications_delivery_status"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} · {self.get_channel_display()} · {self.get_status_display()}"
