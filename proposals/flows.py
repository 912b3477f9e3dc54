"""Who acts next on a proposal. Flows only describe: every task is finished by a
transition through workflow.services.transition, never by a rule in here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from org.models import Department

from .models import AssignmentProcess, AssignmentRole, AssignmentStatus, ProposalProcess, ProposalStatus

# The default lock takes none; nowait=False makes a racing writer wait, then get 409.
FLOW_LOCK = lock.SelectForUpdateLock(nowait=False)
COMMITTEE_QUEUE = "proposals.triage_proposal"
DEPARTMENT_QUEUE = "org.act_for_department"


def _status(activation: Any) -> str:
    return activation.process.artifact.status


def _proposer(activation: Any) -> Any:
    return activation.process.artifact.proposer


def _department(process: Any) -> Department:
    # Called with the base Process in viewflow's permission checks, so go by ids.
    return Department.objects.get(assignments__pk=process.artifact_object_id)


def _department_head(activation: Any) -> Any:
    from org.models import Role
    from proposals.selectors import department_members

    heads = list(department_members(activation.process.artifact.department_id, Role.DEPARTMENT_HEAD)[:2])
    return heads[0] if len(heads) == 1 else None


class ProposalFlow(flow.Flow):
    """提案办理

    One process per proposal, from the draft to the committee's close."""

    process_class = ProposalProcess
    lock_impl = FLOW_LOCK

    start = flow.StartHandle(this.start_process).Next(this.draft)
    draft = flow.ManualTask().Annotation(title=_("修改并提交提案")).Assign(_proposer).Next(this.after_draft)
    after_draft = flow.If(lambda a: _status(a) == ProposalStatus.SUBMITTED).Then(this.triage).Else(this.end)
    triage = (
        flow.ManualTask().Annotation(title=_("审查提案（立案）")).Permission(COMMITTEE_QUEUE).Next(this.after_triage)
    )
    after_triage = (
        flow.If(lambda a: _status(a) in (ProposalStatus.REVIEWED, ProposalStatus.CONVERTED))
        .Then(this.assign)
        .Else(this.end)
    )
    assign = flow.ManualTask().Annotation(title=_("交办承办单位")).Permission(COMMITTEE_QUEUE).Next(this.wait_answer)
    # The departments work in their own AssignmentFlow processes; the lead's approved
    # answer moves the proposal to `answered`, which finishes this wait.
    wait_answer = flow.Handle().Annotation(title=_("等待承办单位答复")).Next(this.feedback)
    feedback = flow.ManualTask().Annotation(title=_("对答复进行满意度反馈")).Assign(_proposer).Next(this.after_feedback)
    after_feedback = (
        flow.Switch()
        .Case(this.wait_answer, lambda a: _status(a) == ProposalStatus.ASSIGNED)
        .Case(this.close, lambda a: _status(a) == ProposalStatus.ANSWERED)
        .Default(this.end)
    )
    close = flow.ManualTask().Annotation(title=_("办结提案")).Permission(COMMITTEE_QUEUE).Next(this.end)
    end = flow.End()

    def start_process(self, activation: Any, item: Any) -> Any:
        activation.process.artifact = item
        return activation.process


class AssignmentFlow(flow.Flow):
    """承办

    One child process per assigned department: sign, answer, the head's approval."""

    process_class = AssignmentProcess
    lock_impl = FLOW_LOCK

    start = flow.StartHandle(this.start_process).Next(this.sign)
    sign = (
        flow.ManualTask()
        .Annotation(title=_("签收交办"))
        .Permission(DEPARTMENT_QUEUE, obj=_department)
        .Next(this.after_sign)
    )
    after_sign = (
        flow.Switch()
        .Case(this.reassign, lambda a: _status(a) == AssignmentStatus.RETURNED)
        .Case(this.end, lambda a: _status(a) == AssignmentStatus.LAPSED)
        .Default(this.answer)
    )
    answer = (
        flow.ManualTask()
        .Annotation(title=_("起草答复"))
        .Permission(DEPARTMENT_QUEUE, obj=_department)
        .Next(this.after_answer)
    )
    after_answer = (
        flow.Switch()
        .Case(this.reassign, lambda a: _status(a) == AssignmentStatus.RETURNED)
        .Case(this.end, lambda a: _status(a) == AssignmentStatus.LAPSED)
        .Case(this.approve, lambda a: a.process.artifact.role == AssignmentRole.LEAD)
        .Default(this.end)
    )
    approve = (
        flow.ManualTask()
        .Annotation(title=_("审核本单位答复"))
        .Permission(DEPARTMENT_QUEUE, obj=_department)
        .Assign(_department_head)
        .Next(this.after_approve)
    )
    # 退回修改: the head sends the answer back, and the handler drafts it again.
    after_approve = flow.If(lambda a: _status(a) == AssignmentStatus.ACCEPTED).Then(this.answer).Else(this.end)
    reassign = flow.ManualTask().Annotation(title=_("重新交办被退回的提案")).Permission(COMMITTEE_QUEUE).Next(this.end)
    end = flow.End()

    def start_process(self, activation: Any, item: Any) -> Any:
        activation.process.artifact = item
        return activation.process
