"""Forms: filing a request and each transition's payload. The service and the transition
service validate with these, so pages and the API give the same field errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import Role
from org.roles import users_with_role

from .models import (
    ALL_KIND_FIELDS,
    KIND_FIELDS,
    RecuperationBatch,
    VisitReason,
    WelfareKind,
    WelfareRequest,
    visit_standard_exceeded,
)

# Kind-specific fields a kind must have (the rest of KIND_FIELDS are optional).
REQUIRED_FOR_KIND: dict[str, tuple[str, ...]] = {
    WelfareKind.HARDSHIP: ("family_situation", "income"),
    WelfareKind.MUST_VISIT: ("visit_reason", "event_date"),
    WelfareKind.RECUPERATION: ("years_of_service",),
    WelfareKind.CHILD_MEDICAL: ("child_name", "enrolment_year"),
    WelfareKind.OTHER: (),
}


class WelfareRequestForm(forms.ModelForm):
    """What the applicant (or the union office on their behalf) fills in."""

    class Meta:
        model = WelfareRequest
        fields = [
            "kind",
            "title",
            "description",
            "amount_requested",
            "diagnosis",
            "income",
            "id_number",
            *ALL_KIND_FIELDS,
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "diagnosis": forms.Textarea(attrs={"rows": 3}),
            "family_situation": forms.Textarea(attrs={"rows": 4}),
            "event_date": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_id_number(self) -> str:
        # People type the check character as x as often as X.
        return (self.cleaned_data.get("id_number") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind not in KIND_FIELDS:
            return data
        for name in REQUIRED_FOR_KIND[kind]:
            if data.get(name) in (None, ""):
                self.add_error(name, _("此类申请须填写此项。"))
        if (
            kind == WelfareKind.MUST_VISIT
            and data.get("visit_reason") == VisitReason.ILLNESS
            and not data.get("diagnosis")
        ):
            self.add_error("diagnosis", _("因病慰问须填写病情诊断。"))
        # No override when filing: only the union office may go above the standard, when it answers.
        above = visit_standard_exceeded(kind, data.get("visit_reason") or "", data.get("amount_requested"))
        if above is not None and "amount_requested" not in self.errors:
            self.add_error("amount_requested", above.above_message())
        # Another kind's fields (left over when the kind was changed on the page) are dropped,
        # so a row only ever carries the fields of its own kind.
        for name in set(ALL_KIND_FIELDS) - set(KIND_FIELDS[kind]):
            data[name] = self.instance._meta.get_field(name).get_default()
        return data


class TransitionForm(forms.Form):
    def __init__(self, *args: Any, item: Any = None, user: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.item, self.user = item, user


class ReviewForm(TransitionForm):
    comment = forms.CharField(
        label=_("审核意见"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RejectForm(TransitionForm):
    reason = forms.CharField(label=_("不予通过的理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(TransitionForm):
    handler: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("经办人"),
        queryset=None,
        error_messages={"invalid_choice": _("只能分派给校工会办公室的工作人员。")},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Evaluated per form: people gain and lose the role between requests.
        self.fields["handler"].queryset = users_with_role(Role.UNION_OFFICE).order_by("pk")  # type: ignore[attr-defined]


class AnswerForm(TransitionForm):
    approved = forms.NullBooleanField(label=_("是否批准"))
    amount = forms.DecimalField(
        label=_("批准金额（元）"), max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    answer = forms.CharField(label=_("答复意见"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    # Checked by WelfareRequest.answer_ (code above_standard) against the request's 慰问标准.
    override_reason = forms.CharField(
        label=_("超出慰问标准的理由"),
        help_text=_("五必访批准金额超过慰问标准时必填。"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # 疗休养 only: the batch an approved request is allotted to. Any batch of the request's year
    # validates here; welfare.recuperation.recuperation_allot requires one when approving and
    # refuses a full one (batch_full). The select offers only those with places left.
    batch = forms.ModelChoiceField(
        label=_("疗休养批次"),
        queryset=RecuperationBatch.objects.none(),
        required=False,
        help_text=_("批准疗休养申请时必选。"),
        error_messages={"invalid_choice": _("请选择本申请年度的疗休养批次。")},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.item is None or self.item.kind != WelfareKind.RECUPERATION:
            del self.fields["batch"]
            return
        from .recuperation import batch_choices, request_year

        year = request_year(self.item)
        field = self.fields["batch"]
        field.queryset = RecuperationBatch.objects.filter(year=year)  # type: ignore[attr-defined]
        field.choices = batch_choices(year=year, keep=self.data.get("batch"))  # type: ignore[attr-defined]

    def _trip_only(self) -> bool:
        # An approved 疗休养 is a place on a batch the union pays for; a sum (a travel
        # allowance paid to the member, and then on the payout list) is optional.
        return self.item is not None and self.item.kind == WelfareKind.RECUPERATION

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        approved, amount = data.get("approved"), data.get("amount")
        if approved is None and "approved" not in self.errors:
            self.add_error("approved", _("请选择批准或不批准。"))
        elif approved and amount is None and "amount" not in self.errors and not self._trip_only():
            self.add_error("amount", _("批准时须填写批准金额。"))
        elif approved is False and amount is not None:
            self.add_error("amount", _("不批准时不填写金额。"))
        return data
