"""My tasks: each user's open workflow tasks, linked to the page where they act."""

import pytest
from django.urls import reverse

from tests.factories import draft

pytestmark = pytest.mark.django_db


def _tasks(client, user):
    client.force_login(user)
    r = client.get(reverse("tasks"))
    assert r.status_code == 200
    return r.content.decode()


def test_the_proposer_has_her_draft_to_submit(client, people, session, category):
    p = draft(people["alice"], session, category)
    body = _tasks(client, people["alice"])
    assert f'href="{reverse("proposals:detail", args=[p.pk])}"' in body
    assert "修改并提交提案" in body
    assert "待我办理" in body
    assert p.title not in _tasks(client, people["bob"])


def test_the_committee_queue_holds_the_submitted_proposal(client, people, submitted):
    body = _tasks(client, people["committee"])
    assert f'href="{reverse("proposals:detail", args=[submitted.pk])}"' in body
    assert "审查提案（立案）" in body
    assert "待认领" in body


def test_the_department_sees_its_assignment_to_sign(client, people, lead, co):
    body = _tasks(client, people["handler"])
    assert f'href="{reverse("proposals:assignment", args=[lead.pk])}"' in body
    assert f'href="{reverse("proposals:assignment", args=[co.pk])}"' not in body
    assert "签收交办" in body


def test_someone_with_nothing_to_do_sees_an_empty_list(client, people):
    assert "目前没有待办事项。" in _tasks(client, people["dave"])
