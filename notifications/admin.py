"""Admin for the outbox, its deliveries, the group robots and the preferences.

Notifications and deliveries are written by the services, never here; the admin
reads them, sees what failed and why, and sends failed ones again. Robots are
configured here, and a failing robot shows since when and the platform's answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .delivery import deliveries_retry, webhook_channels_retry
from .models import OUTSIDE_CHANNELS, Delivery, DeliveryStatus, Notification, Preference, WebhookChannel


def _retried(count: int) -> str:
    return ngettext("已安排重新发送 %(count)d 条消息。", "已安排重新发送 %(count)d 条消息。", count) % {"count": count}


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "event", "created_at", "read_at")
    list_filter = ("event", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "recipient__username", "recipient__profile__full_name")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    fields = ("recipient", "event", "content_type", "object_id", "title", "body", "link", "created_at", "read_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("recipient", "content_type")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ProblemFilter(admin.SimpleListFilter):
    """The admin's usual question: what did not arrive?"""

    title = _("问题")
    parameter_name = "problem"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("发送失败或待重试")), ("skipped", _("未发送"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> QuerySet[Delivery]:
        if self.value() == "yes":
            return queryset.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.RETRYING])
        if self.value() == "skipped":
            return queryset.filter(status=DeliveryStatus.SKIPPED)
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "notification",
        "recipient",
        "channel",
        "status",
        "digest",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
    )
    list_filter = (ProblemFilter, "status", "channel", "digest")
    # A recipient who got an e-mail twice quotes its Message-ID: searchable, to find the row.
    search_fields = ("notification__title", "notification__recipient__username", "last_error", "message_id")
    list_select_related = ("notification__recipient",)
    date_hierarchy = "created_at"
    actions = ["retry"]
    fields = (
        "notification",
        "channel",
        "status",
        "digest",
        "attempts",
        "next_attempt_at",
        "last_error",
        "webhook",
        "leased_until",
        "message_id",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("notification__recipient", "webhook")

    @admin.display(description=_("接收人"), ordering="notification__recipient__username")
    def recipient(self, obj: Delivery) -> Any:
        return obj.notification.recipient

    @admin.action(description=_("立即重新发送所选消息"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = deliveries_retry(delivery_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _retried(count), messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FailingFilter(admin.SimpleListFilter):
    title = _("运行状况")
    parameter_name = "failing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("故障中")), ("no", _("正常"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[WebhookChannel]) -> QuerySet[WebhookChannel]:
        if self.value() in ("yes", "no"):
            return queryset.filter(failing_since__isnull=self.value() == "no")
        return queryset


def _https_by_default(db_field: Any, **kwargs: Any) -> Any:
    # A webhook address typed without a scheme is https (the only scheme allowed anyway).
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class WebhookChannelForm(forms.ModelForm):
    class Meta:
        model = WebhookChannel
        fields = ("name", "kind", "department", "url", "secret", "is_active")
        formfield_callback = _https_by_default
        # The secret is a credential: not shown again once saved, kept when left empty.
        widgets = {"secret": forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})}

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret") or ""
        if not secret and self.instance.pk:
            return self.instance.secret
        return secret


@admin.register(WebhookChannel)
class WebhookChannelAdmin(admin.ModelAdmin):
    form = WebhookChannelForm
    list_display = ("name", "kind", "department", "is_active", "failing_since", "last_error")
    list_filter = (FailingFilter, "kind", "is_active")
    search_fields = ("name", "department__name")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)
    readonly_fields = ("failing_since", "last_error")
    actions = ["retry_failed"]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.action(description=_("重新发送经由所选机器人失败的消息"))
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[WebhookChannel]) -> None:
        count = webhook_channels_retry(channel_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _retried(count), messages.SUCCESS)


class PreferenceForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("接收渠道"),
        choices=[(c.value, c.label) for c in OUTSIDE_CHANNELS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("站内消息总是开启。"),
    )

    class Meta:
        model = Preference
        fields = ("user", "event_kind", "channels", "digest")


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    form = PreferenceForm
    list_display = ("__str__", "channel_list", "digest")
    list_filter = ("event_kind", "digest", ("user", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "user__profile__full_name")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)

    @admin.display(description=_("接收渠道"))
    def channel_list(self, obj: Preference) -> str:
        labels = dict((c.value, str(c.label)) for c in OUTSIDE_CHANNELS)
        return "、".join(labels.get(c, c) for c in obj.channels or []) or "—"
