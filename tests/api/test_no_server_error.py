"""No server error on any input: NUL characters, deep nesting, numbers and dates no column or
calendar can take are refused with 400 and a precise code, in one place (config/inputs.py);
permission before state; unknown names are 404s."""

import pytest
from django.test import Client

from .conftest import assert_error

pytestmark = pytest.mark.django_db
SESSION = {"name": "第七届第一次", "code": "7-1"}


def test_options_answers_every_endpoint_including_actions_without_an_object(api):
    for url in ("/api/v1/notifications/preferences/", "/api/v1/proposals/", "/api/v1/calendar/years/"):
        r = api("alice").options(url)
        assert r.status_code in (200, 403), (url, r.status_code)
    r = api("alice").options("/api/v1/notifications/preferences/")
    assert r.status_code == 200 and "actions" not in r.json()


@pytest.mark.parametrize("who", ["alice", "office", "committee"])
def test_a_nul_in_a_body_is_refused_before_any_field_or_query(api, who):
    r = api(who).post("/api/v1/proposals/", {"title": "a\x00b", "category": "后勤\x00"}, format="json")
    assert_error(r, 400, "invalid_character")
    r = api(who).post("/api/v1/auth/token/", {"username": "x\x00", "password": "y"}, format="json")
    assert_error(r, 400, "invalid_character")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/proposals/?search=%00",
        "/api/v1/welfare-requests/?title=%00",
        "/api/v1/assignments/?x%00=1",
    ],
)
def test_a_nul_in_a_query_string_is_refused_on_every_endpoint(api, url):
    assert_error(api("committee").get(url), 400, "invalid_character")


def test_a_nul_in_a_pages_query_string_is_a_chinese_400_page(client, people):
    client.force_login(people["alice"])
    for url in ("/org/people/search/?q=%00", "/proposals/?q=a%00b"):
        r = client.get(url)
        assert r.status_code == 400 and "请求中含有不允许的字符" in r.content.decode()


def test_deeply_nested_json_is_refused_even_anonymously(client):
    for depth in (40, 100_000):
        body = "[" * depth + "]" * depth
        r = client.post("/api/v1/auth/token/", body, content_type="application/json")
        assert r.status_code == 400 and r.json()["code"] == "too_deep", depth
    shallow = '{"username": [[["x"]]], "password": "y"}'
    assert client.post("/api/v1/auth/token/", shallow, content_type="application/json").status_code == 400


@pytest.mark.parametrize(
    "body",
    ['{"title": 1e999}', '{"title": NaN}', '{"session": 123456789012345678901234567890}', '{"session": -Infinity}'],
)
def test_numbers_no_column_can_hold_are_refused(api, body):
    r = api("alice").generic("POST", "/api/v1/proposals/", body, content_type="application/json")
    assert_error(r, 400, "out_of_range")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/welfare-requests/?unit=-1.1e188",
        "/api/v1/assignments/?department=-1.1e188",
        "/api/v1/proposals/?session=99999999999999999999",
        "/api/v1/welfare-access-log/?request=1e30",
    ],
)
def test_a_huge_number_in_a_list_filter_is_a_field_error(api, url):
    who = "auditor" if "access-log" in url else "office"
    assert api(who).get(url).status_code == 400


@pytest.mark.parametrize(
    ("opens", "field"),
    [
        ("2026-13-45T00:00:00+08:00", "collection_opens"),  # well formed, impossible
        ("0936-01-01T00:00:00+08:00", "collection_opens"),  # outside the years the product means
        ("9999-12-31T23:59:59+08:00", "collection_opens"),
        ("2026-02-30T09:00:00+08:00", "collection_opens"),
    ],
)
def test_impossible_or_absurd_dates_are_field_errors(api, opens, field):
    body = {**SESSION, "collection_opens": opens, "collection_closes": "2026-06-01T00:00:00+08:00"}
    assert_error(api("office").post("/api/v1/sessions/", body, format="json"), 400, "invalid", field)
    # Refused for who they are before their dates are even read.
    assert_error(api("alice").post("/api/v1/sessions/", body, format="json"), 403, "permission_denied")


def test_an_unknown_transition_is_a_404_and_an_unmatched_path_a_json_404(api, people, submitted):
    p = submitted()
    assert_error(api("committee").post(f"/api/v1/proposals/{p.pk}/transitions/fly/"), 404, "unknown_transition")
    for method in ("get", "post", "patch"):
        r = getattr(api("alice"), method)("/api/v1/no/such/path/")
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    # A newline in the path, and a signed-in browser's POST without a CSRF token: the same JSON 404.
    r = api("alice").post("/api/v1/proposals/1/transitions/%0Afly/")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["alice"])
    r = browser.post("/api/v1/no/such/path/")
    assert r.status_code == 404 and r["Content-Type"] == "application/json" and r.json()["code"] == "not_found"


def test_permission_is_checked_before_state(api, submitted):
    p = submitted()  # no longer a draft: nobody may edit it
    # The committee may never edit a delegate's proposal: 403, whatever its state.
    assert_error(
        api("committee").patch(f"/api/v1/proposals/{p.pk}/", {"title": "新"}, format="json"), 403, "permission_denied"
    )
    # The proposer may edit it, but not in this state: 409.
    assert_error(
        api("alice").patch(f"/api/v1/proposals/{p.pk}/", {"title": "新"}, format="json"), 409, "transition_not_allowed"
    )
    # Someone who cannot see it gets a 404 before either.
    assert_error(api("handler").patch(f"/api/v1/proposals/{p.pk}/", {"title": "新"}, format="json"), 404, "not_found")
    # The department may answer an assignment, not accept a proposal: 403, not "wrong state".
    assert_error(api("alice").post(f"/api/v1/proposals/{p.pk}/transitions/accept/"), 403, "permission_denied")
