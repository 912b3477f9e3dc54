"""Forms of the confidential files and the children's medical claims. The services validate
with MedicalClaimForm, so the pages and the API give the same field errors; the file fields
only carry the uploads (welfare.attachments judges them by their content)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MedicalClaim

ACCEPT = ".pdf,.jpg,.jpeg,.png"


class _Laid(forms.Form):
    """Labels above their fields, with no colon."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class WelfareFileForm(_Laid):
    # Not required here: the service says what is wrong with a missing file, once.
    file = forms.FileField(
        label=_("上传证明材料"),
        required=False,
        help_text=_("如诊断证明、住院证明等。PDF、JPG 或 PNG，每个不超过 10 MB。"),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("auto_id", "id_wattach_%s")
        super().__init__(*args, **kwargs)


class MedicalClaimForm(forms.ModelForm):
    """What the applicant (or the union office for them) fills in for one claim."""

    class Meta:
        model = MedicalClaim
        fields = ["visit_date", "hospital", "amount_claimed", "description"]
        widgets = {
            "visit_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class MedicalClaimPageForm(MedicalClaimForm):
    """The page's form: the claim, plus its receipts (several files in one field)."""

    receipts = forms.FileField(
        label=_("收据或发票"),
        required=False,
        help_text=_("至少一张。PDF、JPG 或 PNG，每个不超过 10 MB，可多选。"),
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("auto_id", "id_claim_%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_receipts(self) -> Any:
        # The service checks every file; the form only passes them on.
        return self.files.getlist(self.add_prefix("receipts")) if self.files else []


class ClaimDecideForm(_Laid):
    """The union office's decision on one claim (welfare.claims.medical_claim_decide judges it)."""

    approved = forms.TypedChoiceField(
        label=_("审核结果"),
        choices=[("true", _("核准报销")), ("false", _("不予报销"))],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择核准报销或不予报销。")},
    )
    amount = forms.DecimalField(
        label=_("核准金额（元）"), max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    note = forms.CharField(
        label=_("审核意见"),
        help_text=_("不予报销时必填。"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
