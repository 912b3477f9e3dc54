"""REST endpoints for sessions, categories, proposals and assignments.

Thin by design: the selectors decide what the caller may see (anything else
is a 404, checked before any service runs), the services and
``workflow.services.transition`` decide everything else and raise domain
errors that ``config.api.exception_handler`` turns into responses.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.widgets import BooleanWidget
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ErrorSerializer, Pagination, parse_body, reject_body
from config.inputs import BoundedFilterSet
from workflow import policy
from workflow.errors import InvalidPayload
from workflow.models import HistoryEntry
from workflow.services import transition

from . import serializers as s
from .models import Assignment, AssignmentStatus, Category, CongressSession, Proposal, ProposalStatus
from .selectors import (
    DUE_SOON_DAYS,
    DaysOverdue,
    assignment_list,
    assignments_due,
    proposal_list,
    with_escalation_level,
)
from .services import proposal_cosign, proposal_create, proposal_invite, proposal_update
from .sessions import session_create, session_update

ERRORS = {
    400: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}


def _name_param(names: list[str]) -> OpenApiParameter:
    return OpenApiParameter("name", str, OpenApiParameter.PATH, enum=names, description=_("流转名称"))


def _payload(serializers_by_name: dict[str, Any], name: str, data: Any) -> dict[str, Any]:
    """The transition's payload with its JSON types checked; the form behind the service judges the values."""
    return parse_body(serializers_by_name.get(name, s.EmptyPayload), data)


# Sessions and categories ----------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="教代会会议列表"),
    retrieve=extend_schema(summary="教代会会议"),
    create=extend_schema(
        summary="新建会议（校工会办公室、管理员）",
        request=s.SessionWriteSerializer,
        responses={201: s.SessionSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        summary="修改会议", request=s.SessionWriteSerializer, responses={200: s.SessionSerializer, **ERRORS}
    ),
)
class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.SessionSerializer
    pagination_class = Pagination
    queryset = CongressSession.objects.all()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request: Request) -> Response:
        policy.check(CongressSession(), "create", request.user, state="")  # who, before what they sent
        data = parse_body(s.SessionWriteSerializer, request.data)
        session = session_create(user=request.user, data=data)
        return Response(s.SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: Any = None) -> Response:
        session = self.get_object()
        policy.check(session, "edit", request.user, state="")
        data = parse_body(s.SessionWriteSerializer, request.data)
        session = session_update(session=session, user=request.user, data=data)
        return Response(s.SessionSerializer(session).data)


@extend_schema_view(list=extend_schema(summary="提案类别"))
class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CategorySerializer
    pagination_class = Pagination
    queryset = Category.objects.all()


# Proposals -------------------------------------------------------------------------


class ProposalFilter(BoundedFilterSet):
    status = django_filters.ChoiceFilter(choices=ProposalStatus.choices)
    session = django_filters.NumberFilter(field_name="session_id")
    category = django_filters.CharFilter(method="filter_category", label="类别 id 或名称")
    department = django_filters.NumberFilter(method="filter_department", label="承办单位 id")
    search = django_filters.CharFilter(method="filter_search", label="标题、案由或编号包含")

    class Meta:
        model = Proposal
        fields: list[str] = []

    def filter_category(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return qs.filter(category_id=int(value)) if value.isdigit() else qs.filter(category__name=value)

    def filter_department(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        handling = Assignment.objects.filter(department_id=value).exclude(status=AssignmentStatus.RETURNED)
        return qs.filter(pk__in=handling.values("proposal_id"))

    def filter_search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(title__icontains=value) | Q(reason__icontains=value) | Q(number__icontains=value))


PROPOSAL_TRANSITIONS = ["submit", "withdraw", "accept", "reject", "merge", "convert", "assign", "feedback", "close"]


@extend_schema_view(
    list=extend_schema(summary="提案列表（调用者可见的）"),
    retrieve=extend_schema(
        summary="提案详情，含调用者可执行的流转", responses={200: s.ProposalDetailSerializer, 404: ErrorSerializer}
    ),
)
class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pagination_class = Pagination
    filterset_class = ProposalFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Proposal]:
        qs = proposal_list(self.request.user)
        # The rows also show co-proposers; load them unless the selector already does (a second
        # Prefetch of the same lookup would raise).
        lookups = getattr(qs, "_prefetch_related_lookups", ())
        loaded = {getattr(lookup, "prefetch_to", lookup) for lookup in lookups}
        if "co_proposers" not in loaded:
            people = get_user_model().objects.select_related("profile")
            qs = qs.prefetch_related(Prefetch("co_proposers", queryset=people))
        return qs

    def get_serializer_class(self) -> type:
        return s.ProposalSerializer if self.action == "list" else s.ProposalDetailSerializer

    def _detail(self, proposal: models.Model, *, status_code: int = status.HTTP_200_OK) -> Response:
        """The proposal as it is now, with what the caller may do next."""
        # Grants may have changed in this request; don't answer from a stale permission cache.
        self.request.user.__dict__.pop("_guardian_checker", None)
        fresh = self.get_queryset().filter(pk=proposal.pk).first() or Proposal.objects.get(pk=proposal.pk)
        return Response(
            s.ProposalDetailSerializer(fresh, context=self.get_serializer_context()).data, status=status_code
        )

    @extend_schema(
        summary="新建提案草稿（代表）",
        request=s.ProposalWriteSerializer,
        responses={201: s.ProposalDetailSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    def create(self, request: Request) -> Response:
        data = parse_body(s.ProposalWriteSerializer, request.data)
        proposal = proposal_create(user=request.user, data=data)
        return self._detail(proposal, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改提案草稿（提案人）",
        request=s.ProposalWriteSerializer,
        responses={200: s.ProposalDetailSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        proposal = self.get_object()
        data = parse_body(s.ProposalWriteSerializer, request.data)
        return self._detail(proposal_update(proposal=proposal, user=request.user, data=data))

    @extend_schema(summary="附议", request=None, responses={200: s.ProposalDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def cosign(self, request: Request, pk: Any = None) -> Response:
        proposal = self.get_object()
        reject_body(request.data)
        proposal_cosign(proposal=proposal, user=request.user)
        return self._detail(proposal)

    @extend_schema(
        summary="邀请代表附议（提案人）",
        request=s.InviteSerializer,
        responses={200: s.ProposalDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def invite(self, request: Request, pk: Any = None) -> Response:
        proposal = self.get_object()
        ids = parse_body(s.InviteSerializer, request.data)["delegates"]
        delegates = list(get_user_model().objects.filter(pk__in=ids))
        missing = sorted(set(ids) - {d.pk for d in delegates})
        if missing:
            raise InvalidPayload(
                fields={"delegates": [_("用户不存在：%(ids)s") % {"ids": ", ".join(map(str, missing))}]}
            )
        proposal_invite(proposal=proposal, user=request.user, delegates=delegates)
        return self._detail(proposal)

    @extend_schema(
        summary="执行提案流转",
        parameters=[_name_param(PROPOSAL_TRANSITIONS)],
        request=s.ProposalTransitionRequest,
        responses={200: s.ProposalDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)", url_name="transition")
    def run_transition(self, request: Request, pk: Any = None, name: str = "") -> Response:
        proposal = self.get_object()
        payload = _payload(s.PROPOSAL_PAYLOADS, name, request.data)
        return self._detail(transition(proposal, name, request.user, **payload))

    @extend_schema(
        summary="流转记录",
        filters=False,
        responses={200: s.HistoryEntrySerializer(many=True), 404: ErrorSerializer},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: Any = None) -> Response:
        proposal = self.get_object()
        rows = HistoryEntry.objects.for_item(proposal).select_related("actor__profile").order_by("seq")
        return Response(s.HistoryEntrySerializer(rows, many=True).data)

    @extend_schema(
        summary="疑似重复提案（提案工作委员会）",
        filters=False,
        responses={200: s.SimilarProposalSerializer(many=True), 403: ErrorSerializer, 404: ErrorSerializer},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def similar(self, request: Request, pk: Any = None) -> Response:
        proposal = self.get_object()
        policy.check(proposal, "similar", request.user)
        from .similarity import similar_proposals  # written alongside; loaded only when asked

        found = [{"proposal": p, "score": float(score)} for p, score in similar_proposals(proposal, limit=10)]
        return Response(s.SimilarProposalSerializer(found, many=True).data)


# Assignments -----------------------------------------------------------------------


class AssignmentFilter(BoundedFilterSet):
    status = django_filters.ChoiceFilter(choices=AssignmentStatus.choices)
    department = django_filters.NumberFilter(field_name="department_id")
    proposal = django_filters.NumberFilter(field_name="proposal_id")
    overdue = django_filters.BooleanFilter(method="filter_due", widget=BooleanWidget, label="1：仅已逾期未办结的")
    due_soon = django_filters.BooleanFilter(
        method="filter_due", widget=BooleanWidget, label=f"1：仅{DUE_SOON_DAYS}个工作日内到期的"
    )

    class Meta:
        model = Assignment
        fields: list[str] = []

    def filter_due(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        return qs  # both flags are applied together in filter_queryset: overdue=1&due_soon=1 means either

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        qs = super().filter_queryset(queryset)
        overdue, due_soon = bool(self.form.cleaned_data.get("overdue")), bool(self.form.cleaned_data.get("due_soon"))
        if not (overdue or due_soon):
            return qs
        # Most overdue first.
        return assignments_due(qs, now=timezone.now(), overdue=overdue, due_soon=due_soon).order_by("due", "id")


ASSIGNMENT_TRANSITIONS = ["accept", "return", "answer", "approve", "send_back"]


@extend_schema_view(
    list=extend_schema(summary="交办列表（本单位的；委员会、校工会和审计可见全部）"),
    retrieve=extend_schema(summary="交办详情", responses={200: s.AssignmentDetailSerializer, 404: ErrorSerializer}),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pagination_class = Pagination
    filterset_class = AssignmentFilter

    def get_queryset(self) -> QuerySet[Assignment]:
        return with_escalation_level(assignment_list(self.request.user))

    def get_serializer_class(self) -> type:
        return s.AssignmentSerializer if self.action == "list" else s.AssignmentDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        # One working-day calendar for the whole page: days_overdue costs no query per row.
        return {**super().get_serializer_context(), "days_overdue": DaysOverdue(timezone.now())}

    @extend_schema(
        summary="执行交办流转",
        parameters=[_name_param(ASSIGNMENT_TRANSITIONS)],
        request=s.AssignmentTransitionRequest,
        responses={200: s.AssignmentDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)", url_name="transition")
    def run_transition(self, request: Request, pk: Any = None, name: str = "") -> Response:
        assignment = self.get_object()
        payload = _payload(s.ASSIGNMENT_PAYLOADS, name, request.data)
        transition(assignment, name, request.user, **payload)
        request.user.__dict__.pop("_guardian_checker", None)
        fresh = self.get_queryset().get(pk=assignment.pk)
        return Response(s.AssignmentDetailSerializer(fresh, context=self.get_serializer_context()).data)
