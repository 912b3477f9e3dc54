"""Time limits (办理时限), reminders and escalation for welfare requests, on the engine's
deadlines (workflow.deadlines): the request says what it waits for, the engine opens and
closes the deadline on each transition and its sweep sends the reminders.

The step is read from the status alone, never from the transition that led there:
  submitted -> ``review``  (分工会审核), from submitted_at
  reviewed  -> ``assign``  (校工会分派), from reviewed_at
  assigned  -> ``answer``  (经办答复), from the moment the request entered ``assigned``
answered, closed, rejected and withdrawn wait on nobody, so their deadlines close. A
request sent back from answered to assigned (a publicity objection upheld) opens a fresh
answer deadline from that moment.

Each step is due at the end (23:59:59 Asia/Shanghai) of the N-th working day after it
opened (workflow.calendar: weekends, statutory holidays and 调休 count as they should).
N is the kind's ``WelfareTimeLimit`` row, which the union office edits in the admin, or
``DEFAULT_LIMITS`` below. A changed limit applies to steps opened afterwards: an open
step keeps the due date it was given (the one people were told), so shortening a limit
never makes a batch of requests overdue at once and lengthening one never moves a date
already communicated.

Who is reminded (level 0 whoever must act, 1 the level above, 2 the union office):
  review  0 the reviewer: the sub-union chair(s) of the request's unit (the union office for a
          chair's own request or a unit without a chair); 1 and 2 the reviewer and the union office
  assign  0, 1, 2 the union office (nobody sits above it for welfare)
  answer  0 the handler; 1 and 2 the handler and the whole union office
Reminders name the request's title, the step and the due date only: no sensitive field
(diagnosis, income, ID number, family situation), no amount, no applicant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from org.models import Role
from org.roles import users_with_role
from workflow import memo
from workflow.calendar import (
    SHANGHAI,
    Due,
    WorkingCalendar,
    working_due,
)
from workflow.deadlines import DeadlineSpec, ReminderPolicy, open_deadlines
from workflow.models import Deadline, HistoryEntry

from .models import WelfareKind, WelfareRequest, WelfareStatus, WelfareTimeLimit

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

S = WelfareStatus


@dataclass(frozen=True)
class Limits:
    """Working days each step may take."""

    review: int
    assign: int
    answer: int

    def days(self, step: str) -> int:
        return int(getattr(self, step))


# The defaults, for a kind without a WelfareTimeLimit row. Must-visits (五必访: illness,
# bereavement ...) are time-bound: the visit is worth little a fortnight later.
DEFAULT_LIMITS: dict[str, Limits] = {
    WelfareKind.HARDSHIP: Limits(review=3, assign=2, answer=10),
    WelfareKind.MUST_VISIT: Limits(review=2, assign=1, answer=3),
    WelfareKind.RECUPERATION: Limits(review=3, assign=2, answer=10),
    WelfareKind.CHILD_MEDICAL: Limits(review=3, assign=2, answer=10),
    WelfareKind.OTHER: Limits(review=3, assign=2, answer=10),
}
FALLBACK_LIMITS = Limits(review=3, assign=2, answer=10)

# The reminder ladder per kind (working days; see workflow.deadlines). The "before" reminder
# is further capped per step so it never falls on or before the day the step opened.
DEFAULT_REMINDERS: dict[str, ReminderPolicy] = {
    WelfareKind.MUST_VISIT: ReminderPolicy(
        before_days=1, overdue_every_days=1, escalate_head_after_days=1, escalate_office_after_days=2
    ),
}
FALLBACK_REMINDERS = ReminderPolicy(
    before_days=2, overdue_every_days=2, escalate_head_after_days=1, escalate_office_after_days=3
)

STEP_BY_STATUS: dict[str, str] = {S.SUBMITTED: "review", S.REVIEWED: "assign", S.ASSIGNED: "answer"}
STEP_LABELS: dict[str, _StrPromise] = {
    "review": gettext_lazy("分工会审核"),
    "assign": gettext_lazy("校工会分派"),
    "answer": gettext_lazy("经办答复"),
}
WEEKDAYS = (
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
)
# Notification titles are at most 200 characters; a request's title may be as long.
TITLE_CHARS = 60


def time_limits(kind: str) -> Limits:
    """The kind's limits: its WelfareTimeLimit row, else the default (once per sweep batch)."""

    def load() -> Limits:
        row = WelfareTimeLimit.objects.filter(kind=kind).first()
        if row is not None:
            return Limits(review=row.review_days, assign=row.assign_days, answer=row.answer_days)
        return DEFAULT_LIMITS.get(kind, FALLBACK_LIMITS)

    return memo.remember(("welfare.time_limits", kind), load)


def step_of(request: WelfareRequest) -> str | None:
    return STEP_BY_STATUS.get(request.status)


def step_started_at(request: WelfareRequest) -> datetime:
    """When the request entered its current status. The transition service opens deadlines
    before it writes the transition's history row, so when the newest transition in the
    history led elsewhere, the status is being entered right now (an assignment, or a
    request sent back to ``assigned`` by whatever transition does that)."""
    if request.status == S.SUBMITTED and request.submitted_at:
        return request.submitted_at
    if request.status == S.REVIEWED and request.reviewed_at:
        return request.reviewed_at
    last = (
        HistoryEntry.objects.for_item(request)
        .exclude(transition="")
        .order_by("-seq")
        .values_list("to_state", "at")
        .first()
    )
    if last is not None and last[0] == request.status:
        return last[1]
    return timezone.now()


def _open_due(request: WelfareRequest, step: str) -> Due | datetime | None:
    """The open step's due date as it was counted (so syncing keeps it as it is). The sweep's
    queryset brings the date along for the reminder's wording (sweep_queryset)."""
    if hasattr(request, "open_deadline_due"):
        return request.open_deadline_due  # type: ignore[no-any-return]
    row = open_deadlines(request).filter(step=step).first()
    return row.due_value if row is not None else None


def welfare_deadline_specs(request: WelfareRequest) -> list[DeadlineSpec]:
    """What the request waits on now (WelfareRequest.deadline_specs)."""
    step = step_of(request)
    if step is None or request.pk is None:
        return []
    due = _open_due(request, step)
    if due is None:
        # A member's request is never refused because next year's holidays are not entered
        # yet: the calendar counts its estimate and the due date is provisional.
        return [
            DeadlineSpec(
                step,
                working_due(
                    step_started_at(request), time_limits(request.kind).days(step), calendar=working_calendar()
                ),
            )
        ]
    return [DeadlineSpec(step, due)]


def welfare_reminder_policy(request: WelfareRequest) -> ReminderPolicy:
    """The kind's ladder; "before" at most limit-1 working days ahead, so a one-day step
    gets no "before" reminder and a two-day step gets it on its first working day."""
    policy = DEFAULT_REMINDERS.get(request.kind, FALLBACK_REMINDERS)
    step = step_of(request)
    if step is None:
        return policy
    cap = max(time_limits(request.kind).days(step) - 1, 0)
    return replace(policy, before_days=min(policy.before_days, cap))


def welfare_reminder_recipients(request: WelfareRequest, step: str, level: int) -> list[Any]:
    """Who is reminded about `step` at escalation `level` (see the module docstring)."""
    if step == "review":
        reviewers = _reviewers(request)
        return reviewers + _office() if level >= 1 else reviewers
    if step == "answer":
        handler = request.handler
        actor = [handler] if handler is not None and handler.is_active else []
        # Without an active handler the union office, who assigns, is the one to act.
        return actor + _office() if level >= 1 or not actor else actor
    return _office()


def welfare_sweep_queryset() -> QuerySet[WelfareRequest]:
    """Requests as the sweep loads them: with the handler (the answer step's actor) and the
    due date of the open deadline (for the reminder's wording), in one query."""
    due = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(WelfareRequest),
        object_id=OuterRef("pk"),
        closed_at__isnull=True,
    ).order_by("-opened_at")
    return WelfareRequest.objects.select_related("unit", "applicant", "handler").annotate(
        open_deadline_due=Subquery(due.values("due")[:1])
    )


def _reviewers(request: WelfareRequest) -> list[Any]:
    """The unit's sub-union chairs; the union office for a chair's own request or a unit
    without a chair (the rule of welfare.selectors.request_reviewers, with the chairs asked
    once per unit and sweep batch)."""
    chairs = _unit_chairs(request.unit_id)
    if chairs and request.applicant_id not in {c.pk for c in chairs}:
        return chairs
    return _office()


def _unit_chairs(unit_id: int) -> list[Any]:
    from .selectors import unit_chairs

    return memo.remember(("welfare.unit_chairs", unit_id), lambda: list(unit_chairs(unit_id)))


def _office() -> list[Any]:
    return memo.remember(("role", Role.UNION_OFFICE.value), lambda: list(users_with_role(Role.UNION_OFFICE)))


# What the reminders say ------------------------------------------------------------------


def format_due(due: datetime) -> str:
    """A due instant as campus people read it: 4月8日（周三）."""
    day = due.astimezone(SHANGHAI).date()
    return _("%(month)s月%(day)s日（%(weekday)s）") % {
        "month": day.month,
        "day": day.day,
        "weekday": WEEKDAYS[day.weekday()],
    }


def _short_title(request: WelfareRequest) -> str:
    title = request.title.strip()
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"


def _reminder_facts(request: WelfareRequest, event: str) -> dict[str, str] | None:
    if not event.startswith("reminder."):
        return None
    step = step_of(request)
    specs = welfare_deadline_specs(request) if step else []
    if not specs:
        return None
    return {"item": _short_title(request), "step": str(STEP_LABELS[step]), "due": format_due(specs[0].at)}  # type: ignore[index]


def reminder_title(request: WelfareRequest, event: str) -> str | None:
    """The title of a reminder or escalation about this request, or None for other events."""
    facts = _reminder_facts(request, event)
    if facts is None:
        return None
    templates = {
        "reminder.before": _("提醒：福利申请《%(item)s》%(step)s将于%(due)s到期，请及时办理"),
        "reminder.due": _("提醒：福利申请《%(item)s》%(step)s今日（%(due)s）到期"),
        "reminder.overdue": _("催办：福利申请《%(item)s》%(step)s已于%(due)s到期，请尽快办理"),
        "reminder.escalate_head": _("督办：福利申请《%(item)s》%(step)s已逾期（%(due)s到期），请督促办理"),
        "reminder.escalate_office": _("督办：福利申请《%(item)s》%(step)s逾期未办（%(due)s到期），已报校工会"),
    }
    template = templates.get(event)
    return template % facts if template else None


def reminder_body(request: WelfareRequest, event: str) -> str:
    """The body of a reminder: the step, the due date and where to act; nothing personal."""
    facts = _reminder_facts(request, event)
    if facts is None:
        return ""
    return "\n".join(
        [
            _("待办环节：%(step)s") % facts,
            _("办理期限：%(due)s 24时前") % facts,
            _("申请编号：%(pk)s") % {"pk": request.pk},
            _("为保护申请人隐私，详细情况请登录系统查看。"),
        ]
    )


def working_calendar() -> WorkingCalendar:
    """One calendar per batch of work (workflow.memo), else a fresh one."""
    return memo.remember(("welfare.calendar",), WorkingCalendar)
