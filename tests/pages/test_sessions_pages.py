"""The union office's session pages (会议管理): list, create, edit, open and close collection."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import CongressSession
from proposals.services import proposal_cosign, proposal_invite
from proposals.session_views import FIELD_GROUPS
from proposals.sessions import SESSION_FIELDS
from tests.factories import draft, make_user
from workflow.errors import DomainError
from workflow.models import HistoryEntry
from workflow.services import transition

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10

NEW_SESSION = {
    "name": "第六届第二次",
    "code": "6-2",
    "collection_opens": "2026-04-01T09:00",
    "collection_closes": "2026-04-30T17:00",
    "cosign_threshold": "3",
    "triage_days": "10",
    "answer_days": "20",
    "feedback_days": "15",
    "max_extensions": "2",
    "remind_before_days": "2",
    "overdue_every_days": "1",
    "escalate_office_after_days": "4",
    "key_escalate_office_after_days": "1",
}

WRONG_ROLES = ["alice", "committee", "auditor", "handler"]


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _row(body, session):
    start = body.index(f'id="session-{session.pk}"')
    return body[start : body.index("</tr>", start)]


def _session_with_window(name, code, opens, closes):
    return CongressSession.objects.create(
        name=name, code=code, collection_opens=opens, collection_closes=closes, cosign_threshold=2
    )


def _posted_for(session, **changes):
    data = {f: str(getattr(session, f)) for f in SESSION_FIELDS}
    data["collection_opens"] = _local(session.collection_opens)
    data["collection_closes"] = _local(session.collection_closes)
    return {**data, **changes}


@pytest.fixture
def admin(people):
    user = make_user("root", "管理员", [], None)
    user.is_superuser = True
    user.save()
    return user


def test_the_form_groups_cover_every_field_the_service_takes():
    assert sorted(f for _label, names in FIELD_GROUPS for f in names) == sorted(SESSION_FIELDS)


def test_the_union_office_sees_the_sessions_and_whether_each_is_collecting(client, people, session):
    later = _session_with_window(
        "第六届第二次", "6-2", timezone.now() + timedelta(days=60), timezone.now() + timedelta(days=90)
    )
    client.force_login(people["office"])
    r = client.get(reverse("proposals:sessions"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "<h1>会议管理</h1>" in body
    assert f'href="{reverse("proposals:session_create")}"' in body
    current = _row(body, session)
    assert "第六届第一次" in current and "征集中" in current
    assert f'action="{reverse("proposals:session_close", args=[session.pk])}"' in current
    assert reverse("proposals:session_open", args=[session.pk]) not in current
    assert f'href="{reverse("proposals:session_edit", args=[session.pk])}"' in current
    upcoming = _row(body, later)
    assert "未在征集" in upcoming
    assert f'action="{reverse("proposals:session_open", args=[later.pk])}"' in upcoming
    assert reverse("proposals:session_close", args=[later.pk]) not in upcoming
    # The open form's closing time has a label and keeps the planned closing time.
    assert f'<label for="id_open_{later.pk}_collection_closes"' in upcoming
    assert f'value="{_local(later.collection_closes)}"' in upcoming


def test_the_union_office_creates_a_session_with_all_its_rules(client, people):
    client.force_login(people["office"])
    r = client.get(reverse("proposals:session_create"))
    assert r.status_code == 200
    body = r.content.decode()
    for legend in ["基本信息", "征集", "办理期限规则", "提醒与督办"]:
        assert f"<legend>{legend}</legend>" in body
    assert '<label for="id_cosign_threshold">附议人数下限</label>' in body
    assert 'type="datetime-local" name="collection_opens"' in body

    r = client.post(reverse("proposals:session_create"), NEW_SESSION)

    assert r.status_code == 302
    assert r["Location"] == reverse("proposals:sessions")
    s = CongressSession.objects.get(code="6-2")
    assert s.name == "第六届第二次"
    assert _local(s.collection_opens) == "2026-04-01T09:00"
    assert _local(s.collection_closes) == "2026-04-30T17:00"
    assert (s.cosign_threshold, s.triage_days, s.answer_days, s.feedback_days) == (3, 10, 20, 15)
    assert (s.max_extensions, s.remind_before_days, s.overdue_every_days) == (2, 2, 1)
    assert (s.escalate_office_after_days, s.key_escalate_office_after_days) == (4, 1)
    entry = HistoryEntry.objects.for_item(s).get()
    assert entry.action == "session.create" and entry.actor == people["office"]


def test_bad_input_on_create_is_explained_in_chinese_next_to_the_field_with_the_input_kept(client, people, session):
    client.force_login(people["office"])
    bad = {
        **NEW_SESSION,
        "name": "第六届第一次",  # taken
        "collection_closes": "2026-03-20T09:00",  # before the opening
        "cosign_threshold": "-1",
        "triage_days": "0",
    }
    r = client.post(reverse("proposals:session_create"), bad)

    assert r.status_code == 400
    body = r.content.decode()
    assert "征集截止时间须晚于征集开始时间。" in body
    assert "期限至少为 1 天。" in body
    assert "确保该值大于或等于0" in body
    assert "具有 届次 的 教代会会议 已存在。" in body  # the name is taken
    # What was typed is still in the form.
    assert 'value="6-2"' in body
    assert 'value="2026-03-20T09:00"' in body
    assert 'value="-1"' in body
    # Each error sits in its field's group, after its label.
    closes = body.index('<label for="id_collection_closes"')
    assert closes < body.index("征集截止时间须晚于征集开始时间。") < body.index('<label for="id_cosign_threshold"')
    assert CongressSession.objects.count() == 1


def test_the_union_office_edits_a_sessions_threshold_and_deadlines(client, people, session):
    client.force_login(people["office"])
    r = client.get(reverse("proposals:session_edit", args=[session.pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert 'value="第六届第一次"' in body and f'value="{_local(session.collection_closes)}"' in body

    r = client.post(
        reverse("proposals:session_edit", args=[session.pk]),
        _posted_for(session, cosign_threshold="3", answer_days="20", remind_before_days="5"),
    )

    assert r.status_code == 302
    session.refresh_from_db()
    assert (session.cosign_threshold, session.answer_days, session.remind_before_days) == (3, 20, 5)
    assert session.name == "第六届第一次" and session.triage_days == 7
    entry = HistoryEntry.objects.for_item(session).get()
    assert entry.action == "session.edit"
    assert set(entry.payload) == {"cosign_threshold", "answer_days", "remind_before_days"}


def test_bad_input_on_edit_changes_nothing_and_keeps_the_input(client, people, session):
    client.force_login(people["office"])
    posted = _posted_for(session, cosign_threshold="-2", collection_opens="2026-05-01T09:00", code="")

    r = client.post(reverse("proposals:session_edit", args=[session.pk]), posted)

    assert r.status_code == 400
    body = r.content.decode()
    assert "确保该值大于或等于0" in body
    assert "征集截止时间须晚于征集开始时间。" in body
    assert "该字段是必填项。" in body
    assert 'value="-2"' in body and 'value="2026-05-01T09:00"' in body
    # The page title still names the session as stored, not the rejected input.
    assert "修改会议“第六届第一次”" in body
    fresh = CongressSession.objects.get(pk=session.pk)
    assert (fresh.cosign_threshold, fresh.code, fresh.collection_opens) == (2, "6-1", session.collection_opens)
    assert not HistoryEntry.objects.for_item(session).exists()


def test_closing_collection_ends_the_window_and_submitting_is_then_refused(client, people, session, category):
    proposal = draft(people["alice"], session, category)
    proposal_invite(proposal=proposal, user=people["alice"], delegates=[people["bob"], people["carol"]])
    proposal_cosign(proposal=proposal, user=people["bob"])
    proposal_cosign(proposal=proposal, user=people["carol"])
    client.force_login(people["office"])

    r = client.post(reverse("proposals:session_close", args=[session.pk]))

    assert r.status_code == 302
    session.refresh_from_db()
    assert session.collection_closes <= timezone.now()
    assert not session.is_collecting()
    assert HistoryEntry.objects.for_item(session).get().action == "session.close_collection"
    body = client.get(reverse("proposals:sessions")).content.decode()
    assert "已结束征集" in body
    with pytest.raises(DomainError) as refused:
        transition(proposal, "submit", people["alice"])
    assert refused.value.code == "collection_closed"


def test_opening_collection_starts_the_window_now_and_keeps_the_planned_end(client, people):
    opens, closes = timezone.now() + timedelta(days=5), timezone.now() + timedelta(days=30)
    upcoming = _session_with_window("第六届第二次", "6-2", opens, closes)
    client.force_login(people["office"])

    r = client.post(reverse("proposals:session_open", args=[upcoming.pk]), {"collection_closes": ""})

    assert r.status_code == 302
    upcoming.refresh_from_db()
    assert upcoming.is_collecting()
    assert upcoming.collection_opens <= timezone.now()
    assert upcoming.collection_closes == closes
    assert HistoryEntry.objects.for_item(upcoming).get().action == "session.open_collection"


def test_reopening_a_finished_session_asks_for_a_new_closing_time(client, people):
    finished = _session_with_window(
        "第五届第三次", "5-3", timezone.now() - timedelta(days=60), timezone.now() - timedelta(days=30)
    )
    client.force_login(people["office"])
    url = reverse("proposals:session_open", args=[finished.pk])

    r = client.post(url, {"collection_closes": ""})

    assert r.status_code == 400
    row = _row(r.content.decode(), finished)
    assert "征集截止时间须晚于现在，请设定新的征集截止时间。" in row
    finished.refresh_from_db()
    assert not finished.is_collecting()

    new_end = timezone.localtime() + timedelta(days=7)
    r = client.post(url, {"collection_closes": new_end.strftime("%Y-%m-%dT%H:%M")})

    assert r.status_code == 302
    finished.refresh_from_db()
    assert finished.is_collecting()
    assert _local(finished.collection_closes) == new_end.strftime("%Y-%m-%dT%H:%M")


def test_closing_a_session_that_is_not_collecting_is_refused_with_the_reason(client, people):
    upcoming = _session_with_window(
        "第六届第二次", "6-2", timezone.now() + timedelta(days=5), timezone.now() + timedelta(days=30)
    )
    client.force_login(people["office"])

    r = client.post(reverse("proposals:session_close", args=[upcoming.pk]))

    assert r.status_code == 409
    assert "该会议当前不在征集期内。" in r.content.decode()
    r = client.post(reverse("proposals:session_open", args=[upcoming.pk]))
    assert r.status_code == 302
    r = client.post(reverse("proposals:session_open", args=[upcoming.pk]))
    assert r.status_code == 409
    assert "该会议已在征集提案。" in r.content.decode()


def test_an_admin_manages_sessions_too(client, admin, session):
    client.force_login(admin)
    assert client.get(reverse("proposals:sessions")).status_code == 200
    assert client.get(reverse("proposals:session_create")).status_code == 200
    assert client.get(reverse("proposals:session_edit", args=[session.pk])).status_code == 200
    assert client.post(reverse("proposals:session_close", args=[session.pk])).status_code == 302


@pytest.mark.parametrize("persona", WRONG_ROLES)
def test_other_roles_may_not_open_the_session_pages_or_change_a_session(client, people, session, persona):
    client.force_login(people[persona])
    assert client.get(reverse("proposals:sessions")).status_code == 403
    assert client.get(reverse("proposals:session_create")).status_code == 403
    assert client.post(reverse("proposals:session_create"), NEW_SESSION).status_code == 403
    assert client.get(reverse("proposals:session_edit", args=[session.pk])).status_code == 403
    posted = _posted_for(session, cosign_threshold="5")
    assert client.post(reverse("proposals:session_edit", args=[session.pk]), posted).status_code == 403
    assert client.post(reverse("proposals:session_close", args=[session.pk])).status_code == 403
    assert client.post(reverse("proposals:session_open", args=[session.pk])).status_code == 403
    fresh = CongressSession.objects.get()
    assert (fresh.cosign_threshold, fresh.collection_closes) == (2, session.collection_closes)


def test_the_header_offers_session_management_to_the_union_office_only(client, people):
    client.force_login(people["office"])
    body = client.get(reverse("tasks")).content.decode()
    assert f'<a href="{reverse("proposals:sessions")}">会议管理</a>' in body
    client.force_login(people["alice"])
    body = client.get(reverse("tasks")).content.decode()
    assert reverse("proposals:sessions") not in body


@pytest.mark.parametrize("n", [1, 8])
def test_the_session_list_takes_the_same_number_of_queries_whatever_its_length(
    client, people, django_assert_max_num_queries, n
):
    start = timezone.now() - timedelta(days=400 * n)
    for i in range(n):
        opens = start + timedelta(days=400 * i)
        _session_with_window(f"第{i + 1}届第一次", f"{i + 1}-1", opens, opens + timedelta(days=30))
    client.force_login(people["office"])
    with django_assert_max_num_queries(MAX_QUERIES):
        r = client.get(reverse("proposals:sessions"))
    assert r.status_code == 200
    assert r.content.decode().count('id="session-') == n
