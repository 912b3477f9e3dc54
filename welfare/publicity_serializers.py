"""The API's shapes of the publicity slice (welfare.publicity): the notice, an objection, and
the request bodies that raise and resolve one."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from org.selectors import person_name
from proposals.serializers import PersonSerializer, RefSerializer

from .models import PublicityObjection, WelfareKind, WelfareRequest


class PublicityRowSerializer(serializers.ModelSerializer):
    """One line of the notice (公示): deliberately nothing but the name, the unit, the kind,
    the sum approved and the dates. Never the title, the description, the family situation,
    the income, a diagnosis or an ID number."""

    applicant_name = serializers.SerializerMethodField(help_text="申请人姓名")
    unit = RefSerializer(read_only=True)
    kind = serializers.ChoiceField(choices=WelfareKind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = WelfareRequest
        fields = [
            "id",
            "applicant_name",
            "unit",
            "kind",
            "kind_display",
            "amount_approved",
            "publicity_starts",
            "publicity_ends",
        ]
        read_only_fields = fields

    def get_applicant_name(self, request: WelfareRequest) -> str:
        return person_name(request.applicant)


class ObjectionSerializer(serializers.ModelSerializer):
    """An objection in full, for those the policy lets read objections (``view_objections``:
    the union office, auditors, admins) and for its own author."""

    request = serializers.IntegerField(source="request_id", read_only=True, help_text="福利申请 id")
    status = serializers.ChoiceField(choices=PublicityObjection.Status.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    raised_by = PersonSerializer(read_only=True)
    resolved_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = PublicityObjection
        fields = [
            "id",
            "request",
            "status",
            "status_display",
            "text",
            "raised_by",
            "created_at",
            "resolution",
            "resolved_by",
            "resolved_at",
        ]
        read_only_fields = fields


class ObjectionCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(read_only=True)
    open = serializers.IntegerField(read_only=True)


class ObjectionRaiseRequest(serializers.Serializer):
    # Blank passes here so the service reports "required" in its own words.
    text = serializers.CharField(required=False, allow_blank=True, help_text="异议内容（实名；姓名仅校工会可见）")


class ObjectionResolveRequest(serializers.Serializer):
    upheld = serializers.BooleanField(help_text="true：异议成立，申请退回经办人重新答复；false：异议不成立")
    resolution = serializers.CharField(required=False, allow_blank=True, help_text="处理意见（必填，将告知申请人）")


def objection_summary(summary: Any) -> dict[str, Any]:
    """The detail serializer's two fields from a welfare.publicity.ObjectionSummary."""
    rows = ObjectionSerializer(summary.rows, many=True).data if summary.rows is not None else None
    return {"objections": rows, "objection_counts": {"total": summary.total, "open": summary.open}}
