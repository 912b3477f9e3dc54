"""Finding people: the JSON endpoint behind the search boxes that pick delegates by name,
pinyin (zhangsan) or initials (zs). Who may use it is the policy row ``search`` on
profiles; the matching is org.selectors.delegates_matching."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.auth import login_required
from workflow import policy

from .models import Profile
from .selectors import delegates_matching, person_name

MAX_QUERY_LENGTH = 50


@login_required
@require_GET
def people_search(request: HttpRequest) -> JsonResponse:
    """GET ?q=: the matching delegates, in 姓氏笔画 order, as [{id, name, department, initials}]."""
    if not policy.allows(Profile(), "search", request.user, state=""):
        raise PermissionDenied(_("只有教代会代表、提案工作委员会和校工会办公室可以查找代表。"))
    found = delegates_matching(query=request.GET.get("q", "")[:MAX_QUERY_LENGTH])
    rows = []
    for user in found:
        profile = getattr(user, "profile", None)
        department = profile.department if profile else None
        rows.append(
            {
                "id": user.pk,
                "name": person_name(user),
                "department": department.name if department else "",
                "initials": profile.name_initials if profile else "",
            }
        )
    return JsonResponse(rows, safe=False, json_dumps_params={"ensure_ascii": False})
