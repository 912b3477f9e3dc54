"""The proposal page: what it shows, which buttons each viewer gets, transitions through it."""

import re

import pytest
from django.urls import reverse

from proposals.models import CoSignature, Invitation, Proposal
from tests.factories import draft
from workflow.models import HistoryEntry

pytestmark = pytest.mark.django_db


def _buttons(body):
    """The transition names whose forms the page offers."""
    return sorted(set(re.findall(r'action="/proposals/\d+/transitions/(\w+)/"', body)))


def _detail(client, user, proposal):
    client.force_login(user)
    r = client.get(reverse("proposals:detail", args=[proposal.pk]))
    assert r.status_code == 200
    return r.content.decode()


def test_it_shows_each_viewer_only_their_buttons(client, people, submitted):
    assert _buttons(_detail(client, people["committee"], submitted)) == ["accept", "convert", "merge", "reject"]
    assert _buttons(_detail(client, people["alice"], submitted)) == ["withdraw"]
    assert _buttons(_detail(client, people["bob"], submitted)) == []
    assert _buttons(_detail(client, people["auditor"], submitted)) == []


def test_it_shows_the_fields_people_and_the_timeline(client, people, submitted):
    body = _detail(client, people["auditor"], submitted)
    assert "待审查" in body  # the status label
    assert "王丽" in body and "李强" in body and "张敏" in body
    assert "教职工晚上加班较多" in body  # 案由
    timeline = body[body.index('id="timeline-title"') :]
    for label in ["创建草稿", "邀请附议", "附议", "提交提案"]:
        assert label in timeline
    assert timeline.index("创建草稿") < timeline.index("提交提案")


def test_the_committee_accepts_through_the_page(client, people, submitted):
    client.force_login(people["committee"])
    r = client.post(reverse("proposals:transition", args=[submitted.pk, "accept"]))
    assert r.status_code == 302
    assert r.url == reverse("proposals:detail", args=[submitted.pk])
    submitted.refresh_from_db()
    assert (submitted.status, submitted.number) == ("reviewed", "6-1-001")
    body = client.get(r.url).content.decode()
    assert "已完成操作：立案" in body
    assert "6-1-001" in body
    assert _buttons(body) == ["assign", "supervise"]


def test_rejecting_without_a_reason_shows_the_error_and_changes_nothing(client, people, submitted):
    client.force_login(people["committee"])
    r = client.post(reverse("proposals:transition", args=[submitted.pk, "reject"]), {"reason": ""})
    assert r.status_code == 400
    body = r.content.decode()
    assert 'id="id_reject_reason_error"' in body
    assert "该字段是必填项。" in body
    assert re.search(r'<details class="action" open>\s*<summary>不予立案', body)
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert not HistoryEntry.objects.for_item(submitted).filter(action="proposal.reject").exists()


def test_rejecting_with_a_reason_records_it(client, people, submitted):
    client.force_login(people["committee"])
    r = client.post(reverse("proposals:transition", args=[submitted.pk, "reject"]), {"reason": "不属于提案范围"})
    assert r.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reject_reason) == ("rejected", "不属于提案范围")
    body = client.get(r.url).content.decode()
    assert "不属于提案范围" in body
    assert "不予立案" in body[body.index('id="timeline-title"') :]


def test_a_refused_condition_is_shown_next_to_its_button(client, people, session, category):
    p = draft(people["alice"], session, category)
    client.force_login(people["alice"])
    r = client.post(reverse("proposals:transition", args=[p.pk, "submit"]))
    assert r.status_code == 409
    assert "附议人数不足，不能提交。" in r.content.decode()
    p.refresh_from_db()
    assert p.status == "draft"


def test_a_transition_the_viewer_may_not_start_is_refused(client, people, submitted):
    client.force_login(people["alice"])
    r = client.post(reverse("proposals:transition", args=[submitted.pk, "accept"]))
    assert r.status_code == 403
    assert "您没有执行此操作的权限。" in r.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_a_stale_button_says_the_state_has_moved_on(client, people, submitted):
    client.force_login(people["committee"])
    client.post(reverse("proposals:transition", args=[submitted.pk, "accept"]))
    r = client.post(reverse("proposals:transition", args=[submitted.pk, "convert"]))
    assert r.status_code == 409
    assert "当前状态下不能执行此操作。" in r.content.decode()


def test_the_committee_assigns_with_departments(client, people, departments, submitted):
    client.force_login(people["committee"])
    client.post(reverse("proposals:transition", args=[submitted.pk, "accept"]))
    body = client.get(reverse("proposals:detail", args=[submitted.pk])).content.decode()
    assert 'type="datetime-local"' in body
    r = client.post(
        reverse("proposals:transition", args=[submitted.pk, "assign"]),
        {"lead_department": departments["logistics"].pk, "co_departments": [departments["hr"].pk], "due": ""},
    )
    assert r.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "assigned"
    body = client.get(r.url).content.decode()
    assert "后勤管理处" in body and "人事处" in body and "主办" in body and "协办" in body


def test_assign_errors_keep_the_choices(client, people, departments, submitted):
    client.force_login(people["committee"])
    client.post(reverse("proposals:transition", args=[submitted.pk, "accept"]))
    lead = departments["logistics"].pk
    r = client.post(
        reverse("proposals:transition", args=[submitted.pk, "assign"]),
        {"lead_department": lead, "co_departments": [lead]},
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "主办单位不能同时作为协办单位。" in body
    assert re.search(rf'<option value="{lead}" selected>', body)
    submitted.refresh_from_db()
    assert submitted.status == "reviewed"


def test_a_delegate_cosigns_an_invited_draft(client, people, session, category):
    from proposals.services import proposal_invite

    p = draft(people["alice"], session, category)
    proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"]])
    body = _detail(client, people["bob"], p)
    assert reverse("proposals:cosign", args=[p.pk]) in body
    r = client.post(reverse("proposals:cosign", args=[p.pk]))
    assert r.status_code == 302
    assert CoSignature.objects.filter(proposal=p, delegate=people["bob"]).exists()
    body = client.get(r.url).content.decode()
    assert "您已附议该提案。" in body
    assert reverse("proposals:cosign", args=[p.pk]) not in body  # once only
    # The proposer gets no co-sign button on her own draft.
    assert reverse("proposals:cosign", args=[p.pk]) not in _detail(client, people["alice"], p)


def test_cosigning_twice_is_refused_with_a_message(client, people, session, category):
    from proposals.services import proposal_cosign, proposal_invite

    p = draft(people["alice"], session, category)
    proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"]])
    proposal_cosign(proposal=p, user=people["bob"])
    client.force_login(people["bob"])
    r = client.post(reverse("proposals:cosign", args=[p.pk]))
    assert r.status_code == 409
    assert "您已附议过该提案。" in r.content.decode()


def test_the_proposer_invites_delegates(client, people, session, category):
    p = draft(people["alice"], session, category)
    body = _detail(client, people["alice"], p)
    assert reverse("proposals:invite", args=[p.pk]) in body
    assert "李强" in body and "刘伟" not in body  # delegates only
    r = client.post(reverse("proposals:invite", args=[p.pk]), {"delegates": [people["bob"].pk, people["carol"].pk]})
    assert r.status_code == 302
    assert set(Invitation.objects.filter(proposal=p).values_list("delegate__username", flat=True)) == {"bob", "carol"}
    assert "已邀请 2 位代表附议。" in client.get(r.url).content.decode()


def test_inviting_nobody_shows_the_error_by_the_field(client, people, session, category):
    p = draft(people["alice"], session, category)
    client.force_login(people["alice"])
    r = client.post(reverse("proposals:invite", args=[p.pk]), {})
    assert r.status_code == 400
    body = r.content.decode()
    assert 'id="id_invite_delegates_error"' in body
    assert "该字段是必填项。" in body


def test_only_the_proposer_may_invite(client, people, session, category):
    from proposals.services import proposal_invite

    p = draft(people["alice"], session, category)
    proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"]])
    body = _detail(client, people["bob"], p)
    assert reverse("proposals:invite", args=[p.pk]) not in body
    r = client.post(reverse("proposals:invite", args=[p.pk]), {"delegates": [people["carol"].pk]})
    assert r.status_code == 403
    assert "您没有执行此操作的权限。" in r.content.decode()
    assert not Invitation.objects.filter(delegate=people["carol"]).exists()


def test_an_invisible_proposal_is_a_chinese_404_on_every_page(client, people, session, category):
    p = draft(people["alice"], session, category)
    client.force_login(people["bob"])  # not invited: the draft is hidden from him
    for r in [
        client.get(reverse("proposals:detail", args=[p.pk])),
        client.post(reverse("proposals:transition", args=[p.pk, "submit"])),
        client.post(reverse("proposals:cosign", args=[p.pk])),
        client.post(reverse("proposals:invite", args=[p.pk]), {"delegates": [people["carol"].pk]}),
        client.get(reverse("proposals:detail", args=[999999])),
    ]:
        assert r.status_code == 404
        assert "未找到该页面" in r.content.decode()
    p.refresh_from_db()
    assert p.status == "draft"
    assert not Proposal.objects.filter(cosignatures__delegate=people["bob"]).exists()


def test_a_merged_proposal_links_to_the_one_it_joined(client, people, session, category):
    from tests.pages.conftest import submit

    kept = submit(people, session, category, title="食堂晚餐")
    other = submit(people, session, category, title="食堂夜宵")
    client.force_login(people["committee"])
    r = client.post(reverse("proposals:transition", args=[other.pk, "merge"]), {"into": kept.pk})
    assert r.status_code == 302
    body = client.get(reverse("proposals:detail", args=[other.pk])).content.decode()
    assert f'href="{reverse("proposals:detail", args=[kept.pk])}"' in body
    body = client.get(reverse("proposals:detail", args=[kept.pk])).content.decode()
    assert f'href="{reverse("proposals:detail", args=[other.pk])}"' in body
    assert "其他提案并入本提案" in body


def test_the_proposer_rates_the_answer_and_the_proposal_closes(client, people, departments, session, category):
    from proposals.models import Assignment
    from tests.pages.conftest import assign, submit
    from workflow.services import transition

    p = assign(people, departments, submit(people, session, category))
    for a in Assignment.objects.filter(proposal=p):
        handler = people["handler"] if a.role == "lead" else people["hr_handler"]
        transition(a, "accept", handler)
        transition(a, "answer", handler, answer="已调整供应时间。", answer_class="A" if a.role == "lead" else "")
    transition(Assignment.objects.get(proposal=p, role="lead"), "approve", people["head"])
    assert _buttons(_detail(client, people["committee"], p)) == ["close", "supervise"]
    body = _detail(client, people["alice"], p)
    assert _buttons(body) == ["feedback"]
    assert "A 已解决或采纳" in body and "已调整供应时间。" in body
    # Nothing is chosen for the proposer, and the form says what each choice does.
    radios = re.findall(r'<input type="radio" name="satisfaction"[^>]*>', body)
    assert len(radios) == 3 and not any("checked" in r for r in radios), radios
    assert "不满意：退回承办单位重新办理一次。" in body
    r = client.post(reverse("proposals:transition", args=[p.pk, "feedback"]), {"satisfaction": "", "comment": "很好"})
    assert r.status_code == 400
    assert 'id="id_feedback_satisfaction_error"' in r.content.decode()
    assert "很好" in r.content.decode()
    r = client.post(
        reverse("proposals:transition", args=[p.pk, "feedback"]), {"satisfaction": "satisfied", "comment": "很好"}
    )
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.status == "closed"
    body = client.get(r.url).content.decode()
    feedback = body[body.index('id="feedback-title"') :]
    assert "满意" in feedback and "很好" in feedback
    assert _buttons(body) == []


def test_the_proposer_withdraws_a_submitted_proposal(client, people, submitted):
    client.force_login(people["alice"])
    r = client.post(reverse("proposals:transition", args=[submitted.pk, "withdraw"]))
    assert r.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "withdrawn"
    assert "已撤回" in client.get(r.url).content.decode()
