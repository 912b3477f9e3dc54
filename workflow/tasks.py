"""Celery tasks of the engine. Thin: each loads and calls one function."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def fire_flow_timers() -> None:
    """viewflow's timers, due conditions and start timers; the free wheel ships no Celery task for them."""
    from viewflow.workflow.timers import fire_due_conditions, fire_due_start_timers, fire_due_timers

    fire_due_timers()
    fire_due_conditions()
    fire_due_start_timers()
