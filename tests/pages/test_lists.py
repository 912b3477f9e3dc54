"""The list pages: visible rows only, filters, and a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification
from proposals.models import Assignment, Category, CongressSession
from tests.factories import draft
from tests.pages.conftest import assign, submit

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10


def _grow(people, session, category, departments, n):
    """n more submitted proposals; every other one accepted and assigned."""
    for i in range(n):
        p = submit(people, session, category, title=f"提案{i}")
        if i % 2 == 0:
            assign(people, departments, p)


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["committee", "alice", "handler", "auditor"])
def test_the_proposal_list_takes_a_constant_number_of_queries(
    client, people, session, category, departments, who, django_assert_max_num_queries
):
    client.force_login(people[who])
    url = reverse("proposals:list") + f"?session={session.pk}&category={category.pk}&search=提案"
    _grow(people, session, category, departments, 2)
    with django_assert_max_num_queries(MAX_QUERIES):
        small = _queries(client, url)
    _grow(people, session, category, departments, 14)
    with django_assert_max_num_queries(MAX_QUERIES):
        large = _queries(client, url)
    assert small == large


def test_the_assignment_list_takes_a_constant_number_of_queries(
    client, people, session, category, departments, django_assert_max_num_queries
):
    client.force_login(people["handler"])
    url = reverse("proposals:assignments")
    _grow(people, session, category, departments, 2)
    with django_assert_max_num_queries(MAX_QUERIES):
        small = _queries(client, url)
    _grow(people, session, category, departments, 14)
    with django_assert_max_num_queries(MAX_QUERIES):
        large = _queries(client, url)
    assert small == large
    assert Assignment.objects.filter(department=departments["logistics"]).count() == 8


def test_the_inbox_takes_a_constant_number_of_queries(client, people, django_assert_max_num_queries):
    alice = people["alice"]
    client.force_login(alice)
    url = reverse("notifications:inbox")
    Notification.objects.bulk_create(Notification(recipient=alice, event="x", title=f"通知{i}") for i in range(2))
    with django_assert_max_num_queries(MAX_QUERIES):
        small = _queries(client, url)
    Notification.objects.bulk_create(Notification(recipient=alice, event="x", title=f"通知{i}") for i in range(60))
    with django_assert_max_num_queries(MAX_QUERIES):
        large = _queries(client, url)
    assert small == large


def test_the_list_shows_each_rows_columns(client, people, session, category, departments):
    p = assign(people, departments, submit(people, session, category))
    client.force_login(people["committee"])
    body = client.get(reverse("proposals:list")).content.decode()
    link = body.index(f'href="/proposals/{p.pk}/"')
    row = body[body.rindex("<tr>", 0, link) : body.index("</tr>", link)]
    assert "6-1-001" in row
    assert "后勤保障" in row
    assert "王丽" in row
    assert "办理中" in row
    assert '<td data-label="附议人数">2</td>' in row
    assert "后勤管理处（主办）、人事处（协办）" in row


def test_delegates_see_only_visible_rows(client, people, session, category):
    hidden = draft(people["alice"], session, category, title="尚未公开的草稿")
    submit(people, session, category, title="已提交的提案")
    client.force_login(people["bob"])
    body = client.get(reverse("proposals:list")).content.decode()
    assert "已提交的提案" in body
    assert "尚未公开的草稿" not in body
    client.force_login(people["alice"])
    assert "尚未公开的草稿" in client.get(reverse("proposals:list")).content.decode()
    client.force_login(people["handler"])  # nothing assigned to logistics yet
    body = client.get(reverse("proposals:list")).content.decode()
    assert "已提交的提案" not in body and hidden.title not in body


def test_the_filters_narrow_the_list(client, people, session, category, departments):
    other_category = Category.objects.exclude(pk=category.pk).first()
    later = CongressSession.objects.create(
        name="第六届第二次",
        code="6-2",
        collection_opens=session.collection_opens,
        collection_closes=session.collection_closes,
    )
    submit(people, session, category, title="食堂问题")
    submit(people, session, other_category, title="职称评审")
    submit(people, later, category, title="停车位")
    draft(people["bob"], session, category, title="鲍勃的草稿")
    client.force_login(people["committee"])

    def titles(query):
        body = client.get(reverse("proposals:list") + query).content.decode()
        return {t for t in ["食堂问题", "职称评审", "停车位", "鲍勃的草稿"] if t in body}

    assert titles("") == {"食堂问题", "职称评审", "停车位", "鲍勃的草稿"}
    assert titles("?status=draft") == {"鲍勃的草稿"}
    assert titles(f"?category={other_category.pk}") == {"职称评审"}
    assert titles(f"?session={later.pk}") == {"停车位"}
    assert titles("?search=食堂") == {"食堂问题"}
    assert titles("?search=李强") == {"鲍勃的草稿"}  # by proposer name
    client.force_login(people["bob"])
    assert titles("?mine=on") == {"鲍勃的草稿"}


def test_the_list_paginates_by_fifty(client, people, session, category):
    for i in range(51):
        draft(people["alice"], session, category, title=f"草稿{i:02d}")
    client.force_login(people["alice"])
    body = client.get(reverse("proposals:list")).content.decode()
    assert "共 51 件" in body
    assert body.count('<td data-label="标题">') == 50
    assert "?page=2" in body
    body = client.get(reverse("proposals:list") + "?page=2").content.decode()
    assert body.count('<td data-label="标题">') == 1


def test_the_assignment_list_shows_only_the_departments_own(client, people, session, category, departments):
    p = assign(people, departments, submit(people, session, category, title="食堂问题"))
    lead = Assignment.objects.get(proposal=p, role="lead")
    co = Assignment.objects.get(proposal=p, role="co")
    client.force_login(people["handler"])
    body = client.get(reverse("proposals:assignments")).content.decode()
    assert reverse("proposals:assignment", args=[lead.pk]) in body
    assert reverse("proposals:assignment", args=[co.pk]) not in body
    assert "待签收" in body
    assert "食堂问题" not in client.get(reverse("proposals:assignments") + "?status=accepted").content.decode()
    client.force_login(people["committee"])
    body = client.get(reverse("proposals:assignments")).content.decode()
    assert reverse("proposals:assignment", args=[lead.pk]) in body
    assert reverse("proposals:assignment", args=[co.pk]) in body
