"""Moving the clock around a hardship request's publicity period (welfare.publicity), for the
tests that close an approved hardship request: it may be closed only after its notice ran."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import time_machine

from workflow.calendar import SHANGHAI


def on(day: date, hour: int = 9, minute: int = 0) -> Any:
    """Travel to ``day`` at hour:minute Asia/Shanghai (the clock keeps ticking)."""
    return time_machine.travel(datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI), tick=True)


def after_publicity(item: Any) -> Any:
    """Travel to 09:00 of the first day after ``item``'s publicity period (the item is read
    afresh, so a stale instance will do)."""
    ends = type(item).objects.values_list("publicity_ends", flat=True).get(pk=item.pk)
    assert ends is not None, "the request has no publicity period"
    return on(ends + timedelta(days=1))
