"""The roster upload (花名册导入) in two steps: stage the file and preview it, then apply
exactly the previewed file.

Between the two steps the file waits in private storage (under MEDIA_ROOT/private, which
no URL serves) under a random token; the caller keeps the token (the page keeps it in the
user's session), and the file's digest is checked again before it is applied, so what is
imported is byte for byte what was previewed. The rules of the roster itself (columns,
roles, all-or-nothing) are org.roster's; this module adds only the upload's own: who may,
which files, how big, and how long a staged file is kept.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from workflow import policy
from workflow.errors import InvalidPayload

from .models import Department
from .roster import RosterResult, roster_import

MAX_ROSTER_SIZE = 5 * 1024 * 1024  # 5 MB: a 3,000-person xlsx is about 200 KB
ALLOWED_SUFFIXES = (".xlsx", ".csv")
# A staged file nobody confirmed is removed after this long (swept on the next upload).
STAGED_TTL = timedelta(hours=24)
STAMP = "%Y%m%d%H%M%S"  # the staging time (UTC) that starts each token


class RosterUploadStorage(FileSystemStorage):
    """Staged roster files: personal data, so private and short-lived. The location follows
    MEDIA_ROOT (also when a test overrides it)."""

    @cached_property
    def base_location(self) -> Any:
        return os.path.join(settings.MEDIA_ROOT, "private", "roster-uploads")

    def url(self, name: str | None) -> str:
        raise ValueError("Staged roster files have no URL.")


storage = RosterUploadStorage()


@dataclass(frozen=True)
class StagedRoster:
    """A file waiting for confirmation: its token (also its name in storage), the name it
    was uploaded as (the importer reads the type from it) and its SHA-256."""

    token: str
    name: str
    sha256: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> StagedRoster:
        return cls(token=data["token"], name=data["name"], sha256=data["sha256"])


class StagedRosterGone(InvalidPayload):
    code = "roster_upload_gone"


def _require(user: Any) -> None:
    policy.check(Department(), "import_roster", user, state="")


def _refuse(message: str, code: str) -> InvalidPayload:
    return InvalidPayload(message, code=code, fields={"file": [message]})


def _staged_at(token: str) -> datetime | None:
    try:
        return datetime.strptime(token.split("-", 1)[0], STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def _sweep(*, now: datetime) -> None:
    """Remove staged files older than STAGED_TTL. Their age is read from the token, which
    starts with the staging time, so the sweep follows the caller's `now`, not file times."""
    try:
        _dirs, names = storage.listdir("")
    except FileNotFoundError:
        return
    for name in names:
        staged_at = _staged_at(name)
        if staged_at is None or staged_at < now - STAGED_TTL:
            storage.delete(name)  # a no-op if a concurrent sweep removed it first


def roster_upload_stage(*, user: Any, name: str, data: bytes, now: datetime | None = None) -> StagedRoster:
    """Check the upload's type and size and keep it for the preview and the confirmation."""
    _require(user)
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        message = _("不支持的文件类型“%(suffix)s”，请上传 .xlsx 或 .csv 文件。") % {"suffix": suffix or name}
        raise _refuse(message, "file_type")
    if not data:
        raise _refuse(_("文件是空的。"), "file_empty")
    if len(data) > MAX_ROSTER_SIZE:
        message = _("文件过大，花名册不能超过 %(max)s。") % {"max": filesizeformat(MAX_ROSTER_SIZE)}
        raise _refuse(message, "file_too_large")
    now = now or timezone.now()
    _sweep(now=now)
    token = f"{now.astimezone(UTC):{STAMP}}-{secrets.token_hex(16)}"
    storage.save(token, ContentFile(data))
    return StagedRoster(token=token, name=PurePath(name).name, sha256=hashlib.sha256(data).hexdigest())


def _read(staged: StagedRoster) -> bytes:
    try:
        with storage.open(staged.token, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        data = b""
    if hashlib.sha256(data).hexdigest() != staged.sha256:
        # Swept, discarded, or not the bytes that were previewed: never import something unseen.
        raise StagedRosterGone(_("预览的文件已过期或已被移除，请重新上传。"))
    return data


def roster_upload_preview(*, user: Any, staged: StagedRoster) -> RosterResult:
    """What importing the staged file would change, writing nothing (raises RosterError)."""
    _require(user)
    return roster_import(file_name=staged.name, data=_read(staged), dry_run=True)


def roster_upload_apply(*, user: Any, staged: StagedRoster) -> RosterResult:
    """Import the staged file (all or nothing, raises RosterError) and remove it."""
    _require(user)
    data = _read(staged)
    try:
        result = roster_import(file_name=staged.name, data=data)
    except IntegrityError:
        # A concurrent import of the same people (a double click) committed first; importing
        # is idempotent, so a second pass finds them and changes only what is still different.
        result = roster_import(file_name=staged.name, data=data)
    roster_upload_discard(staged=staged)
    return result


def roster_upload_discard(*, staged: StagedRoster) -> None:
    storage.delete(staged.token)
