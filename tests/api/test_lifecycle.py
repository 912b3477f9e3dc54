"""A proposal's whole life through the REST API, as the delegate, the committee and the departments see it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from proposals.models import Assignment
from tests.api.conftest import assert_error
from tests.factories import make_user

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def post(client, url, data=None):
    return client.post(f"{BASE}{url}", data or {}, format="json")


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content)
    return response.json()


def test_it_carries_a_proposal_from_draft_to_closed(api, people, departments, session, category, submitted):
    library_handler = make_user("lib_handler", "钱进", ["department_handler"], departments["library"])
    library_head = make_user("lib_head", "郑重", ["department_head"], departments["library"])
    people.update(lib_handler=library_handler, lib_head=library_head)
    alice, committee = api("alice"), api("committee")

    # alice drafts (category by name, session by default), edits, invites and collects two co-signatures.
    created = ok(
        post(
            alice,
            "/proposals/",
            {
                "title": "食堂晚餐时间",
                "category": "后勤保障",
                "reason": "加班多，晚餐结束早。",
                "suggestion": "延长供应。",
            },
        ),
        201,
    )
    pid = created["id"]
    assert created["status"] == "draft"
    assert created["session"] == {"id": session.pk, "name": "第六届第一次"}
    assert created["category"] == {"id": category.pk, "name": "后勤保障"}
    assert created["proposer"] == {"id": people["alice"].pk, "full_name": "王丽"}
    assert set(created["available_transitions"]) == {"submit", "withdraw"}
    edited = ok(alice.patch(f"{BASE}/proposals/{pid}/", {"title": "食堂晚餐供应时间延长"}, format="json"))
    assert edited["title"] == "食堂晚餐供应时间延长"
    assert edited["reason"] == "加班多，晚餐结束早。"
    ok(post(alice, f"/proposals/{pid}/invite/", {"delegates": [people["bob"].pk, people["carol"].pk]}))
    ok(post(api("bob"), f"/proposals/{pid}/cosign/"))
    body = ok(post(api("carol"), f"/proposals/{pid}/cosign/"))
    assert [c["full_name"] for c in body["cosigners"]] == ["李强", "张敏"]
    body = ok(post(alice, f"/proposals/{pid}/transitions/submit/"))
    assert body["status"] == "submitted"
    assert body["due"] is not None

    # The committee merges bob's proposal on the same problem into alice's: bob becomes a co-proposer.
    other = submitted(by="bob", title="食堂晚餐")
    body = ok(post(committee, f"/proposals/{other.pk}/transitions/merge/", {"into": pid}))
    assert (body["status"], body["merged_into"]) == ("merged", pid)
    body = ok(committee.get(f"{BASE}/proposals/{pid}/"))
    assert body["co_proposers"] == [{"id": people["bob"].pk, "full_name": "李强"}]
    assert body["available_transitions"] == ["accept", "reject", "merge", "convert"]

    # Accept, then assign a lead and a co-handling department.
    body = ok(post(committee, f"/proposals/{pid}/transitions/accept/"))
    assert (body["status"], body["number"]) == ("reviewed", "6-1-001")
    due = (timezone.now() + timedelta(days=30)).isoformat()
    body = ok(
        post(
            committee,
            f"/proposals/{pid}/transitions/assign/",
            {"lead_department": departments["logistics"].pk, "co_departments": [departments["hr"].pk], "due": due},
        )
    )
    assert body["status"] == "assigned"
    assert body["lead_department"] == {"id": departments["logistics"].pk, "name": "后勤管理处"}
    assert body["co_departments"] == [{"id": departments["hr"].pk, "name": "人事处"}]

    # Logistics finds it is not theirs and returns it; the committee reassigns the lead to the library.
    inbox = ok(api("handler").get(f"{BASE}/assignments/"))
    assert [(a["proposal"]["id"], a["role"], a["status"]) for a in inbox["results"]] == [(pid, "lead", "assigned")]
    lead_id = inbox["results"][0]["id"]
    body = ok(post(api("handler"), f"/assignments/{lead_id}/transitions/return/", {"reason": "不属于本单位职责"}))
    assert (body["status"], body["return_reason"]) == ("returned", "不属于本单位职责")
    body = ok(committee.get(f"{BASE}/proposals/{pid}/"))
    assert body["lead_department"] is None
    assert "assign" in body["available_transitions"]
    body = ok(
        post(
            committee,
            f"/proposals/{pid}/transitions/assign/",
            {"lead_department": departments["library"].pk, "co_departments": [departments["hr"].pk]},
        )
    )
    assert body["lead_department"]["name"] == "图书馆"
    # Every assignment of the proposal is listed, the returned one too, by round, role and id.
    assert [(a["department"]["name"], a["role"], a["status"]) for a in body["assignments"]] == [
        ("人事处", "co", "assigned"),
        ("后勤管理处", "lead", "returned"),
        ("图书馆", "lead", "assigned"),
    ]

    # The library signs for it and answers; its head may not approve before the co-department answers.
    lib = ok(api("lib_handler").get(f"{BASE}/assignments/", {"proposal": pid}))["results"]
    assert [(a["department"]["name"], a["role"]) for a in lib] == [("图书馆", "lead")]
    lib_id = lib[0]["id"]
    ok(post(api("lib_handler"), f"/assignments/{lib_id}/transitions/accept/"))
    body = ok(
        post(
            api("lib_handler"),
            f"/assignments/{lib_id}/transitions/answer/",
            {"answer": "已延长至19:30", "answer_class": "A"},
        )
    )
    assert (body["status"], body["answer_class"]) == ("answered", "A")
    assert_error(post(api("lib_head"), f"/assignments/{lib_id}/transitions/approve/"), 409, "co_departments_pending")
    hr_id = Assignment.objects.get(proposal_id=pid, department=departments["hr"], round=1).pk
    ok(post(api("hr_handler"), f"/assignments/{hr_id}/transitions/accept/"))
    ok(post(api("hr_handler"), f"/assignments/{hr_id}/transitions/answer/", {"answer": "人事处配合调整值班"}))
    body = ok(post(api("lib_head"), f"/assignments/{lib_id}/transitions/approve/"))
    assert body["status"] == "approved"
    body = ok(alice.get(f"{BASE}/proposals/{pid}/"))
    assert body["status"] == "answered"
    assert body["available_transitions"] == ["feedback"]

    # Unsatisfied: one second round, in which both departments answer again.
    body = ok(
        post(alice, f"/proposals/{pid}/transitions/feedback/", {"satisfaction": "unsatisfied", "comment": "仍需改进"})
    )
    assert body["status"] == "assigned"
    second = ok(committee.get(f"{BASE}/assignments/", {"proposal": pid, "status": "assigned"}))["results"]
    assert sorted((a["department"]["name"], a["round"]) for a in second) == [("人事处", 2), ("图书馆", 2)]
    for a in second:
        who = "lib_handler" if a["role"] == "lead" else "hr_handler"
        ok(post(api(who), f"/assignments/{a['id']}/transitions/accept/"))
        answer = {"answer": "第二轮答复", "answer_class": "B"} if a["role"] == "lead" else {"answer": "第二轮协办意见"}
        ok(post(api(who), f"/assignments/{a['id']}/transitions/answer/", answer))
    lead2 = next(a["id"] for a in second if a["role"] == "lead")
    ok(post(api("lib_head"), f"/assignments/{lead2}/transitions/approve/"))
    body = ok(
        post(alice, f"/proposals/{pid}/transitions/feedback/", {"satisfaction": "unsatisfied", "comment": "还是不满意"})
    )
    assert body["status"] == "answered"
    # Feedback is no longer on offer; trying it anyway names the failing condition.
    again = post(alice, f"/proposals/{pid}/transitions/feedback/", {"satisfaction": "satisfied"})
    assert_error(again, 409, "feedback_already_given")
    assert ok(committee.get(f"{BASE}/proposals/{pid}/"))["available_transitions"] == ["close", "supervise"]
    assert "feedback" not in ok(alice.get(f"{BASE}/proposals/{pid}/"))["available_transitions"]

    # After the second round the committee closes it.
    body = ok(post(committee, f"/proposals/{pid}/transitions/close/"))
    assert body["status"] == "closed"
    assert body["status_display"] == "已办结"

    # The history, row by row: who did what, from which state to which.
    rows = ok(api("auditor").get(f"{BASE}/proposals/{pid}/history/"))
    ids = {name: people[name].pk for name in ("alice", "bob", "carol", "committee", "lib_head")}
    assert [(r["seq"], r["action"], r["from_state"], r["to_state"], r["actor"]["id"]) for r in rows] == [
        (1, "proposal.create", "", "draft", ids["alice"]),
        (2, "proposal.edit", "", "", ids["alice"]),
        (3, "proposal.invite", "", "", ids["alice"]),
        (4, "proposal.cosign", "", "", ids["bob"]),
        (5, "proposal.cosign", "", "", ids["carol"]),
        (6, "proposal.submit", "draft", "submitted", ids["alice"]),
        (7, "proposal.merged_in", "", "", ids["committee"]),
        (8, "proposal.accept", "submitted", "reviewed", ids["committee"]),
        (9, "proposal.assign", "reviewed", "assigned", ids["committee"]),
        (10, "proposal.assign", "assigned", "assigned", ids["committee"]),
        (11, "proposal.receive_answer", "assigned", "answered", ids["lib_head"]),
        (12, "proposal.feedback", "answered", "assigned", ids["alice"]),
        (13, "proposal.receive_answer", "assigned", "answered", ids["lib_head"]),
        (14, "proposal.feedback", "answered", "answered", ids["alice"]),
        (15, "proposal.close", "answered", "closed", ids["committee"]),
    ]
    assert rows[5]["actor"] == {"id": ids["alice"], "full_name": "王丽"}
    assert rows[11]["transition"] == "feedback"
    assert rows[11]["comment"] == "仍需改进"
    assert rows[11]["payload"] == {"satisfaction": "unsatisfied", "comment": "仍需改进"}
    assert all(len(r["hash"]) == 64 for r in rows)
    assert len({r["hash"] for r in rows}) == len(rows)
