"""The API's shapes for sessions, proposals, assignments and their history.

Serializers only shape data: reads render what the selectors loaded, and
request serializers check that each field has the right JSON type. Every rule
(who, when, how long, which choices are allowed) is checked by the services
and the transition forms behind them.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.inputs import AwareDateTimeField
from workflow.services import available_transitions

from .models import (
    AnswerClass,
    Assignment,
    AssignmentStatus,
    Category,
    CongressSession,
    Proposal,
    Satisfaction,
)
from .selectors import AnswerReaders, DaysOverdue

# Reads -----------------------------------------------------------------------


def full_name(user: Any) -> str:
    profile = getattr(user, "profile", None)
    return (profile.full_name if profile else "") or user.get_full_name() or user.get_username()


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    full_name = serializers.SerializerMethodField()

    def get_full_name(self, user: Any) -> str:
        return full_name(user)


class RefSerializer(serializers.Serializer):
    """A related object by id and name (category, session, department)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name"]


class SessionSerializer(serializers.ModelSerializer):
    collection_opens = AwareDateTimeField()
    collection_closes = AwareDateTimeField()

    class Meta:
        model = CongressSession
        fields = ["id", "name", "code", "collection_opens", "collection_closes", "cosign_threshold"]
        read_only_fields = ["id"]


class SessionWriteSerializer(serializers.Serializer):
    """Types only; required fields, uniqueness and the window's order are the service's."""

    name = serializers.CharField(required=False, allow_blank=True)
    code = serializers.CharField(required=False, allow_blank=True)
    collection_opens = AwareDateTimeField(required=False)
    collection_closes = AwareDateTimeField(required=False)
    cosign_threshold = serializers.IntegerField(required=False)


def answer_class_field() -> serializers.ChoiceField:
    # "" until the department answers: part of the documented enum, so a client can rely on it.
    return serializers.ChoiceField(
        choices=AnswerClass.choices, allow_blank=True, read_only=True, help_text="A/B/C/D；尚未答复时为空字符串"
    )


class ReleasedAnswerMixin:
    """``answer`` and ``answer_class`` empty for a reader the answer is not yet released to
    (selectors.AnswerReaders), exactly as before the department answered."""

    def to_representation(self, instance: Assignment) -> dict[str, Any]:
        data = super().to_representation(instance)  # type: ignore[misc]
        context = self.context  # type: ignore[attr-defined]
        readers = context.get("answer_readers")
        if readers is None:
            request = context.get("request")
            readers = context["answer_readers"] = AnswerReaders(getattr(request, "user", None))
        siblings = None
        if "assignments" in getattr(instance.proposal, "_prefetched_objects_cache", {}):
            siblings = list(instance.proposal.assignments.all())
        if not readers(instance, siblings):
            data["answer"], data["answer_class"] = "", ""
        return data


class AssignmentRowSerializer(ReleasedAnswerMixin, serializers.ModelSerializer):
    """An assignment as listed inside its proposal."""

    department = RefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=AssignmentStatus.choices, read_only=True)
    answer_class = answer_class_field()

    class Meta:
        model = Assignment
        fields = ["id", "department", "role", "status", "due", "due_provisional", "round", "answer", "answer_class"]


def _current_assignments(proposal: Proposal) -> list[Assignment]:
    # From the prefetched rows, so a page of proposals costs no query per row.
    return [
        a for a in proposal.assignments.all() if a.round == proposal.round and a.status != AssignmentStatus.RETURNED
    ]


class ProposalSerializer(serializers.ModelSerializer):
    """A proposal as a list row."""

    category = RefSerializer(read_only=True)
    session = RefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    proposer = PersonSerializer(read_only=True)
    co_proposers = PersonSerializer(many=True, read_only=True)
    cosigners = serializers.SerializerMethodField()
    lead_department = serializers.SerializerMethodField()
    co_departments = serializers.SerializerMethodField()
    assignments = AssignmentRowSerializer(many=True, read_only=True)
    merged_into = serializers.IntegerField(source="merged_into_id", read_only=True, allow_null=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "number",
            "title",
            "category",
            "reason",
            "suggestion",
            "session",
            "status",
            "status_display",
            "proposer",
            "co_proposers",
            "cosigners",
            "lead_department",
            "co_departments",
            "assignments",
            "due",
            "due_provisional",
            "is_key",
            "is_suggestion",
            "merged_into",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(many=True))
    def get_cosigners(self, proposal: Proposal) -> list[dict[str, Any]]:
        return [PersonSerializer(sig.delegate).data for sig in proposal.cosignatures.all()]

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_lead_department(self, proposal: Proposal) -> dict[str, Any] | None:
        lead = next((a for a in _current_assignments(proposal) if a.role == "lead"), None)
        return RefSerializer(lead.department).data if lead else None

    @extend_schema_field(RefSerializer(many=True))
    def get_co_departments(self, proposal: Proposal) -> list[dict[str, Any]]:
        return [RefSerializer(a.department).data for a in _current_assignments(proposal) if a.role == "co"]


class ProposalDetailSerializer(ProposalSerializer):
    available_transitions = serializers.SerializerMethodField()

    class Meta(ProposalSerializer.Meta):
        fields = [*ProposalSerializer.Meta.fields, "available_transitions"]
        read_only_fields = fields

    def get_available_transitions(self, proposal: Proposal) -> list[str]:
        return available_transitions(proposal, self.context["request"].user)


class ProposalRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Proposal
        fields = ["id", "number", "title", "status"]
        read_only_fields = fields


class AssignmentSerializer(ReleasedAnswerMixin, serializers.ModelSerializer):
    """An assignment in the department's inbox."""

    proposal = ProposalRefSerializer(read_only=True)
    department = RefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=AssignmentStatus.choices, read_only=True)
    answer_class = answer_class_field()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    days_overdue = serializers.SerializerMethodField(
        help_text="逾期工作日数（尚未到期时为负数，即剩余工作日）；已办结或无期限时为 null"
    )
    # Annotated by proposals.selectors.with_escalation_level.
    escalation_level = serializers.IntegerField(
        read_only=True, help_text="催办升级级别：0 未升级，1 已报承办单位负责人，2 已报校工会"
    )

    class Meta:
        model = Assignment
        fields = [
            "id",
            "proposal",
            "department",
            "role",
            "round",
            "status",
            "status_display",
            "due",
            "due_provisional",
            "days_overdue",
            "escalation_level",
            "return_reason",
            "revision_note",
            "answer",
            "answer_class",
            "answered_at",
            "approved_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_days_overdue(self, assignment: Assignment) -> int | None:
        if not assignment.awaits_department:
            return None
        days = self.context.get("days_overdue") or DaysOverdue(timezone.now())
        return days(assignment.due)


class AssignmentDetailSerializer(AssignmentSerializer):
    available_transitions = serializers.SerializerMethodField()

    class Meta(AssignmentSerializer.Meta):
        fields = [*AssignmentSerializer.Meta.fields, "available_transitions"]
        read_only_fields = fields

    def get_available_transitions(self, assignment: Assignment) -> list[str]:
        return available_transitions(assignment, self.context["request"].user)


class HistoryEntrySerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = PersonSerializer(allow_null=True)
    action = serializers.CharField()
    transition = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    comment = serializers.CharField()
    payload = serializers.JSONField()
    hash = serializers.CharField()


class SimilarProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="proposal.id")
    number = serializers.CharField(source="proposal.number")
    title = serializers.CharField(source="proposal.title")
    status = serializers.CharField(source="proposal.status")
    score = serializers.FloatField()


# Request bodies ---------------------------------------------------------------


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}], "description": "类别 id 或名称"})
class CategoryRefField(serializers.Field):
    """A category by id or by name; a name nobody knows goes on to the form, which names the bad choice."""

    default_error_messages = {"invalid": _("请填写类别的 id 或名称。")}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, int) or data.strip().isdigit():
            return int(data)
        pk = Category.objects.filter(name=data.strip()).values_list("pk", flat=True).first()
        return pk if pk is not None else data

    def to_representation(self, value: Any) -> Any:
        return value


def _text() -> serializers.CharField:
    # Blank passes here so the form reports "required" in its own words; max lengths are the form's.
    return serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class ProposalWriteSerializer(serializers.Serializer):
    title = _text()
    category = CategoryRefField(required=False)
    reason = _text()
    suggestion = _text()
    # Leave it out for the session collecting now; null is refused so a PATCH can't unset it.
    session = serializers.IntegerField(required=False)


class InviteSerializer(serializers.Serializer):
    delegates = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


# Transition payloads: the JSON types of each transition form's fields. A test
# keeps these in step with Proposal.transition_forms and Assignment.transition_forms.


class EmptyPayload(serializers.Serializer):
    pass


class NotePayload(serializers.Serializer):
    note = _text()


class ReasonPayload(serializers.Serializer):
    reason = _text()


class MergePayload(serializers.Serializer):
    into = serializers.IntegerField(required=False, help_text="并入的提案 id")


class AssignPayload(serializers.Serializer):
    lead_department = serializers.IntegerField(required=False, help_text="主办单位 id")
    co_departments = serializers.ListField(child=serializers.IntegerField(), required=False, help_text="协办单位 id")
    due = AwareDateTimeField(required=False, allow_null=True)


class FeedbackPayload(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False)
    comment = _text()


class AnswerPayload(serializers.Serializer):
    answer = _text()
    answer_class = serializers.ChoiceField(choices=AnswerClass.choices, required=False, allow_blank=True)


class SupervisePayload(serializers.Serializer):
    is_key = serializers.BooleanField(required=False, help_text="true 列为重点提案（督办），false 取消")
    comment = _text()


class ExtensionRequestPayload(serializers.Serializer):
    new_due = AwareDateTimeField(required=False, help_text="申请延至（带时区偏移）")
    reason = _text()


PROPOSAL_PAYLOADS: dict[str, type[serializers.Serializer]] = {
    "reject": ReasonPayload,
    "merge": MergePayload,
    "assign": AssignPayload,
    "feedback": FeedbackPayload,
    "supervise": SupervisePayload,
}
ASSIGNMENT_PAYLOADS: dict[str, type[serializers.Serializer]] = {
    "return": ReasonPayload,
    "send_back": NotePayload,
    "answer": AnswerPayload,
    "request_extension": ExtensionRequestPayload,
    "refuse_extension": ReasonPayload,
}


class ProposalTransitionRequest(serializers.Serializer):
    """Every field any proposal transition takes; each transition accepts only its own."""

    reason = serializers.CharField(required=False, help_text="reject：不立案理由")
    into = serializers.IntegerField(required=False, help_text="merge：并入的提案 id")
    lead_department = serializers.IntegerField(required=False, help_text="assign：主办单位 id")
    co_departments = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="assign：协办单位 id"
    )
    due = serializers.DateTimeField(required=False, allow_null=True, help_text="assign：办理期限（带时区偏移）")
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False, help_text="feedback：满意度")
    comment = serializers.CharField(required=False, help_text="feedback：意见；supervise：督办说明")
    is_key = serializers.BooleanField(required=False, help_text="supervise：是否列为重点提案")


class AssignmentTransitionRequest(serializers.Serializer):
    note = serializers.CharField(required=False, help_text="send_back：退回修改意见")
    reason = serializers.CharField(
        required=False, help_text="return：退回理由；request_extension / refuse_extension：理由"
    )
    answer = serializers.CharField(required=False, help_text="answer：答复内容")
    answer_class = serializers.ChoiceField(choices=AnswerClass.choices, required=False, help_text="answer：答复类别")
    new_due = serializers.DateTimeField(required=False, help_text="request_extension：申请延至（带时区偏移）")
