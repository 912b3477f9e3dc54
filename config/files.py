"""Uploaded files, whatever they are attached to: the type read from the content (magic bytes,
and for the Office formats the entries of the ZIP container), never from the name or the
browser's Content-Type; the size limit; a safe display name. Proposals' attachments and
welfare's confidential files each say which types and what size they accept.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from typing import IO, Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from workflow.errors import InvalidPayload

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
    """The known type of the file's content, or None. Reads the head of the file and, for
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


def refuse(message: str, code: str, field: str = "file") -> InvalidPayload:
    return InvalidPayload(message, code=code, fields={field: [message]})


def size_text(n: int) -> str:
    # "20 MB", not filesizeformat's "20.0 MB" for the limit; a plain space for the message.
    mb = 1024 * 1024
    if n >= mb and n % mb == 0:
        return f"{n // mb} MB"
    return str(filesizeformat(n)).replace("\xa0", " ")


def upload_check(
    *, upload: Any, accept: Collection[FileType], max_size: int, type_message: str, field: str = "file"
) -> FileType:
    """The upload's type if it is one of ``accept`` and not above ``max_size`` bytes, or
    InvalidPayload naming ``field`` (codes attachment_missing, attachment_empty,
    attachment_too_large, attachment_type)."""
    if upload is None:
        raise refuse(_("请选择要上传的文件。"), "attachment_missing", field)
    size = upload.size or 0
    if size == 0:
        raise refuse(_("上传的文件是空的。"), "attachment_empty", field)
    if size > max_size:
        message = _("文件过大（%(size)s），附件不能超过 %(limit)s。") % {
            "size": size_text(size),
            "limit": size_text(max_size),
        }
        raise refuse(message, "attachment_too_large", field)
    file_type = sniff(upload)
    if file_type is None or file_type not in accept:
        raise refuse(type_message, "attachment_type", field)
    return file_type


def display_name(raw: str, *, default: str = "") -> str:
    """The name to keep and show for an uploaded file: its last path part (browsers send a
    bare name, but never trust a path in it: C:\\fakepath\\..., ../..), no NUL, at most
    NAME_MAX_LENGTH characters with the extension kept."""
    name = os.path.basename(str(raw).replace("\\", "/")).strip().replace("\x00", "")
    if len(name) > NAME_MAX_LENGTH:
        stem, ext = os.path.splitext(name)
        name = stem[: NAME_MAX_LENGTH - len(ext)] + ext
    return name or default or _("附件")
