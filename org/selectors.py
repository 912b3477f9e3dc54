"""Reads about people: finding delegates by name or pinyin, and lists in 姓氏笔画 order.

Stroke order can't be computed in SQL, so selectors that promise it return lists
sorted in Python (the lists are short: a university has a few hundred delegates).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from .models import Role
from .names import NameKey, stroke_sort_key
from .roles import users_with_role

# Enough for any one university's delegates; the search box narrows as the user types.
SEARCH_LIMIT = 200

_NOT_PINYIN = re.compile(r"[\s'’·-]+")


def person_name(user: Any) -> str:
    profile = getattr(user, "profile", None)
    return profile.full_name if profile and profile.full_name else user.get_username()


def person_sort_key(user: Any) -> tuple[NameKey, int]:
    return stroke_sort_key(person_name(user)), user.pk


def people_by_strokes(users: Iterable[Any]) -> list[Any]:
    """The users in 姓氏笔画 order (load their profiles first: select_related("profile"))."""
    return sorted(users, key=person_sort_key)


def delegates() -> QuerySet:
    return users_with_role(Role.DELEGATE).select_related("profile__department")


def delegates_matching(*, query: str, exclude: Iterable[int] = (), limit: int = SEARCH_LIMIT) -> list[Any]:
    """Active delegates whose name contains the query, whose username contains it, or whose
    name's pinyin (zhangsan) or initials (zs) start with it; in 姓氏笔画 order. An empty
    query matches nobody."""
    term = query.strip()
    if not term:
        return []
    match = Q(profile__full_name__icontains=term) | Q(username__icontains=term)
    letters = _NOT_PINYIN.sub("", term).lower()
    if letters.isascii() and letters.isalpha():
        match |= Q(profile__name_pinyin__startswith=letters) | Q(profile__name_initials__startswith=letters)
    qs = delegates().filter(match).exclude(pk__in=list(exclude))
    # Which `limit` rows when more match: the closest by pinyin, then shown by strokes.
    found = list(qs.order_by("profile__name_pinyin", "pk")[:limit])
    return people_by_strokes(found)
