"""The API's shapes for welfare requests, their transitions and the sensitive-access log.

Reads render what the selector loaded, with the sensitive fields masked as welfare.privacy
decided (the view passes the ids to show unmasked in the context as ``unmasked``). Request
serializers check JSON types only; welfare/forms.py judges the values, behind the service
and the transition service, so pages and the API give the same field errors.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from proposals.serializers import PersonSerializer, RefSerializer
from workflow.services import available_transitions

from .models import (
    AccessChannel,
    MedicalClaim,
    SensitiveAccess,
    VisitReason,
    WelfareAttachment,
    WelfareKind,
    WelfareRequest,
    WelfareStatus,
)
from .privacy import MASK, masked
from .publicity_serializers import ObjectionCountsSerializer, ObjectionSerializer
from .recuperation_serializers import BatchRefSerializer

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
    family_situation = serializers.CharField(read_only=True, help_text=f"困难补助：家庭困难情况；{_MASK_HELP}")
    batch = BatchRefSerializer(read_only=True, allow_null=True, help_text="疗休养：分配的批次（批准后）")

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
            "recuperation_year",
            "batch",
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
    # 公示 (welfare.publicity): the window, and the objections as the caller may read them.
    objections = serializers.SerializerMethodField(
        help_text="公示异议（含异议人）：仅校工会办公室、审计监督和管理员可见，其他人为 null"
    )
    objection_counts = serializers.SerializerMethodField(help_text="公示异议的条数及其中待处理的条数")

    class Meta(WelfareRequestSerializer.Meta):
        fields = [
            *WelfareRequestSerializer.Meta.fields,
            "available_transitions",
            "publicity_starts",
            "publicity_ends",
            "objections",
            "objection_counts",
        ]
        read_only_fields = fields

    def get_available_transitions(self, request: WelfareRequest) -> list[str]:
        return available_transitions(request, self.context["request"].user)

    def _objections(self, request: WelfareRequest) -> dict[str, Any]:
        from .publicity import objections_of
        from .publicity_serializers import objection_summary

        cache = self.context.setdefault("_objections", {})
        if request.pk not in cache:
            cache[request.pk] = objection_summary(objections_of(user=self.context["request"].user, request=request))
        return cache[request.pk]

    @extend_schema_field(ObjectionSerializer(many=True, allow_null=True))
    def get_objections(self, request: WelfareRequest) -> Any:
        return self._objections(request)["objections"]

    @extend_schema_field(ObjectionCountsSerializer)
    def get_objection_counts(self, request: WelfareRequest) -> dict[str, int]:
        return self._objections(request)["objection_counts"]


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
    batch = serializers.IntegerField(required=False, allow_null=True, help_text="疗休养：批准时分配的批次 id")


class ReconsiderPayload(serializers.Serializer):
    reason = _text()


WELFARE_PAYLOADS: dict[str, type[serializers.Serializer]] = {
    "review": ReviewPayload,
    "reject": RejectPayload,
    "assign": AssignPayload,
    "answer": AnswerPayload,
    "reconsider": ReconsiderPayload,
}
WELFARE_TRANSITIONS = ["submit", "review", "reject", "assign", "answer", "close", "withdraw", "reconsider"]


class WelfareTransitionRequest(serializers.Serializer):
    """Every field any welfare transition takes; each transition accepts only its own."""

    comment = serializers.CharField(required=False, help_text="review：审核意见")
    reason = serializers.CharField(
        required=False, help_text="reject：不予通过的理由；reconsider：退回重新答复的理由（困难补助）"
    )
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
    batch = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="answer：疗休养批准时分配的批次 id（本年度且未满；满员时拒绝，code 为 batch_full）",
    )


# Confidential files and children's medical claims (welfare.attachments, welfare.claims) ---------

_FILE_HELP = "可打开时为下载地址；无权查看敏感信息者为 null（只见文件名和大小）"


class WelfareAttachmentSerializer(serializers.ModelSerializer):
    """A file's name and size for everyone who sees the request; its download link only for
    those who read the request's sensitive data (the view passes their request ids as
    ``may_open``)."""

    claim = serializers.IntegerField(source="claim_id", read_only=True, allow_null=True, help_text="收据所属报销 id")
    uploaded_by = PersonSerializer(read_only=True)
    download_url = serializers.SerializerMethodField(help_text=_FILE_HELP)

    class Meta:
        model = WelfareAttachment
        fields = ["id", "name", "content_type", "size", "claim", "uploaded_by", "created_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, f: WelfareAttachment) -> str | None:
        if f.request_id not in self.context.get("may_open", ()):
            return None
        return reverse("api:welfare-attachment-download", args=[f.pk])


class MedicalClaimSerializer(serializers.ModelSerializer):
    request = serializers.IntegerField(source="request_id", read_only=True, help_text="福利申请 id")
    status = serializers.ChoiceField(choices=MedicalClaim.Status.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    hospital = serializers.CharField(read_only=True, help_text=_MASK_HELP)
    description = serializers.CharField(read_only=True, help_text=_MASK_HELP)
    filed_by = PersonSerializer(read_only=True)
    decided_by = PersonSerializer(read_only=True, allow_null=True)
    receipts = WelfareAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = MedicalClaim
        fields = [
            "id",
            "request",
            "visit_date",
            "hospital",
            "amount_claimed",
            "description",
            "status",
            "status_display",
            "amount_approved",
            "decision_note",
            "decided_by",
            "decided_at",
            "filed_by",
            "created_at",
            "receipts",
        ]
        read_only_fields = fields

    def to_representation(self, instance: MedicalClaim) -> dict[str, Any]:
        data = super().to_representation(instance)
        # The hospital and the description are medical information: masked like the request's.
        if instance.request_id not in self.context.get("may_open", ()):
            data["hospital"] = MASK
            data["description"] = MASK if data["description"] else ""
        return data


class WelfareFileUpload(serializers.Serializer):
    file = serializers.FileField(help_text="PDF、JPG 或 PNG（按文件内容识别），不超过 10 MB")


class MedicalClaimUpload(serializers.Serializer):
    """multipart/form-data: the claim's fields, and one or more files under ``receipts``."""

    visit_date = serializers.DateField(help_text="就诊日期，须在参保年度内且不晚于今天")
    hospital = serializers.CharField(help_text="就诊医院")
    amount_claimed = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="报销金额（元）")
    description = serializers.CharField(required=False, allow_blank=True, help_text="说明")
    receipts = serializers.ListField(child=serializers.FileField(), help_text="收据或发票，至少一个")


class ClaimDecidePayload(serializers.Serializer):
    approved = serializers.BooleanField(required=False, allow_null=True, help_text="true 核准报销，false 不予报销")
    amount = _amount()
    note = _text()


class ClaimDecideRequest(serializers.Serializer):
    approved = serializers.BooleanField(help_text="true 核准报销，false 不予报销")
    amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="核准金额（元）：大于 0，不超过报销金额",
    )
    note = serializers.CharField(required=False, help_text="审核意见；不予报销时必填")
