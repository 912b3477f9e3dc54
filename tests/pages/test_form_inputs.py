"""Every HTML form refuses what no field can take, beside the field, in Chinese, with what was
typed kept; and never with a server error. The same for the two file imports (花名册导入, and a
year's holiday schedule from a file).

The forms are found, not listed: each persona GETs every page of the app URL patterns (their
parameters filled with the world's ids, as tests/test_confidential.py walks them) and every
``<form method="post">`` is read with its fields (tests/pages/form_walk.py). Each field of
each form is then posted with the page's own values and that one field replaced by a NUL, a
100,000-character text, an impossible date, a number no column holds, a choice that is not
offered. Each post runs in a savepoint that is rolled back, so every case meets the world as
the page showed it.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from org.models import Department, Profile
from proposals.attachments import attachment_add
from proposals.models import Assignment, Attachment, CongressSession, Proposal
from proposals.services import proposal_invite
from tests.factories import draft, make_user
from tests.pages.conftest import assign, submit
from tests.pages.form_walk import CJK, TEXT_TYPES, Field, Form, body_text, form_kind, page_urls, parse_forms
from welfare.claims import medical_claim_file
from welfare.models import MedicalClaim, PublicityObjection, RecuperationBatch, RecuperationQuota, WelfareRequest
from welfare.publicity import objection_raise
from welfare.services import welfare_request_file
from workflow.calendar import local_date
from workflow.models import ClosedDay, EnteredYear, MakeUpWorkday
from workflow.services import transition

pytestmark = [
    pytest.mark.django_db,
    # openpyxl says so when it reads the huge "date" of BAD_ROSTERS, and makes it #VALUE!.
    pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning"),
]

User = get_user_model()

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%%EOF\n"
ID_X = "11010519491231002X"
LONG = ("长文本" * 33_334)[:100_000]
HUGE = "999999999999999999999"
UNKNOWN = "不存在的选项"
# Enough to notice when the walk quietly finds less (a fixture that lost a state, a page
# that stopped rendering its form); the figures printed at the end say what it found.
MIN_FORMS = 45
MIN_FIELDS = 160
MIN_CASES = 400

PERSONAS = [
    "alice",  # delegate, proposer
    "bob",  # delegate, invited co-signer
    "dave",  # member: welfare applicant
    "committee",
    "office",
    "handler",
    "head",
    "hr_handler",
    "auditor",
    "admin",
    "chair",  # 分工会主席 of dave's unit
    "",  # anonymous: the sign-in form
]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# The world: one item at each step that has a form ------------------------------------------


def _welfare(p: dict[str, Any], kind: str, **extra: Any) -> WelfareRequest:
    fields: dict[str, Any] = {
        "kind": kind,
        "title": "申请补助",
        "description": "家庭突发变故，特申请补助。",
        "amount_requested": Decimal("3000"),
        "id_number": ID_X,
        **extra,
    }
    return welfare_request_file(user=p["dave"], **fields)


@pytest.fixture
def world(people, departments, session, category):
    d = departments
    admin = make_user("admin", "钱明", ["admin"], None)
    User.objects.filter(pk=admin.pk).update(is_superuser=True, is_staff=True)
    p = {
        **people,
        "admin": User.objects.get(pk=admin.pk),
        "chair": make_user("chair", "郑芳", ["subunion_chair", "member"], d["cs"]),
    }

    # Proposals: alice's draft with an open invitation to bob; one waiting for the committee;
    # one whose lead department accepted (answer, extension) and whose co-department answered;
    # one whose lead answered (the head approves or sends back); one answered (feedback).
    mine = draft(p["alice"], session, category, title="图书馆延长开放时间")
    proposal_invite(proposal=mine, user=p["alice"], delegates=[p["bob"]])
    submit(p, session, category, title="增设校园班车")
    working = assign(p, d, submit(p, session, category, title="改善教工食堂"))
    lead = transition(Assignment.objects.get(proposal=working, role="lead"), "accept", p["handler"])
    attachment_add(
        user=p["handler"],
        proposal=working,
        assignment=lead,
        upload=SimpleUploadedFile("现场照片.png", PNG, "image/png"),
    )
    co = transition(Assignment.objects.get(proposal=working, role="co"), "accept", p["hr_handler"])
    transition(co, "answer", p["hr_handler"], answer="同意配合。")
    waiting = assign(p, d, submit(p, session, category, title="增加停车位"))
    lead2 = transition(Assignment.objects.get(proposal=waiting, role="lead"), "accept", p["handler"])
    transition(lead2, "request_extension", p["handler"], reason="需要协调", new_due=timezone.now() + timedelta(days=90))
    answered = assign(p, d, submit(p, session, category, title="校园绿化"))
    transition(submit(p, session, category, title="更新教室投影设备"), "accept", p["committee"])
    approving = assign(p, d, submit(p, session, category, title="增设自习室"))
    co4 = transition(Assignment.objects.get(proposal=approving, role="co"), "accept", p["hr_handler"])
    transition(co4, "answer", p["hr_handler"], answer="同意。")
    lead4 = transition(Assignment.objects.get(proposal=approving, role="lead"), "accept", p["handler"])
    transition(lead4, "answer", p["handler"], answer="拟同意。", answer_class="B")
    co3 = transition(Assignment.objects.get(proposal=answered, role="co"), "accept", p["hr_handler"])
    transition(co3, "answer", p["hr_handler"], answer="同意。")
    lead3 = transition(Assignment.objects.get(proposal=answered, role="lead"), "accept", p["handler"])
    lead3 = transition(lead3, "answer", p["handler"], answer="已安排。", answer_class="A")
    transition(lead3, "approve", p["head"])

    # A session planned for later: its collection may be opened.
    now = timezone.now()
    CongressSession.objects.create(
        name="第六届第二次",
        code="6-2",
        collection_opens=now + timedelta(days=200),
        collection_closes=now + timedelta(days=230),
    )

    # Welfare: one request at each step of dave's unit's chair and the union office; a
    # recuperation request (the answer's batch); an approved hardship request on its notice
    # with an open objection; an enrolled 子女医疗统筹 with a pending claim.
    year = local_date(timezone.now()).year
    RecuperationQuota.objects.create(year=year, places=50, min_years_of_service=5, interval_years=3)
    RecuperationBatch.objects.create(
        year=year,
        name="第一批",
        destination="千岛湖",
        starts_on=timezone.now().date().replace(month=7, day=6),
        ends_on=timezone.now().date().replace(month=7, day=10),
        capacity=50,
    )
    hardship = {"family_situation": "配偶长期患病。", "income": Decimal("900")}
    _welfare(p, "hardship", **hardship)
    reviewed = _welfare(p, "hardship", **hardship)
    transition(reviewed, "review", p["chair"], comment="情况属实。")
    to_answer = transition(_welfare(p, "hardship", **hardship), "review", p["chair"])
    transition(to_answer, "assign", p["office"], handler=p["office"].pk)
    trip = _welfare(p, "recuperation", years_of_service=25, last_recuperation_year=2019)
    trip = transition(trip, "review", p["chair"])
    transition(trip, "assign", p["office"], handler=p["office"].pk)
    noticed = transition(_welfare(p, "hardship", **hardship), "review", p["chair"])
    noticed = transition(noticed, "assign", p["office"], handler=p["office"].pk)
    noticed = transition(noticed, "answer", p["office"], approved=True, amount=Decimal("800"), answer="同意。")
    today = local_date(timezone.now())
    WelfareRequest.objects.filter(pk=noticed.pk).update(
        publicity_starts=today - timedelta(days=1), publicity_ends=today + timedelta(days=5)
    )
    objection_raise(user=p["alice"], request=WelfareRequest.objects.get(pk=noticed.pk), text="情况与事实不符。")
    enrolled = _welfare(p, "child_medical", child_name="刘小明", enrolment_year=year)
    enrolled = transition(enrolled, "review", p["chair"])
    enrolled = transition(enrolled, "assign", p["office"], handler=p["office"].pk)
    enrolled = transition(enrolled, "answer", p["office"], approved=True, amount=Decimal("800"), answer="同意。")
    medical_claim_file(
        user=p["dave"],
        request=enrolled,
        visit_date=today - timedelta(days=3),
        hospital="市第一医院",
        amount_claimed=Decimal("120.00"),
        receipts=[SimpleUploadedFile("收据.pdf", PDF, "application/pdf")],
    )
    return p


def _values() -> list[str]:
    """What a URL parameter may be: the world's ids, the years the pages show, the visit
    reasons of the standards, the transitions of the items."""
    from welfare.models import VisitReason

    ids = {
        *Proposal.objects.values_list("pk", flat=True),
        *Assignment.objects.values_list("pk", flat=True),
        *WelfareRequest.objects.values_list("pk", flat=True),
        *MedicalClaim.objects.values_list("pk", flat=True),
        *PublicityObjection.objects.values_list("pk", flat=True),
        *RecuperationBatch.objects.values_list("pk", flat=True),
        *Attachment.objects.values_list("pk", flat=True),
        *Proposal.objects.values_list("session_id", flat=True),
    }
    year = local_date(timezone.now()).year
    return [str(i) for i in sorted(ids)] + [str(year), str(year + 1), *VisitReason.values]


# The walk -------------------------------------------------------------------------------


@dataclass
class Found:
    who: str
    form: Form
    target: str  # the URL the form posts to
    kind: tuple[str, ...]  # form_kind(target)


def _discover(client: Any, people: dict[str, Any]) -> tuple[dict[tuple, Found], Counter]:
    """Each persona's pages, and on them every POST form of a page that carries fields; one
    per (target view, its words, field names), from the first persona to meet it."""
    urls = page_urls(_values())
    found: dict[tuple, Found] = {}
    figures: Counter = Counter()
    for who in PERSONAS:
        client.logout()
        if who:
            client.force_login(people[who])
        for pattern_urls in urls.values():
            for url in pattern_urls:
                r = client.get(url)
                figures["GET"] += 1
                assert r.status_code < 500, (who, url, r.status_code)
                if r.status_code == 405:
                    break  # the pattern's view takes no GET, whatever the parameters
                text = body_text(r) if r.status_code == 200 else ""
                if not text:
                    continue
                forms, _page_errors = parse_forms(url, text)
                for form in forms:
                    target = form.action or url
                    kind = form_kind(target)
                    names = tuple(sorted(n for n in form.fields if n != "csrfmiddlewaretoken"))
                    if not kind or kind[0] not in urls or not names:
                        continue  # not a page's form (the language switch), or only a button
                    figures["form instances"] += 1
                    found.setdefault((*kind, names), Found(who, form, target, kind))
    return found, figures


# The cases ------------------------------------------------------------------------------

DATE_CASES = {
    "date": ["2026-02-30", "0936-01-01", "abc"],
    "datetime-local": ["2026-02-30T09:00", "0936-01-01T09:00", "abc"],
}
CHOICE_TYPES = {"select", "radio", "select-multiple", "checkbox-multiple"}
# Typed, so shown again as typed. Not a password: Django never renders one back.
KEPT_TYPES = (TEXT_TYPES - {"password"}) | set(DATE_CASES) | {"number"}


@dataclass(frozen=True)
class Case:
    what: str
    value: Any
    # Some inputs are not wrong at all: Django's upload handler drops the non-printable
    # characters of a file's name, so "证明\x00.pdf" arrives as 证明.pdf and may be taken.
    may_pass: bool = False


def _cases(f: Field) -> list[Case]:
    if f.disabled:
        return []  # a browser does not send it and the form ignores what is sent
    if f.type in TEXT_TYPES:
        return [Case("nul", "输入\x00内容"), Case("100k", LONG)]
    if f.type == "number":
        return [Case("nul", "1\x00"), Case("not a number", "abc"), Case("huge", HUGE)]
    if f.type in DATE_CASES:
        nul = "2026-04\x00-01" + ("T09:00" if f.type == "datetime-local" else "")
        return [Case(f"date {v}", v) for v in DATE_CASES[f.type]] + [Case("nul", nul)]
    if f.type in CHOICE_TYPES:
        return [Case("unknown choice", UNKNOWN), Case("huge choice", HUGE), Case("nul", "1\x00")]
    if f.type == "hidden":
        # Not typed by anyone, but a hand-made request may carry anything.
        return [Case("nul", "1\x00"), Case("huge", HUGE)]
    if f.type == "file":
        return [
            Case("random bytes", SimpleUploadedFile("证明.pdf", bytes(range(256)) * 8, "application/pdf")),
            Case("nul in name", SimpleUploadedFile("证明\x00.pdf", PDF, "application/pdf"), may_pass=True),
        ]
    return []  # a single checkbox: whatever its value, it means "checked"


def _filled(f: Field) -> list[str]:
    """What a person would submit: the page's values, and something valid in an empty
    required field, so that the one replaced field is what a refusal is about."""
    if (f.values and any(f.values)) or not f.required:
        return list(f.values)
    if f.type in TEXT_TYPES:
        return ["x@example.edu.cn" if f.type == "email" else "测试内容"]
    if f.type == "number":
        return [f.attrs.get("min") or "1"]
    if f.type == "date":
        return [(local_date(timezone.now()) + timedelta(days=7)).isoformat()]
    if f.type == "datetime-local":
        return [(timezone.localtime() + timedelta(days=100)).strftime("%Y-%m-%dT%H:%M")]
    if f.type in CHOICE_TYPES:
        return [o for o in f.options if o][:1]
    return []


def _data(form: Form, replace: Field | None = None, value: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in form.fields.values():
        if not f.disabled and f.type != "file" and f.name != "csrfmiddlewaretoken":
            data[f.name] = _filled(f)
    if replace is not None:
        data[replace.name] = value
        chooser = form.fields.get("kind")
        if replace.kind_of and chooser is not None and replace.kind_of in chooser.options:
            data["kind"] = [replace.kind_of]  # the fieldset the field is in is the one shown
    return {k: v for k, v in data.items() if v != []}


def _same_target(action: str, target: str) -> bool:
    return (action or target).split("?", 1)[0] == target.split("?", 1)[0]


def _judge(f: Field, case: Case, found: Found, r: Any) -> str:
    """Never a 500; a refusal beside the field (or of the whole form), in Chinese, with what
    was typed kept. The problem found, or ""."""
    status = r.status_code
    if status >= 500:
        return f"server error {status}"
    if f.type == "hidden":
        # What the page itself put there (where to go back to, which filter to keep); a view
        # may ignore a tampered one or refuse it, but never fail on it.
        return ""
    if status in (301, 302, 303):
        return "" if case.may_pass else f"accepted ({status} to {r.get('Location')})"
    text = body_text(r)
    forms, page_errors = parse_forms(found.target, text)
    again = [g for g in forms if _same_target(g.action, found.target) and f.name in g.fields]
    if not again:
        # Refused without the form: acceptable only as a Chinese error page (403, 404, 409).
        if status < 400 or not (any(CJK.search(e) for e in page_errors) or CJK.search(text)):
            return f"input lost ({status}): the form is not shown again and no Chinese error"
        return ""
    g = again[0]
    mine = g.field_errors(f.name)
    others = [t for owner, t in g.errors if owner]
    whole = [t for owner, t in g.errors if not owner]
    if not (mine or f.name in g.invalid or (whole and not others)):
        return f"no error beside the field ({status}; the form's errors: {[t[:60] for _o, t in g.errors][:3]})"
    shown = mine or whole
    if shown and not any(CJK.search(e) for e in shown):
        return f"error not in Chinese: {shown}"
    if isinstance(case.value, str) and f.type in KEPT_TYPES:
        kept = g.fields[f.name].values[:1]
        if case.what == "100k":
            limit = f.attrs.get("maxlength", "")
            if kept != [case.value] and not (limit and any(limit in e for e in shown)):
                return "the 100k text is neither kept nor its maximum length said"
        elif kept not in ([case.value], [case.value.replace("\x00", "")]):
            return f"input not kept: {case.value!r} came back as {(kept or [''])[0][:40]!r}"
    return ""


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    """The POST in a savepoint rolled back afterwards: the next case meets the same world."""
    with transaction.atomic():
        try:
            return client.post(url, data)
        finally:
            transaction.set_rollback(True)


def test_every_form_field_refuses_bad_input_in_chinese_and_keeps_it(client, world, capsys):
    started = time.monotonic()
    found, figures = _discover(client, world)
    statuses: Counter = Counter()
    problems: list[str] = []
    fields = cases = 0
    for item in found.values():
        client.logout()
        if item.who:
            client.force_login(world[item.who])
        where = f"{item.who or 'anonymous'} {' '.join(item.kind)}"
        baseline = _post(client, item.target, _data(item.form))
        statuses[baseline.status_code] += 1
        if baseline.status_code >= 500:
            problems.append(f"{where} as the page fills it: server error")
        for f in item.form.fields.values():
            if f.name == "csrfmiddlewaretoken":
                continue
            fields += 1
            for case in _cases(f):
                cases += 1
                try:
                    r = _post(client, item.target, _data(item.form, f, case.value))
                except Exception as exc:  # the test client re-raises what a view raised
                    statuses[500] += 1
                    problems.append(f"{where} [{f.name} {f.type}] {case.what}: {type(exc).__name__}: {exc}"[:400])
                    continue
                statuses[r.status_code] += 1
                if problem := _judge(f, case, item, r):
                    problems.append(f"{where} [{f.name} {f.type}] {case.what}: {problem}")
    seconds = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nHTML forms: {len(found)} (met {figures['form instances']} times on {figures['GET']} pages fetched)  "
            f"fields: {fields}  cases: {cases}  statuses: {dict(sorted(statuses.items()))}  seconds: {seconds:.1f}"
        )
        for key in sorted(found):
            print(f"  {found[key].who or 'anonymous':>10}  {' '.join(found[key].kind)}: {', '.join(key[-1])}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
    assert len(found) >= MIN_FORMS and fields >= MIN_FIELDS and cases >= MIN_CASES, (len(found), fields, cases)


# The imports ----------------------------------------------------------------------------

ROSTER_HEADER = ["工号", "姓名", "部门", "角色", "代表团", "邮箱", "手机"]
NEWCOMER = ["2001", "张三", "信息工程学院", "代表", "", "zhangsan@example.edu.cn", "13800000001"]


def _csv(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    return "\n".join(",".join(str(c) for c in r) for r in rows).encode(encoding) + b"\n"


def _xlsx(rows: list[list[Any]], number_format: str = "") -> bytes:
    book = Workbook()
    sheet = book.active
    for r in rows:
        sheet.append(r)
    if number_format:
        for row in sheet.iter_rows(min_row=2):
            for c in row:
                c.number_format = number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with(**cells: Any) -> list[Any]:
    row = list(NEWCOMER)
    for name, value in cells.items():
        row[ROSTER_HEADER.index(name)] = value
    return row


VALID_XLSX = _xlsx([ROSTER_HEADER, NEWCOMER])
BAD_ROSTERS = {
    "NUL in a name": ("名册.csv", _csv([ROSTER_HEADER, _with(姓名="张\x00三")]), "不允许是用空字符串"),
    "NUL in a department": ("名册.csv", _csv([ROSTER_HEADER, _with(部门="后勤\x00处")]), "不允许是用空字符串"),
    "NUL in a 工号": ("名册.csv", _csv([ROSTER_HEADER, _with(工号="20\x0001")]), "工号"),
    "NUL bytes only": ("名册.csv", b"\x00" * 64, "缺少“工号”"),
    "bytes of no encoding": ("名册.csv", b"\xff\xfe\xfd\x80\x81\xfe" * 10, "无法识别 CSV 文件的编码"),
    "GBK header, then bad bytes": ("名册.csv", ",".join(ROSTER_HEADER).encode("gbk") + b"\n\xff\xff", "无法识别"),
    "random bytes named .xlsx": ("名册.xlsx", bytes(range(256)) * 4, "无法读取 Excel 文件"),
    "a truncated xlsx": ("名册.xlsx", VALID_XLSX[: len(VALID_XLSX) // 2], "无法读取 Excel 文件"),
    "a CSV named .xlsx": ("名册.xlsx", _csv([ROSTER_HEADER, NEWCOMER]), "无法读取 Excel 文件"),
    "a huge number as a date": ("名册.xlsx", _xlsx([ROSTER_HEADER, _with(工号=1e20)], "yyyy-mm-dd"), "无效"),
    "a huge number as a mobile": ("名册.xlsx", _xlsx([ROSTER_HEADER, _with(手机=1e40)]), "过长"),
    "a huge number as a name": ("名册.xlsx", _xlsx([ROSTER_HEADER, _with(姓名=1e300)]), "过长"),
    "year 936 as a 工号": (
        "名册.xlsx",
        _xlsx([ROSTER_HEADER, _with(工号=datetime(936, 1, 1))]),
        "工号“0936-01-01 00:00:00”无效",
    ),
}


def _people_world() -> tuple[int, int, int]:
    return User.objects.count(), Profile.objects.count(), Department.objects.count()


@pytest.mark.parametrize("case", list(BAD_ROSTERS))
def test_a_bad_roster_file_is_refused_in_chinese_and_nothing_is_kept(client, people, tmp_path, case):
    name, data, message = BAD_ROSTERS[case]
    client.force_login(people["office"])
    before = _people_world()
    r = client.post(reverse("org:roster_upload"), {"file": SimpleUploadedFile(name, data)})
    assert r.status_code == 400, (case, r.status_code, r.get("Location"))
    page = r.content.decode()
    assert message in page and "未导入任何数据" in page, case
    _forms, errors = parse_forms(r.wsgi_request.path, page)
    assert any(CJK.search(e) for e in errors), errors
    assert 'type="file" name="file"' in page  # the upload form again, to choose a corrected file
    assert _people_world() == before
    staged = tmp_path / "private" / "roster-uploads"
    assert not staged.exists() or not list(staged.iterdir())


@pytest.mark.parametrize(
    "name,data",
    [
        ("名册.csv", _csv([ROSTER_HEADER, NEWCOMER], "gbk")),
        ("名册.csv", _csv([ROSTER_HEADER, NEWCOMER])),
        ("名册.xlsx", VALID_XLSX),
    ],
    ids=["GBK CSV", "UTF-8 CSV", "xlsx"],
)
def test_the_same_roster_well_formed_is_previewed_and_imported(client, people, name, data):
    """The refusals above are about the bytes: the same row, well formed, goes in."""
    client.force_login(people["office"])
    r = client.post(reverse("org:roster_upload"), {"file": SimpleUploadedFile(name, data)})
    assert r.status_code == 302, r.content.decode()[:500]
    token = r["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert client.post(reverse("org:roster_confirm", args=[token])).status_code == 302
    assert Profile.objects.get(user__username="2001").full_name == "张三"


HOLIDAY_YEAR = 2027
GOOD_SCHEDULE = "# 国务院办公厅关于2027年部分节假日安排的通知\n2027-01-01,放假,元旦\n2027-02-14,上班,春节调休\n"
BAD_SCHEDULES = {
    "NUL in a date": ("2027-01-01\x00,放假,元旦\n".encode(), "不是有效的日期"),
    "NUL bytes": (b"\x00" * 32 + b"\n", "不是有效的日期"),
    "bytes of no encoding": (b"\xff\xfe\xfd\x80\x81\n", "无法读取文件"),
    "GBK text": ("2027-01-01,放假,元旦\n2027-02-14,上班,春节调休\n".encode("gbk"), "无法读取文件"),
    "year 936": (b"0936-01-01,\xe6\x94\xbe\xe5\x81\x87\n", "不在2027年内"),
    "an impossible date": (b"2027-02-30\n", "不是有效的日期"),
    "a huge year": (b"999999999999999999999-01-01\n", "不是有效的日期"),
    "a range over eight thousand years": (b"2027-01-04~9999-12-31\n", "不是有效的日期范围"),
    "an unknown kind": ("2027-01-01,假期\n".encode(), "无法识别"),
}


def _schedule_world() -> tuple[int, int, int]:
    return EnteredYear.objects.count(), ClosedDay.objects.count(), MakeUpWorkday.objects.count()


@pytest.mark.parametrize("case", list(BAD_SCHEDULES))
def test_a_bad_holiday_file_is_refused_in_chinese_and_nothing_is_saved(db, tmp_path, case):
    data, message = BAD_SCHEDULES[case]
    path = tmp_path / "schedule.csv"
    path.write_bytes(data)
    before = _schedule_world()
    started = time.monotonic()
    with pytest.raises(CommandError) as err:
        call_command("enter_holidays", str(HOLIDAY_YEAR), str(path))
    assert message in str(err.value) and CJK.search(str(err.value)), str(err.value)[:300]
    assert len(str(err.value)) < 2000, "one message per bad line, not one per day"
    assert time.monotonic() - started < 5
    assert _schedule_world() == before


@pytest.mark.parametrize("year", ["936", "99999999999999999999", "-1"])
def test_a_holiday_file_for_an_impossible_year_is_refused(db, tmp_path, year):
    path = tmp_path / "schedule.csv"
    path.write_text(GOOD_SCHEDULE, encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("enter_holidays", year, str(path))
    assert "年份应在 2004 到 2100 之间" in str(err.value)
    assert _schedule_world() == (0, 0, 0)


def test_the_holiday_file_well_formed_is_entered(db, tmp_path):
    """The refusals above are about the file: the same schedule, well formed, goes in."""
    path = tmp_path / "schedule.csv"
    path.write_text(GOOD_SCHEDULE, encoding="utf-8")
    call_command("enter_holidays", str(HOLIDAY_YEAR), str(path), stdout=io.StringIO())
    assert EnteredYear.objects.filter(year=HOLIDAY_YEAR).exists() and _schedule_world() == (1, 1, 1)


@pytest.mark.parametrize(
    "case", ["a range over eight thousand years", "year 936", "an impossible date", "NUL in a date"]
)
def test_the_holiday_page_refuses_the_same_lines_beside_the_field(client, people, case):
    """The union office's page reads the days with the same rules as the file."""
    text = BAD_SCHEDULES[case][0].decode("utf-8").split(",", 1)[0].strip()
    client.force_login(people["office"])
    data = {"year": HOLIDAY_YEAR, "basis": "国务院办公厅通知", "closed_days": text, "makeup_days": ""}
    started = time.monotonic()
    r = client.post(reverse("calendar_years"), data)
    assert r.status_code == 400 and time.monotonic() - started < 5
    forms, _errors = parse_forms("/calendar/years/", r.content.decode())
    form = next(f for f in forms if "closed_days" in f.fields)
    errors = form.field_errors("closed_days")
    assert errors and all(CJK.search(e) for e in errors) and len(" ".join(errors)) < 2000, errors[:3]
    assert form.fields["closed_days"].values[0] in (text, text.replace("\x00", ""))
    assert _schedule_world() == (0, 0, 0)
