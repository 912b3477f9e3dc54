"""Services for congress sessions: creating one and changing its settings.

Sessions have no workflow; who may create or edit one is still the policy
table's call, and every change is written to the history like any other.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workflow import history, policy
from workflow.errors import InvalidPayload

from .models import CongressSession

SESSION_FIELDS = ["name", "code", "collection_opens", "collection_closes", "cosign_threshold"]


class SessionForm(forms.ModelForm):
    class Meta:
        model = CongressSession
        fields = SESSION_FIELDS

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("collection_opens"), data.get("collection_closes")
        if opens and closes and closes <= opens:
            self.add_error("collection_closes", _("征集截止时间须晚于征集开始时间。"))
        return data


def _save(form: SessionForm, *, user: Any, action: str, changed: dict[str, Any]) -> CongressSession:
    if not form.is_valid():
        raise InvalidPayload(fields={k: [str(e) for e in v] for k, v in form.errors.items()})
    with transaction.atomic():
        session = form.save()
        history.record(session, action, user, {k: str(v) for k, v in changed.items()})
    return session


def session_create(*, user: Any, data: dict[str, Any]) -> CongressSession:
    """The union office opens a new session; cosign_threshold defaults to 2."""
    policy.check(CongressSession(), "create", user)
    data = {"cosign_threshold": 2, **data}
    return _save(SessionForm(data=data), user=user, action="session.create", changed=data)


def session_update(*, session: CongressSession, user: Any, data: dict[str, Any]) -> CongressSession:
    """Change some of a session's settings; fields not given keep their values."""
    policy.check(session, "edit", user)
    merged = {f: getattr(session, f) for f in SESSION_FIELDS}
    merged.update(data)
    return _save(SessionForm(data=merged, instance=session), user=user, action="session.edit", changed=data)
