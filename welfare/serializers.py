"""The API's shapes for welfare requests, their transitions and the sensitive-access log.

Reads render what the selector loaded, with the sensitive fields masked as welfare.privacy
decided (the view passes the ids to show unmasked in the context as ``unmasked``). Request
serializers check JSON types only; welfare/forms.py judges the values, behind the service
and the transition service, so pages and the API give the same field errors.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from proposals.serializers import PersonSerializer, RefSerializer
from workflow.services import available_transitions

from .models import AccessChannel, SensitiveAccess, VisitReason, WelfareKind, WelfareRequest, WelfareStatus
from .privacy import MASK, masked

_MASK_HELP = f"敏感信息：无权查看者得到 {MASK}"


class WelfareRequestSerializer(serializers.ModelSerializer):
    """A request as a list row."""

    kind = serializers.ChoiceField(choices=WelfareKind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.ChoiceField(choices=WelfareStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    visit_reason = serializers.ChoiceField(choices=VisitReason.choices, read_only=True, allow_blank=True)
    applicant = PersonSerializer(read_only=True)
    filed_by = PersonSerializer(read_only=True)
    unit = RefSerializer(read_only=True)
    handler = PersonSerializer(read_only=True, allow_null=True)
    # Strings, since a masked value is "***" whatever the field's type.
    diagnosis = serializers.CharField(read_only=True, help_text=_MASK_HELP)
    income = serializers.CharField(read_only=True, allow_null=True, help_text=f"{_MASK_HELP}；否则为金额（元）")
    id_number = serializers.CharField(read_only=True, help_text=_MASK_HELP)

    class Meta:
        model = WelfareRequest
        fields = [
            "id",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "title",
            "description",
            "amount_requested",
            "diagnosis",
            "income",
            "id_number",
            "visit_reason",
            "event_date",
            "family_situation",
            "years_of_service",
            "last_recuperation_year",
            "child_name",
            "enrolment_year",
            "applicant",
            "filed_by",
            "unit",
            "review_comment",
            "reviewed_at",
            "reject_reason",
            "handler",
            "approved",
            "amount_approved",
            "answer",
            "standard_override_reason",
            "decided_at",
            "created_at",
            "submitted_at",
            "closed_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: WelfareRequest) -> dict[str, Any]:
        data = super().to_representation(instance)
        # Masked unless the view said otherwise: a caller that forgets to decide shows nothing.
        return masked(data, unmasked=instance.pk in self.context.get("unmasked", ()))


class WelfareRequestDetailSerializer(WelfareRequestSerializer):
    available_transitions = serializers.SerializerMethodField()

    class Meta(WelfareRequestSerializer.Meta):
        fields = [*WelfareRequestSerializer.Meta.fields, "available_transitions"]
        read_only_fields = fields

    def get_available_transitions(self, request: WelfareRequest) -> list[str]:
        return available_transitions(request, self.context["request"].user)


class SensitiveAccessSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)
    request = serializers.IntegerField(source="request_id", read_only=True, help_text="福利申请 id")
    # Not "fields": that name is the serializer's own attribute.
    field_names = serializers.ListField(
        source="fields", child=serializers.CharField(), read_only=True, help_text="以明文提供的敏感字段"
    )
    channel = serializers.ChoiceField(choices=AccessChannel.choices, read_only=True)

    class Meta:
        model = SensitiveAccess
        fields = ["id", "at", "user", "request", "field_names", "channel", "path"]
        read_only_fields = fields


# Request bodies ---------------------------------------------------------------


def _text() -> serializers.CharField:
    # Blank passes here so the form reports "required" in its own words; max lengths are the form's.
    return serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


def _amount() -> serializers.DecimalField:
    # Digits and the minimum are the form's (the model's field); here only "a number".
    return serializers.DecimalField(max_digits=None, decimal_places=None, required=False, allow_null=True)


def _year() -> serializers.IntegerField:
    return serializers.IntegerField(required=False, allow_null=True)


class WelfareRequestWriteSerializer(serializers.Serializer):
    applicant = serializers.IntegerField(
        required=False, help_text="代录（校工会办公室）：申请人的用户 id；不填则为本人申请"
    )
    kind = serializers.ChoiceField(choices=WelfareKind.choices, required=False)
    title = _text()
    description = _text()
    amount_requested = _amount()
    diagnosis = _text()
    income = _amount()
    id_number = _text()
    visit_reason = serializers.ChoiceField(choices=VisitReason.choices, required=False, allow_blank=True)
    event_date = serializers.DateField(required=False, allow_null=True)
    family_situation = _text()
    years_of_service = _year()
    last_recuperation_year = _year()
    child_name = _text()
    enrolment_year = _year()


# Transition payloads: the JSON types of each transition form's fields. A test keeps
# these in step with WelfareRequest.transition_forms.


class EmptyPayload(serializers.Serializer):
    pass


class ReviewPayload(serializers.Serializer):
    comment = _text()


class RejectPayload(serializers.Serializer):
    reason = _text()


class AssignPayload(serializers.Serializer):
    handler = serializers.IntegerField(required=False, help_text="经办人（校工会办公室工作人员）的用户 id")


class AnswerPayload(serializers.Serializer):
    approved = serializers.BooleanField(required=False, allow_null=True)
    amount = _amount()
    answer = _text()
    override_reason = _text()


WELFARE_PAYLOADS: dict[str, type[serializers.Serializer]] = {
    "review": ReviewPayload,
    "reject": RejectPayload,
    "assign": AssignPayload,
    "answer": AnswerPayload,
}
WELFARE_TRANSITIONS = ["submit", "review", "reject", "assign", "answer", "close", "withdraw"]


class WelfareTransitionRequest(serializers.Serializer):
    """Every field any welfare transition takes; each transition accepts only its own."""

    comment = serializers.CharField(required=False, help_text="review：审核意见")
    reason = serializers.CharField(required=False, help_text="reject：不予通过的理由")
    handler = serializers.IntegerField(required=False, help_text="assign：经办人（校工会办公室工作人员）的用户 id")
    approved = serializers.BooleanField(required=False, help_text="answer：是否批准")
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, help_text="answer：批准金额（元）"
    )
    answer = serializers.CharField(required=False, help_text="answer：答复意见")
    override_reason = serializers.CharField(
        required=False,
        help_text="answer：五必访批准金额超过慰问标准时，超出标准的理由（否则拒绝，code 为 above_standard）",
    )
