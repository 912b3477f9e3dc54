"""公示: the publicity period of an approved hardship request, and objections raised in it.
(Filled in by the publicity slice.)"""

from __future__ import annotations

from typing import Any


def publicity_open(request: Any) -> None:
    """Called by WelfareRequest.answer_ for a hardship request."""


def publicity_check_closable(request: Any) -> None:
    """Called by WelfareRequest.close for a hardship request; raises Conflict when it may not close yet."""
