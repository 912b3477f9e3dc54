"""GET|PUT /api/v1/notifications/preferences/: the caller's own channels per kind of event."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications.models import Preference

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/preferences/"


@pytest.fixture
def api(people):
    def client_for(name: str) -> APIClient:
        token, _ = Token.objects.get_or_create(user=people[name])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


def by_kind(body):
    return {row["event_kind"]: row for row in body["preferences"]}


def test_it_shows_the_site_default_to_a_user_who_chose_nothing(api):
    body = api("alice").get(URL).json()

    rows = by_kind(body)
    assert list(rows) == ["*", "proposal", "assignment", "reminder"]
    assert rows["*"] == {
        "event_kind": "*",
        "kind_label": "全部事项",
        "channels": ["in_app", "email"],
        "digest": False,
        "custom": False,
    }
    assert all(r["channels"] == ["in_app", "email"] and not r["custom"] for r in rows.values())


def test_it_replaces_the_callers_preferences_and_leaves_others_alone(api, people):
    body = {
        "preferences": [
            {"event_kind": "*", "channels": ["email", "wecom"], "digest": True},
            {"event_kind": "reminder", "channels": ["in_app", "dingtalk"], "digest": False},
        ]
    }
    r = api("alice").put(URL, body, format="json")

    assert r.status_code == 200, r.content
    rows = by_kind(r.json())
    assert rows["*"]["channels"] == ["in_app", "email", "wecom"] and rows["*"]["digest"] is True
    assert rows["proposal"] == {**rows["*"], "event_kind": "proposal", "kind_label": "提案进展", "custom": False}
    assert rows["reminder"]["channels"] == ["in_app", "dingtalk"] and rows["reminder"]["custom"] is True
    assert by_kind(api("alice").get(URL).json()) == rows
    assert by_kind(api("bob").get(URL).json())["*"]["channels"] == ["in_app", "email"]

    # A kind left out of the next PUT follows "*" again.
    r = api("alice").put(URL, {"preferences": [{"event_kind": "*", "channels": []}]}, format="json")
    reminder = by_kind(r.json())["reminder"]
    assert (reminder["channels"], reminder["digest"], reminder["custom"]) == (["in_app"], False, False)
    assert Preference.objects.filter(user=people["alice"]).count() == 1


def test_what_get_returned_can_be_put_back_unchanged(api):
    client = api("alice")
    before = client.get(URL).json()

    r = client.put(URL, before, format="json")

    assert r.status_code == 200, r.content
    assert r.json()["preferences"][0] == {**before["preferences"][0], "custom": True}


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"preferences": [{"event_kind": "*", "channels": ["sms"]}]}, "invalid", "preferences.0.channels.0"),
        ({"preferences": [{"event_kind": "welfare", "channels": []}]}, "invalid", "preferences.0.event_kind"),
        (
            {"preferences": [{"event_kind": "*", "channels": [], "colour": "red"}]},
            "unknown_field",
            "preferences.0.colour",
        ),
        (
            {"preferences": [{"event_kind": "*", "channels": []}, {"event_kind": "*", "channels": []}]},
            "invalid",
            "preferences.1.event_kind",
        ),
        ({"prefs": []}, "unknown_field", "prefs"),
        ([], "invalid", None),
    ],
)
def test_it_refuses_a_bad_body_and_changes_nothing(api, people, body, code, field):
    r = api("alice").put(URL, body, format="json")

    assert r.status_code == 400, r.content
    assert r.json()["code"] == code, r.json()
    assert field is None or field in r.json()["fields"], r.json()
    assert not Preference.objects.filter(user=people["alice"]).exists()


def test_it_needs_a_signed_in_user(client):
    assert APIClient().get(URL).status_code == 401
    assert APIClient().put(URL, {"preferences": []}, format="json").status_code == 401


def test_the_schema_names_the_preferences_endpoint(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    assert {"get", "put"} <= set(paths["/api/v1/notifications/preferences/"])
