from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from org.models import Profile
from org.roles import user_set_roles


def make_user(username: str, full_name: str, roles: list[str], department: Any, password: str = "pw") -> Any:
    user = get_user_model().objects.create_user(
        username=username, password=password, email=f"{username}@example.edu.cn"
    )
    Profile.objects.create(user=user, full_name=full_name, department=department)
    user_set_roles(user=user, roles=roles)
    return get_user_model().objects.get(pk=user.pk)


def fresh(user: Any) -> Any:
    """A new instance of the user, so per-request permission caches start empty."""
    return get_user_model().objects.get(pk=user.pk)


def draft(proposer: Any, session: Any, category: Any, **extra: Any) -> Any:
    from proposals.services import proposal_create

    data = {
        "title": extra.pop("title", "食堂晚餐供应时间延长"),
        "category": category.pk,
        "reason": extra.pop("reason", "教职工晚上加班较多，食堂晚餐供应结束过早。"),
        "suggestion": extra.pop("suggestion", "建议食堂晚餐供应延长至19:30。"),
        "session": session.pk,
    }
    return proposal_create(user=proposer, data=data)


def submitted(proposer: Any, cosigners: list[Any], session: Any, category: Any, **extra: Any) -> Any:
    """A draft by `proposer`, co-signed by `cosigners` on invitation, and submitted."""
    from proposals.services import proposal_cosign, proposal_invite
    from workflow.services import transition

    p = draft(proposer, session, category, **extra)
    proposal_invite(proposal=p, user=proposer, delegates=cosigners)
    for c in cosigners:
        proposal_cosign(proposal=p, user=c)
    return transition(p, "submit", proposer)
