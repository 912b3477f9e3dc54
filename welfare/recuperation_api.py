"""REST endpoints for the recuperation quota (per year) and its batches.

Anyone who may file a request (and the union office, auditors, admins) reads them: places,
dates and destinations, never who is allotted. Only the union office writes, through the
services in welfare.recuperation, which answer with the same field errors as the pages.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ErrorSerializer, Pagination, parse_body
from config.inputs import BoundedFilterSet
from workflow import policy

from . import recuperation as r
from .models import RecuperationBatch, RecuperationQuota, WelfareRequest
from .recuperation_serializers import BatchSerializer, BatchWriteSerializer, QuotaSerializer, QuotaWriteSerializer

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class PolicyPermission(BasePermission):
    """Reads: the policy's ``view_recuperation_plan``; writes: the view's ``manage_action``.
    Asked before the body is read, so a caller without the right learns nothing from it."""

    def has_permission(self, request: Any, view: Any) -> bool:
        action = "view_recuperation_plan" if request.method in ("GET", "HEAD", "OPTIONS") else view.manage_action
        return policy.allows(WelfareRequest(), action, request.user, state="")


class YearFilter(BoundedFilterSet):
    year = django_filters.NumberFilter(field_name="year", label="年度")


class QuotaFilter(YearFilter):
    class Meta:
        model = RecuperationQuota
        fields: list[str] = []


class BatchFilter(YearFilter):
    class Meta:
        model = RecuperationBatch
        fields: list[str] = []


def _fresh(qs: QuerySet, pk: Any) -> Any:
    return qs.get(pk=pk)


@extend_schema_view(
    list=extend_schema(summary="疗休养名额（按年度，含已占用和剩余名额）", responses={200: QuotaSerializer(many=True)}),
    retrieve=extend_schema(summary="某年度的疗休养名额", responses={200: QuotaSerializer, 404: ErrorSerializer}),
)
class RecuperationQuotaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = QuotaSerializer
    pagination_class = Pagination
    filterset_class = QuotaFilter
    permission_classes = [IsAuthenticated, PolicyPermission]
    lookup_field = "year"
    lookup_value_regex = r"\d{4}"
    http_method_names = ["get", "post", "patch", "head", "options"]
    manage_action = "manage_quota"

    def get_queryset(self) -> QuerySet[RecuperationQuota]:
        return r.quotas_with_usage()

    @extend_schema(
        summary="公布某年度的疗休养名额（校工会办公室）；该年度已有名额时 409 quota_exists",
        request=QuotaWriteSerializer,
        responses={201: QuotaSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = parse_body(QuotaWriteSerializer, request.data)
        quota = r.recuperation_quota_create(user=request.user, **data)
        return Response(QuotaSerializer(_fresh(self.get_queryset(), quota.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改某年度的疗休养名额或条件（校工会办公室）；名额不能少于已占用的",
        request=QuotaWriteSerializer,
        responses={200: QuotaSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        quota = self.get_object()
        data = parse_body(QuotaWriteSerializer, request.data)
        quota = r.recuperation_quota_update(user=request.user, quota=quota, **data)
        return Response(QuotaSerializer(_fresh(self.get_queryset(), quota.pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="疗休养批次（可按年度筛选，含已分配和剩余人数）", responses={200: BatchSerializer(many=True)}
    ),
    retrieve=extend_schema(summary="疗休养批次详情", responses={200: BatchSerializer, 404: ErrorSerializer}),
)
class RecuperationBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BatchSerializer
    pagination_class = Pagination
    filterset_class = BatchFilter
    permission_classes = [IsAuthenticated, PolicyPermission]
    http_method_names = ["get", "post", "patch", "head", "options"]
    manage_action = "manage_batches"

    def get_queryset(self) -> QuerySet[RecuperationBatch]:
        return r.batches_with_allotted().order_by("year", "starts_on", "pk")

    @extend_schema(
        summary="新建疗休养批次（校工会办公室）",
        request=BatchWriteSerializer,
        responses={201: BatchSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = parse_body(BatchWriteSerializer, request.data)
        batch = r.recuperation_batch_create(user=request.user, **data)
        return Response(BatchSerializer(_fresh(self.get_queryset(), batch.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改疗休养批次（校工会办公室）；人数上限不能少于已分配人数",
        request=BatchWriteSerializer,
        responses={200: BatchSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = self.get_object()
        data = parse_body(BatchWriteSerializer, request.data)
        batch = r.recuperation_batch_update(user=request.user, batch=batch, **data)
        return Response(BatchSerializer(_fresh(self.get_queryset(), batch.pk)).data)
