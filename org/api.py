"""REST endpoints about the caller and the organisation: sign-in token, me, my tasks, departments."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ErrorSerializer, Pagination, parse_body
from proposals.serializers import full_name
from workflow.errors import InvalidPayload

from .models import Department
from .roles import user_roles


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "kind"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="get_username")
    full_name = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()

    def get_full_name(self, user: Any) -> str:
        return full_name(user)

    def get_roles(self, user: Any) -> list[str]:
        return sorted(user_roles(user))

    @extend_schema_field(DepartmentSerializer(allow_null=True))
    def get_department(self, user: Any) -> dict[str, Any] | None:
        profile = getattr(user, "profile", None)
        department = profile.department if profile else None
        return DepartmentSerializer(department).data if department else None


TASK_STATUSES = [("assigned", gettext_lazy("已分配给我")), ("queued", gettext_lazy("待领取"))]


class TaskSerializer(serializers.Serializer):
    """One open task from the workflow inboxes (viewflow), whatever the item kind."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    node = serializers.CharField()
    status = serializers.ChoiceField(choices=TASK_STATUSES)
    created = serializers.DateTimeField()
    item_kind = serializers.CharField()
    item_id = serializers.IntegerField()
    url = serializers.CharField()


class TokenView(APIView):
    # Signing in needs no prior authentication, and so no CSRF token either.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        summary="用用户名和密码换取 API 令牌",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 400: ErrorSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = parse_body(TokenRequestSerializer, request.data)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise InvalidPayload(_("用户名或密码错误。"), code="invalid_credentials")
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(APIView):
    @extend_schema(summary="当前用户：角色与部门", responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


@extend_schema_view(get=extend_schema(summary="我的待办任务（个人的和所在组可领取的）"))
class TaskListView(generics.ListAPIView):
    serializer_class = TaskSerializer
    pagination_class = Pagination
    filter_backends = ()

    def get_queryset(self) -> Any:
        from workflow.flowlink import user_tasks  # the viewflow link is loaded only when asked

        return list(user_tasks(self.request.user))


@extend_schema_view(list=extend_schema(summary="单位列表"))
class DepartmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DepartmentSerializer
    pagination_class = Pagination
    queryset = Department.objects.all()
