"""Every list endpoint runs a fixed number of queries, however many rows it returns."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from org.models import Department
from proposals.models import Category, CongressSession
from tests.factories import draft
from workflow.services import transition

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10
SIZES = [3, 30]


@pytest.fixture
def assigned(people, departments, submitted):
    """``assigned(n)``: n proposals, each co-signed, accepted and assigned to logistics with hr co-handling."""

    def make(n):
        made = []
        for i in range(n):
            p = transition(submitted(title=f"提案 {i}"), "accept", people["committee"])
            p = transition(
                p,
                "assign",
                people["committee"],
                lead_department=departments["logistics"].pk,
                co_departments=[departments["hr"].pk],
            )
            made.append(p)
        return made

    return make


def get_counted(client, url, expected_rows, django_assert_max_num_queries, **params):
    with django_assert_max_num_queries(MAX_QUERIES):
        r = client.get(url, params)
    assert r.status_code == 200, r.content
    body = r.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert len(rows) == expected_rows
    return body


@pytest.mark.parametrize("n", SIZES)
def test_the_proposal_list_is_constant_for_the_committee(api, assigned, n, django_assert_max_num_queries):
    assigned(n)
    body = get_counted(api("committee"), "/api/v1/proposals/", n, django_assert_max_num_queries)
    assert body["results"][0]["lead_department"]["name"] == "后勤管理处"
    assert len(body["results"][0]["cosigners"]) == 2


@pytest.mark.parametrize("n", SIZES)
def test_the_proposal_list_is_constant_for_a_delegate(
    api, people, session, category, assigned, n, django_assert_max_num_queries
):
    assigned(n)
    draft(people["bob"], session, category)  # someone else's draft: not listed
    get_counted(api("alice"), "/api/v1/proposals/", n, django_assert_max_num_queries)
    get_counted(api("alice"), "/api/v1/proposals/", n, django_assert_max_num_queries, search="提案", status="assigned")


@pytest.mark.parametrize("n", SIZES)
def test_the_proposal_list_is_constant_for_a_department(api, departments, assigned, n, django_assert_max_num_queries):
    assigned(n)
    get_counted(api("handler"), "/api/v1/proposals/", n, django_assert_max_num_queries)
    get_counted(
        api("handler"), "/api/v1/proposals/", n, django_assert_max_num_queries, department=departments["logistics"].pk
    )


@pytest.mark.parametrize("n", SIZES)
def test_the_assignment_list_is_constant(api, assigned, n, django_assert_max_num_queries):
    assigned(n)
    get_counted(api("committee"), "/api/v1/assignments/", 2 * n, django_assert_max_num_queries, page_size=100)
    get_counted(api("handler"), "/api/v1/assignments/", n, django_assert_max_num_queries)
    get_counted(api("hr_handler"), "/api/v1/assignments/", n, django_assert_max_num_queries, status="assigned")


@pytest.mark.parametrize("n", SIZES)
def test_the_history_is_constant(api, people, session, category, n, django_assert_max_num_queries):
    p = draft(people["alice"], session, category)
    client = api("alice")
    for i in range(n - 1):
        client.patch(f"/api/v1/proposals/{p.pk}/", {"title": f"第 {i} 稿"}, format="json")
    get_counted(api("auditor"), f"/api/v1/proposals/{p.pk}/history/", n, django_assert_max_num_queries)


@pytest.mark.parametrize("n", SIZES)
def test_the_similar_list_is_constant(api, submitted, n, django_assert_max_num_queries):
    made = [submitted(title=f"校园停车位紧张 {i}") for i in range(n + 1)]
    body = get_counted(
        api("committee"), f"/api/v1/proposals/{made[0].pk}/similar/", min(n, 10), django_assert_max_num_queries
    )
    assert all(0 < row["score"] <= 1 for row in body)


@pytest.mark.parametrize("n", SIZES)
def test_the_session_list_is_constant(api, session, n, django_assert_max_num_queries):
    now = timezone.now()
    for i in range(n - 1):
        CongressSession.objects.create(
            name=f"第五届第{i}次", code=f"5-{i}", collection_opens=now - timedelta(days=400 + i), collection_closes=now
        )
    get_counted(api("alice"), "/api/v1/sessions/", n, django_assert_max_num_queries)


@pytest.mark.parametrize("n", SIZES)
def test_the_category_and_department_lists_are_constant(api, people, n, django_assert_max_num_queries):
    base_categories, base_departments = Category.objects.count(), Department.objects.count()
    for i in range(n):
        Category.objects.create(name=f"类别{i}", order=100 + i)
        Department.objects.create(name=f"第{i}学院", kind="college")
    get_counted(api("alice"), "/api/v1/categories/", base_categories + n, django_assert_max_num_queries)
    get_counted(api("alice"), "/api/v1/departments/", base_departments + n, django_assert_max_num_queries)


@pytest.mark.parametrize("n", SIZES)
def test_the_notification_list_is_constant(api, people, session, category, n, django_assert_max_num_queries):
    p = draft(people["alice"], session, category)
    Notification.objects.bulk_create(
        Notification(recipient=people["alice"], event="proposal.accept", title=f"通知 {i}", item=p) for i in range(n)
    )
    body = get_counted(api("alice"), "/api/v1/notifications/", n, django_assert_max_num_queries)
    assert body["unread"] == n
    assert body["results"][0]["item_kind"] == "proposals.proposal"


@pytest.mark.parametrize("n", SIZES)
def test_the_task_list_is_constant(api, people, departments, assigned, n, django_assert_max_num_queries):
    assigned(n)
    body = get_counted(api("handler"), "/api/v1/tasks/", n, django_assert_max_num_queries)
    assert {row["item_kind"] for row in body["results"]} == {"proposals.assignment"}
