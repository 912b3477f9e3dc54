"""Celery tasks of the engine. Thin: each loads and calls one function."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def sweep_deadlines() -> dict[str, int]:
    """Every minute: reminders and escalations that have come due, then viewflow's own
    timers, due conditions and start timers (the free wheel ships no Celery task for them)."""
    from viewflow.workflow.timers import fire_due_conditions, fire_due_start_timers, fire_due_timers

    from .deadlines import sweep

    result = sweep()
    fire_due_timers()
    fire_due_conditions()
    fire_due_start_timers()
    return {"deadlines": result.deadlines, "reminders": result.reminders}
