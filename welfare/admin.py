"""Admin: the union office edits the 慰问标准 (must-visit standard sums) here."""

from __future__ import annotations

from django.contrib import admin

from .models import VisitStandard


@admin.register(VisitStandard)
class VisitStandardAdmin(admin.ModelAdmin):
    list_display = ("visit_reason", "amount", "note", "updated_at")
    list_display_links = ("visit_reason",)
    list_editable = ("amount",)
    readonly_fields = ("updated_at",)
