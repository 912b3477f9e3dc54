"""Confidential files of a welfare request (a medical certificate, a claim's receipts).

The type is read from the content (config.files); only PDF, JPG and PNG are kept, in private
storage (config.storage), which no URL serves. A file is opened only through
``welfare_attachment_serve``: the caller already knows the user may see the request (the
selector, else 404); here the user must also be one who reads the request's sensitive data
(welfare.privacy.may_see_sensitive), and every file served writes a SensitiveAccess row whose
``fields`` is ``["attachment:<id>"]``, so the access log says who opened which file.
History rows name the file and its size only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from config.files import JPEG, PDF, PNG, FileType, display_name, upload_check
from workflow import history, policy
from workflow.errors import NotPermitted

from .models import AccessChannel, MedicalClaim, SensitiveAccess, WelfareAttachment, WelfareRequest
from .privacy import may_see_sensitive
from .selectors import welfare_requests_visible_to

MAX_FILE_SIZE = 10 * 1024 * 1024  # 10 MB: a phone's photo of a certificate is well below it
ACCEPTED = (PDF, JPEG, PNG)


def welfare_attachments_visible_to(user: Any) -> QuerySet[WelfareAttachment]:
    """The files of the requests the user may see (their names and sizes; opening one is
    welfare_attachment_serve's decision)."""
    return WelfareAttachment.objects.filter(request__in=welfare_requests_visible_to(user))


def welfare_file_validate(*, upload: Any, field: str = "file") -> FileType:
    """The upload's type, or InvalidPayload naming ``field``."""
    # The limit is read at call time, so a test may lower it on this module.
    return upload_check(
        upload=upload,
        accept=ACCEPTED,
        max_size=MAX_FILE_SIZE,
        type_message=_("不支持该文件类型：只能上传 PDF、JPG 或 PNG 文件（按文件内容识别）。"),
        field=field,
    )


def file_record(f: WelfareAttachment) -> dict[str, Any]:
    """What history keeps of a file: its name and size, nothing of its content."""
    return {"name": f.name, "size": f.size}


@contextmanager
def files_removed_on_error(stored: list[WelfareAttachment]) -> Iterator[None]:
    """Don't leave orphan files in storage when the rows are not written."""
    try:
        yield
    except BaseException:
        for f in stored:
            f.file.delete(save=False)
        raise


def store(
    *, request: WelfareRequest, upload: Any, file_type: FileType, user: Any, claim: MedicalClaim | None = None
) -> WelfareAttachment:
    """Write one checked upload to private storage and its row (inside the caller's transaction)."""
    attachment = WelfareAttachment(
        request=request,
        claim=claim,
        name=display_name(upload.name),
        content_type=file_type.content_type,
        size=upload.size,
        uploaded_by=user,
    )
    upload.seek(0)
    attachment.file.save(attachment.name, upload, save=False)
    return attachment


def welfare_attachment_add(*, user: Any, request: WelfareRequest, upload: Any) -> WelfareAttachment:
    """Attach a medical certificate or another supporting file to an open request: the
    applicant or the union office (policy row ``attach``)."""
    policy.check(request, "attach", user)
    file_type = welfare_file_validate(upload=upload)
    stored: list[WelfareAttachment] = []
    with transaction.atomic(), files_removed_on_error(stored):
        # Lock the request: its state can't change under us, and history takes the next seq safely.
        locked = WelfareRequest.objects.select_for_update().get(pk=request.pk)
        policy.check(locked, "attach", user)
        attachment = store(request=locked, upload=upload, file_type=file_type, user=user)
        stored.append(attachment)
        attachment.save()
        history.record(locked, "welfarerequest.attachment_added", user, file_record(attachment))
    return attachment


def welfare_attachment_serve(*, user: Any, attachment: WelfareAttachment, channel: str, path: str = "") -> IO[bytes]:
    """The file, opened for reading, for a user who may see its request (the caller's
    selector); NotPermitted (code ``attachment_confidential``) for one who may not read the
    request's sensitive data. Logs the access before returning; FileNotFoundError when the
    file is gone from storage (nothing is logged then)."""
    request = attachment.request
    if not may_see_sensitive(request, user):
        raise NotPermitted(
            _("证明材料属于敏感信息，您无权打开；如需查看，请联系系统管理员授权。"),
            code="attachment_confidential",
        )
    handle = attachment.file.open("rb")
    SensitiveAccess.objects.create(
        user=user,
        request=request,
        fields=[f"attachment:{attachment.pk}"],
        channel=AccessChannel(channel).value,
        path=path[:500],
    )
    return handle
