"""The committee's triage queue (审查队列): duplicates side by side, one-click merge, bulk accept."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.models import Category, ProposalStatus
from tests.pages.conftest import submit
from workflow.services import transition

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10

PARKING = {
    "title": "校园东门增设非机动车停车棚",
    "reason": "东门附近电动车、自行车乱停乱放，雨天车辆淋雨，充电不便。",
    "suggestion": "在东门内侧空地增设非机动车停车棚并配套充电桩。",
}
PARKING_AGAIN = {
    "title": "关于东门增设非机动车停车棚的建议",
    "reason": "东门电动车自行车停放混乱，缺少遮雨的停车棚和充电设施。",
    "suggestion": "建议在东门附近建设非机动车停车棚，安装充电桩。",
}
LIBRARY = {
    "title": "图书馆周末延长开放时间",
    "reason": "周末图书馆闭馆较早，青年教师查阅文献不便。",
    "suggestion": "周末开放至晚上十点。",
}


def _row(body, proposal):
    """The HTML of the queue's row for `proposal`."""
    start = body.index(f'id="triage-{proposal.pk}"')
    return body[start : body.index("</tr>", start)]


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_committee_sees_each_proposals_likely_duplicates_beside_it(client, people, session, category):
    parking = submit(people, session, category, **PARKING)
    again = submit(people, session, category, **PARKING_AGAIN)
    library = submit(people, session, category, **LIBRARY)
    client.force_login(people["committee"])
    r = client.get(reverse("proposals:triage"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "<h1>审查队列</h1>" in body
    row = _row(body, parking)
    # The near-duplicate comes first, with its status and score, and merging into it is one click.
    duplicates = row[row.index('<ul class="plain duplicates">') :]
    assert duplicates.index('href="/proposals/') == duplicates.index(f'href="/proposals/{again.pk}/"')
    assert f'href="/proposals/{library.pk}/"' not in duplicates or duplicates.index(
        f'href="/proposals/{library.pk}/"'
    ) > duplicates.index(f'href="/proposals/{again.pk}/"')
    assert "相似度" in row and "%" in row and "待审查" in row
    assert f'action="/proposals/{parking.pk}/transitions/merge/"' in row
    assert f'name="into" value="{again.pk}"' in row
    assert f'action="/proposals/{parking.pk}/transitions/accept/"' in row
    assert f'action="/proposals/{parking.pk}/transitions/convert/"' in row
    # Every check box has a label.
    assert f'<label for="pick-{parking.pk}"' in row
    # And the other one ranks it back.
    back = _row(body, again)
    assert back.index(f'href="/proposals/{parking.pk}/"', back.index("duplicates")) > 0
    assert f'name="into" value="{parking.pk}"' in back


def test_the_queue_filters_by_state_and_category(client, people, session, category):
    waiting = submit(people, session, category, **PARKING)
    accepted = transition(submit(people, session, category, **LIBRARY), "accept", people["committee"])
    client.force_login(people["committee"])
    body = client.get(reverse("proposals:triage")).content.decode()
    assert f'id="triage-{waiting.pk}"' in body and f'id="triage-{accepted.pk}"' not in body
    body = client.get(reverse("proposals:triage") + "?status=reviewed").content.decode()
    assert f'id="triage-{accepted.pk}"' in body and f'id="triage-{waiting.pk}"' not in body
    other = Category.objects.exclude(pk=category.pk).first()
    body = client.get(reverse("proposals:triage") + f"?session={session.pk}&category={other.pk}").content.decode()
    assert "没有符合条件的提案。" in body


def test_bulk_accept_accepts_the_selected_ones_and_reports_the_failures(client, people, session, category):
    first = submit(people, session, category, **PARKING)
    second = submit(people, session, category, **LIBRARY)
    left = submit(people, session, category, **PARKING_AGAIN)
    taken = transition(submit(people, session, category, title="食堂晚餐供应时间延长"), "accept", people["committee"])
    client.force_login(people["committee"])
    r = client.post(
        reverse("proposals:triage_bulk_accept"),
        {"ids": [first.pk, second.pk, taken.pk], "query": f"session={session.pk}"},
    )
    assert r.status_code == 302
    assert r.url == reverse("proposals:triage") + f"?session={session.pk}"
    for p in (first, second):
        p.refresh_from_db()
        assert p.status == ProposalStatus.REVIEWED
        assert p.number.startswith("6-1-")
    left.refresh_from_db()
    assert left.status == ProposalStatus.SUBMITTED
    assert _messages(r) == ["2 件已立案，1 件未能立案：《食堂晚餐供应时间延长》：当前状态下不能执行此操作。"]


def test_bulk_accept_without_a_selection_says_so(client, people, submitted):
    client.force_login(people["committee"])
    r = client.post(reverse("proposals:triage_bulk_accept"), {})
    assert r.status_code == 302
    assert _messages(r) == ["请先勾选要立案的提案。"]
    submitted.refresh_from_db()
    assert submitted.status == ProposalStatus.SUBMITTED


def test_merging_into_a_suggested_duplicate_is_one_click(client, people, session, category):
    parking = submit(people, session, category, **PARKING)
    again = submit(people, session, category, **PARKING_AGAIN)
    client.force_login(people["committee"])
    r = client.post(reverse("proposals:transition", args=[again.pk, "merge"]), {"into": parking.pk})
    assert r.status_code == 302
    again.refresh_from_db()
    assert again.status == ProposalStatus.MERGED
    assert again.merged_into_id == parking.pk
    # Merged proposals leave the queue.
    body = client.get(reverse("proposals:triage")).content.decode()
    assert f'id="triage-{again.pk}"' not in body


@pytest.mark.parametrize("who", ["alice", "handler", "auditor"])
def test_other_roles_cannot_open_the_queue_or_bulk_accept(client, people, submitted, who):
    client.force_login(people[who])
    assert client.get(reverse("proposals:triage")).status_code == 403
    assert client.post(reverse("proposals:triage_bulk_accept"), {"ids": [submitted.pk]}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == ProposalStatus.SUBMITTED


def test_the_queue_takes_a_constant_number_of_queries(client, people, session, category, django_assert_max_num_queries):
    client.force_login(people["committee"])
    url = reverse("proposals:triage")

    def grow(n):
        for i in range(n):
            submit(people, session, category, **{**PARKING, "title": f"{PARKING['title']}{i}"})

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        assert r.status_code == 200
        return len(ctx.captured_queries)

    grow(2)
    with django_assert_max_num_queries(MAX_QUERIES):
        small = queries()
    grow(12)
    with django_assert_max_num_queries(MAX_QUERIES):
        large = queries()
    assert small == large


def test_the_committees_home_is_the_queue(client, people):
    client.force_login(people["committee"])
    r = client.get(reverse("home"))
    assert r.status_code == 302
    assert r.url == reverse("proposals:triage")
    body = client.get(r.url).content.decode()
    assert f'<a href="{reverse("proposals:triage")}">审查队列</a>' in body
