"""Attachments (附件) on proposals and on departments' answers.

The type is decided by the file's content (magic bytes, and for the Office formats the
entries of the ZIP container), never by its name or the browser's Content-Type. Files are
kept in private storage and are served only by the permission-checked download view.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from workflow import history, policy
from workflow.errors import InvalidPayload

from .models import Assignment, Attachment, Proposal

MAX_ATTACHMENT_SIZE = 20 * 1024 * 1024  # 20 MB
NAME_MAX_LENGTH = 200


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str


PDF = FileType("PDF", "application/pdf")
PNG = FileType("PNG", "image/png")
JPEG = FileType("JPG", "image/jpeg")
DOCX = FileType("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileType("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# A docx or xlsx is a ZIP whose entries say what it is; a plain ZIP (or a jar, an odt...) is not.
_OFFICE_MARKERS = ((DOCX, "word/document.xml"), (XLSX, "xl/workbook.xml"))


def sniff(f: IO[bytes]) -> FileType | None:
    """The accepted type of the file's content, or None. Reads the head of the file and, for
    a ZIP, only its central directory (no entry is decompressed)."""
    f.seek(0)
    head = f.read(8)
    f.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _sniff_office(f)
    return None


def _sniff_office(f: IO[bytes]) -> FileType | None:
    try:
        with zipfile.ZipFile(f) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        f.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for file_type, marker in _OFFICE_MARKERS:
        if marker in names:
            return file_type
    return None


def _refuse(message: str, code: str) -> InvalidPayload:
    return InvalidPayload(message, code=code, fields={"file": [message]})


def _size_text(n: int) -> str:
    # "20 MB", not filesizeformat's "20.0 MB" for the limit; a plain space for the message.
    mb = 1024 * 1024
    if n >= mb and n % mb == 0:
        return f"{n // mb} MB"
    return str(filesizeformat(n)).replace("\xa0", " ")


def attachment_validate(*, upload: Any) -> FileType:
    """The upload's type, or InvalidPayload naming the file field."""
    if upload is None:
        raise _refuse(_("请选择要上传的文件。"), "attachment_missing")
    size = upload.size or 0
    if size == 0:
        raise _refuse(_("上传的文件是空的。"), "attachment_empty")
    if size > MAX_ATTACHMENT_SIZE:
        message = _("文件过大（%(size)s），附件不能超过 %(limit)s。") % {
            "size": _size_text(size),
            "limit": _size_text(MAX_ATTACHMENT_SIZE),
        }
        raise _refuse(message, "attachment_too_large")
    file_type = sniff(upload)
    if file_type is None:
        raise _refuse(
            _("不支持该文件类型：附件只能是 PDF、Word（docx）、Excel（xlsx）、JPG 或 PNG 文件（按文件内容识别）。"),
            "attachment_type",
        )
    return file_type


def _display_name(raw: str) -> str:
    # Browsers send a bare name, but never trust a path in it (C:\fakepath\..., ../..).
    name = os.path.basename(str(raw).replace("\\", "/")).strip().replace("\x00", "")
    if len(name) > NAME_MAX_LENGTH:
        stem, ext = os.path.splitext(name)
        name = stem[: NAME_MAX_LENGTH - len(ext)] + ext
    return name or _("附件")


def attachment_add(*, user: Any, proposal: Proposal, assignment: Assignment | None = None, upload: Any) -> Attachment:
    """Attach a file to a draft (its proposer) or to an answer being written (its department)."""
    item: Proposal | Assignment = proposal if assignment is None else assignment
    if assignment is not None and assignment.proposal_id != proposal.pk:
        raise InvalidPayload(fields={"assignment": [_("该交办不属于此提案。")]}, code="attachment_wrong_assignment")
    policy.check(item, "attach", user)
    file_type = attachment_validate(upload=upload)
    with transaction.atomic():
        # Lock the item: its state can't change under us, and history takes the next seq safely.
        locked = type(item).objects.select_for_update().get(pk=item.pk)
        policy.check(locked, "attach", user)
        attachment = Attachment(
            proposal=proposal,
            assignment=assignment,
            name=_display_name(upload.name),
            content_type=file_type.content_type,
            size=upload.size,
            uploaded_by=user,
        )
        upload.seek(0)
        attachment.file.save(attachment.name, upload, save=False)
        try:
            attachment.save()
            action = "proposal.attach" if assignment is None else "assignment.attach"
            history.record(
                locked,
                action,
                user,
                {
                    "attachment": attachment.pk,
                    "name": attachment.name,
                    "type": file_type.label,
                    "size": attachment.size,
                },
            )
        except Exception:
            # Don't leave an orphan file in storage when the row is not written.
            attachment.file.delete(save=False)
            raise
    return attachment
