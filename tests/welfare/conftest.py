"""The welfare world: the conftest personas plus the sub-union chairs and a second
union office worker to be the assigned handler."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_user

# A valid resident ID (the standard's own example, with the X check character).
ID_X = "11010519491231002X"

KIND_FIELDS: dict[str, dict[str, Any]] = {
    "hardship": {"family_situation": "配偶长期患病，子女在读。", "income": Decimal("900.00")},
    # Within the illness 慰问标准 (500.00, welfare migration 0003).
    "must_visit": {
        "visit_reason": "illness",
        "event_date": date(2026, 3, 10),
        "diagnosis": "急性阑尾炎，住院手术",
        "amount_requested": Decimal("500.00"),
    },
    "recuperation": {"years_of_service": 25, "last_recuperation_year": 2019},
    "child_medical": {"child_name": "刘小明", "enrolment_year": 2026},
    "other": {},
}


def request_fields(kind: str = "hardship", **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": kind,
        "title": "申请困难补助",
        "description": "家庭突发变故，生活困难，特申请补助。",
        "amount_requested": Decimal("3000.00"),
        "id_number": ID_X,
        **KIND_FIELDS[kind],
    }
    fields.update(extra)
    return fields


@pytest.fixture
def recuperation_plan(db):
    """This year's 疗休养 quota (50 places, the usual rules: 5 years of service, 3 years apart)
    and one batch with room for all, so recuperation requests can be filed and approved."""
    from welfare.models import RecuperationBatch, RecuperationQuota
    from welfare.recuperation import recuperation_year

    year = recuperation_year()
    quota = RecuperationQuota.objects.create(year=year, places=50, min_years_of_service=5, interval_years=3)
    batch = RecuperationBatch.objects.create(
        year=year,
        name="第一批",
        destination="千岛湖",
        starts_on=date(year, 7, 6),
        ends_on=date(year, 7, 10),
        capacity=50,
    )
    return {"quota": quota, "batch": batch}


@pytest.fixture
def wp(people, departments, recuperation_plan):
    """`people` plus: chair (分工会主席 of dave's unit cs), other_chair (of hr), office2
    (a second union office worker, the handler), admin (superuser)."""
    d = departments
    admin = make_user("admin", "钱明", ["admin"], None)
    get_user_model().objects.filter(pk=admin.pk).update(is_superuser=True, is_staff=True)
    return {
        **people,
        "chair": make_user("chair", "郑芳", ["subunion_chair", "member"], d["cs"]),
        "other_chair": make_user("other_chair", "冯涛", ["subunion_chair", "member"], d["hr"]),
        "office2": make_user("office2", "何静", ["union_office"], None),
        "admin": get_user_model().objects.get(pk=admin.pk),
    }


@pytest.fixture
def file_request(wp):
    from welfare.services import welfare_request_file

    def file(kind: str = "hardship", *, user: Any = None, applicant: Any = None, **extra: Any) -> Any:
        return welfare_request_file(user=user or wp["dave"], applicant=applicant, **request_fields(kind, **extra))

    return file


def token_client(user: Any) -> Any:
    """An API client signed in with ``user``'s token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def client_for(wp):
    """``client_for("office")``: an API client holding that welfare persona's token."""
    return lambda name: token_client(wp[name])
