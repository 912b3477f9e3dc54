"""Admin: the union office edits the 慰问标准 (must-visit standard sums) and the 办理时限
(working days each step of a request may take) here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .models import VisitStandard, WelfareTimeLimit


@admin.register(VisitStandard)
class VisitStandardAdmin(admin.ModelAdmin):
    list_display = ("visit_reason", "amount", "note", "updated_at")
    list_display_links = ("visit_reason",)
    list_editable = ("amount",)
    readonly_fields = ("updated_at",)


@admin.register(WelfareTimeLimit)
class WelfareTimeLimitAdmin(admin.ModelAdmin):
    """办理时限: working days per step and kind (welfare.deadlines). A changed limit applies
    to steps opened afterwards; a step under way keeps the due date it was given."""

    list_display = ("kind", "review_days", "assign_days", "answer_days")
    list_display_links = ("kind",)
    list_editable = ("review_days", "assign_days", "answer_days")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return [(None, {"fields": ("kind", "review_days", "assign_days", "answer_days"), "description": limits_help()})]


def limits_help() -> str:
    from .deadlines import DEFAULT_LIMITS
    from .models import WelfareKind

    defaults = "；".join(
        _("%(kind)s：审核%(review)s、分派%(assign)s、答复%(answer)s个工作日")
        % {"kind": WelfareKind(kind).label, "review": lim.review, "assign": lim.assign, "answer": lim.answer}
        for kind, lim in DEFAULT_LIMITS.items()
    )
    return _(
        "时限按工作日计算（不含周末和法定节假日，调休上班日计入），到期当日24时截止。"
        "未设置的类别使用默认时限（%(defaults)s）。"
        "修改后的时限只适用于此后开始的环节：已在办理中的环节保持原定期限，不会因修改而提前或推后。"
    ) % {"defaults": defaults}
