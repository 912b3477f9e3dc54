"""Sessions, categories, departments, notifications, tasks, list filters and the schema."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from proposals import serializers as s
from proposals.models import Assignment, Category, CongressSession, Proposal
from tests.api.conftest import assert_error
from tests.factories import draft
from workflow.models import HistoryEntry
from workflow.services import transition

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def post(client, url, data=None):
    return client.post(f"{BASE}{url}", data or {}, format="json")


# Sessions ----------------------------------------------------------------------------

NEW_SESSION = {
    "name": "第六届第二次",
    "code": "6-2",
    "collection_opens": "2026-03-01T09:00:00+08:00",
    "collection_closes": "2026-04-01T17:00:00+08:00",
}


def test_the_union_office_opens_a_session(api, people):
    r = post(api("office"), "/sessions/", NEW_SESSION)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["cosign_threshold"] == 2
    assert body["collection_opens"] == "2026-03-01T09:00:00+08:00"
    session = CongressSession.objects.get(pk=body["id"])
    assert session.collection_closes.isoformat() == "2026-04-01T09:00:00+00:00"
    assert HistoryEntry.objects.for_item(session).get().action == "session.create"


def test_the_union_office_changes_a_session(api, session):
    r = api("office").patch(f"{BASE}/sessions/{session.pk}/", {"cosign_threshold": 3}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["cosign_threshold"] == 3
    assert r.json()["name"] == "第六届第一次"
    session.refresh_from_db()
    assert session.cosign_threshold == 3


def test_an_admin_opens_a_session_too(api, people):
    people["auditor"].is_superuser = True  # a superuser holds the admin role
    people["auditor"].save()
    assert post(api("auditor"), "/sessions/", NEW_SESSION).status_code == 201


def test_a_delegate_may_read_but_not_open_or_change_sessions(api, session):
    assert api("alice").get(f"{BASE}/sessions/").json()["results"][0]["name"] == "第六届第一次"
    assert api("alice").get(f"{BASE}/sessions/{session.pk}/").json()["code"] == "6-1"
    assert_error(post(api("alice"), "/sessions/", NEW_SESSION), 403, "permission_denied")
    r = api("committee").patch(f"{BASE}/sessions/{session.pk}/", {"cosign_threshold": 0}, format="json")
    assert_error(r, 403, "permission_denied")


def test_it_refuses_a_session_with_bad_fields(api, session):
    office = api("office")
    assert_error(post(office, "/sessions/", {**NEW_SESSION, "name": session.name}), 400, "invalid", "name")
    backwards = {**NEW_SESSION, "collection_closes": "2026-02-01T09:00:00+08:00"}
    assert_error(post(office, "/sessions/", backwards), 400, "invalid", "collection_closes")
    naive = {**NEW_SESSION, "collection_opens": "2026-03-01T09:00:00"}
    assert_error(post(office, "/sessions/", naive), 400, "invalid", "collection_opens")
    assert_error(post(office, "/sessions/", {"name": "只有名称"}), 400, "invalid", "code", "collection_opens")
    assert_error(post(office, "/sessions/", {**NEW_SESSION, "year": 2026}), 400, "unknown_field", "year")
    assert_error(
        post(office, "/sessions/", {**NEW_SESSION, "cosign_threshold": "两"}), 400, "invalid", "cosign_threshold"
    )


# Categories and departments ----------------------------------------------------------


def test_it_lists_categories_and_departments(api, departments):
    categories = api("alice").get(f"{BASE}/categories/").json()["results"]
    assert [c["name"] for c in categories] == list(Category.objects.values_list("name", flat=True))
    assert set(categories[0]) == {"id", "name"}
    rows = api("alice").get(f"{BASE}/departments/", {"page_size": 100}).json()["results"]
    assert {"id": departments["cs"].pk, "name": "信息工程学院", "kind": "college"} in rows
    assert {"id": departments["hr"].pk, "name": "人事处", "kind": "office"} in rows


# Proposal lists ----------------------------------------------------------------------


def test_it_filters_and_paginates_proposals(api, people, departments, session, submitted):
    parking = transition(submitted(title="停车位紧张", reason="教职工车位少"), "accept", people["committee"])
    transition(parking, "assign", people["committee"], lead_department=departments["logistics"].pk, co_departments=[])
    canteen = submitted(title="食堂菜价", reason="菜价上涨")
    other = Category.objects.get(name="人事人才")
    hiring = draft(people["alice"], session, other, title="人才引进")
    client = api("committee")

    def ids(**params):
        body = client.get(f"{BASE}/proposals/", params).json()
        return [row["id"] for row in body["results"]]

    assert ids() == [hiring.pk, canteen.pk, parking.pk]
    assert ids(status="submitted") == [canteen.pk]
    assert ids(category=other.pk) == [hiring.pk]
    assert ids(category="人事人才") == [hiring.pk]
    assert ids(session=session.pk, department=departments["logistics"].pk) == [parking.pk]
    assert ids(search="菜价") == [canteen.pk]
    assert ids(search="车位少") == [parking.pk]
    assert ids(search="6-1-001") == [parking.pk]
    page = client.get(f"{BASE}/proposals/", {"page_size": 2}).json()
    assert (page["count"], len(page["results"])) == (3, 2)
    assert page["next"].endswith("page=2&page_size=2")
    assert "available_transitions" not in page["results"][0]
    assert_error(client.get(f"{BASE}/proposals/", {"status": "nonsense"}), 400, "invalid", "status")


def test_a_delegate_lists_their_own_drafts_and_everyones_submitted_proposals(api, people, session, category, submitted):
    mine = draft(people["alice"], session, category)
    bobs_draft = draft(people["bob"], session, category)
    bobs = submitted(by="bob")
    listed = [row["id"] for row in api("alice").get(f"{BASE}/proposals/").json()["results"]]
    assert mine.pk in listed and bobs.pk in listed and bobs_draft.pk not in listed


def test_inviting_a_delegate_lets_them_see_and_cosign_the_draft(api, people, session, category):
    p = draft(people["alice"], session, category)
    assert_error(api("carol").get(f"{BASE}/proposals/{p.pk}/"), 404, "not_found")
    r = post(api("alice"), f"/proposals/{p.pk}/invite/", {"delegates": [people["carol"].pk]})
    assert r.status_code == 200, r.content
    assert api("carol").get(f"{BASE}/proposals/{p.pk}/").status_code == 200
    assert post(api("carol"), f"/proposals/{p.pk}/cosign/").json()["cosigners"][0]["full_name"] == "张敏"


def test_it_refuses_inviting_unknown_users_or_non_delegates(api, people, session, category):
    p = draft(people["alice"], session, category)
    assert_error(post(api("alice"), f"/proposals/{p.pk}/invite/", {"delegates": [999999]}), 400, "invalid", "delegates")
    r = post(api("alice"), f"/proposals/{p.pk}/invite/", {"delegates": [people["dave"].pk]})
    assert_error(r, 400, "invalid", "delegates")
    assert_error(post(api("alice"), f"/proposals/{p.pk}/invite/", {"delegates": []}), 400, "invalid", "delegates")
    assert_error(post(api("alice"), f"/proposals/{p.pk}/invite/", {}), 400, "invalid", "delegates")


def test_the_api_rejects_and_withdraws_like_the_service(api, people, submitted):
    p = submitted()
    body = post(api("committee"), f"/proposals/{p.pk}/transitions/reject/", {"reason": "不属于提案范围"}).json()
    assert body["status"] == "rejected"
    q = submitted(title="另一件")
    assert post(api("alice"), f"/proposals/{q.pk}/transitions/withdraw/").json()["status"] == "withdrawn"
    r = submitted(title="第三件")
    body = post(api("committee"), f"/proposals/{r.pk}/transitions/convert/").json()
    assert (body["status"], body["is_suggestion"]) == ("converted", True)
    assert Proposal.objects.get(pk=p.pk).reject_reason == "不属于提案范围"


def test_transition_payload_serializers_match_the_forms():
    """The API's payload types and the forms the service validates with name the same fields."""
    from proposals.models import Assignment as AssignmentModel

    for model, payloads in ((Proposal, s.PROPOSAL_PAYLOADS), (AssignmentModel, s.ASSIGNMENT_PAYLOADS)):
        assert set(payloads) == set(model.transition_forms)
        for name in model.transition_forms:
            form = model().transition_form(name)
            assert set(payloads[name]().fields) == set(form.base_fields), name


# Notifications -------------------------------------------------------------------------


def test_it_lists_marks_and_counts_the_callers_notifications(api, people):
    mine = [
        Notification.objects.create(recipient=people["alice"], event="proposal.accept", title=f"通知{i}")
        for i in range(3)
    ]
    theirs = Notification.objects.create(recipient=people["bob"], event="proposal.accept", title="别人的")
    client = api("alice")
    body = client.get(f"{BASE}/notifications/").json()
    assert (body["count"], body["unread"]) == (3, 3)
    assert [n["title"] for n in body["results"]] == ["通知2", "通知1", "通知0"]
    r = post(client, f"/notifications/{mine[0].pk}/read/")
    assert r.status_code == 200 and r.json()["read"] is True
    assert client.get(f"{BASE}/notifications/").json()["unread"] == 2
    assert client.get(f"{BASE}/notifications/", {"unread": "true"}).json()["count"] == 2
    assert_error(post(client, f"/notifications/{theirs.pk}/read/"), 404, "not_found")
    assert post(client, "/notifications/read-all/").json() == {"marked": 2, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert_error(post(client, "/notifications/read-all/", {"ids": [1]}), 400, "unknown_field", "ids")


def test_transitions_notify_through_the_api(api, people, submitted):
    p = submitted()
    post(api("committee"), f"/proposals/{p.pk}/transitions/accept/")
    titles = [n["title"] for n in api("alice").get(f"{BASE}/notifications/").json()["results"]]
    assert any("已立案" in t for t in titles)


# Tasks -------------------------------------------------------------------------------------


def test_it_lists_the_callers_open_tasks(api, people, departments, submitted):
    p = transition(submitted(), "accept", people["committee"])
    transition(p, "assign", people["committee"], lead_department=departments["logistics"].pk, co_departments=[])
    a = Assignment.objects.get(proposal=p)
    rows = api("handler").get(f"{BASE}/tasks/").json()["results"]
    assert [(r["item_kind"], r["item_id"]) for r in rows] == [("proposals.assignment", a.pk)]
    assert set(rows[0]) == {"id", "title", "node", "status", "created", "item_kind", "item_id", "url"}
    assert rows[0]["status"] in {"assigned", "queued"}
    assert api("hr_handler").get(f"{BASE}/tasks/").json()["results"] == []


def test_it_serializes_whatever_the_workflow_link_returns(api, monkeypatch):
    from types import SimpleNamespace

    now = timezone.now()
    fake = [
        SimpleNamespace(
            id=7,
            title="签收",
            node="sign",
            status="queued",
            created=now - timedelta(hours=1),
            item_kind="proposals.assignment",
            item_id=3,
            url="/proposals/assignments/3/",
        )
    ]
    monkeypatch.setattr("workflow.flowlink.user_tasks", lambda user: fake)
    body = api("handler").get(f"{BASE}/tasks/").json()
    assert body["count"] == 1
    assert body["results"][0]["node"] == "sign" and body["results"][0]["item_id"] == 3


# Schema and docs -------------------------------------------------------------------------


def test_the_schema_generates_and_names_every_endpoint(client):
    r = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/proposals/",
        "/api/v1/proposals/{id}/",
        "/api/v1/proposals/{id}/cosign/",
        "/api/v1/proposals/{id}/invite/",
        "/api/v1/proposals/{id}/transitions/{name}/",
        "/api/v1/proposals/{id}/history/",
        "/api/v1/proposals/{id}/similar/",
        "/api/v1/assignments/",
        "/api/v1/assignments/{id}/transitions/{name}/",
        "/api/v1/tasks/",
        "/api/v1/notifications/",
        "/api/v1/notifications/{id}/read/",
        "/api/v1/notifications/read-all/",
        "/api/v1/departments/",
        "/api/v1/categories/",
        "/api/v1/sessions/",
        "/api/v1/sessions/{id}/",
    ):
        assert path in paths, path
    assert "put" not in paths["/api/v1/proposals/{id}/"]


def test_the_schema_validates_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS, (GENERATOR_STATS._warn_cache, GENERATOR_STATS._error_cache)


def test_the_docs_page_serves_swagger_ui_from_our_own_static_files(client):
    r = client.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr.net" not in html and "https://" not in html
    assert '"validatorUrl": null' in html
