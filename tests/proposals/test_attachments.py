"""Attachments: the type is read from the content, 20 MB at most, private storage, and a
download view that answers 404 to anyone who may not see the file."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals import attachments
from proposals.attachments import attachment_add
from proposals.models import Assignment, Attachment
from tests.factories import draft
from tests.pages.conftest import assign, submit
from workflow.errors import InvalidPayload, NotPermitted
from workflow.models import HistoryEntry
from workflow.services import transition

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def _zip(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            z.writestr(name, "<x/>")
    return buf.getvalue()


DOCX = _zip("[Content_Types].xml", "word/document.xml")
XLSX = _zip("[Content_Types].xml", "xl/workbook.xml")


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def alices_draft(people, session, category):
    return draft(people["alice"], session, category)


@pytest.fixture
def lead(people, departments, session, category):
    proposal = assign(people, departments, submit(people, session, category))
    a = Assignment.objects.get(proposal=proposal, role="lead")
    return transition(a, "accept", people["handler"])


def _download(client, user, attachment):
    client.force_login(user)
    return client.get(reverse("proposals:attachment_download", args=[attachment.pk]))


# The type comes from the content -------------------------------------------------------
@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("方案.pdf", PDF, "application/pdf"),
        ("照片.png", PNG, "image/png"),
        ("现场.jpg", JPG, "image/jpeg"),
        ("说明.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("预算.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_it_accepts_each_type_by_its_content(people, alices_draft, name, content, content_type):
    a = attachment_add(user=people["alice"], proposal=alices_draft, upload=_upload(name, content))
    a.refresh_from_db()
    assert (a.name, a.content_type, a.size) == (name, content_type, len(content))
    assert a.file.read() == content
    assert name not in a.file.name  # stored under a random name
    entry = HistoryEntry.objects.for_item(alices_draft).get(action="proposal.attach")
    assert entry.payload["attachment"] == a.pk


def test_a_png_named_docx_is_taken_as_a_png(people, alices_draft):
    a = attachment_add(user=people["alice"], proposal=alices_draft, upload=_upload("伪装.docx", PNG))
    assert a.content_type == "image/png"


@pytest.mark.parametrize(
    "content",
    [
        EXE,
        b"just some text, named like a pdf",
        _zip("word/document.xml"),  # no [Content_Types].xml: not an Office file
        _zip("[Content_Types].xml", "content.xml"),  # some other ZIP
        b"PK\x03\x04broken zip",
    ],
)
def test_it_refuses_other_content_named_pdf(people, alices_draft, content):
    with pytest.raises(InvalidPayload) as err:
        attachment_add(user=people["alice"], proposal=alices_draft, upload=_upload("报告.pdf", content))
    assert err.value.code == "attachment_type"
    assert "PDF" in err.value.fields["file"][0]
    assert not Attachment.objects.exists()


def test_it_refuses_an_empty_file(people, alices_draft):
    with pytest.raises(InvalidPayload) as err:
        attachment_add(user=people["alice"], proposal=alices_draft, upload=_upload("空.pdf", b""))
    assert err.value.code == "attachment_empty"


def test_it_refuses_a_file_over_20_mb(people, alices_draft):
    big = _upload("大.pdf", PDF + b"\x00" * (attachments.MAX_ATTACHMENT_SIZE + 1 - len(PDF)))
    with pytest.raises(InvalidPayload) as err:
        attachment_add(user=people["alice"], proposal=alices_draft, upload=big)
    assert err.value.code == "attachment_too_large"
    assert "不能超过 20 MB" in err.value.fields["file"][0]
    exact = _upload("刚好.pdf", PDF + b"\x00" * (attachments.MAX_ATTACHMENT_SIZE - len(PDF)))
    assert attachment_add(user=people["alice"], proposal=alices_draft, upload=exact).size == 20 * 1024 * 1024


# Who may attach ------------------------------------------------------------------
def test_only_the_proposer_attaches_to_a_draft(people, alices_draft):
    for someone in ["bob", "committee", "handler"]:
        with pytest.raises(NotPermitted):
            attachment_add(user=people[someone], proposal=alices_draft, upload=_upload("a.pdf", PDF))


def test_a_handler_attaches_to_the_answer_and_another_department_cannot(people, lead):
    a = attachment_add(user=people["handler"], proposal=lead.proposal, assignment=lead, upload=_upload("a.pdf", PDF))
    assert a.assignment == lead
    assert HistoryEntry.objects.for_item(lead).filter(action="assignment.attach").exists()
    with pytest.raises(NotPermitted):
        attachment_add(user=people["hr_handler"], proposal=lead.proposal, assignment=lead, upload=_upload("b.pdf", PDF))


# The pages -----------------------------------------------------------------------
def test_the_proposer_uploads_from_the_draft_page(client, people, alices_draft):
    client.force_login(people["alice"])
    url = reverse("proposals:detail", args=[alices_draft.pk])
    body = client.get(url).content.decode()
    assert 'type="file"' in body and '<label for="id_attach_file"' in body
    r = client.post(reverse("proposals:attachment_upload", args=[alices_draft.pk]), {"file": _upload("方案.pdf", PDF)})
    assert r.status_code == 302 and r.url == url
    body = client.get(url).content.decode()
    a = Attachment.objects.get()
    assert reverse("proposals:attachment_download", args=[a.pk]) in body
    assert "方案.pdf" in body and "王丽" in body and "上传附件" in body  # the timeline


def test_a_refused_upload_shows_why_and_keeps_the_page(client, people, alices_draft):
    client.force_login(people["alice"])
    r = client.post(reverse("proposals:attachment_upload", args=[alices_draft.pk]), {"file": _upload("病毒.pdf", EXE)})
    assert r.status_code == 400
    body = r.content.decode()
    assert "不支持该文件类型" in body
    assert f'action="/proposals/{alices_draft.pk}/transitions/submit/"' in body  # the other forms are still there
    assert 'id="id_attach_file"' in body
    assert not Attachment.objects.exists()


def test_an_oversize_upload_through_the_page_names_the_limit(client, people, alices_draft, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_SIZE", 10)
    client.force_login(people["alice"])
    r = client.post(reverse("proposals:attachment_upload", args=[alices_draft.pk]), {"file": _upload("a.pdf", PDF)})
    assert r.status_code == 400
    assert "不能超过 10 字节" in r.content.decode()


def test_the_form_is_not_offered_to_others_and_their_upload_is_refused(client, people, alices_draft):
    proposal_url = reverse("proposals:attachment_upload", args=[alices_draft.pk])
    # dave can't see the draft at all; bob is invited (he sees it) but is not the proposer.
    client.force_login(people["dave"])
    assert client.post(proposal_url, {"file": _upload("a.pdf", PDF)}).status_code == 404
    from proposals.services import proposal_invite

    proposal_invite(proposal=alices_draft, user=people["alice"], delegates=[people["bob"]])
    client.force_login(people["bob"])
    assert 'type="file"' not in client.get(reverse("proposals:detail", args=[alices_draft.pk])).content.decode()
    assert client.post(proposal_url, {"file": _upload("a.pdf", PDF)}).status_code == 403
    assert not Attachment.objects.exists()


def test_the_department_uploads_from_the_assignment_page(client, people, lead):
    client.force_login(people["handler"])
    page_url = reverse("proposals:assignment", args=[lead.pk])
    assert 'type="file"' in client.get(page_url).content.decode()
    r = client.post(
        reverse("proposals:attachment_upload", args=[lead.proposal_id]),
        {"assignment": lead.pk, "file": _upload("答复.xlsx", XLSX)},
    )
    assert r.status_code == 302 and r.url == page_url
    assert Attachment.objects.get().assignment == lead
    r = client.post(
        reverse("proposals:attachment_upload", args=[lead.proposal_id]),
        {"assignment": lead.pk, "file": _upload("答复.xlsx", b"not a spreadsheet")},
    )
    assert r.status_code == 400 and "不支持该文件类型" in r.content.decode()
    client.force_login(people["hr_handler"])  # another department: not its assignment
    r = client.post(
        reverse("proposals:attachment_upload", args=[lead.proposal_id]),
        {"assignment": lead.pk, "file": _upload("a.pdf", PDF)},
    )
    assert r.status_code == 404


# Downloads -----------------------------------------------------------------------
def test_the_proposer_and_the_committee_download_the_bytes(client, people, alices_draft):
    a = attachment_add(user=people["alice"], proposal=alices_draft, upload=_upload("方案.pdf", PDF))
    r = _download(client, people["alice"], a)
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf"
    assert "attachment" in r["Content-Disposition"]
    r = _download(client, people["committee"], a)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF


def test_an_unrelated_member_gets_404(client, people, alices_draft):
    a = attachment_add(user=people["alice"], proposal=alices_draft, upload=_upload("方案.pdf", PDF))
    assert _download(client, people["dave"], a).status_code == 404
    assert _download(client, people["handler"], a).status_code == 404
    client.logout()
    r = client.get(reverse("proposals:attachment_download", args=[a.pk]))
    assert r.status_code == 302  # to sign in


def test_an_answer_attachment_is_the_departments_until_the_head_releases_the_answer(client, people, lead):
    a = attachment_add(user=people["handler"], proposal=lead.proposal, assignment=lead, upload=_upload("a.png", PNG))
    lead = transition(lead, "answer", people["handler"], answer="已延长至19:30。", answer_class="A")
    for who in ["handler", "head", "committee", "office", "auditor"]:
        assert _download(client, people[who], a).status_code == 200, who
    for who in ["alice", "bob", "dave", "hr_handler"]:
        assert _download(client, people[who], a).status_code == 404, who
    co = Assignment.objects.get(proposal=lead.proposal, role="co")
    co = transition(transition(co, "accept", people["hr_handler"]), "answer", people["hr_handler"], answer="同意。")
    assert _download(client, people["alice"], a).status_code == 404
    transition(lead, "approve", people["head"])
    r = _download(client, people["alice"], a)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PNG
    assert _download(client, people["dave"], a).status_code == 404


def test_no_public_media_url_serves_the_file(client, people, alices_draft):
    a = attachment_add(user=people["alice"], proposal=alices_draft, upload=_upload("方案.pdf", PDF))
    client.force_login(people["alice"])
    for url in [f"/media/{a.file.name}", f"/media/private/{a.file.name}", f"/{a.file.name}"]:
        assert client.get(url).status_code == 404
    with pytest.raises(ValueError):
        a.file.url  # noqa: B018  (the storage has no URL to give)
