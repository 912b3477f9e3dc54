"""REST endpoints for the caller's in-app notifications and notification preferences."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ErrorSerializer, Pagination, parse_body, reject_body, reject_unknown_fields

from .models import Channel, EventKind, Notification
from .preferences import preferences_set, user_preferences
from .services import notification_mark_read, unread_count


class NotificationSerializer(serializers.ModelSerializer):
    item_kind = serializers.SerializerMethodField()
    item_id = serializers.IntegerField(source="object_id", allow_null=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "event", "title", "body", "link", "item_kind", "item_id", "created_at", "read_at", "read"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_item_kind(self, n: Notification) -> str | None:
        # ContentType.get_for_id is cached per process, so a page costs no query per row.
        if not n.content_type_id:
            return None
        ct = ContentType.objects.get_for_id(n.content_type_id)
        return f"{ct.app_label}.{ct.model}"  # the same naming as a task's item_kind

    def get_read(self, n: Notification) -> bool:
        return n.read_at is not None


class PreferenceSerializer(serializers.Serializer):
    event_kind = serializers.ChoiceField(choices=EventKind.choices, help_text="* 为全部事项的默认设置")
    kind_label = serializers.CharField(source="label", read_only=True)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), help_text="站内消息 in_app 总是开启"
    )
    digest = serializers.BooleanField(default=False, help_text="每日 18:00 汇总发送，而不是逐条发送")
    custom = serializers.BooleanField(read_only=True, help_text="false：沿用“全部事项”或全校默认设置")


class PreferencesSerializer(serializers.Serializer):
    preferences = PreferenceSerializer(many=True)


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class NotificationPagination(Pagination):
    """The page plus how many of the caller's notifications are unread, for the badge."""

    unread = 0

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["unread"] = self.unread
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        out = super().get_paginated_response_schema(schema)
        out["properties"]["unread"] = {"type": "integer", "example": 3}
        out["required"] = [*out.get("required", []), "unread"]
        return out


@extend_schema_view(
    list=extend_schema(
        summary="我的通知",
        parameters=[OpenApiParameter("unread", bool, description="只看未读")],
    ),
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    pagination_class = NotificationPagination
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        # Only ever the caller's own: someone else's notification is a 404.
        qs = Notification.objects.filter(recipient_id=self.request.user.pk)
        if self.action == "list" and self.request.query_params.get("unread") in {"1", "true", "True"}:
            qs = qs.filter(read_at__isnull=True)
        return qs

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        paginator = self.paginator
        assert isinstance(paginator, NotificationPagination)
        paginator.unread = unread_count(request.user)
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="标为已读", request=None, responses={200: NotificationSerializer, 404: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        notification = self.get_object()
        reject_body(request.data)
        notification_mark_read(user=request.user, notification_id=notification.pk)
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)

    @extend_schema(summary="全部标为已读", request=None, responses={200: MarkedSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        reject_body(request.data)
        marked = notification_mark_read(user=request.user)
        return Response({"marked": marked, "unread": unread_count(request.user)})

    @extend_schema(methods=["GET"], summary="我的通知偏好", responses={200: PreferencesSerializer})
    @extend_schema(
        methods=["PUT"],
        summary="设置我的通知偏好",
        description="整体替换：未列出的事项类别沿用“全部事项”(*) 或全校默认设置。",
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer, 400: ErrorSerializer},
    )
    @action(detail=False, methods=["get", "put"], url_path="preferences", pagination_class=None)
    def preferences(self, request: Request) -> Response:
        if request.method == "PUT":
            data = parse_body(PreferencesSerializer, request.data)
            # What GET returned may be sent back as it is: the read-only fields are ignored.
            sent = [r for r in request.data["preferences"] if isinstance(r, dict)]
            reject_unknown_fields(
                dict.fromkeys(f"preferences.{i}.{k}" for i, r in enumerate(sent) for k in r),
                {f"preferences.{i}.{k}" for i in range(len(sent)) for k in PreferenceSerializer().fields},
            )
            rows = preferences_set(user=request.user, rows=[dict(r) for r in data["preferences"]])
        else:
            rows = user_preferences(user=request.user)
        return Response(PreferencesSerializer({"preferences": rows}).data)
