"""Who acts next on a welfare request. Flows only describe: every task is finished by a
transition through workflow.services.transition, never by a rule in here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from .models import WelfareProcess, WelfareRequest, WelfareStatus
from .rules import AS_UNIT_REVIEWER, OFFICE_QUEUE

# The default lock takes none; nowait=False makes a racing writer wait, then get 409.
FLOW_LOCK = lock.SelectForUpdateLock(nowait=False)


def _status(activation: Any) -> str:
    return activation.process.artifact.status


def _request(process: Any) -> WelfareRequest:
    # Called with the base Process in viewflow's permission checks, so go by ids.
    return WelfareRequest.objects.get(pk=process.artifact_object_id)


def _unit_chair(activation: Any) -> Any:
    # The review grant is held by the unit's whole group (the policy adds the chair's role),
    # so no queue can offer this task: it goes straight to the unit's chair. When the union
    # office reviews instead (a chair's own request, a unit without a chair), the task stays
    # unassigned for the office's members, who hold the grant through their group.
    from .selectors import unit_chairs

    item = activation.process.artifact
    chairs = list(unit_chairs(item.unit_id))
    if not chairs or item.applicant_id in {c.pk for c in chairs}:
        return None
    return chairs[0]


def _handler(activation: Any) -> Any:
    return activation.process.artifact.handler


class WelfareFlow(flow.Flow):
    """福利申请办理

    One process per request, from the sub-union's review to the union office's close."""

    process_class = WelfareProcess
    lock_impl = FLOW_LOCK

    start = flow.StartHandle(this.start_process).Next(this.review)
    review = (
        flow.ManualTask()
        .Annotation(title=_("分工会审核福利申请"))
        .Permission(AS_UNIT_REVIEWER, obj=_request)
        .Assign(_unit_chair)
        .Next(this.after_review)
    )
    after_review = flow.If(lambda a: _status(a) == WelfareStatus.REVIEWED).Then(this.assign).Else(this.end)
    assign = (
        flow.ManualTask().Annotation(title=_("分派福利申请经办人")).Permission(OFFICE_QUEUE).Next(this.after_assign)
    )
    after_assign = flow.If(lambda a: _status(a) == WelfareStatus.ASSIGNED).Then(this.answer).Else(this.end)
    answer = (
        flow.ManualTask()
        .Annotation(title=_("答复福利申请"))
        .Permission(OFFICE_QUEUE)
        .Assign(_handler)
        .Next(this.after_answer)
    )
    after_answer = flow.If(lambda a: _status(a) == WelfareStatus.ANSWERED).Then(this.close).Else(this.end)
    close = flow.ManualTask().Annotation(title=_("办结福利申请")).Permission(OFFICE_QUEUE).Next(this.after_close)
    # 退回重新答复 (an objection upheld in the publicity period): back to the handler's answer.
    after_close = flow.If(lambda a: _status(a) == WelfareStatus.ASSIGNED).Then(this.answer).Else(this.end)
    end = flow.End()

    def start_process(self, activation: Any, item: Any) -> Any:
        activation.process.artifact = item
        return activation.process
