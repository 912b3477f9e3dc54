"""Admin for departments, delegations and people (the profile edited on the user's page)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import ROLE_GROUP_PREFIX, Delegation, Department, Profile, Role


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "member_count")
    list_filter = ("kind",)
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Department]:
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("人数"), ordering="member_count")
    def member_count(self, obj: Any) -> int:
        return obj.member_count


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ("name", "member_count")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delegation]:
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("代表人数"), ordering="member_count")
    def member_count(self, obj: Any) -> int:
        return obj.member_count


class ProfileInline(admin.StackedInline):
    model = Profile
    fk_name = "user"
    can_delete = False
    fields = ("full_name", "department", "delegation", "mobile")
    # Searchable pickers: a province-wide deployment has thousands of departments.
    autocomplete_fields = ("department", "delegation")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin with the profile inline and the roles (role groups) in the list."""

    list_display = ("username", "full_name", "department", "roles", "is_staff", "is_active")
    list_select_related = ("profile__department",)
    search_fields = ("username", "email", "profile__full_name")

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[type[admin.options.InlineModelAdmin]]:
        # The add page only asks for a username and password, as in Django's own admin.
        return [ProfileInline] if obj is not None else []

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        role_groups = Group.objects.filter(name__startswith=ROLE_GROUP_PREFIX).order_by("name")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("groups", queryset=role_groups, to_attr="role_groups"))
        )

    @staticmethod
    def _profile(obj: Any) -> Profile | None:
        try:
            return obj.profile
        except Profile.DoesNotExist:
            return None

    @admin.display(description=_("姓名"), ordering="profile__full_name")
    def full_name(self, obj: Any) -> str:
        profile = self._profile(obj)
        return profile.full_name if profile else ""

    @admin.display(description=_("部门"), ordering="profile__department__name")
    def department(self, obj: Any) -> str:
        profile = self._profile(obj)
        return str(profile.department) if profile and profile.department else ""

    @admin.display(description=_("角色"))
    def roles(self, obj: Any) -> str:
        labels = []
        for group in getattr(obj, "role_groups", []):
            code = group.name[len(ROLE_GROUP_PREFIX) :]
            labels.append(str(Role(code).label) if code in Role.values else code)
        return "、".join(labels)
