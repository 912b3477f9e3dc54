"""GET /api/v1/welfare-payouts/?from=YYYY-MM-DD&to=YYYY-MM-DD: 福利发放清单 as JSON, the same
rows as the page and the xlsx (welfare.payouts), the payee's ID number masked the same way and
every unmasked row logged with channel ``api``."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ErrorSerializer
from workflow import policy

from .models import AccessChannel, WelfareRequest
from .payouts import payout_list, payout_period


class PayoutRowSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="序号")
    request = serializers.IntegerField(source="request_id", help_text="福利申请 id")
    claim = serializers.IntegerField(source="claim_id", allow_null=True, help_text="医疗报销 id（报销行）")
    name = serializers.CharField(help_text="姓名")
    username = serializers.CharField(help_text="工号")
    unit = serializers.CharField(help_text="所在单位")
    category_key = serializers.CharField(help_text="申请类别代码；医疗报销为 claim")
    category = serializers.CharField(help_text="申请类别（五必访含慰问事由）")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="批准金额（元）")
    paid_on = serializers.DateField(help_text="办结日期（报销：核准日期），北京时间")
    id_number = serializers.CharField(help_text="身份证号码；无权查看时为 ***")


class CategoryTotalSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(source="label", help_text="申请类别")
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class PayoutListSerializer(serializers.Serializer):
    starts = serializers.DateField(source="period.starts", help_text="开始日期（含）")
    ends = serializers.DateField(source="period.ends", help_text="截止日期（含）")
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="合计金额（元）")
    by_category = CategoryTotalSerializer(many=True)
    rows = PayoutRowSerializer(many=True)


class WelfarePayoutsView(APIView):
    @extend_schema(
        summary="福利发放清单：期间内办结并批准金额的申请及核准的医疗报销（校工会办公室、审计）",
        parameters=[
            OpenApiParameter("from", str, OpenApiParameter.QUERY, description="开始日期 YYYY-MM-DD（含），缺省为本月"),
            OpenApiParameter("to", str, OpenApiParameter.QUERY, description="截止日期 YYYY-MM-DD（含），缺省为本月"),
        ],
        responses={200: PayoutListSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        policy.check(WelfareRequest(), "view_payouts", request.user, state="")
        period = payout_period(
            starts=request.query_params.get("from"), ends=request.query_params.get("to"), now=timezone.now()
        )
        payouts = payout_list(user=request.user, period=period, channel=AccessChannel.API, path=request.get_full_path())
        return Response(PayoutListSerializer(payouts).data)
