"""Writes that are not status transitions (drafts, invitations, co-signing), and
the side effects the transition service asks the proposal kind to make."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from notifications.services import notify
from org.models import Role
from workflow import deadlines, flowlink, history, policy
from workflow.errors import Conflict, InvalidPayload, NotPermitted, NotVisible

from .forms import ProposalForm
from .models import (
    ROUND_SETTLED,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    CoSignature,
    Feedback,
    Invitation,
    Proposal,
)
from .selectors import current_session

PROPOSER_PERM = "proposals.act_as_proposer"
DEPARTMENT_PERM = "proposals.handle_assignment"


def _form_errors(form: Any) -> InvalidPayload:
    return InvalidPayload(fields={k: [str(e) for e in v] for k, v in form.errors.items()})


def proposal_create(*, user: Any, data: dict[str, Any]) -> Proposal:
    """A delegate starts a draft. The session defaults to the one collecting now."""
    if not policy.allows(Proposal(), "create", user, state=""):
        raise NotPermitted(_("只有教代会代表可以提出提案。"))
    data = dict(data)
    if not data.get("session"):
        session = current_session()
        data["session"] = session.pk if session else None
    form = ProposalForm(data=data)
    if not form.is_valid():
        raise _form_errors(form)
    with transaction.atomic():
        proposal = form.save(commit=False)
        proposal.proposer = user
        proposal.save()
        assign_perm(PROPOSER_PERM, user, proposal)
        history.record(proposal, "proposal.create", user, {"title": proposal.title}, to_state=proposal.status)
        flowlink.start_process(proposal, user)
    return proposal


def proposal_update(*, proposal: Proposal, user: Any, data: dict[str, Any]) -> Proposal:
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        policy.check(locked, "edit", user)
        merged = {f: getattr(locked, f + "_id", None) or getattr(locked, f) for f in ProposalForm.Meta.fields}
        merged.update(data)
        if not merged.get("session"):
            merged["session"] = locked.session_id
        form = ProposalForm(data=merged, instance=locked)
        if not form.is_valid():
            raise _form_errors(form)
        form.save()
        history.record(locked, "proposal.edit", user, {k: str(v) for k, v in data.items()})
    return locked


def proposal_invite(*, proposal: Proposal, user: Any, delegates: list[Any]) -> list[Invitation]:
    """The proposer invites delegates to co-sign the draft; they may then see it."""
    from org.roles import user_roles

    policy.check(proposal, "invite", user)
    bad = [d for d in delegates if d.pk == proposal.proposer_id or Role.DELEGATE not in user_roles(d)]
    if bad:
        raise InvalidPayload(fields={"delegates": [_("只能邀请提案人以外的教代会代表附议。")]})
    made = []
    with transaction.atomic():
        for d in delegates:
            inv, created = Invitation.objects.get_or_create(proposal=proposal, delegate=d)
            if created:
                made.append(inv)
        if made:
            history.record(proposal, "proposal.invite", user, {"delegates": [i.delegate_id for i in made]})
            notify(recipients=[i.delegate for i in made], event="proposal.invite", item=proposal, actor=user)
    return made


def proposal_cosign(*, proposal: Proposal, user: Any) -> CoSignature:
    """A delegate of the session, not the proposer, co-signs a draft, once."""
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        policy.check(locked, "cosign", user)
        if user.pk == locked.proposer_id:
            raise InvalidPayload(_("不能附议自己的提案。"), code="cannot_cosign_own")
        try:
            with transaction.atomic():
                sig = CoSignature.objects.create(proposal=locked, delegate=user)
        except IntegrityError:
            raise Conflict(_("您已附议过该提案。"), code="already_cosigned") from None
        assign_perm("proposals.view_proposal", user, locked)
        history.record(locked, "proposal.cosign", user, {"delegate": user.pk})
        notify(recipients=[locked.proposer], event="proposal.cosign", item=locked, actor=user)
    return sig


def invitation_decline(*, invitation: Invitation, user: Any) -> Invitation:
    """谢绝: the invited delegate declines to co-sign the draft. The invitation is kept, marked
    declined (it is still why they may see the draft), and the proposer sees it on the page."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=invitation.proposal_id)
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.delegate_id != user.pk:
            raise NotVisible()
        policy.check(proposal, "decline", user)
        if locked.declined_at is not None:
            raise Conflict(_("您已谢绝该附议邀请。"), code="already_declined")
        if CoSignature.objects.filter(proposal=proposal, delegate=user).exists():
            raise Conflict(_("您已附议该提案，不能再谢绝。"), code="already_cosigned")
        locked.declined_at = timezone.now()
        locked.save(update_fields=["declined_at"])
        history.record(proposal, "proposal.invitation_declined", user, {"delegate": user.pk})
    return locked


def proposal_after_transition(*, proposal: Proposal, name: str, user: Any, payload: dict[str, Any]) -> None:
    if proposal.status in ROUND_SETTLED:
        # A returned assignment nobody reassigned before the round ended: the committee's
        # "reassign" task has nothing left to do (the waiting ones lapse as follow-ups).
        for returned in proposal.assignments.filter(status=AssignmentStatus.RETURNED, reassigned_at__isnull=True):
            flowlink.complete_tasks(returned, ("reassign",), user)
    if name == "merge":
        kept: Proposal = payload["into"]
        people = {proposal.proposer, *proposal.co_proposers.all()} - {kept.proposer}
        kept.co_proposers.add(*people)
        for person in people:
            assign_perm("proposals.view_proposal", person, kept)
        history.record(
            kept, "proposal.merged_in", user, {"merged": proposal.pk, "co_proposers": [p.pk for p in people]}
        )
    elif name == "assign":
        # A reassignment also finishes the committee's "reassign" task of each returned assignment.
        waiting = proposal.current_assignments().filter(status=AssignmentStatus.RETURNED, reassigned_at__isnull=True)
        for returned in waiting:
            flowlink.complete_tasks(returned, ("reassign",), user)
        waiting.update(reassigned_at=timezone.now())
        _create_assignments(proposal, payload["lead_department"], payload["co_departments"], payload.get("due"), user)
    elif name == "supervise":
        # The departments' deadlines escalate on the key-proposal ladder from now on.
        for a in proposal.current_assignments():
            deadlines.sync(a)
    elif name == "feedback":
        Feedback.objects.create(
            proposal=proposal,
            round=proposal.round - 1 if proposal.status == "assigned" else proposal.round,
            satisfaction=payload["satisfaction"],
            comment=payload.get("comment", ""),
            by=user,
        )
        if proposal.status == "assigned":
            _start_second_round(proposal, user)


def _create_assignments(proposal: Proposal, lead: Any, co: list[Any], due: Any, user: Any) -> None:
    due = due or proposal.session.answer_due(timezone.now())
    active = {a.department_id for a in proposal.current_assignments().exclude(status=AssignmentStatus.RETURNED)}
    wanted = [(lead, AssignmentRole.LEAD)] + [(d, AssignmentRole.CO) for d in co]
    for department, role in wanted:
        if department.pk in active:
            continue
        _open_assignment(proposal, department, role, due, user)
    if proposal.due is None:
        proposal.set_due(due)
        Proposal.objects.filter(pk=proposal.pk).update(**{f: getattr(proposal, f) for f in deadlines.DUE_FIELDS})


def _open_assignment(proposal: Proposal, department: Any, role: str, due: Any, user: Any) -> Assignment:
    a = Assignment(proposal=proposal, department=department, role=role, round=proposal.round)
    a.set_due(due)
    a.save()
    deadlines.sync(a)
    assign_perm(DEPARTMENT_PERM, department.group, a)
    assign_perm("proposals.view_proposal", department.group, proposal)
    history.record(a, "assignment.create", user, {"department": department.pk, "role": role}, to_state=a.status)
    flowlink.start_process(a, user)
    return a


def _start_second_round(proposal: Proposal, user: Any) -> None:
    """Unsatisfied feedback: every department that answered in round one answers again."""
    previous = proposal.assignments.filter(round=proposal.round - 1).exclude(status=AssignmentStatus.RETURNED)
    for a in previous.select_related("department"):
        _open_assignment(proposal, a.department, a.role, proposal.due_value, user)
