"""Server-rendered proposal and assignment pages.

Thin on purpose: rows come from proposals.selectors (an item the user may not
see is a 404), writes go through proposals.services and
workflow.services.transition, and what a page offers comes from
workflow.services.available_transitions and workflow.policy. A DomainError is
shown next to the field it names, with the user's input kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.forms.models import ModelChoiceIterator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from config.auth import login_required
from config.pages import Failed, run_transition, transition_actions
from config.pages import paginate as _page
from config.pages import show_error as _show_error
from config.pages import tidy as _tidy
from org.models import Role
from org.names import stroke_sort_key
from org.roles import users_with_role
from org.selectors import people_by_strokes
from workflow import policy
from workflow.errors import DomainError, InvalidPayload
from workflow.models import HistoryEntry

from . import selectors, services
from .attachment_views import AttachmentForm, attachments_context
from .forms import ProposalForm
from .models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Category,
    CongressSession,
    CoSignature,
    Proposal,
    ProposalStatus,
)

TRANSITION_LABELS: dict[str, dict[str, Any]] = {
    "proposals.proposal": {
        "submit": gettext_lazy("提交"),
        "withdraw": gettext_lazy("撤回"),
        "accept": gettext_lazy("立案"),
        "reject": gettext_lazy("不予立案"),
        "merge": gettext_lazy("并案"),
        "convert": gettext_lazy("转为意见建议"),
        "assign": gettext_lazy("交办"),
        "feedback": gettext_lazy("反馈意见"),
        "close": gettext_lazy("办结"),
        "supervise": gettext_lazy("督办"),
    },
    "proposals.assignment": {
        "accept": gettext_lazy("签收"),
        "return": gettext_lazy("退回"),
        "answer": gettext_lazy("答复"),
        "approve": gettext_lazy("审核通过"),
        "send_back": gettext_lazy("退回修改"),
        "request_extension": gettext_lazy("申请延期"),
        "grant_extension": gettext_lazy("批准延期"),
        "refuse_extension": gettext_lazy("不批准延期"),
    },
}

ACTION_LABELS: dict[str, Any] = {
    "proposal.create": gettext_lazy("创建草稿"),
    "proposal.edit": gettext_lazy("修改草稿"),
    "proposal.invite": gettext_lazy("邀请附议"),
    "proposal.cosign": gettext_lazy("附议"),
    "proposal.invitation_declined": gettext_lazy("谢绝附议邀请"),
    "proposal.submit": gettext_lazy("提交提案"),
    "proposal.withdraw": gettext_lazy("撤回提案"),
    "proposal.accept": gettext_lazy("立案"),
    "proposal.reject": gettext_lazy("不予立案"),
    "proposal.merge": gettext_lazy("并案：并入其他提案"),
    "proposal.merged_in": gettext_lazy("并案：其他提案并入本提案"),
    "proposal.convert": gettext_lazy("转为意见建议"),
    "proposal.assign": gettext_lazy("交办"),
    "proposal.receive_answer": gettext_lazy("答复送达提案人"),
    "proposal.feedback": gettext_lazy("提案人反馈"),
    "proposal.close": gettext_lazy("办结"),
    "assignment.create": gettext_lazy("交办至承办单位"),
    "assignment.accept": gettext_lazy("签收"),
    "assignment.return": gettext_lazy("退回"),
    "assignment.answer": gettext_lazy("答复"),
    "assignment.approve": gettext_lazy("负责人审核通过"),
    "assignment.send_back": gettext_lazy("负责人退回修改"),
    "proposal.supervise": gettext_lazy("督办"),
    "assignment.request_extension": gettext_lazy("申请延期"),
    "assignment.grant_extension": gettext_lazy("批准延期"),
    "assignment.refuse_extension": gettext_lazy("不批准延期"),
    "assignment.lapse": gettext_lazy("未反馈，随本轮办理关闭"),
    "proposal.admin_edit": gettext_lazy("管理员更正"),
    "assignment.admin_edit": gettext_lazy("管理员更正"),
    "proposal.attach": gettext_lazy("上传附件"),
    "assignment.attach": gettext_lazy("上传答复附件"),
    "proposal.due_recounted": gettext_lazy("按放假安排重新计算期限"),
    "assignment.due_recounted": gettext_lazy("按放假安排重新计算期限"),
}


# Forms that belong to the pages only ---------------------------------------------
class ProposalFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    session = forms.TypedChoiceField(label=gettext_lazy("会议"), required=False, coerce=int, empty_value=None)
    category = forms.TypedChoiceField(label=gettext_lazy("类别"), required=False, coerce=int, empty_value=None)
    search = forms.CharField(label=gettext_lazy("搜索"), required=False, max_length=100)
    mine = forms.BooleanField(label=gettext_lazy("只看我的提案"), required=False)

    def __init__(self, *args: Any, sessions: list[tuple[int, str]], categories: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["status"].choices = everything + list(ProposalStatus.choices)  # type: ignore[attr-defined]
        self.fields["session"].choices = everything + sessions  # type: ignore[attr-defined]
        self.fields["category"].choices = everything + categories  # type: ignore[attr-defined]
        self.fields["search"].widget.attrs["placeholder"] = _("标题、编号或提案人")


class AssignmentFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    search = forms.CharField(label=gettext_lazy("搜索"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部")), *AssignmentStatus.choices]  # type: ignore[attr-defined]
        self.fields["search"].widget.attrs["placeholder"] = _("提案标题或编号")


class _ByStrokes(ModelChoiceIterator):
    """Choices in 姓氏笔画 order, the order official lists of names use."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for user in people_by_strokes(self.queryset.all()):  # a fresh query per rendering, as Django does
            yield self.choice(user)


class DelegateChoiceField(forms.ModelMultipleChoiceField):
    iterator = _ByStrokes


class InviteForm(forms.Form):
    delegates = DelegateChoiceField(
        label=gettext_lazy("邀请以下代表附议"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, proposal: Proposal, **kwargs: Any):
        super().__init__(*args, **kwargs)
        asked = {*proposal.invitations.values_list("delegate_id", flat=True)}
        asked |= {*proposal.cosignatures.values_list("delegate_id", flat=True)}
        field = self.fields["delegates"]
        field.queryset = (  # type: ignore[attr-defined]
            users_with_role(Role.DELEGATE)
            .exclude(pk__in=[proposal.proposer_id, *asked])
            .select_related("profile__department")
        )
        field.label_from_instance = _person_with_department  # type: ignore[attr-defined]


# Small helpers ------------------------------------------------------------------
def _person(user: Any) -> str:
    if user is None:
        return _("系统")
    profile = getattr(user, "profile", None)
    return profile.full_name if profile else user.get_username()


def _by_strokes(names: Iterable[str]) -> list[str]:
    return sorted(names, key=stroke_sort_key)


def _person_with_department(user: Any) -> str:
    profile = getattr(user, "profile", None)
    if profile and profile.department_id:
        return _("%(name)s（%(department)s）") % {"name": profile.full_name, "department": profile.department.name}
    return _person(user)


def _actions(request: HttpRequest, item: Any, url_name: str, failed: Failed | None) -> tuple[list[dict], str]:
    labels = TRANSITION_LABELS[policy.kind_of(item)]
    return transition_actions(request, item, labels=labels, url_name=url_name, failed=failed)


def _run_transition(request: HttpRequest, item: Any, name: str, render_again: Any) -> HttpResponse:
    labels = TRANSITION_LABELS[policy.kind_of(item)]
    return run_transition(
        request, item, name, labels=labels, render_again=render_again, done_url=item.get_absolute_url()
    )


def _timeline(proposal: Proposal | None, assignments: list[Assignment]) -> list[dict[str, Any]]:
    """The history of a proposal and of its assignments as one list, oldest first."""
    entries: list[HistoryEntry] = []
    if proposal is not None:
        entries += HistoryEntry.objects.for_item(proposal).select_related("actor__profile")
    if assignments:
        ct = ContentType.objects.get_for_model(Assignment, for_concrete_model=False)
        entries += HistoryEntry.objects.filter(
            content_type=ct, object_id__in=[a.pk for a in assignments]
        ).select_related("actor__profile")
    departments = {a.pk: a.department.name for a in assignments}
    proposal_ct = ContentType.objects.get_for_model(Proposal, for_concrete_model=False).pk if proposal else None
    proposal_states, assignment_states = dict(ProposalStatus.choices), dict(AssignmentStatus.choices)
    rows = []
    for e in sorted(entries, key=lambda e: (e.at, e.pk)):
        on_proposal = e.content_type_id == proposal_ct
        states = proposal_states if on_proposal else assignment_states
        rows.append(
            {
                "at": e.at,
                "actor": _person(e.actor),
                "label": ACTION_LABELS.get(e.action, e.action),
                "department": "" if on_proposal else departments.get(e.object_id, ""),
                "state": states.get(e.to_state, e.to_state) if e.to_state else "",
                "comment": e.comment,
            }
        )
    return rows


# Proposals ----------------------------------------------------------------------
def _visible_proposal(request: HttpRequest, pk: int) -> Proposal:
    qs = selectors.proposals_visible_to(request.user).select_related(
        "session", "category", "proposer__profile", "merged_into"
    )
    return get_object_or_404(qs, pk=pk)


def _filtered(qs: QuerySet[Proposal], data: dict[str, Any], user: Any) -> QuerySet[Proposal]:
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("session"):
        qs = qs.filter(session_id=data["session"])
    if data.get("category"):
        qs = qs.filter(category_id=data["category"])
    if data.get("search"):
        term = data["search"].strip()
        qs = qs.filter(
            Q(title__icontains=term) | Q(number__icontains=term) | Q(proposer__profile__full_name__icontains=term)
        )
    if data.get("mine"):
        # A subquery, not a join: a join on co_proposers would repeat rows.
        qs = qs.filter(pk__in=Proposal.objects.filter(Q(proposer=user) | Q(co_proposers=user)).values("pk"))
    return qs


# 主办 before 协办 ("co" sorts before "lead" alphabetically).
_LEAD_FIRST = Case(When(role=AssignmentRole.LEAD, then=0), default=1).asc()

# A correlated subquery rather than Count(): a GROUP BY would drop the model's default ordering.
_cosigner_count = (
    CoSignature.objects.filter(proposal=OuterRef("pk"))
    .order_by()
    .values("proposal")
    .annotate(n=Count("pk"))
    .values("n")
)


@login_required
@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    form = ProposalFilterForm(
        request.GET,
        sessions=list(CongressSession.objects.values_list("pk", "name")),
        categories=list(Category.objects.values_list("pk", "name")),
    )
    qs = selectors.proposal_list(request.user)
    if form.is_valid():
        qs = _filtered(qs, form.cleaned_data, request.user)
    # The list shows how many co-signed, not who: one annotation instead of the
    # three prefetch queries (signatures, users, profiles) the selector sets up.
    qs = (
        qs.prefetch_related(None)
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.exclude(status=AssignmentStatus.RETURNED)
                .select_related("department")
                .order_by("round", _LEAD_FIRST, "id"),
                to_attr="open_assignments",
            )
        )
        .annotate(cosigner_count=Coalesce(Subquery(_cosigner_count), 0))
        .defer("reason", "suggestion")
    )
    page_obj = _page(request, qs)
    for p in page_obj:
        p.current_assignments_list = [a for a in p.open_assignments if a.round == p.round]
    return render(request, "proposals/list.html", {"form": _tidy(form), "page_obj": page_obj})


def _render_detail(
    request: HttpRequest,
    pk: int,
    *,
    failed: Failed | None = None,
    invite_form: InviteForm | None = None,
    attach_form: AttachmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    proposal = _visible_proposal(request, pk)
    actions, page_error = _actions(request, proposal, "proposals:transition", failed)
    cosignatures = list(proposal.cosignatures.select_related("delegate__profile"))
    invitations = list(proposal.invitations.select_related("delegate__profile"))
    assignments = list(proposal.assignments.select_related("department").order_by("round", _LEAD_FIRST, "id"))
    visible_assignments = set(
        selectors.assignments_visible_to(user).filter(proposal=proposal).values_list("pk", flat=True)
    )
    readers = selectors.AnswerReaders(user)
    can_cosign = (
        policy.allows(proposal, "cosign", user)
        and user.pk != proposal.proposer_id
        and all(s.delegate_id != user.pk for s in cosignatures)
    )
    can_invite = policy.allows(proposal, "invite", user)
    if can_invite and invite_form is None:
        invite_form = InviteForm(proposal=proposal, auto_id="id_invite_%s")
    if failed and failed.name == "invite" and can_invite:
        page_error = ""  # the invite form shows it next to its field
    context = {
        "proposal": proposal,
        # Lists of names in 姓氏笔画 order, as official documents give them.
        "co_proposers": _by_strokes(_person(u) for u in proposal.co_proposers.select_related("profile")),
        "cosigners": [
            {"name": _person(s.delegate), "at": s.created_at}
            for s in sorted(cosignatures, key=lambda s: stroke_sort_key(_person(s.delegate)))
        ],
        "invited": _by_strokes(_person(i.delegate) for i in invitations if i.declined_at is None),
        "declined": _by_strokes(_person(i.delegate) for i in invitations if i.declined_at is not None),
        "merged": list(proposal.merged.only("id", "number", "title")),
        "assignments": [
            {"a": a, "linked": a.pk in visible_assignments, "answer": readers(a, assignments)} for a in assignments
        ],
        "feedbacks": list(proposal.feedbacks.select_related("by__profile")),
        "timeline": _timeline(proposal, assignments),
        "actions": actions,
        "page_error": page_error,
        "can_edit": policy.allows(proposal, "edit", user),
        "can_cosign": can_cosign,
        "invite_form": _tidy(invite_form) if can_invite and invite_form else None,
        **attachments_context(request, proposal, form=attach_form),
    }
    return render(request, "proposals/detail.html", context, status=status)


@login_required
@require_GET
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, pk)


@login_required
@require_POST
def proposal_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return _run_transition(request, _visible_proposal(request, pk), name, _render_detail)


@login_required
@require_POST
def proposal_cosign(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _visible_proposal(request, pk)
    try:
        services.proposal_cosign(proposal=proposal, user=request.user)
    except DomainError as err:
        return _render_detail(request, pk, failed=Failed("cosign", None, str(err.message)), status=err.status)
    messages.success(request, _("您已附议该提案。"))
    return redirect(proposal)


@login_required
@require_POST
def proposal_invite(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _visible_proposal(request, pk)
    form = InviteForm(request.POST, proposal=proposal, auto_id="id_invite_%s")
    try:
        if not form.is_valid():
            raise InvalidPayload(fields={k: [str(e) for e in v] for k, v in form.errors.items()})
        made = services.proposal_invite(
            proposal=proposal, user=request.user, delegates=list(form.cleaned_data["delegates"])
        )
    except DomainError as err:
        failed = Failed("invite", None, str(err.message))
        return _render_detail(request, pk, failed=failed, invite_form=_show_error(form, err), status=err.status)
    messages.success(request, _("已邀请 %(count)d 位代表附议。") % {"count": len(made)})
    return redirect(proposal)


def _draft_page(
    request: HttpRequest, form: forms.BaseForm, proposal: Proposal | None, status: int = 200
) -> HttpResponse:
    return render(request, "proposals/form.html", {"form": _tidy(form), "proposal": proposal}, status=status)


@login_required
def proposal_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        data = {f: request.POST.get(f, "") for f in ProposalForm.Meta.fields}
        try:
            proposal = services.proposal_create(user=request.user, data=data)
        except DomainError as err:
            return _draft_page(request, _show_error(ProposalForm(data=request.POST), err), None, status=err.status)
        messages.success(request, _("草稿已保存。邀请代表附议后即可提交。"))
        return redirect(proposal)
    if not policy.allows(Proposal(), "create", request.user, state=""):
        raise PermissionDenied(_("只有教代会代表可以提出提案。"))
    return _draft_page(request, ProposalForm(initial={"session": selectors.current_session()}), None)


@login_required
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _visible_proposal(request, pk)
    if request.method == "POST":
        data = {f: request.POST[f] for f in ProposalForm.Meta.fields if f in request.POST}
        try:
            services.proposal_update(proposal=proposal, user=request.user, data=data)
        except DomainError as err:
            # A separate instance: validating the form writes the rejected input onto it.
            form = _show_error(ProposalForm(data=request.POST, instance=_visible_proposal(request, pk)), err)
            return _draft_page(request, form, proposal, status=err.status)
        messages.success(request, _("草稿已保存。"))
        return redirect(proposal)
    if not policy.allows(proposal, "edit", request.user):
        raise PermissionDenied(_("当前不能修改该提案。"))
    return _draft_page(request, ProposalForm(instance=proposal), proposal)


# Assignments --------------------------------------------------------------------
INBOX_TAB_LABELS = {
    "new": gettext_lazy("待签收"),
    "signed": gettext_lazy("办理中"),
    "approval": gettext_lazy("待审核"),
    "due_soon": gettext_lazy("即将到期"),
    "overdue": gettext_lazy("已逾期"),
    "all": gettext_lazy("全部"),
}


@login_required
@require_GET
def assignment_list(request: HttpRequest) -> HttpResponse:
    """The department's inbox (收件箱), by tab; committee, union office and auditors see every
    department's assignments the same way."""
    if not policy.allows(Assignment(), "view_list", request.user, state=""):
        raise PermissionDenied(_("交办事项仅供承办单位、提案工作委员会、校工会办公室和审计人员查看。"))
    form = AssignmentFilterForm(request.GET)
    now = timezone.now()
    visible = selectors.assignment_list(request.user)
    days = selectors.DaysOverdue(now)  # one calendar for the tabs and the rows
    filters = selectors.inbox_filters(now, calendar=days.calendar)
    tab = request.GET.get("tab", "all")
    if tab not in filters:
        tab = "all"
    qs = visible.filter(filters[tab])
    if form.is_valid():
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
        if term := form.cleaned_data["search"].strip():
            qs = qs.filter(Q(proposal__title__icontains=term) | Q(proposal__number__icontains=term))
    qs = qs.order_by(F("due").asc(nulls_last=True), "-id").defer(
        "answer", "return_reason", "proposal__reason", "proposal__suggestion"
    )
    counts = selectors.assignment_inbox_counts(visible, filters)
    tabs = [
        {"key": key, "label": INBOX_TAB_LABELS[key], "count": counts[key], "current": key == tab}
        for key in selectors.INBOX_TABS
    ]
    page_obj = _page(request, qs)
    for a in page_obj.object_list:
        a.days_overdue = days(a.due) if a.awaits_department else None
        a.days_left = None if a.days_overdue is None else -a.days_overdue
    context = {"form": _tidy(form), "page_obj": page_obj, "tabs": tabs, "tab": tab}
    return render(request, "proposals/assignment_list.html", context)


def _visible_assignment(request: HttpRequest, pk: int) -> Assignment:
    qs = selectors.assignment_list(request.user).select_related(
        "proposal__category", "proposal__proposer__profile", "answered_by__profile", "approved_by__profile"
    )
    return get_object_or_404(qs, pk=pk)


def _render_assignment(
    request: HttpRequest,
    pk: int,
    *,
    failed: Failed | None = None,
    attach_form: AttachmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    assignment = _visible_assignment(request, pk)
    actions, page_error = _actions(request, assignment, "proposals:assignment_transition", failed)
    co_answers: list[Assignment] = []
    if assignment.role == AssignmentRole.LEAD:
        # The lead drafts the official answer from the co-departments' opinions.
        co_answers = list(
            Assignment.objects.filter(
                proposal_id=assignment.proposal_id, round=assignment.round, role=AssignmentRole.CO
            ).select_related("department", "answered_by__profile")
        )
    context = {
        "assignment": assignment,
        "proposal": assignment.proposal,
        "proposal_visible": selectors.proposals_visible_to(request.user).filter(pk=assignment.proposal_id).exists(),
        "answered_by": _person(assignment.answered_by) if assignment.answered_by_id else "",
        "approved_by": _person(assignment.approved_by) if assignment.approved_by_id else "",
        "co_answers": [{"a": a, "by": _person(a.answered_by) if a.answered_by_id else ""} for a in co_answers],
        "timeline": _timeline(None, [assignment]),
        "actions": actions,
        "page_error": page_error,
        **attachments_context(request, assignment.proposal, assignment=assignment, form=attach_form),
    }
    return render(request, "proposals/assignment_detail.html", context, status=status)


@login_required
@require_GET
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_assignment(request, pk)


@login_required
@require_POST
def assignment_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return _run_transition(request, _visible_assignment(request, pk), name, _render_assignment)


# The overdue board (逾期督办) ------------------------------------------------------
@login_required
@require_GET
def overdue_board(request: HttpRequest) -> HttpResponse:
    if not policy.allows(Assignment(), "view_overdue_board", request.user, state=""):
        raise PermissionDenied(_("逾期督办仅供提案工作委员会、校工会办公室和审计人员查看。"))
    now = timezone.now()
    rows = selectors.overdue_board(request.user, now=now)
    context = {
        "groups": selectors.overdue_board_by_department(rows),
        "overdue_count": sum(1 for r in rows if r.overdue),
        "due_soon_count": sum(1 for r in rows if not r.overdue),
        "soon_days": selectors.DUE_SOON_DAYS,
        "now": now,
    }
    return render(request, "proposals/overdue.html", context)
