"""Confidential files of a welfare request: PDF, JPG or PNG by their content, attached while
the request is open by the applicant or the union office, and opened only through the
permission-checked view by those who read the request's sensitive data, each opening logged."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.api.conftest import assert_error
from tests.factories import fresh, make_user
from tests.welfare.conftest import token_client
from welfare import attachments
from welfare.attachments import welfare_attachment_add
from welfare.models import SensitiveAccess, WelfareAttachment
from workflow.errors import InvalidPayload, NotPermitted, TransitionNotAllowed
from workflow.models import HistoryEntry
from workflow.services import transition

from .files import DOCX, EXE, JPG, PDF, PNG, carry, upload

pytestmark = pytest.mark.django_db

NAME = "诊断证明 2026.pdf"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def personas(wp):
    granted = make_user("auditor_granted", "钱审", ["auditor"], None)
    granted.user_permissions.add(Permission.objects.get(codename="view_sensitive_welfarerequest"))
    return {**wp, "auditor_granted": granted}


@pytest.fixture
def visit(file_request):
    """dave's 五必访 (illness) request, waiting for his chair's review."""
    return file_request("must_visit")


@pytest.fixture
def cert(wp, visit):
    return welfare_attachment_add(user=fresh(wp["dave"]), request=visit, upload=upload(NAME, PDF))


def _download(client, user, f):
    client.force_login(user)
    return client.get(reverse("welfare:attachment_download", args=[f.pk]))


# Attaching ------------------------------------------------------------------------------
def test_the_applicant_attaches_a_certificate_kept_in_private_storage(wp, visit, cert):
    cert.refresh_from_db()
    assert (cert.name, cert.content_type, cert.size, cert.claim) == (NAME, "application/pdf", len(PDF), None)
    assert cert.file.read() == PDF
    assert NAME not in cert.file.name  # stored under a random name
    with pytest.raises(ValueError):
        cert.file.url  # noqa: B018  (private storage has no URL)
    entry = HistoryEntry.objects.for_item(visit).get(action="welfarerequest.attachment_added")
    assert entry.payload == {"name": NAME, "size": len(PDF)}
    assert entry.actor == wp["dave"]


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("a.pdf", PDF, "application/pdf"), ("b.png", PNG, "image/png"), ("c.jpg", JPG, "image/jpeg")],
)
def test_pdf_png_and_jpg_are_taken_by_their_content(wp, visit, name, content, content_type):
    f = welfare_attachment_add(user=wp["dave"], request=visit, upload=upload(name, content))
    assert f.content_type == content_type


def test_a_png_named_pdf_is_kept_as_a_png(wp, visit):
    assert (
        welfare_attachment_add(user=wp["dave"], request=visit, upload=upload("伪装.pdf", PNG)).content_type
        == "image/png"
    )


@pytest.mark.parametrize(
    "content",
    [
        EXE,
        b"plain text named like a pdf",
        DOCX,  # a Word document is fine for a proposal, not for a confidential file
    ],
)
def test_other_content_is_refused_in_chinese(wp, visit, content):
    with pytest.raises(InvalidPayload) as err:
        welfare_attachment_add(user=wp["dave"], request=visit, upload=upload("证明.pdf", content))
    assert err.value.code == "attachment_type"
    assert "只能上传 PDF、JPG 或 PNG" in err.value.fields["file"][0]
    assert not WelfareAttachment.objects.exists()


def test_an_empty_file_a_missing_one_and_one_over_the_limit_are_refused(wp, visit, monkeypatch):
    with pytest.raises(InvalidPayload) as err:
        welfare_attachment_add(user=wp["dave"], request=visit, upload=upload("空.pdf", b""))
    assert err.value.code == "attachment_empty"
    with pytest.raises(InvalidPayload) as err:
        welfare_attachment_add(user=wp["dave"], request=visit, upload=None)
    assert err.value.code == "attachment_missing"
    monkeypatch.setattr(attachments, "MAX_FILE_SIZE", len(PDF) - 1)
    with pytest.raises(InvalidPayload) as err:
        welfare_attachment_add(user=wp["dave"], request=visit, upload=upload("大.pdf", PDF))
    assert err.value.code == "attachment_too_large" and "不能超过" in err.value.fields["file"][0]
    monkeypatch.setattr(attachments, "MAX_FILE_SIZE", len(PDF))
    assert welfare_attachment_add(user=wp["dave"], request=visit, upload=upload("刚好.pdf", PDF)).size == len(PDF)


def test_the_default_limit_is_10_mb(wp, visit):
    assert attachments.MAX_FILE_SIZE == 10 * 1024 * 1024


def test_the_applicant_the_union_office_and_the_handler_attach_and_no_one_else(wp, visit):
    r = carry(wp, visit, "assigned")  # office2 is the handler
    for who in ("dave", "office", "office2"):
        assert welfare_attachment_add(user=fresh(wp[who]), request=r, upload=upload()).uploaded_by == wp[who]
    for who in ("chair", "auditor", "admin", "alice", "other_chair", "committee"):
        with pytest.raises(NotPermitted):
            welfare_attachment_add(user=fresh(wp[who]), request=r, upload=upload())
    assert WelfareAttachment.objects.count() == 3


def test_files_are_attached_until_the_answer_and_not_once_closed_rejected_or_withdrawn(wp, file_request):
    answered = carry(wp, file_request("must_visit"), "answered")
    welfare_attachment_add(user=fresh(wp["dave"]), request=answered, upload=upload())
    closed = transition(answered, "close", fresh(wp["office"]))
    rejected = transition(file_request("must_visit"), "reject", fresh(wp["chair"]), reason="材料不全。")
    withdrawn = transition(file_request("must_visit"), "withdraw", fresh(wp["dave"]))
    for r in (closed, rejected, withdrawn):
        for who in ("dave", "office"):
            with pytest.raises(TransitionNotAllowed):
                welfare_attachment_add(user=fresh(wp[who]), request=r, upload=upload())


# Downloads: who opens a certificate ------------------------------------------------------
# persona -> status of /welfare/attachments/<id>/ for dave's certificate. Written from
# Who opens a confidential file: those concerned; auditors and admins only with the explicit grant.
DOWNLOADS = {
    "dave": 200,  # the applicant
    "chair": 200,  # the sub-union chair of dave's unit
    "office": 200,  # the union office
    "office2": 200,  # the handler (carried below)
    "auditor_granted": 200,  # an auditor an admin granted welfare.view_sensitive_welfarerequest
    "auditor": 403,  # an auditor without it sees the name and size only
    "admin": 403,  # a superuser without the explicit grant
    "other_chair": 404,  # another unit's chair
    "alice": 404,  # another member of the same unit
    "handler": 404,  # a department handler
    "committee": 404,
}


@pytest.mark.parametrize(("who", "expected"), list(DOWNLOADS.items()))
def test_the_download_privacy_matrix(client, personas, visit, who, expected):
    carry(personas, visit, "assigned")
    f = welfare_attachment_add(user=fresh(personas["dave"]), request=visit, upload=upload(NAME, PDF))
    r = _download(client, personas[who], f)
    assert r.status_code == expected, (who, r.status_code)
    rows = SensitiveAccess.objects.filter(user=personas[who])
    if expected == 200:
        assert b"".join(r.streaming_content) == PDF
        (row,) = rows
        assert (row.request_id, row.fields, row.channel) == (visit.pk, [f"attachment:{f.pk}"], "page")
        assert row.path == reverse("welfare:attachment_download", args=[f.pk])
    else:
        assert not rows.exists()
    if expected == 403:
        assert "证明材料属于敏感信息" in r.content.decode()
    if expected == 404:
        assert "未找到该页面" in r.content.decode()


def test_every_download_is_logged_again(client, wp, cert):
    for _ in range(2):
        assert _download(client, wp["office"], cert).status_code == 200
    assert SensitiveAccess.objects.filter(user=wp["office"]).count() == 2


def test_anonymous_visitors_are_sent_to_sign_in(client, cert):
    r = client.get(reverse("welfare:attachment_download", args=[cert.pk]))
    assert r.status_code == 302 and r.url.startswith(reverse("login"))
    assert not SensitiveAccess.objects.exists()


def test_the_download_is_an_attachment_under_its_chinese_name_never_sniffed_nor_cached(client, wp, cert):
    r = _download(client, wp["dave"], cert)
    assert r["Content-Type"] == "application/pdf"
    disposition = r["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote(NAME)}" in disposition  # RFC 5987
    assert r["X-Content-Type-Options"] == "nosniff"
    cache = {p.strip() for p in r["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache


def test_a_file_missing_from_storage_is_a_404_and_not_logged(client, wp, cert):
    cert.file.delete(save=False)
    assert _download(client, wp["dave"], cert).status_code == 404
    assert not SensitiveAccess.objects.exists()


def test_no_public_media_url_serves_the_file(client, wp, cert):
    client.force_login(wp["dave"])
    for url in [f"/media/{cert.file.name}", f"/media/private/{cert.file.name}", f"/{cert.file.name}"]:
        assert client.get(url).status_code == 404


# The request's page ---------------------------------------------------------------------
def test_the_applicant_uploads_from_the_page_and_sees_the_link(client, wp, visit):
    client.force_login(wp["dave"])
    url = reverse("welfare:detail", args=[visit.pk])
    page = client.get(url).content.decode()
    assert '<label for="id_wattach_file"' in page and 'enctype="multipart/form-data"' in page
    r = client.post(reverse("welfare:attachment_upload", args=[visit.pk]), {"file": upload(NAME, PDF)})
    assert r.status_code == 302 and r.url == url
    f = WelfareAttachment.objects.get()
    page = client.get(url).content.decode()
    assert reverse("welfare:attachment_download", args=[f.pk]) in page
    assert NAME in page and "上传证明材料" in page  # the file and the timeline


def test_a_refused_upload_shows_why_and_keeps_the_page(client, wp, visit):
    client.force_login(wp["dave"])
    r = client.post(reverse("welfare:attachment_upload", args=[visit.pk]), {"file": upload("病毒.pdf", EXE)})
    assert r.status_code == 400
    page = r.content.decode()
    assert "不支持该文件类型" in page and 'id="id_wattach_file"' in page
    assert "申请事由" in page  # the rest of the request's page
    assert not WelfareAttachment.objects.exists()


def test_an_auditor_sees_the_name_and_size_but_no_link(client, wp, cert):
    client.force_login(wp["auditor"])
    page = client.get(reverse("welfare:detail", args=[cert.request_id])).content.decode()
    assert NAME in page and "证明材料属于敏感信息，您只能看到文件名和大小。" in page
    assert reverse("welfare:attachment_download", args=[cert.pk]) not in page
    assert 'id="id_wattach_file"' not in page  # and no upload form


def test_the_upload_is_refused_to_those_who_may_not_attach(client, wp, visit):
    url = reverse("welfare:attachment_upload", args=[visit.pk])
    client.force_login(wp["alice"])  # can't see the request
    assert client.post(url, {"file": upload()}).status_code == 404
    client.force_login(wp["chair"])  # sees it, but does not attach
    r = client.post(url, {"file": upload()})
    assert r.status_code == 403 and "您没有执行此操作的权限" in r.content.decode()
    assert 'id="id_wattach_file"' not in client.get(reverse("welfare:detail", args=[visit.pk])).content.decode()
    assert not WelfareAttachment.objects.exists()


def test_the_page_stays_within_its_query_budget_with_many_files(client, wp, visit, django_assert_max_num_queries):
    for i in range(8):
        welfare_attachment_add(user=fresh(wp["dave"]), request=visit, upload=upload(f"证明{i}.pdf", PDF))
    client.force_login(wp["office"])
    url = reverse("welfare:detail", args=[visit.pk])
    client.get(url)  # warm the per-process caches (content types, role groups)
    with django_assert_max_num_queries(40):
        assert client.get(url).status_code == 200


# The API --------------------------------------------------------------------------------
@pytest.fixture
def api(personas):
    return lambda who: token_client(personas[who])


def _files_url(r):
    return f"/api/v1/welfare-requests/{r.pk}/attachments/"


def test_the_api_uploads_and_lists_files_with_a_link_only_for_those_who_may_open_them(api, visit):
    r = api("dave").post(_files_url(visit), {"file": upload(NAME, PDF)}, format="multipart")
    assert r.status_code == 201, r.content
    created = r.json()
    assert (created["name"], created["size"], created["content_type"]) == (NAME, len(PDF), "application/pdf")
    assert created["download_url"] == f"/api/v1/welfare-attachments/{created['id']}/download/"
    rows = api("auditor").get(_files_url(visit)).json()
    assert [(f["name"], f["download_url"]) for f in rows] == [(NAME, None)]
    assert api("chair").get(_files_url(visit)).json()[0]["download_url"] == created["download_url"]
    assert_error(api("alice").get(_files_url(visit)), 404, "not_found")


def test_the_api_refuses_a_bad_file_a_json_body_an_unknown_field_and_the_wrong_role(api, visit):
    assert_error(
        api("dave").post(_files_url(visit), {"file": upload("x.pdf", EXE)}, format="multipart"),
        400,
        "attachment_type",
        "file",
    )
    assert_error(api("dave").post(_files_url(visit), {}, format="multipart"), 400, "attachment_missing", "file")
    assert_error(api("dave").post(_files_url(visit), {"file": "x"}, format="json"), 415, "unsupported_media_type")
    body = {"file": upload(), "kind": "x"}
    assert_error(api("dave").post(_files_url(visit), body, format="multipart"), 400, "unknown_field", "kind")
    assert_error(api("chair").post(_files_url(visit), {"file": upload()}, format="multipart"), 403, "permission_denied")
    assert_error(api("alice").post(_files_url(visit), {"file": upload()}, format="multipart"), 404, "not_found")
    assert not WelfareAttachment.objects.exists()


def test_the_api_download_has_the_same_checks_and_logs_the_api_channel(api, personas, cert):
    url = f"/api/v1/welfare-attachments/{cert.pk}/download/"
    r = api("auditor_granted").get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["X-Content-Type-Options"] == "nosniff" and "attachment;" in r["Content-Disposition"]
    row = SensitiveAccess.objects.get(user=personas["auditor_granted"])
    assert (row.fields, row.channel, row.path) == ([f"attachment:{cert.pk}"], "api", url)
    body = assert_error(api("auditor").get(url), 403, "attachment_confidential")
    assert "敏感信息" in body["message"]
    assert_error(api("admin").get(url), 403, "attachment_confidential")
    assert_error(api("alice").get(url), 404, "not_found")
    assert_error(api("other_chair").get(url), 404, "not_found")
    assert SensitiveAccess.objects.count() == 1


def test_the_access_log_says_who_opened_which_file(api, personas, cert):
    api("chair").get(f"/api/v1/welfare-attachments/{cert.pk}/download/")
    log = api("auditor").get("/api/v1/welfare-access-log/", {"request": cert.request_id}).json()["results"]
    assert [(e["user"]["id"], e["field_names"]) for e in log if e["field_names"][0].startswith("attachment")] == [
        (personas["chair"].pk, [f"attachment:{cert.pk}"])
    ]
