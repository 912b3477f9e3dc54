"""REST endpoints of the publicity slice (welfare.publicity): the notice (公示) as a list, and
raising and resolving objections under a request. Thin, as welfare/api.py: the selectors
decide what the caller may see (anything else is a 404), the services everything else."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ErrorSerializer, Pagination, parse_body
from workflow import policy
from workflow.errors import NotVisible

from . import publicity
from . import publicity_serializers as ps
from .models import WelfareRequest

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class CanReadPublicity(BasePermission):
    """The policy table's answer (members, the union office, auditors, admins)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return policy.allows(WelfareRequest(), "view_publicity", request.user, state="")


@extend_schema_view(
    list=extend_schema(
        summary="困难补助公示：正在公示的申请（仅姓名、单位、类别、批准金额和公示期）",
        responses={200: ps.PublicityRowSerializer(many=True), 403: ErrorSerializer},
    )
)
class WelfarePublicityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ps.PublicityRowSerializer
    pagination_class = Pagination
    filter_backends: list[Any] = []
    permission_classes = [IsAuthenticated, CanReadPublicity]

    def get_queryset(self) -> QuerySet[WelfareRequest]:
        return publicity.publicity_list_for(user=self.request.user).select_related("applicant__profile", "unit")


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotVisible() from None


# The objection endpoints under /welfare-requests/{id}/, mixed into WelfareRequestViewSet (a
# comment, not a docstring: drf-spectacular would describe every operation of the viewset with
# it). Raising looks the request up on the notice as well as among the caller's own requests:
# a member objects to a colleague's request they otherwise may not open.
class PublicityActionsMixin:
    @extend_schema(
        summary="对公示中的困难补助提出异议（工会会员实名；校工会可代为登记电话或来信异议）",
        request=ps.ObjectionRaiseRequest,
        responses={201: ps.ObjectionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="objections", url_name="objections")
    def objections(self, request: Request, pk: Any = None) -> Response:
        item = publicity.objection_target(user=request.user, pk=_pk(pk))
        data = parse_body(ps.ObjectionRaiseRequest, request.data)
        objection = publicity.objection_raise(user=request.user, request=item, text=data.get("text", ""))
        return Response(ps.ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="处理公示异议（校工会办公室）：成立则申请退回经办人重新答复；处理意见必填",
        request=ps.ObjectionResolveRequest,
        responses={200: ps.ObjectionSerializer, **ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"objections/(?P<oid>[0-9]+)/resolve",
        url_name="objection-resolve",
    )
    def resolve_objection(self, request: Request, pk: Any = None, oid: str = "") -> Response:
        item = self.get_object()  # type: ignore[attr-defined]  # the viewset's: visible requests only
        objection = item.objections.filter(pk=int(oid)).first()
        if objection is None:
            raise NotVisible()
        data = parse_body(ps.ObjectionResolveRequest, request.data)
        resolved = publicity.objection_resolve(
            user=request.user, objection=objection, upheld=data["upheld"], resolution=data.get("resolution", "")
        )
        return Response(ps.ObjectionSerializer(resolved).data)
