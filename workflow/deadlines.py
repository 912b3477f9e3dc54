"""Deadlines, reminders and escalation, for every item kind.

The transition service opens and closes an item's deadlines (`sync`) from what the item
says it is waiting for (`item.deadline_specs()`). Each open deadline carries the instant
it next needs attention (`next_check_at`), so the sweep reads only what has come due
through a partial index. A reminder is recorded under the unique key (deadline, rule,
due) in the same transaction as its notifications: two overlapping sweeps, or a worker
that dies after committing, never send one twice; a sweep that dies before committing
leaves it to the next.

The ladder, with working days counted by workflow.calendar and every reminder sent at
08:00 Asia/Shanghai on its day:
  before     N working days before the due date          (to whoever must act)
  due        on the due date
  overdue:k  every M working days after the due date      (the k-th repetition)
  escalate:1 the department head (or the level above the actor), after H working days
  escalate:2 the union office and the committee, after O working days
Supervised items (督办, key proposals) use shorter H and O.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from . import memo
from .calendar import SHANGHAI, Due, WorkingCalendar, local_date
from .models import DUE_FIELDS, Deadline, Reminder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadlineSpec:
    step: str
    due: Due | datetime
    supervised: bool = False

    @property
    def at(self) -> datetime:
        return self.due.at if isinstance(self.due, Due) else self.due

    @property
    def counted(self) -> Due:
        return self.due if isinstance(self.due, Due) else Due(self.due)


@dataclass(frozen=True)
class ReminderPolicy:
    before_days: int = 3
    overdue_every_days: int = 3
    escalate_head_after_days: int = 1
    escalate_office_after_days: int = 5
    supervised_escalate_head_after_days: int = 0
    supervised_escalate_office_after_days: int = 2
    hour: int = 8


@dataclass(frozen=True)
class Fire:
    rule: str
    at: datetime
    level: int


def _item_ct(item: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(item, for_concrete_model=False)


def open_deadlines(item: models.Model) -> models.QuerySet[Deadline]:
    return Deadline.objects.filter(content_type=_item_ct(item), object_id=item.pk, closed_at__isnull=True)


def sync(item: Any, *, now: datetime | None = None) -> None:
    """Make the item's open deadlines match what it waits for now. Call inside the
    transaction that changed the item."""
    now = now or timezone.now()
    specs = {s.step: s for s in item.deadline_specs()}
    policy = item.reminder_policy()
    cal = WorkingCalendar()
    for row in open_deadlines(item).select_for_update():
        spec = specs.pop(row.step, None)
        if spec is None:
            row.closed_at, row.next_check_at = now, None
            row.save(update_fields=["closed_at", "next_check_at"])
        elif spec.counted != row.due_value or spec.supervised != row.supervised:
            if spec.at > row.due:
                row.escalation_level = 0  # an extension starts the ladder again
            row.set_due(spec.counted)
            row.supervised = spec.supervised
            row.next_check_at = next_check(row, policy, cal, now)
            row.save(update_fields=["supervised", "escalation_level", "next_check_at", *DUE_FIELDS])
    for spec in specs.values():
        row = Deadline(
            content_type=_item_ct(item),
            object_id=item.pk,
            step=spec.step,
            supervised=spec.supervised,
            opened_at=now,
        )
        row.set_due(spec.counted)
        row.next_check_at = next_check(row, policy, cal, now)
        row.save()


def plan(
    d: Deadline, policy: ReminderPolicy, cal: WorkingCalendar, now: datetime
) -> tuple[list[Fire], datetime | None]:
    """What this deadline sends at `now` and when it next needs a look."""
    due_day = local_date(d.due)

    def at(day: Any) -> datetime:
        return datetime.combine(day, time(policy.hour), tzinfo=SHANGHAI)

    head_after = policy.supervised_escalate_head_after_days if d.supervised else policy.escalate_head_after_days
    office_after = policy.supervised_escalate_office_after_days if d.supervised else policy.escalate_office_after_days
    candidates: list[Fire] = []
    if policy.before_days > 0:
        candidates.append(Fire("before", at(cal.shift(due_day, -policy.before_days)), 0))
    candidates.append(Fire("due", at(due_day), 0))
    candidates.append(Fire("escalate:1", at(cal.shift(due_day, head_after) if head_after else due_day), 1))
    candidates.append(Fire("escalate:2", at(cal.shift(due_day, office_after)), 2))
    upcoming = [f.at for f in candidates if f.at > now]
    # Overdue repetitions: the k-th comes every M working days after the due date.
    if policy.overdue_every_days > 0:
        k, day = 1, cal.shift(due_day, policy.overdue_every_days)
        while at(day) <= now:
            candidates.append(Fire(f"overdue:{k}", at(day), 0))
            k, day = k + 1, cal.shift(day, policy.overdue_every_days)
        upcoming.append(at(day))
    come = [f for f in candidates if f.at <= now]
    escalations = [f for f in come if f.level > 0]
    # Of the plain reminders only the newest that has come is sent, so a late first sweep
    # does not send a backlog; "before" and "due" only while the step is not yet late, and
    # only if the step was already open when they were meant to go out.
    plain = [
        f
        for f in come
        if f.level == 0
        and (f.rule.startswith("overdue") or (now <= d.due and f.at >= d.opened_at - timedelta(minutes=1)))
    ]
    fires = escalations + ([max(plain, key=lambda f: f.at)] if plain else [])
    return fires, min(upcoming) if upcoming else None


def next_check(d: Deadline, policy: ReminderPolicy, cal: WorkingCalendar, now: datetime) -> datetime | None:
    fires, next_at = plan(d, policy, cal, now)
    return now if fires else next_at


@dataclass
class SweepResult:
    deadlines: int = 0
    reminders: int = 0
    notifications: int = 0


def sweep(*, now: datetime | None = None, batch: int = 500) -> SweepResult:
    """Send every reminder and escalation that has come due at `now`. Safe to run in
    several processes at once: rows are claimed with SKIP LOCKED and each reminder is
    recorded under its unique key."""
    from notifications.services import notify

    now = now or timezone.now()
    result = SweepResult()
    cal = WorkingCalendar()
    while True:
        with transaction.atomic(), memo.batch():
            rows = list(
                Deadline.objects.filter(closed_at__isnull=True, next_check_at__lte=now)
                .order_by("next_check_at")
                .select_for_update(skip_locked=True)[:batch]
            )
            items = _items_for(rows)
            for d in rows:
                item = items.get((d.content_type_id, d.object_id))
                if item is None:
                    d.closed_at, d.next_check_at = now, None
                    continue
                # Across a year without a schedule the ladder is counted with the estimate
                # (workflow.calendar); entering the year recounts the due date itself.
                fires, next_at = plan(d, item.reminder_policy(), cal, now)
                for fire in fires:
                    if not _record(d, fire, now):
                        continue
                    result.reminders += 1
                    d.escalation_level = max(d.escalation_level, fire.level)
                    sent = notify(
                        recipients=item.reminder_recipients(d.step, fire.level),
                        event=_event(fire),
                        item=item,
                    )
                    result.notifications += len(sent)
                d.next_check_at = next_at
            Deadline.objects.bulk_update(rows, ["next_check_at", "escalation_level", "closed_at"])
            result.deadlines += len(rows)
        if len(rows) < batch:
            return result


def _record(d: Deadline, fire: Fire, now: datetime) -> bool:
    try:
        with transaction.atomic():
            Reminder.objects.create(deadline=d, rule=fire.rule, due=d.due, level=fire.level, fired_at=now)
    except IntegrityError:
        return False
    return True


def _event(fire: Fire) -> str:
    if fire.rule.startswith("escalate"):
        return "reminder.escalate_head" if fire.level == 1 else "reminder.escalate_office"
    return "reminder." + fire.rule.split(":")[0]


def _items_for(rows: list[Deadline]) -> dict[tuple[int, int], Any]:
    """The items behind a batch of deadlines, one query per kind."""
    wanted: dict[int, set[int]] = {}
    for d in rows:
        wanted.setdefault(d.content_type_id, set()).add(d.object_id)
    out: dict[tuple[int, int], Any] = {}
    for ct_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:
            continue
        for obj in model.sweep_queryset().filter(pk__in=ids):  # type: ignore[attr-defined]
            out[(ct_id, obj.pk)] = obj
    return out
