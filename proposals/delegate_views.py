"""The delegate's side of co-signing: the invitations sent to me (附议邀请), answered with
附议 (co-sign, proposals.services.proposal_cosign) or 谢绝 (decline,
proposals.services.invitation_decline).

Only delegates have the page (policy row ``invitations``); an invitation that is not
the caller's, or whose draft is no longer open, is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from config.auth import login_required
from org.selectors import person_name
from workflow import policy
from workflow.errors import DomainError

from . import selectors, services
from .models import AssignmentRole, Invitation, Proposal, ProposalStatus


def _require_delegate(request: HttpRequest) -> None:
    if not policy.allows(Proposal(), "invitations", request.user, state=""):
        raise PermissionDenied(_("附议邀请仅供教代会代表查看。"))


def _render_list(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    invitations = list(selectors.invitations_for(request.user))
    rows = [
        {"invitation": i, "proposal": i.proposal, "proposer": person_name(i.proposal.proposer)} for i in invitations
    ]
    waiting = [i for i in invitations if not i.cosigned]  # type: ignore[attr-defined]  # annotated
    context = {"rows": rows, "open_count": len(waiting), "error": error}
    return render(request, "proposals/invitations.html", context, status=status)


def _my_invitation(request: HttpRequest, pk: int) -> Invitation:
    _require_delegate(request)
    return get_object_or_404(selectors.invitations_for(request.user), pk=pk)


@login_required
@require_GET
def invitation_list(request: HttpRequest) -> HttpResponse:
    _require_delegate(request)
    return _render_list(request)


@login_required
@require_POST
def invitation_cosign(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _my_invitation(request, pk)
    try:
        services.proposal_cosign(proposal=invitation.proposal, user=request.user)
    except DomainError as err:
        return _render_list(request, error=str(err.message), status=err.status)
    messages.success(request, _("您已附议《%(title)s》。") % {"title": invitation.proposal.title})
    return redirect("proposals:invitations")


@login_required
@require_POST
def invitation_decline(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _my_invitation(request, pk)
    try:
        services.invitation_decline(invitation=invitation, user=request.user)
    except DomainError as err:
        return _render_list(request, error=str(err.message), status=err.status)
    messages.success(request, _("您已谢绝附议《%(title)s》。") % {"title": invitation.proposal.title})
    return redirect("proposals:invitations")


# The delegate's home (我的提案工作台) -------------------------------------------------------
# Who acts next at each stage, as the delegate reads it. The assigned stage names the
# departments still owing an answer, from the rows already loaded.
NEXT_ACTOR = {
    ProposalStatus.DRAFT: gettext_lazy("我：邀请附议后提交"),
    ProposalStatus.SUBMITTED: gettext_lazy("提案工作委员会：审查立案"),
    ProposalStatus.REVIEWED: gettext_lazy("提案工作委员会：交办承办单位"),
    ProposalStatus.CONVERTED: gettext_lazy("提案工作委员会：转交有关单位"),
    ProposalStatus.ANSWERED: gettext_lazy("我：对答复反馈意见"),
}


def _next_actor(proposal: Proposal) -> str:
    if proposal.status == ProposalStatus.ASSIGNED:
        open_ = [a for a in proposal.assignments.all() if a.awaits_department]
        owing = [a.department.name for a in sorted(open_, key=lambda a: a.role != AssignmentRole.LEAD)]
        if owing:
            return _("承办单位：%(departments)s") % {"departments": "、".join(dict.fromkeys(owing))}
        return str(NEXT_ACTOR[ProposalStatus.REVIEWED])
    label = NEXT_ACTOR.get(proposal.status)  # type: ignore[call-overload]
    return str(label) if label else "—"


@login_required
@require_GET
def delegate_home(request: HttpRequest) -> HttpResponse:
    """A delegate's home: my proposals with their state and who acts next, the co-sign
    invitations waiting for me, and the answers waiting for my feedback."""
    _require_delegate(request)
    mine = list(selectors.proposals_of(request.user))
    policy.prefetch(request.user, mine)
    rows = [{"proposal": p, "next": _next_actor(p)} for p in mine]
    feedback = [row for row, p in zip(rows, mine, strict=True) if policy.allows(p, "feedback", request.user)]
    invitations = [i for i in selectors.invitations_for(request.user) if not i.cosigned]  # type: ignore[attr-defined]
    context = {"rows": rows, "feedback": feedback, "invitations": invitations[:5], "invitation_count": len(invitations)}
    return render(request, "proposals/delegate_home.html", context)
