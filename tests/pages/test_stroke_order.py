"""Names on the proposal page in 姓氏笔画 order: co-signers, the invited, the invite form."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.services import proposal_cosign, proposal_invite
from tests.factories import draft, make_user

pytestmark = pytest.mark.django_db

# Created in pinyin order (ma, wang, yu, zhang); strokes say 于 3 (横) < 马 3 (折) < 王 4 < 张 7.
EXTRA = [("ma", "马明"), ("wang", "王明"), ("yu", "于明"), ("zhang", "张明")]


@pytest.fixture
def delegates(departments):
    return {username: make_user(username, name, ["delegate"], departments["cs"]) for username, name in EXTRA}


def _detail(client, user, proposal):
    client.force_login(user)
    r = client.get(reverse("proposals:detail", args=[proposal.pk]))
    assert r.status_code == 200
    return r.content.decode()


def _in_order(body, names):
    positions = [body.index(n) for n in names]
    return positions == sorted(positions)


def test_cosigners_are_listed_by_surname_strokes(client, people, session, category, delegates):
    p = draft(people["alice"], session, category)
    for username in ["zhang", "ma", "wang", "yu"]:  # the order they co-sign in
        proposal_cosign(proposal=p, user=delegates[username])
    body = _detail(client, people["alice"], p)
    section = body[body.index('id="cosign-title"') : body.index("</section>", body.index('id="cosign-title"'))]
    assert re.findall(r"<li>(\S+) <span", section) == ["于明", "马明", "王明", "张明"]


def test_the_invited_are_listed_by_surname_strokes(client, people, session, category, delegates):
    p = draft(people["alice"], session, category)
    proposal_invite(proposal=p, user=people["alice"], delegates=[delegates[u] for u in ["zhang", "wang", "ma", "yu"]])
    body = _detail(client, people["alice"], p)
    assert "已邀请：于明、马明、王明、张明" in body


def test_the_invite_form_offers_delegates_by_surname_strokes(client, people, session, category, delegates):
    p = draft(people["alice"], session, category)
    body = _detail(client, people["alice"], p)
    form = body[body.index(f'action="{reverse("proposals:invite", args=[p.pk])}"') :]
    # bob 李强 (李 7, 横 first) comes before carol 张敏 and 张明 (张 7, 折 first); 敏 11 > 明 8.
    assert _in_order(form, ["于明", "马明", "王明", "李强", "张明", "张敏"])
    assert 'data-url="/org/people/search/"' in form
    assert "js/invite" in body


def test_ordering_adds_no_query(client, people, session, category, delegates):
    p = draft(people["alice"], session, category)
    client.force_login(people["alice"])
    url = reverse("proposals:detail", args=[p.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for username in ["zhang", "ma", "wang", "yu"]:
        proposal_cosign(proposal=p, user=delegates[username])
    proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"], people["carol"]])
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few.captured_queries) == len(many.captured_queries)
