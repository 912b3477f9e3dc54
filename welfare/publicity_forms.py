"""Forms of the publicity slice (welfare.publicity): the ``reconsider`` transition's payload,
and the pages' objection forms. The services judge; these lay the fields out and give pages
and the API the same field errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import TransitionForm
from .publicity import OBJECTION_MAX_LENGTH


class ReconsiderForm(TransitionForm):
    reason = forms.CharField(
        label=_("退回重新答复的理由"),
        help_text=_("理由将告知申请人和经办人，请勿写入异议人的姓名。"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("异议内容（实名）"),
        help_text=_("您的姓名仅校工会可见，不会告知申请人。"),
        max_length=OBJECTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("处理意见"),
        help_text=_("处理意见将告知申请人，请勿写入异议人的姓名。"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
