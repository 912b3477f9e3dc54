"""Forms of the union office's configuration: the year's recuperation quota, its batches and
the must-visit standards (慰问标准). The services (welfare.recuperation, welfare.standards)
validate with them, so the pages and the API give the same field errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from .models import RecuperationBatch, RecuperationQuota, VisitReason


def _at_least_one(field: forms.Field) -> None:
    field.validators.append(MinValueValidator(1))
    field.widget.attrs["min"] = 1


class QuotaForm(forms.ModelForm):
    class Meta:
        model = RecuperationQuota
        fields = ["year", "places", "min_years_of_service", "interval_years", "note"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _at_least_one(self.fields["places"])
        self.fields["interval_years"].help_text = _(
            "上次疗休养后须满的年数，如 3 表示 2023 年去过的 2026 年起可再申请。"
        )

    def validate_unique(self) -> None:
        # A second quota for a year is the service's Conflict (quota_exists), not a field error.
        pass


class BatchForm(forms.ModelForm):
    class Meta:
        model = RecuperationBatch
        fields = ["year", "name", "destination", "starts_on", "ends_on", "capacity", "note"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _at_least_one(self.fields["capacity"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("返回日期不能早于出发日期。"))
        year, name = data.get("year"), data.get("name")
        if year and name:
            same = RecuperationBatch.objects.filter(year=year, name=name).exclude(pk=self.instance.pk)
            if same.exists():
                self.add_error("name", _("该年度已有同名批次。"))
        return data


class VisitStandardForm(forms.Form):
    """One occasion's standard; an empty amount removes it (the occasion is then not capped)."""

    visit_reason = forms.ChoiceField(label=_("慰问事由"), choices=VisitReason.choices)
    amount = forms.DecimalField(
        label=_("慰问标准（元）"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("留空表示不设标准（不限额）。"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
