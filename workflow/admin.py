"""Admin for the engine's tables: the history (read-only, always) and extra closed days."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    CalendarNotice,
    ChainCheck,
    ChainSeal,
    ClosedDay,
    Deadline,
    EnteredYear,
    HistoryEntry,
    HistoryHead,
    MakeUpWorkday,
    Reminder,
)
from .viewflow_admin import ProcessAdmin, TaskAdmin  # noqa: F401  (viewflow's models, in our labels)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    """The append-only, hash-chained history: nobody adds, changes or deletes a row,
    not even a superuser, or `verify_history` would find the chain broken."""

    list_display = ("at", "content_type", "object_id", "seq", "action", "actor", "from_state", "to_state")
    list_filter = ("content_type", "transition", "action")
    search_fields = ("action", "comment", "actor__username", "actor__profile__full_name", "=object_id")
    list_select_related = ("content_type", "actor")
    date_hierarchy = "at"
    ordering = ("-at", "-id")
    fields = (
        "content_type",
        "object_id",
        "seq",
        "at",
        "actor",
        "action",
        "transition",
        "from_state",
        "to_state",
        "comment",
        "payload",
        "payload_digest",
        "prev_hash",
        "hash",
        "scheme",
    )
    readonly_fields = fields


@admin.register(HistoryHead)
class HistoryHeadAdmin(ReadOnlyAdmin):
    """The newest hash of each item's chain, kept by `history.record` alone."""

    list_display = ("content_type", "object_id", "seq", "hash")
    list_select_related = ("content_type",)
    readonly_fields = ("content_type", "object_id", "seq", "hash")


@admin.register(ClosedDay)
class ClosedDayAdmin(admin.ModelAdmin):
    list_display = ("date", "reason")
    search_fields = ("reason",)
    date_hierarchy = "date"


@admin.register(MakeUpWorkday)
class MakeUpWorkdayAdmin(admin.ModelAdmin):
    list_display = ("date", "reason")
    search_fields = ("reason",)
    date_hierarchy = "date"


@admin.register(EnteredYear)
class EnteredYearAdmin(ReadOnlyAdmin):
    """Entered on the union office's page (/calendar/years/), which checks the entry whole and
    recounts the deadlines; an edit here would do neither."""

    list_display = ("year", "note", "entered_by", "entered_at")
    list_select_related = ("entered_by",)
    readonly_fields = ("year", "note", "entered_by", "entered_at")


@admin.register(CalendarNotice)
class CalendarNoticeAdmin(ReadOnlyAdmin):
    """The warnings that next year's holiday schedule is missing (workflow.calendar_years)."""

    list_display = ("year", "sent_on")
    readonly_fields = ("year", "sent_on")


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    """Opened and closed by transitions only; shown so admins can see what the sweep will do."""

    list_display = (
        "content_type",
        "object_id",
        "step",
        "due",
        "supervised",
        "escalation_level",
        "next_check_at",
        "closed_at",
    )
    list_filter = ("step", "supervised", "escalation_level")
    list_select_related = ("content_type",)
    date_hierarchy = "due"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("deadline", "rule", "level", "due", "fired_at")
    list_filter = ("rule", "level")
    list_select_related = ("deadline__content_type",)
    date_hierarchy = "fired_at"


@admin.register(ChainCheck)
class ChainCheckAdmin(ReadOnlyAdmin):
    """The history chain checks; auditors read them on /audit/history/."""

    list_display = ("requested_at", "requested_by", "finished_at", "rows_checked", "break_count")
    list_select_related = ("requested_by",)
    fields = (
        "requested_at",
        "requested_by",
        "started_at",
        "finished_at",
        "rows_checked",
        "items_checked",
        "break_count",
        "breaks",
    )
    readonly_fields = fields


@admin.register(ChainSeal)
class ChainSealAdmin(ReadOnlyAdmin):
    """The nightly seals of the history (workflow.history.chain_seal_day); published on
    /audit/history/ and recomputed by every check, so nobody edits them."""

    list_display = ("date", "rows", "digest", "sealed_at")
    date_hierarchy = "date"
    fields = ("date", "since", "until", "rows", "digest", "sealed_at")
    readonly_fields = fields
