"""Items at the stage the delivery tests start from, built through the real services."""

from __future__ import annotations

from typing import Any

from proposals.services import proposal_cosign, proposal_invite
from tests.factories import draft
from workflow.services import transition


def submit(people: dict[str, Any], session: Any, category: Any, **extra: Any) -> Any:
    """alice drafts and invites bob and carol (both told), each co-signs (alice told twice),
    alice submits (the committee told): five notifications, each in its own transaction."""
    p = draft(people["alice"], session, category, **extra)
    proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"], people["carol"]])
    proposal_cosign(proposal=p, user=people["bob"])
    proposal_cosign(proposal=p, user=people["carol"])
    return transition(p, "submit", people["alice"])
