"""The delegate's invitations page (附议邀请): list, co-sign (附议), decline (谢绝)."""

import pytest
from django.urls import reverse

from proposals.models import CoSignature, Invitation
from proposals.services import invitation_decline, proposal_cosign, proposal_invite
from tests.factories import draft
from workflow.errors import Conflict
from workflow.models import HistoryEntry
from workflow.services import transition

pytestmark = pytest.mark.django_db

URL = reverse("proposals:invitations")


@pytest.fixture
def invited(people, session, category):
    """alice's draft, with bob and carol invited to co-sign it."""
    p = draft(people["alice"], session, category)
    proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"], people["carol"]])
    return p


def _invitation(proposal, user):
    return Invitation.objects.get(proposal=proposal, delegate=user)


def _page(client, user):
    client.force_login(user)
    r = client.get(URL)
    assert r.status_code == 200
    return r.content.decode()


def test_a_delegate_sees_the_invitations_sent_to_them(client, people, invited):
    body = _page(client, people["bob"])
    assert "食堂晚餐供应时间延长" in body
    assert "王丽" in body  # the proposer
    assert "0 / 需 2 人" in body
    inv = _invitation(invited, people["bob"])
    assert reverse("proposals:invitation_cosign", args=[inv.pk]) in body
    assert reverse("proposals:invitation_decline", args=[inv.pk]) in body
    assert "1 件提案草稿等待您附议或谢绝" in body


def test_a_delegate_with_no_invitations_is_told_so(client, people, invited):
    body = _page(client, people["alice"])  # she invited others; nobody invited her
    assert "目前没有待处理的附议邀请" in body


def test_the_header_links_delegates_to_their_invitations(client, people, invited):
    assert f'href="{URL}"' in _page(client, people["bob"])
    client.force_login(people["committee"])
    assert f'href="{URL}"' not in client.get(reverse("proposals:list")).content.decode()


def test_a_delegate_cosigns_from_the_page(client, people, invited):
    client.force_login(people["bob"])
    r = client.post(reverse("proposals:invitation_cosign", args=[_invitation(invited, people["bob"]).pk]))
    assert r.status_code == 302 and r.url == URL
    assert CoSignature.objects.filter(proposal=invited, delegate=people["bob"]).exists()
    body = client.get(URL).content.decode()
    assert "您已附议《食堂晚餐供应时间延长》" in body
    assert "已附议" in body and "1 / 需 2 人" in body
    assert "0 件提案草稿等待您附议或谢绝" in body


def test_a_delegate_declines_from_the_page(client, people, invited):
    client.force_login(people["carol"])
    inv = _invitation(invited, people["carol"])
    r = client.post(reverse("proposals:invitation_decline", args=[inv.pk]))
    assert r.status_code == 302 and r.url == URL
    inv.refresh_from_db()
    assert inv.declined_at is not None
    entry = HistoryEntry.objects.for_item(invited).get(action="proposal.invitation_declined")
    assert (entry.actor_id, entry.payload) == (people["carol"].pk, {"delegate": people["carol"].pk})
    body = client.get(URL).content.decode()
    assert "您已谢绝附议《食堂晚餐供应时间延长》" in body
    assert "目前没有待处理的附议邀请" in body  # declined ones are hidden


def test_the_proposer_sees_who_declined_and_the_timeline_says_so(client, people, invited):
    invitation_decline(invitation=_invitation(invited, people["carol"]), user=people["carol"])
    client.force_login(people["alice"])
    body = client.get(reverse("proposals:detail", args=[invited.pk])).content.decode()
    assert "已谢绝：张敏" in body
    assert "已邀请：李强" in body
    assert "谢绝附议邀请" in body[body.index('id="timeline-title"') :]


def test_declining_twice_or_after_cosigning_is_a_conflict(people, invited):
    invitation_decline(invitation=_invitation(invited, people["carol"]), user=people["carol"])
    with pytest.raises(Conflict) as declined:
        invitation_decline(invitation=_invitation(invited, people["carol"]), user=people["carol"])
    assert declined.value.code == "already_declined"
    proposal_cosign(proposal=invited, user=people["bob"])
    with pytest.raises(Conflict) as cosigned:
        invitation_decline(invitation=_invitation(invited, people["bob"]), user=people["bob"])
    assert cosigned.value.code == "already_cosigned"


def test_cosigning_twice_from_the_page_shows_the_error(client, people, invited):
    client.force_login(people["bob"])
    url = reverse("proposals:invitation_cosign", args=[_invitation(invited, people["bob"]).pk])
    client.post(url)
    r = client.post(url)
    assert r.status_code == 409
    assert "您已附议过该提案" in r.content.decode()


def test_declining_after_cosigning_from_the_page_shows_the_error(client, people, invited):
    proposal_cosign(proposal=invited, user=people["bob"])
    client.force_login(people["bob"])
    r = client.post(reverse("proposals:invitation_decline", args=[_invitation(invited, people["bob"]).pk]))
    assert r.status_code == 409
    assert "您已附议该提案，不能再谢绝" in r.content.decode()
    assert _invitation(invited, people["bob"]).declined_at is None


def test_someone_elses_invitation_is_not_found(client, people, invited):
    carols = _invitation(invited, people["carol"])
    client.force_login(people["bob"])
    assert client.post(reverse("proposals:invitation_cosign", args=[carols.pk])).status_code == 404
    assert client.post(reverse("proposals:invitation_decline", args=[carols.pk])).status_code == 404
    carols.refresh_from_db()
    assert carols.declined_at is None
    assert not CoSignature.objects.filter(proposal=invited).exists()


def test_invitations_to_drafts_no_longer_open_are_gone(client, people, invited):
    proposal_cosign(proposal=invited, user=people["bob"])
    proposal_cosign(proposal=invited, user=people["carol"])
    transition(invited, "submit", people["alice"])
    client.force_login(people["bob"])
    assert "目前没有待处理的附议邀请" in client.get(URL).content.decode()
    inv = _invitation(invited, people["bob"])
    assert client.post(reverse("proposals:invitation_decline", args=[inv.pk])).status_code == 404


@pytest.mark.parametrize("who", ["dave", "committee", "office", "handler", "auditor"])
def test_non_delegates_are_refused(client, people, invited, who):
    client.force_login(people[who])
    inv = _invitation(invited, people["bob"])
    assert client.get(URL).status_code == 403
    assert client.post(reverse("proposals:invitation_cosign", args=[inv.pk])).status_code == 403
    assert client.post(reverse("proposals:invitation_decline", args=[inv.pk])).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    r = client.get(URL)
    assert r.status_code == 302 and r.url.startswith(reverse("login"))


def test_the_page_takes_a_constant_number_of_queries(client, people, session, category, django_assert_max_num_queries):
    def invite(n):
        for i in range(n):
            p = draft(people["alice"], session, category, title=f"提案{i}")
            proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"]])
            if i % 2:
                proposal_cosign(proposal=p, user=people["bob"])

    client.force_login(people["bob"])
    invite(2)
    with django_assert_max_num_queries(10) as small:
        assert client.get(URL).status_code == 200
    invite(14)
    with django_assert_max_num_queries(10) as large:
        body = client.get(URL).content.decode()
    assert len(small.captured_queries) == len(large.captured_queries)
    # Every other one co-signed: 8 answered, 8 waiting, all listed.
    assert body.count('<span class="tag">已附议</span>') == 8
    assert body.count("/decline/") == 8
    assert "8 件提案草稿等待您附议或谢绝" in body
