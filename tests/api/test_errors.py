"""Every refusal has a status and a machine-readable code; nothing hidden leaks through a 403."""

from datetime import timedelta

import pytest
from django.utils import timezone

from proposals.models import Assignment, CongressSession, Proposal
from tests.api.conftest import assert_error
from tests.factories import draft
from workflow.services import transition

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def post(client, url, data=None):
    return client.post(f"{BASE}{url}", data or {}, format="json")


def new_proposal(**fields):
    return {
        "title": "校园停车位不足",
        "category": "后勤保障",
        "reason": "车位紧张。",
        "suggestion": "建设立体车库。",
        **fields,
    }


# Malformed and unexpected bodies ------------------------------------------------------


def test_it_answers_malformed_json_with_malformed_json(api, session):
    r = api("alice").post(f"{BASE}/proposals/", '{"title": "x",', content_type="application/json")
    assert_error(r, 400, "malformed_json")


def test_it_refuses_a_body_that_is_not_an_object(api, session):
    assert_error(api("alice").post(f"{BASE}/proposals/", [1, 2], format="json"), 400, "invalid")


def test_it_refuses_form_encoded_bodies(api, session):
    r = api("alice").post(f"{BASE}/proposals/", {"title": "x"})  # multipart, not JSON
    assert_error(r, 415, "unsupported_media_type")


def test_it_names_unknown_fields_on_create(api, session):
    body = assert_error(
        post(api("alice"), "/proposals/", new_proposal(titel="typo", status="closed")), 400, "unknown_field"
    )
    assert set(body["fields"]) == {"titel", "status"}


def test_it_names_unknown_fields_on_edit(api, people, session, category):
    p = draft(people["alice"], session, category)
    r = api("alice").patch(f"{BASE}/proposals/{p.pk}/", {"number": "6-1-999"}, format="json")
    assert_error(r, 400, "unknown_field", "number")


def test_it_names_unknown_fields_in_a_transition_payload(api, submitted):
    p = submitted()
    r = post(api("committee"), f"/proposals/{p.pk}/transitions/reject/", {"reason": "重复", "into": 3})
    assert_error(r, 400, "unknown_field", "into")
    r = post(api("committee"), f"/proposals/{p.pk}/transitions/accept/", {"comment": "好"})
    assert_error(r, 400, "unknown_field", "comment")


def test_it_names_unknown_fields_on_actions_without_a_body(api, people, session, category):
    p = draft(people["alice"], session, category)
    p.invitations.create(delegate=people["bob"])
    assert_error(post(api("bob"), f"/proposals/{p.pk}/cosign/", {"note": "x"}), 400, "unknown_field", "note")


def test_it_reports_over_long_text_by_field(api, session):
    r = post(api("alice"), "/proposals/", new_proposal(title="长" * 201, reason="由" * 5001))
    assert_error(r, 400, "invalid", "title", "reason")


def test_it_reports_missing_fields_and_wrong_types(api, session):
    body = assert_error(post(api("alice"), "/proposals/", {"title": "只有标题"}), 400, "invalid")
    assert {"category", "reason", "suggestion"} <= set(body["fields"])
    assert_error(post(api("alice"), "/proposals/", new_proposal(title={"a": 1})), 400, "invalid", "title")
    assert_error(post(api("alice"), "/proposals/", new_proposal(category="不存在的类别")), 400, "invalid", "category")
    assert_error(post(api("alice"), "/proposals/", new_proposal(category=True)), 400, "invalid", "category")
    assert_error(post(api("alice"), "/proposals/", new_proposal(session=999999)), 400, "invalid", "session")


def test_it_refuses_to_unset_a_drafts_session(api, people, session, category):
    p = draft(people["alice"], session, category)
    r = api("alice").patch(f"{BASE}/proposals/{p.pk}/", {"session": None}, format="json")
    assert_error(r, 400, "invalid", "session")


def test_it_reports_a_transitions_field_errors(api, submitted):
    p = submitted()
    assert_error(
        post(api("committee"), f"/proposals/{p.pk}/transitions/reject/", {"reason": ""}), 400, "invalid", "reason"
    )
    r = post(api("committee"), f"/proposals/{p.pk}/transitions/merge/", {"into": p.pk})
    assert_error(r, 400, "invalid", "into")


def test_it_refuses_a_due_date_without_an_offset(api, people, departments, submitted):
    p = transition(submitted(), "accept", people["committee"])
    payload = {"lead_department": departments["logistics"].pk, "due": "2030-01-01T09:00:00"}
    assert_error(post(api("committee"), f"/proposals/{p.pk}/transitions/assign/", payload), 400, "invalid", "due")
    payload["co_departments"] = ["人事处"]
    payload["due"] = "2030-01-01T09:00:00+08:00"
    r = post(api("committee"), f"/proposals/{p.pk}/transitions/assign/", payload)
    assert_error(r, 400, "invalid", "co_departments.0")


# Method and URL ---------------------------------------------------------------------


def test_it_answers_405_to_put_and_delete(api, people, session, category):
    p = draft(people["alice"], session, category)
    assert_error(
        api("alice").put(f"{BASE}/proposals/{p.pk}/", new_proposal(), format="json"), 405, "method_not_allowed"
    )
    assert_error(api("alice").delete(f"{BASE}/proposals/{p.pk}/"), 405, "method_not_allowed")


def test_it_answers_404_in_its_own_shape_for_unknown_urls(api):
    assert_error(api("alice").get("/api/v1/nothing-here/"), 404, "not_found")
    assert_error(api("alice").get("/api/v1/nothing-here", follow=True), 404, "not_found")
    assert api("alice").get("/api/v1/proposals").status_code == 301  # the trailing slash is added first
    assert_error(api("alice").get(f"{BASE}/proposals/999999/"), 404, "not_found")


# Workflow refusals --------------------------------------------------------------------


def test_it_answers_409_when_the_cosign_threshold_is_not_met(api, people, session, category):
    p = draft(people["alice"], session, category)
    assert_error(post(api("alice"), f"/proposals/{p.pk}/transitions/submit/"), 409, "cosign_threshold_not_met")


def test_it_answers_409_outside_the_collection_window(api, people, session, category):
    p = draft(people["alice"], session, category)
    for name in ("bob", "carol"):
        p.invitations.create(delegate=people[name])
        post(api(name), f"/proposals/{p.pk}/cosign/")
    CongressSession.objects.filter(pk=session.pk).update(collection_closes=timezone.now() - timedelta(minutes=1))
    assert_error(post(api("alice"), f"/proposals/{p.pk}/transitions/submit/"), 409, "collection_closed")


def test_it_answers_409_to_a_transition_not_available_in_this_state(api, submitted):
    p = submitted()
    assert_error(post(api("committee"), f"/proposals/{p.pk}/transitions/close/"), 409, "transition_not_allowed")
    assert_error(post(api("alice"), f"/proposals/{p.pk}/transitions/submit/"), 409, "transition_not_allowed")


def test_it_answers_409_to_an_unknown_or_internal_transition(api, submitted):
    p = submitted()
    assert_error(post(api("committee"), f"/proposals/{p.pk}/transitions/explode/"), 404, "unknown_transition")
    assert_error(post(api("committee"), f"/proposals/{p.pk}/transitions/receive_answer/"), 404, "unknown_transition")


def test_it_answers_409_to_editing_a_submitted_proposal(api, submitted):
    p = submitted()
    r = api("alice").patch(f"{BASE}/proposals/{p.pk}/", {"title": "改标题"}, format="json")
    assert_error(r, 409, "transition_not_allowed")


def test_it_answers_409_to_cosigning_twice(api, people, session, category):
    p = draft(people["alice"], session, category)
    p.invitations.create(delegate=people["bob"])
    assert post(api("bob"), f"/proposals/{p.pk}/cosign/").status_code == 200
    assert_error(post(api("bob"), f"/proposals/{p.pk}/cosign/"), 409, "already_cosigned")


def test_it_refuses_cosigning_ones_own_proposal(api, people, session, category):
    p = draft(people["alice"], session, category)
    assert_error(post(api("alice"), f"/proposals/{p.pk}/cosign/"), 400, "cannot_cosign_own")


def test_it_answers_403_to_the_wrong_role(api, people, session, submitted):
    p = submitted()
    assert_error(post(api("alice"), f"/proposals/{p.pk}/transitions/accept/"), 403, "permission_denied")
    assert_error(
        post(api("auditor"), f"/proposals/{p.pk}/transitions/reject/", {"reason": "x"}), 403, "permission_denied"
    )
    assert_error(post(api("dave"), "/proposals/", new_proposal()), 403, "permission_denied")


def test_it_answers_403_to_a_delegate_acting_on_someone_elses_visible_proposal(api, people, session, category):
    p = draft(people["alice"], session, category)
    p.invitations.create(delegate=people["bob"])
    # bob may see the draft he was invited to, but only alice may submit or edit it.
    assert_error(post(api("bob"), f"/proposals/{p.pk}/transitions/submit/"), 403, "permission_denied")
    r = api("bob").patch(f"{BASE}/proposals/{p.pk}/", {"title": "bob 改的"}, format="json")
    assert_error(r, 403, "permission_denied")


# Visibility: what the caller may not see is a 404, before anything else is checked ----------


def test_it_hides_someone_elses_draft(api, people, session, category):
    p = draft(people["alice"], session, category)
    bob = api("bob")
    assert_error(bob.get(f"{BASE}/proposals/{p.pk}/"), 404, "not_found")
    assert_error(bob.patch(f"{BASE}/proposals/{p.pk}/", {"title": "x"}, format="json"), 404, "not_found")
    assert_error(post(bob, f"/proposals/{p.pk}/cosign/"), 404, "not_found")
    assert_error(post(bob, f"/proposals/{p.pk}/transitions/submit/"), 404, "not_found")
    assert_error(post(bob, f"/proposals/{p.pk}/transitions/submit/", {"bogus": 1}), 404, "not_found")
    assert_error(bob.get(f"{BASE}/proposals/{p.pk}/history/"), 404, "not_found")
    assert_error(api("handler").get(f"{BASE}/proposals/{p.pk}/"), 404, "not_found")
    assert p.pk not in [row["id"] for row in bob.get(f"{BASE}/proposals/").json()["results"]]
    assert Proposal.objects.get(pk=p.pk).status == "draft"


def test_it_hides_another_departments_assignment(api, people, departments, submitted):
    p = transition(submitted(), "accept", people["committee"])
    transition(p, "assign", people["committee"], lead_department=departments["logistics"].pk, co_departments=[])
    a = Assignment.objects.get(proposal=p)
    hr = api("hr_handler")
    assert_error(hr.get(f"{BASE}/assignments/{a.pk}/"), 404, "not_found")
    assert_error(post(hr, f"/assignments/{a.pk}/transitions/accept/"), 404, "not_found")
    assert hr.get(f"{BASE}/assignments/").json()["results"] == []
    assert_error(api("alice").get(f"{BASE}/assignments/{a.pk}/"), 404, "not_found")
    assert Assignment.objects.get(pk=a.pk).status == "assigned"
    # Its own department's handler sees and acts on it.
    assert api("handler").get(f"{BASE}/assignments/{a.pk}/").json()["available_transitions"] == [
        "accept",
        "return",
        "request_extension",
    ]


def test_it_shows_similar_proposals_to_the_committee_only(api, people, submitted):
    p = submitted(title="校园停车位紧张")
    submitted(by="bob", title="停车位紧张问题")
    assert_error(api("alice").get(f"{BASE}/proposals/{p.pk}/similar/"), 403, "permission_denied")
    assert_error(api("auditor").get(f"{BASE}/proposals/{p.pk}/similar/"), 403, "permission_denied")
    rows = api("committee").get(f"{BASE}/proposals/{p.pk}/similar/").json()
    assert rows and rows[0]["title"] == "停车位紧张问题"
    assert set(rows[0]) == {"id", "number", "title", "status", "score"}
    assert 0 < rows[0]["score"] <= 1
