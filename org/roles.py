"""Selectors and services for roles: one place that knows roles are groups."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db.models import QuerySet

from .models import ROLE_GROUP_PREFIX, Role

AnyUser = AbstractBaseUser | AnonymousUser


def user_roles(user: AnyUser) -> frozenset[str]:
    """The role codes a user holds, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_role_codes", None)
    if cached is None:
        names = user.groups.filter(name__startswith=ROLE_GROUP_PREFIX).values_list("name", flat=True)  # type: ignore[union-attr]
        cached = frozenset(n[len(ROLE_GROUP_PREFIX) :] for n in names)
        if getattr(user, "is_superuser", False):
            cached = cached | {Role.ADMIN.value}
        user._role_codes = cached  # type: ignore[union-attr]
    return cached


def has_role(user: AnyUser, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def role_group(role: str) -> Group:
    group, _ = Group.objects.get_or_create(name=ROLE_GROUP_PREFIX + Role(role).value)
    return group


def user_set_roles(*, user: AbstractBaseUser, roles: Iterable[str]) -> None:
    """Make the user hold exactly these roles."""
    wanted = {Role(r).value for r in roles}
    current = set(user.groups.filter(name__startswith=ROLE_GROUP_PREFIX).values_list("name", flat=True))  # type: ignore[attr-defined]
    for name in current - {ROLE_GROUP_PREFIX + r for r in wanted}:
        user.groups.remove(Group.objects.get(name=name))  # type: ignore[attr-defined]
    for role in wanted:
        user.groups.add(role_group(role))  # type: ignore[attr-defined]
    if hasattr(user, "_role_codes"):
        del user._role_codes


def users_with_role(role: str) -> QuerySet:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(groups__name=ROLE_GROUP_PREFIX + Role(role).value, is_active=True)
