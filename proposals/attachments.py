"""Attachments (附件) on proposals and on departments' answers.

The type is decided by the file's content (config.files: magic bytes, and for the Office
formats the entries of the ZIP container), never by its name or the browser's Content-Type.
Files are kept in private storage and are served only by the permission-checked download view.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from config.files import DOCX, JPEG, NAME_MAX_LENGTH, PDF, PNG, XLSX, FileType, sniff, upload_check
from config.files import display_name as _display_name
from workflow import history, policy
from workflow.errors import InvalidPayload

from .models import Assignment, Attachment, Proposal

__all__ = ["MAX_ATTACHMENT_SIZE", "NAME_MAX_LENGTH", "FileType", "attachment_add", "attachment_validate", "sniff"]

MAX_ATTACHMENT_SIZE = 20 * 1024 * 1024  # 20 MB
ACCEPTED = (PDF, DOCX, XLSX, JPEG, PNG)


def attachment_validate(*, upload: Any) -> FileType:
    """The upload's type, or InvalidPayload naming the file field."""
    # The limit is read here, at call time, so a test may lower it on this module.
    return upload_check(
        upload=upload,
        accept=ACCEPTED,
        max_size=MAX_ATTACHMENT_SIZE,
        type_message=_(
            "不支持该文件类型：附件只能是 PDF、Word（docx）、Excel（xlsx）、JPG 或 PNG 文件（按文件内容识别）。"
        ),
    )


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
