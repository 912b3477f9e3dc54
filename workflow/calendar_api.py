"""/api/v1/calendar/years/: the holiday schedule of each year, for the union office and admins.

GET lists the years the product counts with (last year to the year after next, and every
entered year) and says where each one's working days come from; POST enters a year,
PUT/PATCH /{year}/ corrects an entered one. The rules are workflow.calendar_years'.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ErrorSerializer, parse_body

from . import policy
from .calendar import YearSource, local_date
from .calendar_years import (
    FIRST_YEAR,
    LAST_YEAR,
    YearSchedule,
    calendar_year_enter,
    year_schedule,
    years_overview,
)
from .errors import Conflict, InvalidPayload, NotPermitted, NotVisible
from .models import EnteredYear


class YearScheduleSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    data_source = serializers.ChoiceField(
        choices=YearSource.choices,
        help_text="package 系统内置数据; entered 校工会录入; estimated 暂按预估法定节假日; weekends 暂按周末",
    )
    provisional = serializers.BooleanField(help_text="该年的期限是否暂按估算")
    basis = serializers.CharField(help_text="录入依据（仅录入的年份）")
    closed_days = serializers.ListField(child=serializers.DateField(), help_text="工作日中放假的日期")
    makeup_days = serializers.ListField(child=serializers.DateField(), help_text="周末调休上班的日期")
    entered_at = serializers.DateTimeField(allow_null=True)


class YearEntrySerializer(serializers.Serializer):
    """Types only; what the dates must be is the service's (workflow.calendar_years)."""

    year = serializers.IntegerField(required=False, help_text="创建时必填；更正时以地址中的年份为准")
    basis = serializers.CharField(
        required=False, allow_blank=True, help_text="例如：国务院办公厅关于2027年部分节假日安排的通知"
    )
    closed_days = serializers.ListField(child=serializers.DateField(), required=False, help_text="放假日（工作日）")
    makeup_days = serializers.ListField(child=serializers.DateField(), required=False, help_text="调休上班日（周末）")


class RecountSerializer(serializers.Serializer):
    recounted = serializers.IntegerField(help_text="重新计算的期限数")
    moved = serializers.IntegerField(help_text="其中日期有变的")


class EnteredYearSerializer(YearScheduleSerializer):
    recount = RecountSerializer()


def _data(schedule: YearSchedule) -> dict[str, Any]:
    return {
        "year": schedule.year,
        "data_source": schedule.source.value,
        "provisional": schedule.provisional,
        "basis": schedule.basis,
        "closed_days": schedule.closed_days,
        "makeup_days": schedule.makeup_days,
        "entered_at": schedule.entered.entered_at if schedule.entered else None,
    }


ERRORS = {400: ErrorSerializer, 403: ErrorSerializer}


def _year(text: str) -> int:
    """The year in the address: four digits, and one the product counts with (as on the year's
    page); year 0000 or 0999 names no schedule and is a 404, not a calendar computed for it."""
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotVisible()
    return year


@extend_schema_view(
    list=extend_schema(
        summary="各年份的节假日安排及其来源", responses={200: YearScheduleSerializer(many=True), **ERRORS}
    ),
    retrieve=extend_schema(summary="某一年的节假日安排", responses={200: YearScheduleSerializer, 404: ErrorSerializer}),
    create=extend_schema(
        summary="录入一年的放假安排（并重新计算暂定期限）",
        request=YearEntrySerializer,
        responses={201: EnteredYearSerializer, **ERRORS, 409: ErrorSerializer},
    ),
    update=extend_schema(
        summary="更正已录入年份的放假安排",
        request=YearEntrySerializer,
        responses={200: EnteredYearSerializer, **ERRORS, 404: ErrorSerializer},
    ),
    partial_update=extend_schema(
        summary="更正已录入年份的放假安排（只改所给字段）",
        request=YearEntrySerializer,
        responses={200: EnteredYearSerializer, **ERRORS, 404: ErrorSerializer},
    ),
)
class CalendarYearViewSet(viewsets.ViewSet):
    lookup_field = "year"
    lookup_value_regex = r"[0-9]{4}"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not policy.allows(EnteredYear(), "view", request.user, state=""):
            raise NotPermitted()

    def list(self, request: Request) -> Response:
        today = local_date(timezone.now())
        return Response([_data(s) for s in years_overview(today=today)])

    def retrieve(self, request: Request, year: str) -> Response:
        return Response(_data(year_schedule(_year(year))))

    def create(self, request: Request) -> Response:
        data = parse_body(YearEntrySerializer, request.data)
        if "year" not in data:
            raise InvalidPayload(fields={"year": [_("请填写年份。")]})
        if EnteredYear.objects.filter(year=data["year"]).exists():
            message = _("%(year)s年已录入，请用 PUT /api/v1/calendar/years/%(year)s/ 更正。") % data
            raise Conflict(message, code="year_entered", fields={"year": [message]})
        return self._enter(request, data["year"], data, status.HTTP_201_CREATED)

    def update(self, request: Request, year: str) -> Response:
        return self._correct(request, _year(year), partial=False)

    def partial_update(self, request: Request, year: str) -> Response:
        return self._correct(request, _year(year), partial=True)

    def _correct(self, request: Request, year: int, *, partial: bool) -> Response:
        data = parse_body(YearEntrySerializer, request.data)
        if "year" in data and data["year"] != year:
            raise InvalidPayload(fields={"year": [_("年份以地址中的为准，不能在更正时改动。")]})
        current = year_schedule(year)
        if current.entered is None:
            raise NotVisible(_("%(year)s年尚未录入，请先用 POST /api/v1/calendar/years/ 录入。") % {"year": year})
        if partial:
            data = {
                "basis": current.basis,
                "closed_days": current.closed_days,
                "makeup_days": current.makeup_days,
                **data,
            }
        return self._enter(request, year, data, status.HTTP_200_OK)

    def _enter(self, request: Request, year: int, data: dict[str, Any], code: int) -> Response:
        result = calendar_year_enter(
            user=request.user,
            year=year,
            basis=data.get("basis", ""),
            closed_days=data.get("closed_days", []),
            makeup_days=data.get("makeup_days", []),
        )
        body = _data(year_schedule(year))
        body["recount"] = {"recounted": result.recount.recounted, "moved": result.recount.moved}
        return Response(body, status=code)
