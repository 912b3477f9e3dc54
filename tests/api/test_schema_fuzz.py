"""Generated requests against our own OpenAPI schema (/api/schema/), for every operation and
every role: whatever a client sends, the API answers with a status, a content type and a body
that the schema documents, and never with a server error.

schemathesis draws the requests from the schema (valid ones, boundary values and deliberately
broken ones) and sends them in-process to Django's WSGI application, each with the token of one
role's persona, or none. The budget is fixed: the same cases in the same order on every run
(derandomized, no example database), so CI is deterministic.

Before the first case the database holds a world to reach: proposals in every state with their
co-signatures and assignments, welfare requests of each kind and state, a medical claim with
receipts, an objection on the publicity notice, the recuperation plan, an entered holiday year
and the notifications all that sent. Most ids generated for a path are swapped for ids of that
world, so the cases reach the services behind the lookups and not only 404s. Each case runs in
a savepoint rolled back afterwards: every case finds the same world.

The figures (cases, operations, roles, failures, seconds) are printed at the end of the run by
tests/api/conftest.py, which also fails a whole run of this module that made too few cases.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from proposals.models import Assignment, CongressSession
from tests.factories import draft, fresh
from tests.welfare.conftest import file_request, recuperation_plan, wp  # noqa: F401
from tests.welfare.files import PDF, PNG, carry, upload
from tests.welfare.publicity_support import on
from welfare.attachments import welfare_attachment_add
from welfare.claims import medical_claim_file
from welfare.publicity import objection_raise
from workflow.calendar_years import calendar_year_enter
from workflow.services import transition

from .conftest import FUZZ, FUZZ_ROLES

pytestmark = pytest.mark.django_db

# Generated cases per operation and role in the fuzzing phase, on top of the coverage phase's
# fixed set (boundary values, missing and mistyped fields) for each operation.
MAX_EXAMPLES = 3
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Of the generated path ids, how many are swapped for ids of the fuzz world (the rest stay as
# generated: unknown ids, negative numbers, huge ones).
KNOWN_ID_WEIGHT = 3


# The world the cases reach -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def fuzz_world(wp, departments, session, category, submitted, file_request, recuperation_plan):  # noqa: F811
    """Objects in as many states as the API can show, and the ids a path may name, by path."""
    d, office, committee = departments, fresh(wp["office"]), fresh(wp["committee"])
    alice = wp["alice"]

    # Proposals: a draft, submitted ones, and one in each state after the committee's review.
    proposals = [draft(alice, session, category, title="图书馆开放时间延长")]
    proposals.append(submitted(by="alice", title="校园夜间照明"))
    proposals.append(submitted(by="bob", title="停车位紧张"))
    reviewed = transition(submitted(by="alice", title="教职工体检项目"), "accept", committee)
    rejected = transition(submitted(by="carol", title="重复的提案"), "reject", committee, reason="已有同类提案")
    merged = transition(submitted(by="bob", title="夜间照明不足"), "merge", committee, into=proposals[1].pk)
    withdrawn = transition(draft(alice, session, category, title="撤回的草稿"), "withdraw", fresh(alice))
    proposals += [reviewed, rejected, merged, withdrawn]

    def assigned(title: str) -> Any:
        p = transition(submitted(by="alice", title=title), "accept", committee)
        return transition(
            p, "assign", committee, lead_department=d["logistics"].pk, co_departments=[d["hr"].pk], due=None
        )

    in_work = assigned("食堂晚餐供应时间延长")  # both assignments still to sign for
    answering = assigned("宿舍维修响应慢")
    lead = Assignment.objects.get(proposal=answering, department=d["logistics"])
    co = Assignment.objects.get(proposal=answering, department=d["hr"])
    transition(lead, "accept", fresh(wp["handler"]))
    transition(lead, "answer", fresh(wp["handler"]), answer="已增加维修人员。", answer_class="A")
    transition(co, "accept", fresh(wp["hr_handler"]))
    answered = assigned("班车线路调整")
    for a in Assignment.objects.filter(proposal=answered):
        handler = wp["handler"] if a.department_id == d["logistics"].pk else wp["hr_handler"]
        transition(a, "accept", fresh(handler))
        transition(a, "answer", fresh(handler), answer="已调整线路。", answer_class="B")
    transition(Assignment.objects.get(proposal=answered, department=d["logistics"]), "approve", fresh(wp["head"]))
    returned = assigned("不属于后勤的提案")
    transition(
        Assignment.objects.get(proposal=returned, department=d["logistics"]),
        "return",
        fresh(wp["handler"]),
        reason="不属于本单位职责",
    )
    proposals += [in_work, answering, answered, returned]
    past = CongressSession.objects.create(
        name="第五届第五次",
        code="5-5",
        collection_opens=timezone.now() - timedelta(days=400),
        collection_closes=timezone.now() - timedelta(days=370),
    )

    # Welfare requests of each kind, in each state of the flow.
    requests = [file_request(kind) for kind in ("hardship", "must_visit", "other")]
    requests.append(carry(wp, file_request("recuperation"), "reviewed"))
    requests.append(carry(wp, file_request("must_visit", title="住院慰问"), "assigned"))
    requests.append(carry(wp, file_request("other", title="其他申请"), "closed"))
    requests.append(
        transition(file_request("other", title="不予通过"), "reject", fresh(wp["chair"]), reason="不符合条件")
    )
    requests.append(file_request("hardship", user=wp["alice"], title="王丽的困难补助"))
    enrolled = carry(wp, file_request("child_medical", enrolment_year=2025), "answered")
    claim = medical_claim_file(
        user=fresh(wp["dave"]),
        request=enrolled,
        visit_date=date(2025, 6, 1),
        hospital="市儿童医院",
        amount_claimed=Decimal("320.50"),
        description="急性支气管炎门诊",
        receipts=[upload("收据.png", PNG)],
    )
    attachment = welfare_attachment_add(user=fresh(wp["dave"]), request=requests[0], upload=upload("诊断证明.pdf", PDF))
    # A hardship request answered last Thursday is on the notice today, with an objection.
    with on(timezone.localdate() - timedelta(days=4)):
        noticed = carry(wp, file_request("hardship", title="公示中的困难补助"), "answered")
    objection = objection_raise(user=fresh(wp["alice"]), request=noticed, text="申请人家庭情况与所述不符。")
    requests += [enrolled, noticed]

    # A holiday year entered by the union office (the calendar's own data stops at 2026).
    first = date(2027, 1, 1)
    weekdays = [first + timedelta(days=i) for i in range(10) if (first + timedelta(days=i)).weekday() < 5]
    weekend = [first + timedelta(days=i) for i in range(10) if (first + timedelta(days=i)).weekday() >= 5]
    calendar_year_enter(
        user=office, year=2027, basis="国务院办公厅通知", closed_days=weekdays[:1], makeup_days=weekend[:1]
    )

    from notifications.models import Notification

    ids = {
        "proposals": [p.pk for p in proposals],
        "assignments": list(Assignment.objects.values_list("pk", flat=True)),
        "sessions": [session.pk, past.pk],
        "notifications": list(Notification.objects.values_list("pk", flat=True)[:40]),
        "welfare-requests": [r.pk for r in requests],
        "objections": [objection.pk],
        "medical-claims": [claim.pk],
        "welfare-attachments": [attachment.pk, *claim.receipts.values_list("pk", flat=True)],
        "recuperation-batches": [recuperation_plan["batch"].pk],
        "recuperation-quotas": [recuperation_plan["quota"].year],
        "calendar": [2025, 2026, 2027, 2028],
    }
    assert all(ids.values()), ids
    return ids


def _collection(path: str) -> str:
    """The collection a path's first parameter belongs to: /api/v1/<collection>/{...}/..."""
    parts = path.removeprefix("/api/v1/").split("/")
    return "calendar" if parts[0] == "calendar" else parts[0]


# The schema, one per role --------------------------------------------------------------------


@pytest.fixture
def fuzz_token(role, wp) -> str | None:  # noqa: F811
    username = FUZZ_ROLES[role]
    return Token.objects.get_or_create(user=wp[username])[0].key if username else None


@pytest.fixture
def fuzz_schema(fuzz_world, fuzz_token, role):
    # Django's own test client keeps the connection open across requests; in-process WSGI calls
    # would otherwise close it (and the test's transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # A 4xx is logged at WARNING; thousands of them would only fill the captured output.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
        schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
        schema.config.generation.update(
            max_examples=MAX_EXAMPLES,
            deterministic=True,
            database="none",
            # Who calls is the role's token (or none), never a generated Authorization header.
            with_security_parameters=False,
        )

        @schema.hook
        def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
            known = fuzz_world.get(_collection(context.operation.path))
            if not known or not path_parameters:
                return st.just(path_parameters)
            first = "year" if "year" in path_parameters else "id"
            swapped = st.sampled_from(known).map(lambda pk: {**path_parameters, first: pk})
            if "oid" in path_parameters:
                swapped = swapped.map(lambda p: {**p, "oid": fuzz_world["objections"][0]})
            return st.one_of(st.just(path_parameters), *[swapped] * KNOWN_ID_WEIGHT)

        swaps: Counter[str] = Counter()

        @schema.hook
        def map_case(context: Any, case: Any) -> Any:
            # The coverage phase's cases are built, not drawn, so its ids are swapped in turn:
            # of each KNOWN_ID_WEIGHT + 1 cases of an operation, all but one name a known object.
            # Cases that probe the path itself (a mistyped id, an unknown transition) keep theirs.
            meta = case.meta
            if meta is None or meta.phase.name != TestPhase.COVERAGE or not case.path_parameters:
                return case
            if meta.phase.data.parameter_location == ParameterLocation.PATH:
                return case
            known = fuzz_world.get(_collection(case.operation.path))
            n = swaps[case.operation.label]
            swaps[case.operation.label] += 1
            if not known or n % (KNOWN_ID_WEIGHT + 1) == KNOWN_ID_WEIGHT:
                return case
            first = "year" if "year" in case.path_parameters else "id"
            case.path_parameters = {**case.path_parameters, first: known[n % len(known)]}
            if "oid" in case.path_parameters:
                case.path_parameters["oid"] = fuzz_world["objections"][0]
            return case

        if FUZZ.started is None:
            FUZZ.started = time.monotonic()
        yield schema
    finally:
        FUZZ.finished = time.monotonic()
        request_log.setLevel(level)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@schema.parametrize()
@pytest.mark.parametrize("role", list(FUZZ_ROLES))
def test_every_operation_answers_every_role_as_documented(case, role, fuzz_token, fuzz_world):
    headers = {"Authorization": f"Token {fuzz_token}"} if fuzz_token else None
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    FUZZ.cases += 1
    FUZZ.roles.add(role)
    FUZZ.operations.add(case.operation.label)
    FUZZ.statuses[response.status_code] += 1
    known = fuzz_world.get(_collection(case.operation.path), ())
    first = (case.path_parameters or {}).get("year", (case.path_parameters or {}).get("id"))
    if first is not None and first in known:
        FUZZ.on_known_ids += 1
    case.validate_response(response, checks=CHECKS, headers=headers)
    # The token is read whatever else is wrong with the request: a role is never taken for nobody.
    if fuzz_token:
        assert response.status_code != 401, (case.operation.label, response.text[:300])
