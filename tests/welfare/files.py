"""Small files and an enrolled 子女医疗统筹 for the tests of confidential files and claims."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import fresh
from workflow.services import transition

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<x/>")
        z.writestr("word/document.xml", "<x/>")
    return buf.getvalue()


DOCX = _docx()


def upload(name: str = "诊断证明.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    # The browser's Content-Type is never trusted: say nothing useful in it.
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def carry(wp: dict[str, Any], r: Any, state: str, *, approved: bool = True) -> Any:
    """Carry dave's request ``r`` through review, assignment (to office2) and the answer up to ``state``."""
    r = transition(r, "review", fresh(wp["chair"]), comment="情况属实。")
    if state == "reviewed":
        return r
    r = transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)
    if state == "assigned":
        return r
    r = transition(
        r,
        "answer",
        fresh(wp["office2"]),
        approved=approved,
        amount=Decimal("500.00") if approved else None,  # within the illness 慰问标准
        answer="同意参保。" if approved else "不符合参保条件。",
    )
    if state == "answered":
        return r
    return transition(r, "close", fresh(wp["office"]))
