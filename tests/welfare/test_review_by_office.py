"""Who does the sub-union's review (分工会审核) when the unit's chair cannot: a chair never
reviews their own request, and a unit without a chair still gets its requests reviewed. In
both cases the union office reviews, on that request only."""

import pytest

from notifications.models import Notification
from org.models import Department
from tests.factories import fresh, make_user
from welfare.selectors import request_reviewers
from workflow import flowlink, policy
from workflow.errors import NotPermitted
from workflow.services import available_transitions, transition

pytestmark = pytest.mark.django_db


def test_a_chair_cannot_review_their_own_request(wp, file_request):
    r = file_request("other", user=wp["chair"])
    assert not policy.allows(r, "review", fresh(wp["chair"]))
    assert "review" not in available_transitions(r, fresh(wp["chair"]))
    with pytest.raises(NotPermitted):
        transition(r, "review", fresh(wp["chair"]), comment="本人审核")


def test_the_union_office_reviews_a_chairs_own_request(wp, file_request):
    r = file_request("other", user=wp["chair"])
    assert set(request_reviewers(r)) == {wp["office"], wp["office2"]}
    assert {"review", "reject"} <= set(available_transitions(r, fresh(wp["office"])))
    r = transition(r, "review", fresh(wp["office"]), comment="由校工会代为审核。")
    assert (r.status, r.reviewed_by) == ("reviewed", wp["office"])


def test_the_office_is_told_of_a_chairs_own_request_and_the_chair_is_not_asked(wp, file_request):
    r = file_request("other", user=wp["chair"])
    told = set(
        Notification.objects.filter(object_id=r.pk, event="welfarerequest.submit").values_list(
            "recipient_id", flat=True
        )
    )
    assert wp["office"].pk in told and wp["office2"].pk in told
    tasks = flowlink.open_tasks(r, ["review"])
    assert [t.owner_id for t in tasks] == [None]


def test_a_request_from_a_unit_without_a_chair_is_reviewed_by_the_union_office(wp, departments, file_request):
    lonely = make_user("lonely", "韩雪", ["member"], Department.objects.create(name="无主席学院"))
    r = file_request("other", user=lonely)
    assert request_reviewers(r) and all(policy.allows(r, "review", fresh(u)) for u in request_reviewers(r))
    r = transition(r, "reject", fresh(wp["office"]), reason="材料不全，请补充后重新申请。")
    assert r.status == "rejected"


def test_the_union_office_does_not_review_requests_its_chair_can(wp, file_request):
    r = file_request("other")  # dave's unit has a chair
    assert request_reviewers(r) == [wp["chair"]]
    assert not policy.allows(r, "review", fresh(wp["office"]))
    assert "review" not in available_transitions(r, fresh(wp["office"]))
    with pytest.raises(NotPermitted):
        transition(r, "review", fresh(wp["office"]), comment="越级审核")
    assert [t.owner_id for t in flowlink.open_tasks(r, ["review"])] == [wp["chair"].pk]
