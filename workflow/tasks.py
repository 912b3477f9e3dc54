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


@shared_task(acks_late=True)
def check_history_chains(check_id: int | None = None) -> dict[str, int]:
    """Run one history chain check: the one an auditor asked for, or (nightly, from beat) a new one."""
    from .history import chain_check_request, chain_check_run
    from .models import ChainCheck

    if check_id is None:
        check = chain_check_request(user=None)
    else:
        check = ChainCheck.objects.get(pk=check_id)
        if check.finished_at is not None:
            return {"rows": check.rows_checked, "breaks": check.break_count}  # a redelivered task
    check = chain_check_run(check=check)
    return {"rows": check.rows_checked, "breaks": check.break_count}


@shared_task(acks_late=True)
def seal_history_chains() -> dict[str, int] | None:
    """Nightly, just after midnight: seal the day that ended (workflow.history.chain_seal_day);
    a redelivered run finds the day sealed and does nothing."""
    from .history import chain_seal_day

    seal = chain_seal_day()
    return None if seal is None else {"rows": seal.rows}


@shared_task(acks_late=True)
def warn_missing_holiday_year() -> bool:
    """Daily: from 1 November, tell the union office when next year's holiday schedule is
    missing (once, then weekly; workflow.calendar_years)."""
    from .calendar_years import calendar_warn_missing_year

    return calendar_warn_missing_year() is not None
