"""Admin for sessions, categories, proposals and everything hanging off them.

The admin is for configuration and inspection. A proposal's or an assignment's
status only changes through workflow.services.transition, so `status` (and
whatever a transition sets) is read-only here; proposals, assignments,
co-signatures, invitations and feedback are created by the services, never by
the admin. The few fields an administrator may correct (a typo in a title, a
deadline) are saved without touching the status and recorded in the item's
history like any other change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflow import deadlines, history

from .models import (
    Assignment,
    AssignmentGroupObjectPermission,
    AssignmentUserObjectPermission,
    Attachment,
    Category,
    CongressSession,
    CoSignature,
    Feedback,
    Invitation,
    Proposal,
    ProposalGroupObjectPermission,
    ProposalUserObjectPermission,
)


class NoAddMixin:
    """Rows that only a service may create."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyMixin(NoAddMixin):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedChangeMixin:
    """Save only the fields the form changed and append them to the item's history.

    Saving just the changed columns means a transition that commits between the
    page load and the save is never overwritten with the stale status."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = [f for f in form.changed_data if f in form.base_fields]
        if not change or not fields:
            return
        # Lock the row as the transition service does, so history's seq can't race.
        type(obj).objects.select_for_update().filter(pk=obj.pk).values_list("pk", flat=True).get()
        save = list(fields)
        if "due" in fields and hasattr(obj, "set_due"):
            # A date the admin typed is a chosen date: no longer counted, never provisional.
            obj.set_due(obj.due)
            save += [f for f in deadlines.DUE_FIELDS if f != "due"]
        obj.save(update_fields=save)
        deadlines.sync(obj)  # a corrected due date moves the reminders with it
        payload = {f: _plain(form.cleaned_data.get(f)) for f in fields}
        label = "、".join(str(obj._meta.get_field(f).verbose_name) for f in fields)
        history.record(
            obj, f"{obj._meta.model_name}.admin_edit", request.user, payload, comment=gettext("后台修改：") + label
        )


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    return value


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "order")
    list_editable = ("order",)
    search_fields = ("name",)


@admin.register(CongressSession)
class CongressSessionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "collection_opens", "collection_closes", "cosign_threshold", "proposal_count")
    search_fields = ("name", "code")
    date_hierarchy = "collection_opens"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CongressSession]:
        return super().get_queryset(request).annotate(proposal_count=Count("proposals"))

    @admin.display(description=_("提案数"), ordering="proposal_count")
    def proposal_count(self, obj: Any) -> int:
        return obj.proposal_count


# --- inlines on the proposal page (all read-only) --------------------------------------


class CoSignatureInline(ReadOnlyMixin, admin.TabularInline):
    model = CoSignature
    fields = readonly_fields = ("delegate", "created_at")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The tabular row's caption is str(row), which names the proposal.
        return super().get_queryset(request).select_related("delegate", "proposal")


class InvitationInline(ReadOnlyMixin, admin.TabularInline):
    model = Invitation
    fields = readonly_fields = ("delegate", "created_at")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The tabular row's caption is str(row), which names the proposal.
        return super().get_queryset(request).select_related("delegate", "proposal")


class AssignmentInline(ReadOnlyMixin, admin.TabularInline):
    model = Assignment
    fields = readonly_fields = (
        "round",
        "department",
        "role",
        "status",
        "due",
        "answer_class",
        "answered_at",
        "approved_at",
    )
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # __str__ (the change link's title) reads the proposal's number and the department.
        return super().get_queryset(request).select_related("department", "proposal")


class FeedbackInline(ReadOnlyMixin, admin.TabularInline):
    model = Feedback
    fields = readonly_fields = ("round", "satisfaction", "comment", "by", "created_at")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("by", "proposal")


@admin.register(Proposal)
class ProposalAdmin(AuditedChangeMixin, NoAddMixin, admin.ModelAdmin):
    list_display = ("number", "title", "session", "category", "proposer_name", "status", "round", "is_key", "due")
    list_display_links = ("number", "title")
    list_filter = ("status", "session", "category", "is_key", "is_suggestion", "round")
    search_fields = ("number", "title", "reason", "proposer__username", "proposer__profile__full_name")
    list_select_related = ("session", "category", "proposer__profile")
    date_hierarchy = "created_at"
    # Everything a transition or a service sets: `status` above all, and `is_key`, which only
    # the supervise transition changes (it re-arms the deadlines' escalation ladder).
    readonly_fields = (
        "is_key",
        "session",
        "number",
        "status",
        "round",
        "proposer",
        "co_proposers",
        "is_suggestion",
        "merged_into",
        "reject_reason",
        "due",
        "created_at",
        "submitted_at",
        "closed_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "category", "reason", "suggestion")}),
        (_("办理情况"), {"fields": readonly_fields}),
    )
    inlines = (CoSignatureInline, InvitationInline, AssignmentInline, FeedbackInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Proposal]:
        return super().get_queryset(request).select_related("session", "category", "proposer__profile", "merged_into")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A proposal's history must keep pointing at something; withdraw or reject instead.
        return False

    @admin.display(description=_("提案人"), ordering="proposer__profile__full_name")
    def proposer_name(self, obj: Proposal) -> str:
        profile = getattr(obj.proposer, "profile", None)
        return profile.full_name if profile else obj.proposer.get_username()


@admin.register(Assignment)
class AssignmentAdmin(AuditedChangeMixin, NoAddMixin, admin.ModelAdmin):
    list_display = ("proposal_number", "proposal_title", "department", "role", "round", "status", "due", "answer_class")
    list_filter = ("status", "role", "round", "answer_class", "department")
    search_fields = ("proposal__number", "proposal__title", "department__name", "answer")
    list_select_related = ("proposal", "department")
    # Only the deadline may be corrected here (an agreed extension); the rest is the workflow's.
    fields = (
        "proposal",
        "department",
        "role",
        "round",
        "status",
        "due",
        "return_reason",
        "answer",
        "answer_class",
        "answered_by",
        "answered_at",
        "approved_by",
        "approved_at",
        "created_at",
    )
    readonly_fields = tuple(f for f in fields if f != "due")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        return super().get_queryset(request).select_related("proposal", "department", "answered_by", "approved_by")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("提案编号"), ordering="proposal__number")
    def proposal_number(self, obj: Assignment) -> str:
        return obj.proposal.number

    @admin.display(description=_("提案"), ordering="proposal__title")
    def proposal_title(self, obj: Assignment) -> str:
        return obj.proposal.title


class _ProposalRowAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Co-signatures, invitations: written by the services, inspected here."""

    list_display = ("proposal", "delegate", "created_at")
    list_select_related = ("proposal", "delegate")
    search_fields = ("proposal__title", "proposal__number", "delegate__username", "delegate__profile__full_name")
    date_hierarchy = "created_at"


@admin.register(CoSignature)
class CoSignatureAdmin(_ProposalRowAdmin):
    pass


@admin.register(Invitation)
class InvitationAdmin(_ProposalRowAdmin):
    pass


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("proposal", "round", "satisfaction", "by", "created_at")
    list_filter = ("satisfaction", "round")
    list_select_related = ("proposal", "by")
    search_fields = ("proposal__title", "proposal__number", "comment")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    # Not `file`: private storage has no URL; the link goes through the permission-checked view.
    list_display = ("name", "proposal", "assignment", "content_type", "size", "uploaded_by", "created_at")
    list_select_related = ("proposal", "assignment__proposal", "assignment__department", "uploaded_by")
    search_fields = ("name", "proposal__title", "proposal__number")
    fields = readonly_fields = (
        "download",
        "proposal",
        "assignment",
        "content_type",
        "size",
        "uploaded_by",
        "created_at",
    )

    @admin.display(description=_("文件名"))
    def download(self, obj: Attachment) -> str:
        return format_html('<a href="{}">{}</a>', reverse("proposals:attachment_download", args=[obj.pk]), obj.name)


# --- object grants (django-guardian's direct foreign-key tables), to inspect -----------


class _GrantAdmin(ReadOnlyMixin, admin.ModelAdmin):
    # No filter by permission: listing the choices would load each permission's content type.
    list_display = ("content_object", "holder", "permission")

    def get_list_select_related(self, request: HttpRequest) -> tuple[str, ...]:
        holder = "user" if "user" in {f.name for f in self.model._meta.fields} else "group"
        # The assignment's __str__ reads its proposal and department.
        target = ("content_object__proposal", "content_object__department") if self.model in _ON_ASSIGNMENT else ()
        return ("content_object", holder, "permission__content_type", *target)

    @admin.display(description=_("授予对象"))
    def holder(self, obj: Any) -> str:
        return str(getattr(obj, "user", None) or getattr(obj, "group", ""))


_ON_ASSIGNMENT = {AssignmentUserObjectPermission, AssignmentGroupObjectPermission}

for _model in (
    ProposalUserObjectPermission,
    ProposalGroupObjectPermission,
    AssignmentUserObjectPermission,
    AssignmentGroupObjectPermission,
):
    admin.site.register(_model, _GrantAdmin)
