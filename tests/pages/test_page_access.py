"""Every page answers the right person and refuses the wrong one (403, or 404 for an item
they may not see), and sends anonymous visitors to sign in.

`PAGES` has one row per URL of our apps' pages; `test_every_page_is_in_the_table` fails
when a page is added without its row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from notifications.models import Notification
from proposals.attachments import attachment_add
from proposals.models import CongressSession, Invitation
from proposals.services import proposal_invite
from tests.factories import draft, make_user
from tests.pages.conftest import submit
from tests.welfare.conftest import request_fields
from welfare.models import RecuperationBatch, RecuperationQuota
from welfare.services import welfare_request_file

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    people: dict[str, Any]
    draft: Any
    submitted: Any
    lead: Any
    session: Any  # not collecting yet: it can be opened
    collecting: Any  # collecting now: it can be closed
    attachment: Any
    invitation: Any
    notification: Any
    welfare: Any  # dave's welfare request, waiting for the review of his unit's chair


@dataclass(frozen=True)
class Page:
    name: str  # the URL name
    args: Callable[[World], list[Any]]
    who: str  # a persona the page answers (200, or a redirect after a POST)
    refused: tuple[tuple[str, int], ...]  # personas it refuses, and how
    method: str = "get"
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})


def _none(w: World) -> list[Any]:
    return []


def _recuperation_quota(w: World) -> list[Any]:
    return [RecuperationQuota.objects.get_or_create(year=2026, defaults={"places": 10})[0].year]


def _recuperation_batch(w: World) -> list[Any]:
    batch, _ = RecuperationBatch.objects.get_or_create(
        year=2026,
        name="第一批",
        defaults={"destination": "千岛湖", "starts_on": "2026-07-06", "ends_on": "2026-07-10", "capacity": 20},
    )
    return [batch.pk]


_BATCH = {"year": "2026", "name": "第二批", "destination": "黄山", "starts_on": "2026-08-03", "ends_on": "2026-08-07"}


def _welfare_files(w: World) -> dict[str, Any]:
    """dave's certificate on his welfare request, and his approved 子女医疗统筹 (2025) with a
    pending claim; made once per world."""
    made = w.__dict__.get("_welfare_files")
    if made is None:
        from datetime import date
        from decimal import Decimal

        from welfare.attachments import welfare_attachment_add
        from welfare.claims import medical_claim_file
        from workflow.services import transition

        p = w.people
        certificate = welfare_attachment_add(
            user=p["dave"], request=w.welfare, upload=SimpleUploadedFile("诊断证明.pdf", PDF, "application/pdf")
        )
        enrolled: Any = welfare_request_file(user=p["dave"], **request_fields("child_medical", enrolment_year=2025))
        enrolled = transition(enrolled, "review", p["chair"])
        enrolled = transition(enrolled, "assign", p["office"], handler=p["office"].pk)
        enrolled = transition(enrolled, "answer", p["office"], approved=True, amount=Decimal("800"), answer="同意。")
        claim = medical_claim_file(
            user=p["dave"],
            request=enrolled,
            visit_date=date(2025, 5, 1),
            hospital="市儿童医院",
            amount_claimed=Decimal("120.00"),
            receipts=[SimpleUploadedFile("收据.pdf", PDF, "application/pdf")],
        )
        made = w.__dict__["_welfare_files"] = {"certificate": certificate, "enrolled": enrolled, "claim": claim}
    return made


def _publicity(w: World) -> dict[str, Any]:
    """dave's hardship request approved on Friday 13 March, so on the notice (公示) from
    Monday 16 to Friday 20 March, today; and alice's objection to it. Made once per world."""
    made = w.__dict__.get("_publicity")
    if made is None:
        from datetime import date
        from decimal import Decimal

        from tests.welfare.publicity_support import on
        from welfare.publicity import objection_raise
        from workflow.services import transition

        p = w.people
        with on(date(2026, 3, 13), 10):
            r: Any = welfare_request_file(user=p["dave"], **request_fields("hardship"))
            r = transition(r, "review", p["chair"])
            r = transition(r, "assign", p["office"], handler=p["office"].pk)
            r = transition(r, "answer", p["office"], approved=True, amount=Decimal("800"), answer="同意。")
        objection = objection_raise(user=p["alice"], request=r, text="申请人另有收入。")
        made = w.__dict__["_publicity"] = {"request": r, "objection": objection}
    return made


PAGES = [
    # Proposals: the list is everyone's (it shows what each may see); the rest follow the item.
    Page("proposals:list", _none, "dave", ()),
    Page("proposals:create", _none, "alice", (("dave", 403), ("committee", 403), ("handler", 403))),
    Page("proposals:detail", lambda w: [w.draft.pk], "alice", (("dave", 404), ("handler", 404))),
    Page("proposals:edit", lambda w: [w.draft.pk], "alice", (("dave", 404), ("bob", 403))),
    Page("proposals:cosign", lambda w: [w.draft.pk], "bob", (("dave", 404), ("handler", 404)), "post"),
    Page(
        "proposals:invite",
        lambda w: [w.draft.pk],
        "alice",
        (("bob", 403), ("dave", 404)),
        "post",
        lambda w: {"delegates": [w.people["carol"].pk]},
    ),
    Page(
        "proposals:attachment_upload",
        lambda w: [w.draft.pk],
        "alice",
        (("bob", 403), ("dave", 404)),
        "post",
        lambda w: {"file": SimpleUploadedFile("方案.pdf", PDF, "application/pdf")},
    ),
    Page("proposals:attachment_download", lambda w: [w.attachment.pk], "alice", (("dave", 404), ("handler", 404))),
    Page(
        "proposals:transition",
        lambda w: [w.submitted.pk, "accept"],
        "committee",
        (("alice", 403), ("handler", 404), ("dave", 404)),
        "post",
    ),
    Page("proposals:overdue", _none, "committee", (("alice", 403), ("handler", 403), ("dave", 403))),
    Page("proposals:assignments", _none, "handler", (("alice", 403), ("dave", 403))),
    Page("proposals:assignment", lambda w: [w.lead.pk], "handler", (("hr_handler", 404), ("alice", 404))),
    Page(
        "proposals:assignment_transition",
        lambda w: [w.lead.pk, "accept"],
        "handler",
        (("hr_handler", 404), ("committee", 403), ("alice", 404)),
        "post",
    ),
    Page("proposals:triage", _none, "committee", (("alice", 403), ("office", 403), ("handler", 403))),
    Page(
        "proposals:triage_bulk_accept",
        _none,
        "committee",
        (("alice", 403), ("office", 403)),
        "post",
        lambda w: {"proposals": [w.submitted.pk]},
    ),
    Page("proposals:dashboard", _none, "committee", (("alice", 403), ("handler", 403), ("dave", 403))),
    Page("proposals:sessions", _none, "office", (("committee", 403), ("alice", 403), ("auditor", 403))),
    Page("proposals:session_create", _none, "office", (("committee", 403), ("alice", 403))),
    Page("proposals:session_edit", lambda w: [w.session.pk], "office", (("committee", 403), ("handler", 403))),
    Page("proposals:session_close", lambda w: [w.collecting.pk], "office", (("committee", 403),), "post"),
    Page("proposals:session_open", lambda w: [w.session.pk], "office", (("committee", 403), ("alice", 403)), "post"),
    Page("proposals:invitations", _none, "bob", (("handler", 403), ("dave", 403))),
    Page("proposals:mine", _none, "alice", (("handler", 403), ("dave", 403), ("committee", 403))),
    Page("proposals:invitation_cosign", lambda w: [w.invitation.pk], "bob", (("carol", 404), ("dave", 403)), "post"),
    Page("proposals:invitation_decline", lambda w: [w.invitation.pk], "bob", (("carol", 404), ("dave", 403)), "post"),
    # The union office's roster upload; a token that is not the user's own upload is a 404.
    Page("org:roster_upload", _none, "office", (("committee", 403), ("alice", 403), ("auditor", 403))),
    Page("org:roster_preview", lambda w: ["20260316090000-none"], "", (("office", 404), ("committee", 403))),
    Page("org:roster_confirm", lambda w: ["20260316090000-none"], "", (("office", 404), ("committee", 403)), "post"),
    Page("org:roster_cancel", lambda w: ["20260316090000-none"], "", (("office", 404), ("committee", 403)), "post"),
    Page("org:people_search", _none, "alice", (("handler", 403), ("dave", 403))),
    # Everyone's own: inbox, preferences, tasks, home; someone else's notification is a 404.
    Page("notifications:inbox", _none, "dave", ()),
    Page("notifications:read", lambda w: [w.notification.pk], "bob", (("alice", 404), ("dave", 404)), "post"),
    Page("notifications:read_all", _none, "dave", (), "post"),
    Page("notifications:preferences", _none, "dave", ()),
    Page("tasks", _none, "dave", ()),
    Page("home", _none, "dave", ()),
    Page("history_check", _none, "auditor", (("committee", 403), ("office", 403), ("alice", 403))),
    # The holiday schedules (节假日安排): the union office's (and admins').
    Page("calendar_years", _none, "office", (("committee", 403), ("alice", 403), ("auditor", 403))),
    Page("calendar_year", lambda w: [2027], "office", (("committee", 403), ("handler", 403), ("dave", 403))),
    # Welfare requests: a member's own, the chair's review queue, the union office's queue
    # (auditors read it too); a request is seen only by those concerned, others get a 404.
    Page("welfare:mine", _none, "dave", (("office", 403), ("committee", 403), ("auditor", 403))),
    Page("welfare:create", _none, "dave", (("committee", 403), ("auditor", 403), ("handler", 403))),
    Page("welfare:review_queue", _none, "chair", (("dave", 403), ("office", 403), ("auditor", 403))),
    Page("welfare:office_queue", _none, "office", (("dave", 403), ("chair", 403), ("committee", 403))),
    Page("welfare:detail", lambda w: [w.welfare.pk], "dave", (("alice", 404), ("committee", 404))),
    Page("welfare:access_log", _none, "auditor", (("dave", 403), ("office", 403), ("chair", 403))),
    Page(
        "welfare:transition",
        lambda w: [w.welfare.pk, "review"],
        "chair",
        (("dave", 403), ("office", 403), ("alice", 404)),
        "post",
        lambda w: {"comment": "情况属实。"},
    ),
    # Confidential files and 子女医疗统筹报销: a file opens for those who read the request's
    # sensitive data (an auditor without the grant gets a 403), claims are decided by the union office.
    Page(
        "welfare:attachment_upload",
        lambda w: [w.welfare.pk],
        "dave",
        (("chair", 403), ("auditor", 403), ("alice", 404)),
        "post",
        lambda w: {"file": SimpleUploadedFile("诊断证明.pdf", PDF, "application/pdf")},
    ),
    Page(
        "welfare:attachment_download",
        lambda w: [_welfare_files(w)["certificate"].pk],
        "dave",
        (("auditor", 403), ("alice", 404), ("committee", 404)),
    ),
    Page(
        "welfare:claim_file",
        lambda w: [_welfare_files(w)["enrolled"].pk],
        "dave",
        (("chair", 403), ("auditor", 403), ("alice", 404)),
        "post",
        lambda w: {
            "visit_date": "2025-06-01",
            "hospital": "市儿童医院",
            "amount_claimed": "50.00",
            "receipts": SimpleUploadedFile("收据.pdf", PDF, "application/pdf"),
        },
    ),
    Page("welfare:claims_queue", _none, "office", (("dave", 403), ("chair", 403), ("auditor", 403))),
    Page(
        "welfare:claim_decide",
        lambda w: [_welfare_files(w)["claim"].pk],
        "office",
        (("dave", 403), ("auditor", 403), ("alice", 404)),
        "post",
        lambda w: {
            f"claim{_welfare_files(w)['claim'].pk}-approved": "true",
            f"claim{_welfare_files(w)['claim'].pk}-amount": "50",
        },
    ),
    # 疗休养安排 and 慰问标准: the union office sets them, auditors read them, nobody else.
    Page("welfare:recuperation", _none, "office", (("dave", 403), ("chair", 403), ("committee", 403))),
    Page(
        "welfare:recuperation_quota_create",
        _none,
        "office",
        (("auditor", 403), ("dave", 403), ("chair", 403)),
        "post",
        lambda w: {"year": "2030", "places": "20", "min_years_of_service": "5", "interval_years": "3"},
    ),
    Page(
        "welfare:recuperation_quota_edit",
        _recuperation_quota,
        "office",
        (("auditor", 403), ("dave", 403), ("chair", 403)),
        "post",
        lambda w: {"places": "30", "min_years_of_service": "5", "interval_years": "3"},
    ),
    Page(
        "welfare:recuperation_batch_create",
        _none,
        "office",
        (("auditor", 403), ("dave", 403), ("chair", 403)),
        "post",
        lambda w: {**_BATCH, "capacity": "15"},
    ),
    Page("welfare:recuperation_batch_edit", _recuperation_batch, "office", (("auditor", 403), ("dave", 403))),
    Page("welfare:standards", _none, "office", (("dave", 403), ("chair", 403), ("committee", 403))),
    Page(
        "welfare:standard_edit",
        lambda w: ["illness"],
        "office",
        (("auditor", 403), ("dave", 403), ("chair", 403)),
        "post",
        lambda w: {"amount": "600.00", "note": "住院慰问"},
    ),
    # 公示: members read the notice and object to a colleague's request on it (not their own;
    # a request not on it stays hidden); the union office decides objections.
    Page("welfare:publicity", _none, "dave", (("committee", 403), ("bob", 403), ("handler", 403))),
    Page(
        "welfare:objection_raise",
        lambda w: [_publicity(w)["request"].pk],
        "chair",
        (("dave", 403), ("committee", 404), ("handler", 404)),
        "post",
        lambda w: {"text": "申请人家庭收入情况有变化。"},
    ),
    Page(
        "welfare:objection_resolve",
        lambda w: [_publicity(w)["objection"].pk],
        "office",
        (("dave", 403), ("chair", 403), ("alice", 404)),
        "post",
        lambda w: {"upheld": "0", "resolution": "经核实，异议不成立。"},
    ),
    # 福利发放清单 (page and xlsx), the office queue as xlsx, the yearly figures: the union
    # office's, read by auditors; members, chairs and the proposal committee are refused.
    Page("welfare:payouts", _none, "auditor", (("dave", 403), ("chair", 403), ("committee", 403))),
    Page("welfare:payouts_xlsx", _none, "office", (("dave", 403), ("chair", 403), ("handler", 403))),
    Page("welfare:queue_xlsx", _none, "auditor", (("dave", 403), ("chair", 403), ("committee", 403))),
    Page("welfare:figures", _none, "office", (("dave", 403), ("chair", 403), ("committee", 403))),
]

# Not pages of ours: Django's own (sign-in, sign-out, language switch, admin) and the API,
# whose every endpoint has its permission matrix in tests/api/.
OUT_OF_SCOPE = {"login", "logout", "set_language"}


@pytest.fixture
def world(people, session, category, departments, lead):
    fresh = submit(people, session, category, title="图书馆周末延长开放时间")
    later = CongressSession.objects.create(
        name="第六届第二次",
        code="6-2",
        collection_opens=timezone.now() + timedelta(days=30),
        collection_closes=timezone.now() + timedelta(days=60),
    )
    d = draft(people["alice"], session, category, title="增设教职工子女暑期托管班")
    proposal_invite(proposal=d, user=people["alice"], delegates=[people["bob"]])
    attachment = attachment_add(
        user=people["alice"], proposal=d, upload=SimpleUploadedFile("调研.pdf", PDF, "application/pdf")
    )
    notification = Notification.objects.filter(recipient=people["bob"]).first()
    assert notification is not None  # bob was invited: he has a notification
    people = {**people, "chair": make_user("chair", "郑芳", ["subunion_chair", "member"], departments["cs"])}
    welfare = welfare_request_file(user=people["dave"], **request_fields())
    return World(
        people=people,
        draft=d,
        submitted=fresh,
        lead=lead,
        session=later,
        collecting=session,
        attachment=attachment,
        invitation=Invitation.objects.get(proposal=d, delegate=people["bob"]),
        notification=notification,
        welfare=welfare,
    )


def _names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names = set()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace in {"admin", "api"} or str(p.pattern).startswith(("api/", "admin/", "i18n/")):
                continue
            names |= _names(p, f"{prefix}{p.namespace}:" if p.namespace else prefix)
        elif isinstance(p, URLPattern) and p.name:
            names.add(prefix + p.name)
    return names


def test_every_page_is_in_the_table():
    assert _names(get_resolver()) - OUT_OF_SCOPE == {p.name for p in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_right_person_is_answered_and_the_wrong_ones_refused(client, world, page):
    url = reverse(page.name, args=page.args(world))
    send = getattr(client, page.method)
    for who, status in page.refused:
        client.force_login(world.people[who])
        r = send(url, page.data(world))
        assert r.status_code == status, (who, r.status_code)
        if status == 404:
            assert "未找到该页面" in r.content.decode(), who
    if page.who:
        client.force_login(world.people[page.who])
        r = send(url, page.data(world))
        answered = {200, 302} if page.method == "post" or page.name == "home" else {200}
        assert r.status_code in answered, (page.who, r.status_code)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_anonymous_visitors_are_sent_to_sign_in(client, world, page):
    r = getattr(client, page.method)(reverse(page.name, args=page.args(world)), page.data(world))
    assert r.status_code == 302 and r.url.startswith(reverse("login"))
