"""Forms: the proposal draft and each transition's payload. The transition
service validates every payload with these, so the pages and the API give the
same errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Department

from .models import AnswerClass, AssignmentRole, Category, Proposal, ProposalStatus, Satisfaction


def future(value: Any, message: Any) -> Any:
    """A deadline someone sets must lie ahead: one already past would start overdue notices and
    escalations the moment it is saved."""
    if value is not None and value <= timezone.now():
        raise forms.ValidationError(message, code="due_not_in_future")
    return value


class TransitionForm(forms.Form):
    def __init__(self, *args: Any, item: Any = None, user: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.item, self.user = item, user


class RejectForm(TransitionForm):
    reason = forms.CharField(label=_("不立案理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ReturnForm(TransitionForm):
    reason = forms.CharField(label=_("退回理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class SendBackForm(TransitionForm):
    note = forms.CharField(label=_("退回修改意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class MergeForm(TransitionForm):
    into = forms.ModelChoiceField(label=_("并入提案"), queryset=Proposal.objects.none())

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        qs = Proposal.objects.filter(
            status__in=[ProposalStatus.SUBMITTED, ProposalStatus.REVIEWED, ProposalStatus.ASSIGNED]
        )
        if self.item is not None:
            qs = qs.filter(session_id=self.item.session_id).exclude(pk=self.item.pk)
        self.fields["into"].queryset = qs.order_by("number", "id")  # type: ignore[attr-defined]
        self.fields["into"].error_messages["invalid_choice"] = _("只能并入同一次会议中尚在办理的其他提案。")


class AssignForm(TransitionForm):
    lead_department = forms.ModelChoiceField(label=_("主办单位"), queryset=Department.objects.all())
    co_departments = forms.ModelMultipleChoiceField(
        label=_("协办单位"), queryset=Department.objects.all(), required=False
    )
    due = forms.DateTimeField(label=_("办理期限"), required=False)

    def clean_due(self) -> Any:
        return future(self.cleaned_data.get("due"), _("办理期限必须晚于当前时间。"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead, co = data.get("lead_department"), list(data.get("co_departments") or [])
        if lead is not None and lead in co:
            self.add_error("co_departments", _("主办单位不能同时作为协办单位。"))
        if self.item is not None and lead is not None:
            active_lead = (
                self.item.current_assignments().filter(role=AssignmentRole.LEAD).exclude(status="returned").first()
            )
            if active_lead is not None and active_lead.department_id != lead.pk:
                self.add_error("lead_department", _("原主办单位仍在办理，不能更换主办单位。"))
        data["co_departments"] = co
        return data


class FeedbackForm(TransitionForm):
    # No choice is made for the proposer: a pre-selected 满意 would inflate the 满意率.
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("意见"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # What each choice does, as the lifecycle has it (Proposal.feedback).
        if self.item is not None and self.item.round >= 2:
            self.fields["satisfaction"].help_text = _(
                "请选择。满意或基本满意：提案办结。不满意：本提案已办理两轮，由提案工作委员会办结。"
            )
        else:
            self.fields["satisfaction"].help_text = _(
                "请选择。满意或基本满意：提案办结。不满意：退回承办单位重新办理一次。"
            )


class AnswerForm(TransitionForm):
    answer = forms.CharField(label=_("答复内容"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6}))
    answer_class = forms.ChoiceField(label=_("答复类别"), choices=[("", "---"), *AnswerClass.choices], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.item is not None and self.item.role == AssignmentRole.LEAD and not data.get("answer_class"):
            self.add_error("answer_class", _("主办单位答复须选择答复类别。"))
        return data


class ProposalForm(forms.ModelForm):
    class Meta:
        model = Proposal
        fields = ["session", "title", "category", "reason", "suggestion"]
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 6}),
            "suggestion": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()  # type: ignore[attr-defined]
        self.fields["session"].required = False


class SuperviseForm(TransitionForm):
    is_key = forms.BooleanField(label=_("列为重点提案（督办）"), required=False, initial=True)
    comment = forms.CharField(
        label=_("督办说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionRequestForm(TransitionForm):
    new_due = forms.DateTimeField(label=_("申请延至"))
    reason = forms.CharField(label=_("延期理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_new_due(self) -> Any:
        new_due = future(self.cleaned_data["new_due"], _("申请的期限必须晚于当前时间。"))
        if self.item is not None and self.item.due is not None and new_due <= self.item.due:
            raise forms.ValidationError(_("申请的期限必须晚于当前办理期限。"), code="extension_not_later")
        return new_due


class ExtensionRefuseForm(TransitionForm):
    reason = forms.CharField(label=_("不予延期的理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
