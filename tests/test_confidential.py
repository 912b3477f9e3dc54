"""Nothing is visible before it should be, to anyone it should not be: the table of confidential
values and who may read each, checked against every page, API response, export, notification
and e-mail of every object for every persona.

The world holds one distinctive value per row of `TABLE`. The walk takes every URL pattern
of the product (pages, /api/, and /admin/ for staff), fills its parameters with the world's
ids, GETs it as each persona and looks for every value in what comes back (xlsx and docx
unpacked). A value may appear only for the personas its row names, and each must appear for
at least one of them, so the walk is known to reach it. A new page, endpoint or export is
walked without editing this file; a new sensitive welfare field must get its row here
(`test_every_sensitive_welfare_field_has_a_row`).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from notifications.models import Notification
from proposals.attachments import attachment_add
from proposals.models import Assignment, Attachment
from tests.factories import make_user
from tests.pages.conftest import assign, submit
from tests.urlwalk import named_patterns, urls_of
from welfare.models import SENSITIVE_FIELDS, MedicalClaim, WelfareRequest
from welfare.services import welfare_request_file
from welfare.validators import resident_id_check_character
from workflow.services import transition

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# A valid resident ID no other test uses: its digits are the marker.
_ID17 = "33010619870423151"
ID_NUMBER = _ID17 + resident_id_check_character(_ID17)

# Who reads, besides the rows' own: those who oversee every proposal.
OVERSEERS = {"committee", "office", "auditor", "admin"}
LEAD_DEPARTMENT = {"handler", "head"}
CO_DEPARTMENT = {"hr_handler", "hr_head"}
# A welfare request's sensitive fields: the applicant, the chair of the applicant's unit and the
# union office. Not auditors or admins without an explicit grant, not another unit's chair.
WELFARE_READERS = {"dave", "chair", "office"}


@dataclass(frozen=True)
class Confidential:
    what: str
    value: str
    readers: frozenset[str]
    field: str = ""  # the welfare field it is, for the coverage check


def row(what: str, value: str, readers: set[str], field: str = "") -> Confidential:
    return Confidential(what, value, frozenset(readers), field)


TABLE = [
    row("主办单位未审核的答复", "主办答复机密甲一", OVERSEERS | LEAD_DEPARTMENT),
    row("主办单位答复的附件（审核前）", "主办附件机密乙二", OVERSEERS | LEAD_DEPARTMENT),
    # The lead drafts the official answer from the co-departments' opinions.
    row("协办单位未发布的意见", "协办意见机密丙三", OVERSEERS | LEAD_DEPARTMENT | CO_DEPARTMENT),
    row("福利申请：病情诊断", "诊断机密丁四", WELFARE_READERS, "diagnosis"),
    row("福利申请：家庭困难情况", "家庭情况机密戊五", WELFARE_READERS, "family_situation"),
    row("福利申请：家庭人均月收入", "4321.17", WELFARE_READERS, "income"),
    row("福利申请：身份证号码", ID_NUMBER, WELFARE_READERS, "id_number"),
    row("医疗报销：就诊医院", "医院机密己六", WELFARE_READERS),
    row("医疗报销：说明", "报销说明机密庚七", WELFARE_READERS),
    # A person's mobile number: for the admins who keep the roster (and the person).
    row("个人手机号码", "13987654321", {"admin", "alice"}),
]
VALUES = {r.value: r for r in TABLE}

PERSONAS = [
    "alice",
    "bob",
    "carol",
    "dave",
    "committee",
    "office",
    "handler",
    "head",
    "hr_handler",
    "hr_head",
    "auditor",
    "admin",
    "chair",
    "other_chair",
    "",  # anonymous
]


def test_every_sensitive_welfare_field_has_a_row():
    assert set(SENSITIVE_FIELDS) <= {r.field for r in TABLE}


def test_every_row_names_only_personas_of_the_walk():
    for r in TABLE:
        assert r.readers <= set(PERSONAS), r.what


@pytest.fixture
def world(people, departments, session, category):
    """Every confidential value, stored where the product keeps it, through the services."""
    d = departments
    admin = make_user("admin", "钱明", ["admin"], None)
    get_user_model().objects.filter(pk=admin.pk).update(is_superuser=True, is_staff=True)
    everyone = {
        **people,
        "admin": get_user_model().objects.get(pk=admin.pk),
        "chair": make_user("chair", "郑芳", ["subunion_chair", "member"], d["cs"]),
        "other_chair": make_user("other_chair", "冯涛", ["subunion_chair", "member"], d["hr"]),
    }
    p = everyone
    p["alice"].profile.mobile = VALUES["13987654321"].value
    p["alice"].profile.save()

    # A proposal both departments answered; the lead's head has not approved yet.
    proposal = assign(p, d, submit(p, session, category))
    co = Assignment.objects.get(proposal=proposal, role="co")
    co = transition(co, "accept", p["hr_handler"])
    transition(co, "answer", p["hr_handler"], answer="协办意见机密丙三")
    lead = transition(Assignment.objects.get(proposal=proposal, role="lead"), "accept", p["handler"])
    attachment_add(
        user=p["handler"],
        proposal=proposal,
        assignment=lead,
        upload=SimpleUploadedFile("主办附件机密乙二.png", PNG, "image/png"),
    )
    transition(lead, "answer", p["handler"], answer="主办答复机密甲一", answer_class="B")

    # dave's hardship request (his unit's chair reviews it) and a must-visit with a diagnosis.
    common = {"description": "家庭突发变故，特申请补助。", "id_number": ID_NUMBER, "amount_requested": Decimal("3000")}
    hardship = welfare_request_file(
        user=p["dave"],
        kind="hardship",
        title="申请困难补助",
        family_situation="家庭情况机密戊五",
        income=Decimal("4321.17"),
        **common,
    )
    transition(hardship, "review", p["chair"], comment="情况属实。")
    welfare_request_file(
        user=p["dave"],
        kind="must_visit",
        title="住院慰问",
        visit_reason="illness",
        event_date=date(2026, 3, 10),
        diagnosis="诊断机密丁四",
        **{**common, "amount_requested": Decimal("500")},
    )
    # His approved 子女医疗统筹 with a claim.
    from welfare.claims import medical_claim_file

    enrolled: Any = welfare_request_file(
        user=p["dave"], kind="child_medical", title="子女医疗统筹", child_name="刘小明", enrolment_year=2025, **common
    )
    enrolled = transition(enrolled, "review", p["chair"])
    enrolled = transition(enrolled, "assign", p["office"], handler=p["office"].pk)
    enrolled = transition(enrolled, "answer", p["office"], approved=True, amount=Decimal("800"), answer="同意。")
    medical_claim_file(
        user=p["dave"],
        request=enrolled,
        visit_date=date(2025, 5, 1),
        hospital="医院机密己六",
        amount_claimed=Decimal("120.00"),
        description="报销说明机密庚七",
        receipts=[SimpleUploadedFile("收据.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")],
    )
    return everyone


# The walk ---------------------------------------------------------------------------------

WORDS = ["2026", "2027", "illness", "hardship", "answer"]


def _urls(ids: list[int]) -> list[tuple[str, bool]]:
    """Every URL to GET, and whether it belongs to the admin site."""
    seen: dict[str, bool] = {}
    for name, params, text in named_patterns():
        admin = text.startswith("admin/")
        for url in urls_of(name, params, [str(i) for i in ids] + WORDS):
            seen.setdefault(url, admin)
            if not params and not admin:
                seen.setdefault(url + "?tab=all", admin)
    return list(seen.items())


def _text(response: Any) -> str:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    if body[:2] == b"PK":  # xlsx, docx: the XML inside
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return body.decode("utf-8", "replace")


def test_each_confidential_value_reaches_only_its_readers(client, world):
    users = {name: world[name] for name in PERSONAS if name}
    ids = sorted(
        {
            *Assignment.objects.values_list("pk", flat=True),
            *Assignment.objects.values_list("proposal_id", flat=True),
            *WelfareRequest.objects.values_list("pk", flat=True),
            *MedicalClaim.objects.values_list("pk", flat=True),
            *Attachment.objects.values_list("pk", flat=True),
            users["alice"].profile.pk,
            users["alice"].pk,
        }
    )
    urls = _urls(ids)
    seen_by: dict[str, set[str]] = defaultdict(set)
    leaks: list[str] = []
    allowed_methods: dict[str, bool] = {}

    def look(who: str, where: str, text: str) -> None:
        for value, r in VALUES.items():
            if value in text:
                seen_by[value].add(who)
                if who not in r.readers:
                    leaks.append(f"{r.what} ({value}) shown to {who or 'anonymous'} at {where}")

    for who in PERSONAS:
        user = users.get(who)
        client.logout()
        if user is not None:
            client.force_login(user)
        for url, admin in urls:
            if admin and not (user is not None and user.is_staff):
                continue
            if allowed_methods.get(url) is False:
                continue
            r = client.get(url)
            assert r.status_code < 500, (who, url, r.status_code)
            if r.status_code == 405:
                allowed_methods[url] = False
                continue
            if r.status_code == 200:
                look(who, url, _text(r))
    # Notifications and e-mails: each recipient's own.
    names = {u.pk: n for n, u in users.items()}
    for n in Notification.objects.all():
        look(names.get(n.recipient_id, "?"), f"notification {n.event}", f"{n.title}\n{n.body}\n{n.link}")
    by_address = {u.email: n for n, u in users.items()}
    for m in mail.outbox:
        for to in m.to:
            look(by_address.get(to, "?"), f"e-mail {m.subject}", f"{m.subject}\n{m.body}")

    assert not leaks, "\n".join(sorted(set(leaks)))
    unseen = [r.what for r in TABLE if not seen_by[r.value]]
    assert not unseen, f"the walk never reached: {unseen}"
    assert len(urls) > 150 and re.search(r"/api/v1/", " ".join(u for u, _ in urls))
