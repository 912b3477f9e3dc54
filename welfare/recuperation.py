"""疗休养: yearly quota, eligibility on submit, batches approved requests are allotted to.
(Filled in by the recuperation slice.)"""

from __future__ import annotations

from typing import Any


def recuperation_check_eligible(request: Any) -> None:
    """Called by WelfareRequest.submit for a recuperation request; raises Conflict with a code."""


def recuperation_allot(request: Any, *, batch: Any) -> None:
    """Called by WelfareRequest.answer_ for a recuperation request (batch None when not approved)."""
