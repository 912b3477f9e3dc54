"""System checks of the engine: `manage.py check --deploy` refuses a history key that is not secret."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_history_hmac_key(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """With DEBUG off the history chain must be keyed with a key of its own: without one (or with
    the development key, which is in the source, or SECRET_KEY) anyone who can write to the
    database can rewrite a row and recompute the chain after it."""
    from workflow.history import DEVELOPMENT_HMAC_KEY

    if settings.DEBUG:
        return []
    key = getattr(settings, "HISTORY_HMAC_KEY", "")
    if not key or key == DEVELOPMENT_HMAC_KEY:
        return [
            Error(
                "HISTORY_HMAC_KEY is not set (or is the development key): the history chain is not keyed.",
                hint="Set the HISTORY_HMAC_KEY environment variable to a long random secret of its own "
                "before the site records any history, and never change it (rows and seals keyed with "
                "another key fail the history check).",
                id="workflow.E001",
            )
        ]
    if key == settings.SECRET_KEY:
        return [
            Error(
                "HISTORY_HMAC_KEY is the same as SECRET_KEY.",
                hint="Give the history chain a secret of its own: rotating SECRET_KEY must not break the history.",
                id="workflow.E002",
            )
        ]
    return []
