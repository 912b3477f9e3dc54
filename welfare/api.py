"""REST endpoints for welfare requests and the log of who read their sensitive fields.

Thin, as proposals/api.py: the selector decides what the caller may see (anything else is a
404, checked before any service runs), welfare.services and workflow.services.transition
decide everything else, welfare.privacy decides the mask and logs what it unmasks.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ErrorSerializer, Pagination, parse_body, reject_unknown_fields
from config.inputs import BoundedFilterSet
from proposals.serializers import HistoryEntrySerializer
from workflow import policy
from workflow.errors import InvalidPayload, NotVisible
from workflow.models import HistoryEntry
from workflow.services import transition

from . import serializers as s
from .attachment_views import file_response
from .attachments import ACCEPTED as ACCEPTED_FILE_TYPES
from .attachments import welfare_attachment_add, welfare_attachment_serve, welfare_attachments_visible_to
from .claims import medical_claim_decide, medical_claim_file, medical_claims_visible_to
from .models import (
    AccessChannel,
    MedicalClaim,
    SensitiveAccess,
    WelfareAttachment,
    WelfareKind,
    WelfareRequest,
    WelfareStatus,
)
from .privacy import may_see_sensitive, sensitive_serve
from .publicity_api import PublicityActionsMixin
from .selectors import welfare_requests_visible_to
from .services import welfare_request_file

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class WelfareRequestFilter(BoundedFilterSet):
    kind = django_filters.ChoiceFilter(choices=WelfareKind.choices)
    status = django_filters.ChoiceFilter(choices=WelfareStatus.choices)
    unit = django_filters.NumberFilter(field_name="unit_id", label="所在单位 id")
    # Never the sensitive fields: a search on them would reveal masked values one guess at a time.
    search = django_filters.CharFilter(method="filter_search", label="标题或申请事由包含")

    class Meta:
        model = WelfareRequest
        fields: list[str] = []

    def filter_search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(title__icontains=value) | Q(description__icontains=value))


@extend_schema_view(
    list=extend_schema(
        summary="福利申请列表（调用者可见的；敏感字段按权限显示为 ***）",
        responses={200: s.WelfareRequestSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="福利申请详情，含调用者可执行的流转",
        responses={200: s.WelfareRequestDetailSerializer, 404: ErrorSerializer},
    ),
)
class WelfareRequestViewSet(
    PublicityActionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    pagination_class = Pagination
    filterset_class = WelfareRequestFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[WelfareRequest]:
        return welfare_requests_visible_to(self.request.user).select_related(
            "unit", "applicant__profile", "filed_by__profile", "handler__profile", "batch"
        )

    def get_serializer_class(self) -> type:
        return s.WelfareRequestSerializer if self.action == "list" else s.WelfareRequestDetailSerializer

    def _context(self, requests: list[WelfareRequest]) -> dict[str, Any]:
        """The serializer context, with the ids privacy lets this caller read unmasked (logged)."""
        unmasked = sensitive_serve(
            user=self.request.user,
            requests=requests,
            channel=AccessChannel.API,
            path=self.request.get_full_path(),
        )
        return {**self.get_serializer_context(), "unmasked": unmasked}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = list(self.paginate_queryset(self.filter_queryset(self.get_queryset())) or [])
        data = s.WelfareRequestSerializer(page, many=True, context=self._context(page)).data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def _detail(self, item: WelfareRequest, *, status_code: int = status.HTTP_200_OK) -> Response:
        """The request as it is now, with what the caller may do next."""
        # Grants may have changed in this request; don't answer from a stale permission cache.
        self.request.user.__dict__.pop("_guardian_checker", None)
        fresh = self.get_queryset().filter(pk=item.pk).first() or WelfareRequest.objects.get(pk=item.pk)
        serializer = s.WelfareRequestDetailSerializer(fresh, context=self._context([fresh]))
        return Response(serializer.data, status=status_code)

    @extend_schema(
        summary="提交福利申请（会员本人；校工会办公室可填 applicant 代录）",
        request=s.WelfareRequestWriteSerializer,
        responses={201: s.WelfareRequestDetailSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    def create(self, request: Request) -> Response:
        data = parse_body(s.WelfareRequestWriteSerializer, request.data)
        applicant_id = data.pop("applicant", None)
        applicant = None
        if applicant_id is not None and applicant_id != request.user.pk:
            applicant = self._applicant(applicant_id)
        item = welfare_request_file(user=request.user, applicant=applicant, **data)
        return self._detail(item, status_code=status.HTTP_201_CREATED)

    def _applicant(self, pk: int) -> Any:
        # Asked before looking the person up, so a caller without the right learns nothing about ids.
        policy.check(WelfareRequest(), "file_for_other", self.request.user, state="")
        applicant = get_user_model().objects.filter(pk=pk, is_active=True).select_related("profile").first()
        if applicant is None:
            raise InvalidPayload(fields={"applicant": [_("用户不存在：%(ids)s") % {"ids": pk}]})
        return applicant

    @extend_schema(
        summary="执行福利申请流转",
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=s.WELFARE_TRANSITIONS, description=_("流转名称"))
        ],
        request=s.WelfareTransitionRequest,
        responses={200: s.WelfareRequestDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)", url_name="transition")
    def run_transition(self, request: Request, pk: Any = None, name: str = "") -> Response:
        item = self.get_object()
        payload = parse_body(s.WELFARE_PAYLOADS.get(name, s.EmptyPayload), request.data)
        return self._detail(transition(item, name, request.user, **payload))  # type: ignore[arg-type]

    @extend_schema(
        summary="福利申请流转记录",
        filters=False,
        responses={200: HistoryEntrySerializer(many=True), 404: ErrorSerializer},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: Any = None) -> Response:
        item = self.get_object()
        rows = HistoryEntry.objects.for_item(item).select_related("actor__profile").order_by("seq")
        return Response(HistoryEntrySerializer(rows, many=True).data)

    # Confidential files and children's medical claims (welfare.attachments, welfare.claims).

    def _may_open(self, item: WelfareRequest) -> dict[str, Any]:
        return {
            **self.get_serializer_context(),
            "may_open": {item.pk} if may_see_sensitive(item, self.request.user) else set(),
        }

    @extend_schema(
        methods=["GET"],
        summary="福利申请的证明材料（文件名和大小；可查看敏感信息者另有下载地址）",
        filters=False,
        request=None,
        responses={200: s.WelfareAttachmentSerializer(many=True), 404: ErrorSerializer},
    )
    @extend_schema(
        methods=["POST"],
        summary="上传证明材料（multipart/form-data，字段 file：PDF、JPG 或 PNG）",
        request={"multipart/form-data": s.WelfareFileUpload},
        responses={201: s.WelfareAttachmentSerializer, **ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        parser_classes=[MultiPartParser, FormParser],
        url_path="attachments",
        url_name="attachments",
    )
    def attachments(self, request: Request, pk: Any = None) -> Response:
        item = self.get_object()
        if request.method == "POST":
            reject_unknown_fields(dict(request.data), ["file"])
            added = welfare_attachment_add(user=request.user, request=item, upload=request.FILES.get("file"))
            data = s.WelfareAttachmentSerializer(added, context=self._may_open(item)).data
            return Response(data, status=status.HTTP_201_CREATED)
        rows = (
            item.attachments.filter(claim__isnull=True)
            .select_related("uploaded_by__profile")
            .order_by("created_at", "id")
        )
        return Response(s.WelfareAttachmentSerializer(rows, many=True, context=self._may_open(item)).data)

    @extend_schema(
        methods=["GET"],
        summary="子女医疗统筹的报销记录，含收据",
        filters=False,
        request=None,
        responses={200: s.MedicalClaimSerializer(many=True), 404: ErrorSerializer},
    )
    @extend_schema(
        methods=["POST"],
        summary="提交医疗费用报销（multipart/form-data，收据放在 receipts，至少一个）",
        request={"multipart/form-data": s.MedicalClaimUpload},
        responses={201: s.MedicalClaimSerializer, **ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        parser_classes=[MultiPartParser, FormParser],
        url_path="claims",
        url_name="claims",
    )
    def claims(self, request: Request, pk: Any = None) -> Response:
        item = self.get_object()
        context = self._may_open(item)
        if request.method == "POST":
            reject_unknown_fields(dict(request.data), s.MedicalClaimUpload().fields)
            claim = medical_claim_file(
                user=request.user,
                request=item,
                receipts=request.FILES.getlist("receipts"),
                **{
                    name: request.data.get(name, "")
                    for name in ("visit_date", "hospital", "amount_claimed", "description")
                },
            )
            fresh = medical_claims_visible_to(request.user).get(pk=claim.pk)
            return Response(s.MedicalClaimSerializer(fresh, context=context).data, status=status.HTTP_201_CREATED)
        rows = medical_claims_visible_to(request.user).filter(request=item).order_by("created_at", "id")
        return Response(s.MedicalClaimSerializer(rows, many=True, context=context).data)


# The access log ------------------------------------------------------------------------


class CanReadAccessLog(BasePermission):
    """The policy table's answer (auditors and admins)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return policy.allows(SensitiveAccess(), "view", request.user, state="")


class SensitiveAccessFilter(BoundedFilterSet):
    request = django_filters.NumberFilter(field_name="request_id", label="福利申请 id")
    user = django_filters.NumberFilter(field_name="user_id", label="查看人的用户 id")
    channel = django_filters.ChoiceFilter(choices=AccessChannel.choices)

    class Meta:
        model = SensitiveAccess
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary="敏感信息查看记录（审计监督、管理员）",
        responses={200: s.SensitiveAccessSerializer(many=True), 403: ErrorSerializer},
    )
)
class SensitiveAccessViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.SensitiveAccessSerializer
    pagination_class = Pagination
    filterset_class = SensitiveAccessFilter
    permission_classes = [IsAuthenticated, CanReadAccessLog]
    queryset = SensitiveAccess.objects.select_related("user__profile").order_by("-at", "-id")


# Confidential files and medical claims by their own id ------------------------------------


class WelfareAttachmentViewSet(viewsets.GenericViewSet):
    """Only the download: listing and uploading are under the request
    (/welfare-requests/{id}/attachments/)."""

    serializer_class = s.WelfareAttachmentSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[WelfareAttachment]:
        return welfare_attachments_visible_to(self.request.user).select_related("request")

    @extend_schema(
        summary="下载证明材料或收据（可查看该申请敏感信息者；每次下载记入敏感信息查看记录）",
        # Served in the type read from the file's content when it was uploaded (ACCEPTED).
        responses={
            **{(200, t.content_type): OpenApiTypes.BINARY for t in ACCEPTED_FILE_TYPES},
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: Any = None) -> FileResponse:
        attachment = self.get_object()
        try:
            handle = welfare_attachment_serve(
                user=request.user, attachment=attachment, channel=AccessChannel.API, path=request.get_full_path()
            )
        except FileNotFoundError:
            raise NotVisible() from None
        return file_response(handle, attachment)


class MedicalClaimViewSet(viewsets.GenericViewSet):
    """Only the decision: a request's claims are listed and filed under the request
    (/welfare-requests/{id}/claims/)."""

    serializer_class = s.MedicalClaimSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[MedicalClaim]:
        return medical_claims_visible_to(self.request.user).select_related("request")

    @extend_schema(
        summary="审核医疗费用报销（校工会办公室）：核准金额大于 0 且不超过报销金额；不予报销须填写理由",
        request=s.ClaimDecideRequest,
        responses={200: s.MedicalClaimSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: Any = None) -> Response:
        claim = self.get_object()
        data = parse_body(s.ClaimDecidePayload, request.data)
        decided = medical_claim_decide(
            user=request.user,
            claim=claim,
            approved=data.get("approved"),
            amount=data.get("amount"),
            note=data.get("note", ""),
        )
        fresh = self.get_queryset().get(pk=decided.pk)
        may_open = {fresh.request_id} if may_see_sensitive(fresh.request, request.user) else set()
        context = {**self.get_serializer_context(), "may_open": may_open}
        return Response(s.MedicalClaimSerializer(fresh, context=context).data)
