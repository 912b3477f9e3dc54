"""API clients for the personas: each signs in with its own token, as a real client would."""

from __future__ import annotations

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
