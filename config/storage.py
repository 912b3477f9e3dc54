"""Private file storage: files under MEDIA_ROOT/private, which no URL serves. Every download
goes through a permission-checked view (proposals' attachments, welfare's confidential files)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


class PrivateStorage(FileSystemStorage):
    """The location follows MEDIA_ROOT (also when a test overrides it)."""

    @cached_property
    def base_location(self) -> Any:
        return os.path.join(settings.MEDIA_ROOT, "private")

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public URL; serve them through a permission-checked view.")


private_storage = PrivateStorage()


def get_private_storage() -> PrivateStorage:
    """For FileField(storage=...): a callable keeps the storage out of migrations."""
    return private_storage
