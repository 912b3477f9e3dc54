"""API clients for the personas: each signs in with its own token, as a real client would."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from proposals.services import proposal_cosign, proposal_invite
from tests.factories import draft
from workflow.services import transition


@pytest.fixture
def api(people):
    """``api("alice")`` is an APIClient holding alice's token."""
    clients: dict[str, APIClient] = {}

    def client_for(name: str) -> APIClient:
        if name not in clients:
            token, _ = Token.objects.get_or_create(user=people[name])
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            clients[name] = client
        return clients[name]

    return client_for


@pytest.fixture
def submitted(people, session, category):
    """``submitted(by="alice", title=...)``: a proposal co-signed by two other delegates and submitted."""

    def make(by: str = "alice", **extra: Any) -> Any:
        proposer = people[by]
        cosigners = [people[n] for n in ("alice", "bob", "carol") if n != by][:2]
        p = draft(proposer, session, category, **extra)
        proposal_invite(proposal=p, user=proposer, delegates=cosigners)
        for c in cosigners:
            proposal_cosign(proposal=p, user=c)
        return transition(p, "submit", proposer)

    return make


def assert_error(response: Any, status: int, code: str, *fields: str) -> dict[str, Any]:
    """The response is the API's error shape with this status and code (and these field errors)."""
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert body["code"] == code, body
    assert body["message"], body
    for f in fields:
        assert body["fields"].get(f), body
    return body


# The figures of the generated-input run (test_schema_fuzz.py) ----------------------------

# Who the generated requests come from: each role's persona from the `people` fixture, and
# nobody (no token at all).
FUZZ_ROLES = {
    "delegate": "alice",
    "committee": "committee",
    "handler": "handler",
    "head": "head",
    "union_office": "office",
    "auditor": "auditor",
    "anonymous": None,
}
FUZZ_MODULE = "tests/api/test_schema_fuzz.py"
# Fewer cases than this, when every role of the module was selected, fails the run: a change
# that quietly shrinks what is generated (a phase switched off, a budget lowered) must not pass.
FUZZ_MIN_CASES = 5000


@dataclass
class FuzzTally:
    selected: int = 0  # role tests left to run after -k, -m and node ids
    cases: int = 0
    on_known_ids: int = 0  # cases whose path names an object of the fuzz world
    statuses: Counter = field(default_factory=Counter)
    operations: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)  # the failed operation × role subtests
    started: float | None = None
    finished: float | None = None

    @property
    def whole(self) -> bool:
        return self.selected == len(FUZZ_ROLES)

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - (self.started or time.monotonic())


FUZZ = FuzzTally()


def _is_fuzz(nodeid: str) -> bool:
    return nodeid.split("::")[0].endswith(FUZZ_MODULE)


def pytest_collection_finish(session: pytest.Session) -> None:
    FUZZ.selected = sum(1 for item in session.items if _is_fuzz(item.nodeid))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed and _is_fuzz(report.nodeid):
        FUZZ.failures.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if FUZZ.whole and FUZZ.cases < FUZZ_MIN_CASES and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not FUZZ.cases and not FUZZ.selected:
        return
    tr = terminalreporter
    tr.write_sep("=", "generated API requests (schemathesis)")
    share = FUZZ.on_known_ids / FUZZ.cases if FUZZ.cases else 0.0
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(FUZZ.statuses.items()))
    tr.write_line(
        f"cases: {FUZZ.cases}  operations: {len(FUZZ.operations)}  roles: {len(FUZZ.roles)}  "
        f"failures: {len(FUZZ.failures)}  seconds: {FUZZ.seconds:.1f}"
    )
    tr.write_line(f"on existing objects: {FUZZ.on_known_ids} ({share:.0%})  statuses: {statuses}")
    for nodeid in FUZZ.failures:
        tr.write_line(f"failed: {nodeid}", red=True)
    if FUZZ.whole and FUZZ.cases < FUZZ_MIN_CASES:
        tr.write_line(f"too few cases: {FUZZ.cases} < {FUZZ_MIN_CASES} for the whole module", red=True)
