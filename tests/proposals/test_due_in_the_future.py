"""A deadline someone sets lies ahead: assigning with a due date already past, or asking for an
extension to one, is refused beside the field (pages) and as a field error (API), and nothing
changes; an extension must also be later than the current deadline."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from proposals.models import Assignment
from tests.factories import fresh, submitted
from workflow.models import Deadline
from workflow.services import transition

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def reviewed(people, session, category):
    p = submitted(people["alice"], [people["bob"], people["carol"]], session, category)
    return transition(p, "accept", fresh(people["committee"]))


def assign_body(departments, due):
    return {"lead_department": departments["logistics"].pk, "co_departments": [departments["hr"].pk], "due": due}


@pytest.mark.parametrize("due", ["2020-01-01T09:00:00+08:00", "past hour"])
def test_assigning_with_a_due_date_in_the_past_is_a_field_error_in_the_api(people, departments, reviewed, due):
    if due == "past hour":
        due = (timezone.now() - timedelta(hours=1)).isoformat()
    r = api(people["committee"]).post(
        f"/api/v1/proposals/{reviewed.pk}/transitions/assign/", assign_body(departments, due), format="json"
    )
    assert r.status_code == 400, r.content
    assert r.json()["fields"]["due"] == ["办理期限必须晚于当前时间。"]
    reviewed.refresh_from_db()
    assert reviewed.status == "reviewed" and not Assignment.objects.filter(proposal=reviewed).exists()
    assert not Deadline.objects.filter(object_id__in=Assignment.objects.values("pk")).exists()


def test_assigning_with_a_future_due_date_or_none_works(people, departments, reviewed):
    due = (timezone.now() + timedelta(days=20)).isoformat()
    r = api(people["committee"]).post(
        f"/api/v1/proposals/{reviewed.pk}/transitions/assign/", assign_body(departments, due), format="json"
    )
    assert r.status_code == 200, r.content
    assert Assignment.objects.filter(proposal=reviewed).count() == 2


def test_the_page_says_so_beside_the_field_and_keeps_the_choice(client, people, departments, reviewed):
    client.force_login(people["committee"])
    body = {
        "lead_department": departments["logistics"].pk,
        "co_departments": [departments["hr"].pk],
        "due": "2020-01-01 09:00",
    }
    r = client.post(f"/proposals/{reviewed.pk}/transitions/assign/", body)
    assert r.status_code == 400
    html = r.content.decode()
    assert "办理期限必须晚于当前时间。" in html
    assert 'value="2020-01-01 09:00"' in html  # what was typed is kept
    reviewed.refresh_from_db()
    assert reviewed.status == "reviewed"


def test_an_extension_must_lie_ahead_and_after_the_current_deadline(people, departments, reviewed):
    p = transition(reviewed, "assign", fresh(people["committee"]), **assign_body(departments, None))
    lead = Assignment.objects.get(proposal=p, role="lead")
    handler = api(people["handler"])
    url = f"/api/v1/assignments/{lead.pk}/transitions/request_extension/"
    past = (timezone.now() - timedelta(days=1)).isoformat()
    r = handler.post(url, {"reason": "需要调研", "new_due": past}, format="json")
    assert r.status_code == 400 and r.json()["fields"]["new_due"] == ["申请的期限必须晚于当前时间。"]
    earlier = (lead.due - timedelta(days=1)).isoformat()  # ahead, but before the current deadline
    r = handler.post(url, {"reason": "需要调研", "new_due": earlier}, format="json")
    assert r.status_code == 400 and r.json()["fields"]["new_due"] == ["申请的期限必须晚于当前办理期限。"]
    lead.refresh_from_db()
    assert lead.extension_state == ""
    later = (lead.due + timedelta(days=10)).isoformat()
    assert handler.post(url, {"reason": "需要调研", "new_due": later}, format="json").status_code == 200
