"""Site-wide pages: the role-based home redirect, "my tasks", and the navigation
every page shows. Roles decide only where a user lands and which links the
header offers; what a user may see or do is still decided by the selectors and
workflow.policy."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.auth import login_required
from org.models import Department, Role
from org.roles import user_roles
from proposals.models import Assignment, CongressSession, Proposal
from welfare.models import SensitiveAccess, WelfareRequest
from workflow import policy
from workflow.models import ChainCheck, EnteredYear

DEPARTMENT_ROLES = {Role.DEPARTMENT_HANDLER, Role.DEPARTMENT_HEAD}

TASK_STATUS_LABELS = {
    "assigned": gettext_lazy("待我办理"),
    "queued": gettext_lazy("待认领"),
}


class SignInForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")  # labels sit above their fields
        super().__init__(*args, **kwargs)


def _list_url(**params: str) -> str:
    return f"{reverse('proposals:list')}?{urlencode(params)}" if params else reverse("proposals:list")


def nav_links(user: Any) -> list[dict[str, str]]:
    """The header links for this user's roles, in the order they are shown."""
    if not getattr(user, "is_authenticated", False):
        return []
    roles = user_roles(user)
    links = [{"url": reverse("tasks"), "label": _("我的待办"), "key": "tasks"}]
    if policy.allows(Proposal(), "triage_queue", user, state=""):
        links.append({"url": reverse("proposals:triage"), "label": _("审查队列"), "key": "triage"})
    if Role.DELEGATE in roles:
        links.append({"url": reverse("proposals:mine"), "label": _("我的提案"), "key": "mine"})
        links.append({"url": reverse("proposals:create"), "label": _("新建提案"), "key": "create"})
    if policy.allows(Proposal(), "invitations", user, state=""):
        # No count here: it would cost every delegate's page a query; the page itself counts.
        links.append({"url": reverse("proposals:invitations"), "label": _("附议邀请"), "key": "invitations"})
    links.append({"url": _list_url(), "label": _("全部提案"), "key": "proposals"})
    if policy.allows(Assignment(), "view_list", user, state=""):
        links.append({"url": reverse("proposals:assignments"), "label": _("交办事项"), "key": "assignments"})
    if policy.allows(Assignment(), "view_overdue_board", user, state=""):
        links.append({"url": reverse("proposals:overdue"), "label": _("逾期督办"), "key": "overdue"})
    if policy.allows(CongressSession(), "manage", user, state=""):
        links.append({"url": reverse("proposals:sessions"), "label": _("会议管理"), "key": "sessions"})
    if policy.allows(EnteredYear(), "view", user, state=""):
        links.append({"url": reverse("calendar_years"), "label": _("节假日安排"), "key": "calendar_years"})
    if policy.allows(Department(), "import_roster", user, state=""):
        links.append({"url": reverse("org:roster_upload"), "label": _("花名册导入"), "key": "roster"})
    if policy.allows(Proposal(), "view_dashboard", user, state=""):
        links.append({"url": reverse("proposals:dashboard"), "label": _("数据看板"), "key": "dashboard"})
    if policy.allows(ChainCheck(), "view", user, state=""):
        links.append({"url": reverse("history_check"), "label": _("记录校验"), "key": "history_check"})
    welfare = WelfareRequest()
    if policy.allows(welfare, "view_review_queue", user, state=""):
        links.append({"url": reverse("welfare:review_queue"), "label": _("福利申请审核"), "key": "welfare_review"})
    if policy.allows(welfare, "view_office_queue", user, state=""):
        links.append({"url": reverse("welfare:office_queue"), "label": _("福利申请"), "key": "welfare_queue"})
    if policy.allows(welfare, "view_claims_queue", user, state=""):
        links.append({"url": reverse("welfare:claims_queue"), "label": _("医疗报销审核"), "key": "welfare_claims"})
    if policy.allows(welfare, "view_mine", user, state=""):
        links.append({"url": reverse("welfare:mine"), "label": _("我的福利申请"), "key": "welfare_mine"})
    if policy.allows(welfare, "file_for_other", user, state=""):
        links.append({"url": reverse("welfare:create"), "label": _("代录福利申请"), "key": "welfare_file"})
    if policy.allows(welfare, "view_recuperation", user, state=""):
        links.append({"url": reverse("welfare:recuperation"), "label": _("疗休养安排"), "key": "welfare_recuperation"})
    if policy.allows(welfare, "view_standards", user, state=""):
        links.append({"url": reverse("welfare:standards"), "label": _("慰问标准"), "key": "welfare_standards"})
    if policy.allows(SensitiveAccess(), "view", user, state=""):
        links.append(
            {"url": reverse("welfare:access_log"), "label": _("敏感信息查看记录"), "key": "welfare_access_log"}
        )
    if policy.allows(welfare, "view_publicity", user, state=""):
        links.append({"url": reverse("welfare:publicity"), "label": _("困难补助公示"), "key": "welfare_publicity"})
    return links


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the header links on every page, error pages included."""
    return {"nav": nav_links(getattr(request, "user", None))}


def home(request: HttpRequest) -> HttpResponse:
    """Send each user to where their work is."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    roles = user_roles(user)
    if Role.COMMITTEE in roles:
        return redirect("proposals:triage")
    if Role.DEPARTMENT_HEAD in roles:
        return redirect(f"{reverse('proposals:assignments')}?tab=approval")
    if roles & DEPARTMENT_ROLES:
        return redirect(f"{reverse('proposals:assignments')}?tab=new")
    if Role.DELEGATE in roles:
        return redirect("proposals:mine")
    if Role.UNION_OFFICE in roles:
        return redirect("proposals:sessions")
    # Members with no other part in the congress work: their welfare requests, or the
    # sub-union chair's review queue.
    if roles and roles <= {Role.MEMBER, Role.SUBUNION_CHAIR}:
        return redirect("welfare:review_queue" if Role.SUBUNION_CHAIR in roles else "welfare:mine")
    return redirect(_list_url())


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    # Imported here: the viewflow link is loaded only by the pages that need it.
    from workflow.flowlink import user_tasks

    rows = [
        {"task": task, "status_label": TASK_STATUS_LABELS.get(task.status, task.status)}
        for task in user_tasks(request.user)
    ]
    return render(request, "tasks.html", {"rows": rows})
