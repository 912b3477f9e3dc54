"""Demo welfare requests: every kind in every state, played through the real services by the
demo logins (huiyuan files, fengonghui reviews, gonghui assigns and decides). Called by
`seed_demo` after the people exist."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from workflow.services import transition

from .models import WelfareKind
from .services import welfare_request_file

# The states a demo request is carried to, in lifecycle order.
STATES = ("submitted", "reviewed", "assigned", "answered", "closed", "rejected", "withdrawn")

KINDS: dict[str, dict[str, Any]] = {
    WelfareKind.HARDSHIP: {
        "title": "家庭困难补助申请",
        "description": "爱人长期患病无固定收入，孩子上高中，家庭开支较大，申请年度困难补助。",
        "amount_requested": Decimal("3000.00"),
        "family_situation": "三口之家，爱人因病失业两年，孩子在读高中。",
        "income": Decimal("1650.00"),
        "id_number": "11010519491231002X",
    },
    WelfareKind.MUST_VISIT: {
        "title": "住院慰问申请",
        "description": "因病住院治疗，申请工会五必访慰问。",
        "amount_requested": Decimal("500.00"),
        "visit_reason": "illness",
        "event_date": date(2026, 3, 2),
        "diagnosis": "腰椎间盘突出，住院手术治疗。",
    },
    WelfareKind.RECUPERATION: {
        "title": "暑期疗休养申请",
        "description": "工作满二十年，近五年未参加疗休养，申请参加暑期疗休养。",
        "years_of_service": 21,
        "last_recuperation_year": 2019,
    },
    WelfareKind.CHILD_MEDICAL: {
        "title": "子女医疗统筹报销",
        "description": "孩子门诊及住院费用，申请子女医疗统筹报销。",
        "amount_requested": Decimal("860.50"),
        "child_name": "马小雨",
        "enrolment_year": 2026,
    },
    WelfareKind.OTHER: {
        "title": "教职工婚育补贴咨询",
        "description": "申请了解并办理婚育相关补贴。",
        "amount_requested": Decimal("200.00"),
    },
}


def seed_welfare_requests() -> int:
    """One request of each kind in each state; returns how many were written."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["huiyuan", "fengonghui", "gonghui"])}
    member, chair, office = users["huiyuan"], users["fengonghui"], users["gonghui"]
    count = 0
    for kind, fields in KINDS.items():
        for state in STATES:
            # One of each kind is filed by the union office from a paper form (代录).
            on_paper = state == "submitted"
            r = welfare_request_file(
                user=office if on_paper else member,
                applicant=member,
                kind=kind,
                **fields,
            )
            _play(r, state, member=member, chair=chair, office=office, kind=kind, fields=fields)
            count += 1
    return count


def _play(r: Any, state: str, *, member: Any, chair: Any, office: Any, kind: str, fields: dict[str, Any]) -> None:
    if state == "submitted":
        return
    if state == "withdrawn":
        transition(r, "withdraw", member)
        return
    if state == "rejected":
        transition(r, "reject", chair, reason="材料不全，请补充相关证明后重新申请。")
        return
    r = transition(r, "review", chair, comment="情况属实，同意上报校工会。")
    if state == "reviewed":
        return
    r = transition(r, "assign", office, handler=office.pk)
    if state == "assigned":
        return
    # Recuperation asks for no sum; the union pays the trip's standard cost.
    amount = fields.get("amount_requested") or Decimal("1500.00")
    approved = kind != WelfareKind.OTHER
    r = transition(
        r,
        "answer",
        office,
        approved=approved,
        amount=amount if approved else None,
        answer="经校工会研究，同意按标准发放。" if approved else "不属于工会福利保障范围，不予批准。",
    )
    if state == "answered":
        return
    transition(r, "close", office)
