"""A delegate drafts and edits a proposal through the pages."""

import pytest
from django.urls import reverse

from proposals.models import Proposal
from tests.factories import draft
from workflow.models import HistoryEntry

pytestmark = pytest.mark.django_db


def _data(session, category, **over):
    data = {
        "session": session.pk,
        "title": "图书馆延长开放时间",
        "category": category.pk,
        "reason": "期末期间自习座位紧张。",
        "suggestion": "建议期末两周开放至23:00。",
    }
    data.update(over)
    return data


def test_a_delegate_drafts_a_proposal(client, people, session, category):
    client.force_login(people["alice"])
    body = client.get(reverse("proposals:create")).content.decode()
    for field in ["session", "title", "category", "reason", "suggestion"]:
        assert f'<label for="id_{field}">' in body
    r = client.post(reverse("proposals:create"), _data(session, category))
    p = Proposal.objects.get()
    assert r.status_code == 302
    assert r.url == reverse("proposals:detail", args=[p.pk])
    assert (p.title, p.proposer, p.status) == ("图书馆延长开放时间", people["alice"], "draft")
    body = client.get(r.url).content.decode()
    assert "草稿已保存" in body
    assert "图书馆延长开放时间" in body


def test_it_shows_draft_errors_in_chinese_next_to_the_fields_and_keeps_the_input(client, people, session, category):
    client.force_login(people["alice"])
    r = client.post(reverse("proposals:create"), _data(session, category, title="", reason="自习座位紧张，需要解决"))
    assert r.status_code == 400
    body = r.content.decode()
    assert "该字段是必填项。" in body
    assert 'id="id_title_error"' in body  # next to the title field
    assert 'aria-invalid="true"' in body
    assert "自习座位紧张，需要解决" in body  # the user's input is kept
    assert not Proposal.objects.exists()


def test_a_proposer_edits_the_draft_and_the_edit_is_logged(client, people, session, category):
    p = draft(people["alice"], session, category)
    client.force_login(people["alice"])
    detail = client.get(reverse("proposals:detail", args=[p.pk])).content.decode()
    assert reverse("proposals:edit", args=[p.pk]) in detail
    body = client.get(reverse("proposals:edit", args=[p.pk])).content.decode()
    assert p.title in body  # the form starts from the saved draft
    r = client.post(reverse("proposals:edit", args=[p.pk]), _data(session, category, title="食堂晚餐延长至20点"))
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.title == "食堂晚餐延长至20点"
    assert HistoryEntry.objects.for_item(p).filter(action="proposal.edit").exists()
    body = client.get(r.url).content.decode()
    assert "修改草稿" in body  # in the timeline


def test_edit_errors_keep_the_input_and_change_nothing(client, people, session, category):
    p = draft(people["alice"], session, category)
    client.force_login(people["alice"])
    r = client.post(reverse("proposals:edit", args=[p.pk]), _data(session, category, title="新标题", suggestion=""))
    assert r.status_code == 400
    body = r.content.decode()
    assert "该字段是必填项。" in body
    assert 'value="新标题"' in body
    p.refresh_from_db()
    assert p.title == "食堂晚餐供应时间延长"


def test_someone_who_is_not_a_delegate_cannot_draft(client, people, session, category):
    client.force_login(people["dave"])
    r = client.post(reverse("proposals:create"), _data(session, category))
    assert r.status_code == 403
    assert "只有教代会代表可以提出提案。" in r.content.decode()
    assert not Proposal.objects.exists()


def test_others_cannot_edit_a_draft(client, people, session, category):
    p = draft(people["alice"], session, category)
    url = reverse("proposals:edit", args=[p.pk])
    # bob was not invited: the draft is not visible to him at all.
    client.force_login(people["bob"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "改掉"}).status_code == 404
    # The committee sees everything but may not edit a delegate's draft.
    client.force_login(people["committee"])
    r = client.get(url)
    assert r.status_code == 403
    assert "当前不能修改该提案。" in r.content.decode()
    assert client.post(url, {"title": "改掉"}).status_code == 403
    p.refresh_from_db()
    assert p.title == "食堂晚餐供应时间延长"


def test_a_submitted_proposal_can_no_longer_be_edited(client, people, submitted):
    client.force_login(people["alice"])
    assert client.get(reverse("proposals:edit", args=[submitted.pk])).status_code == 403
    detail = client.get(reverse("proposals:detail", args=[submitted.pk])).content.decode()
    assert reverse("proposals:edit", args=[submitted.pk]) not in detail
