"""Signing in: a token for scripts, the browser session for pages that call the API."""

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_it_trades_username_and_password_for_a_token_that_authenticates(people):
    client = APIClient()
    r = client.post("/api/v1/auth/token/", {"username": "alice", "password": "pw"}, format="json")
    assert r.status_code == 200
    token = r.json()["token"]
    assert set(r.json()) == {"token"}
    # The same token every time: signing in on a second device does not sign out the first.
    again = client.post("/api/v1/auth/token/", {"username": "alice", "password": "pw"}, format="json")
    assert again.json()["token"] == token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["username"] == "alice"


def test_it_refuses_a_wrong_password(people):
    r = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    assert_error(r, 400, "invalid_credentials")


def test_it_refuses_an_inactive_user(people):
    people["alice"].is_active = False
    people["alice"].save()
    r = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": "pw"}, format="json")
    assert_error(r, 400, "invalid_credentials")


def test_it_names_missing_and_unknown_sign_in_fields(people):
    assert_error(
        APIClient().post("/api/v1/auth/token/", {"username": "alice"}, format="json"), 400, "invalid", "password"
    )
    r = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": "pw", "otp": "1"}, format="json")
    assert_error(r, 400, "unknown_field", "otp")


def test_it_answers_401_without_credentials_and_says_how_to_authenticate(people):
    r = APIClient().get("/api/v1/proposals/")
    assert_error(r, 401, "not_authenticated")
    assert r["WWW-Authenticate"] == "Token"


def test_it_answers_401_to_a_bad_token(people):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(client.get("/api/v1/me/"), 401, "not_authenticated")


def test_it_accepts_the_browser_session(people, session, category):
    client = APIClient()
    assert client.login(username="alice", password="pw")
    assert client.get("/api/v1/me/").json()["username"] == "alice"
    r = client.post(
        "/api/v1/proposals/",
        {"title": "会话认证", "category": category.pk, "reason": "理由", "suggestion": "建议"},
        format="json",
    )
    assert r.status_code == 201, r.content


def test_it_requires_the_csrf_token_for_session_writes(people, category):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="alice", password="pw")
    r = client.post("/api/v1/proposals/", {"title": "x", "category": category.pk}, format="json")
    assert_error(r, 403, "permission_denied")


def test_it_tells_who_i_am(api, people, departments):
    body = api("handler").get("/api/v1/me/").json()
    assert body == {
        "id": people["handler"].pk,
        "username": "handler",
        "full_name": "赵磊",
        "roles": ["department_handler"],
        "department": {"id": departments["logistics"].pk, "name": "后勤管理处", "kind": "office"},
    }
    assert api("alice").get("/api/v1/me/").json()["roles"] == ["delegate", "member"]
    assert api("committee").get("/api/v1/me/").json()["department"] is None
