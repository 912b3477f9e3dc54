"""Demo welfare requests: every kind in every state, played through the real services by the
demo logins (huiyuan files, fengonghui reviews, gonghui assigns and decides). Called by
`seed_demo` after the people exist."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from workflow.services import transition

from .models import WelfareKind
from .services import welfare_request_file

# The states a demo request is carried to, in lifecycle order.
STATES = ("submitted", "reviewed", "assigned", "answered", "closed", "rejected", "withdrawn")

KINDS: dict[str, dict[str, Any]] = {
    WelfareKind.HARDSHIP: {
        "title": "家庭困难补助申请",
        "description": "爱人长期患病无固定收入，孩子上高中，家庭开支较大，申请年度困难补助。",
        "amount_requested": Decimal("3000.00"),
        "family_situation": "三口之家，爱人因病失业两年，孩子在读高中。",
        "income": Decimal("1650.00"),
        "id_number": "11010519491231002X",
    },
    WelfareKind.MUST_VISIT: {
        "title": "住院慰问申请",
        "description": "因病住院治疗，申请工会五必访慰问。",
        "amount_requested": Decimal("500.00"),
        "visit_reason": "illness",
        "event_date": date(2026, 3, 2),
        "diagnosis": "腰椎间盘突出，住院手术治疗。",
    },
    WelfareKind.RECUPERATION: {
        "title": "暑期疗休养申请",
        "description": "工作满二十年，近五年未参加疗休养，申请参加暑期疗休养。",
        "years_of_service": 21,
        "last_recuperation_year": 2019,
    },
    WelfareKind.CHILD_MEDICAL: {
        "title": "子女医疗统筹报销",
        "description": "孩子门诊及住院费用，申请子女医疗统筹报销。",
        "amount_requested": Decimal("860.50"),
        "child_name": "马小雨",
        "enrolment_year": 2026,
    },
    WelfareKind.OTHER: {
        "title": "教职工婚育补贴咨询",
        "description": "申请了解并办理婚育相关补贴。",
        "amount_requested": Decimal("200.00"),
    },
}


def seed_welfare_requests() -> int:
    """One request of each kind in each state; returns how many were written."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["huiyuan", "fengonghui", "gonghui"])}
    member, chair, office = users["huiyuan"], users["fengonghui"], users["gonghui"]
    batches = seed_recuperation_plan()
    count = 0
    for kind, fields in KINDS.items():
        for state in STATES:
            # One of each kind is filed by the union office from a paper form (代录).
            on_paper = state == "submitted"
            applicant = _recuperation_applicant(state, member) if kind == WelfareKind.RECUPERATION else member
            r = welfare_request_file(
                user=office if on_paper else applicant,
                applicant=applicant,
                kind=kind,
                **fields,
            )
            batch = batches.get(state) if kind == WelfareKind.RECUPERATION else None
            _play(r, state, member=applicant, chair=chair, office=office, kind=kind, fields=fields, batch=batch)
            count += 1
    # Confidential files and 子女医疗统筹报销 on requests made above (no new request).
    seed_medical_files(member=member, office=office)
    # 公示: two more hardship requests, one on the notice with an objection, one ready to close.
    count += seed_publicity(member=member, chair=chair, office=office)
    return count


# 疗休养: this year's quota and three batches. One member may file one request a year, so each
# state's recuperation request is another member of huiyuan's unit (seed_demo adds six).
RECUPERATION_BATCHES = (
    ("第一批", "浙江淳安千岛湖", (7, 6), (7, 10)),
    ("第二批", "安徽黄山", (8, 3), (8, 7)),
    ("第三批", "浙江德清莫干山", (10, 12), (10, 16)),
)


def seed_recuperation_plan() -> dict[str, Any]:
    """The year's quota and batches; returns the batch each approved demo state goes to."""
    from .models import RecuperationBatch, RecuperationQuota
    from .recuperation import recuperation_year

    year = recuperation_year()
    RecuperationQuota.objects.get_or_create(
        year=year, defaults={"places": 40, "note": "每批次 15 人左右，优先安排近年未参加过的教职工。"}
    )
    made = [
        RecuperationBatch.objects.get_or_create(
            year=year,
            name=name,
            defaults={
                "destination": place,
                "starts_on": date(year, *starts),
                "ends_on": date(year, *ends),
                "capacity": 15,
            },
        )[0]
        for name, place, starts, ends in RECUPERATION_BATCHES
    ]
    return {"answered": made[0], "closed": made[1]}


def _recuperation_applicant(state: str, member: Any) -> Any:
    if state == STATES[0]:
        return member
    username = f"2020{100 + STATES.index(state)}"  # 2020101 ... 2020106
    return get_user_model().objects.filter(username=username).first() or member


def _play(
    r: Any,
    state: str,
    *,
    member: Any,
    chair: Any,
    office: Any,
    kind: str,
    fields: dict[str, Any],
    batch: Any = None,
) -> None:
    if state == "submitted":
        return
    if state == "withdrawn":
        transition(r, "withdraw", member)
        return
    if state == "rejected":
        transition(r, "reject", chair, reason="材料不全，请补充相关证明后重新申请。")
        return
    r = transition(r, "review", chair, comment="情况属实，同意上报校工会。")
    if state == "reviewed":
        return
    r = transition(r, "assign", office, handler=office.pk)
    if state == "assigned":
        return
    # Recuperation asks for no sum; the union pays the trip's standard cost.
    amount = fields.get("amount_requested") or Decimal("1500.00")
    approved = kind != WelfareKind.OTHER
    r = transition(
        r,
        "answer",
        office,
        approved=approved,
        amount=amount if approved else None,
        answer="经校工会研究，同意按标准发放。" if approved else "不属于工会福利保障范围，不予批准。",
        # 疗休养: the batch an approved request is allotted to.
        **({"batch": batch.pk} if batch is not None else {}),
    )
    if state == "answered":
        return
    if kind == WelfareKind.HARDSHIP:
        # Paid only after its publicity (公示): the demo's closed one was answered weeks ago.
        _publicity_as_if_answered(r, working_days_ago=8)
    transition(r, "close", office)


# Confidential files and children's medical claims -----------------------------------------


def demo_png() -> bytes:
    """A valid 1x1 white PNG, made here so the demo needs no file on disk."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")  # one row: no filter, one white pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def demo_pdf(text: str) -> bytes:
    """A valid one-page PDF showing ``text`` (ASCII), with a correct cross-reference table."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def seed_medical_files(*, member: Any, office: Any) -> None:
    """A medical certificate on the open 五必访 (illness) request, and on the approved
    子女医疗统筹 a pending claim and a decided one, each with a generated receipt."""
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from .attachments import welfare_attachment_add
    from .claims import medical_claim_decide, medical_claim_file
    from .models import WelfareRequest, WelfareStatus

    mine = WelfareRequest.objects.filter(applicant=member)
    visit = mine.filter(kind=WelfareKind.MUST_VISIT, visit_reason="illness", status=WelfareStatus.ASSIGNED).first()
    if visit is not None:
        certificate = SimpleUploadedFile("诊断证明书.pdf", demo_pdf("Diagnosis certificate (demo)"), "application/pdf")
        welfare_attachment_add(user=member, request=visit, upload=certificate)
    enrolled = mine.filter(kind=WelfareKind.CHILD_MEDICAL, status=WelfareStatus.ANSWERED, approved=True).first()
    today = timezone.localdate()
    if enrolled is None or enrolled.enrolment_year is None or today.year < enrolled.enrolment_year:
        return
    year_start = date(enrolled.enrolment_year, 1, 1)
    last = min(today, date(enrolled.enrolment_year, 12, 31))
    visits = [max(year_start, last - timedelta(days=days)) for days in (40, 12)]
    decided = medical_claim_file(
        user=member,
        request=enrolled,
        visit_date=visits[0],
        hospital="市儿童医院",
        amount_claimed=Decimal("268.40"),
        description="支气管炎门诊，含检查和药费。",
        receipts=[SimpleUploadedFile("门诊收据.png", demo_png(), "image/png")],
    )
    medical_claim_decide(
        user=office, claim=decided, approved=True, amount=Decimal("214.72"), note="按统筹比例 80% 报销。"
    )
    medical_claim_file(
        user=member,
        request=enrolled,
        visit_date=visits[1],
        hospital="省人民医院",
        amount_claimed=Decimal("592.10"),
        description="急性肠胃炎住院两天。",
        receipts=[SimpleUploadedFile("住院发票.pdf", demo_pdf("Hospital invoice (demo)"), "application/pdf")],
    )


# 公示 (welfare.publicity) ------------------------------------------------------------------


def _publicity_as_if_answered(r: Any, *, working_days_ago: int) -> None:
    """Move an approved hardship request's publicity to where it would be had it been
    answered that many working days ago (the demo is seeded in one sitting)."""
    from django.utils import timezone

    from workflow.calendar import WorkingCalendar, local_date

    from .models import WelfareRequest
    from .publicity import publicity_window

    cal = WorkingCalendar()
    answered_on = cal.shift(local_date(timezone.now()), -working_days_ago)
    starts, ends = publicity_window(answered_on, calendar=cal)
    WelfareRequest.objects.filter(pk=r.pk).update(publicity_starts=starts, publicity_ends=ends)


def seed_publicity(*, member: Any, chair: Any, office: Any) -> int:
    """One hardship request on the notice now with an open objection (raised by a colleague),
    and one whose publicity is over, ready for the union office to close. Returns 2."""
    from .publicity import objection_raise

    people = {u.username: u for u in get_user_model().objects.filter(username__in=["2020102", "2020103", "2020104"])}
    on_notice_applicant = people.get("2020102", member)
    objector = people.get("2020103")
    ready_applicant = people.get("2020104", member)
    fields = {**KINDS[WelfareKind.HARDSHIP], "amount_requested": Decimal("2000.00")}
    made = []
    for applicant, ago in ((on_notice_applicant, 2), (ready_applicant, 8)):
        r: Any = welfare_request_file(user=applicant, applicant=applicant, kind=WelfareKind.HARDSHIP, **fields)
        r = transition(r, "review", chair, comment="情况属实，同意上报校工会。")
        r = transition(r, "assign", office, handler=office.pk)
        r = transition(r, "answer", office, approved=True, amount=Decimal("2000.00"), answer="同意补助，公示后发放。")
        _publicity_as_if_answered(r, working_days_ago=ago)
        made.append(r)
    on_notice = made[0]
    on_notice.refresh_from_db()
    if objector is not None and objector.pk != on_notice.applicant_id:
        objection_raise(
            user=objector, request=on_notice, text="据了解申请人配偶已重新就业，家庭收入情况可能有变化，请核实。"
        )
    else:
        # No colleague to object: the union office records one it received by phone.
        objection_raise(user=office, request=on_notice, text="（电话反映）申请人家庭收入情况可能有变化，请核实。")
    return len(made)
