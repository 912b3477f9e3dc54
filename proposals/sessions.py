"""Services for congress sessions: creating one, changing its settings, and opening
or closing its collection window (征集).

Sessions have no workflow and no status field: whether a session is collecting is
its window (``collection_opens <= now < collection_closes``), which the proposal's
``submit`` transition already checks. Opening collection therefore moves the window's
start to now and closing it moves the window's end to now. Who may do any of this is
still the policy table's call, and every change is written to the history like any
other.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow import history, policy
from workflow.errors import InvalidPayload, TransitionNotAllowed

from .models import CongressSession

# The window and threshold, which the API also writes.
WINDOW_FIELDS = ["name", "code", "collection_opens", "collection_closes", "cosign_threshold"]
# The deadline rules and reminders; a caller that leaves them out gets the model's defaults.
RULE_FIELDS = [
    "triage_days",
    "answer_days",
    "feedback_days",
    "remind_before_days",
    "overdue_every_days",
    "escalate_office_after_days",
    "key_escalate_office_after_days",
    "max_extensions",
]
SESSION_FIELDS = WINDOW_FIELDS + RULE_FIELDS
COLLECTING, NOT_COLLECTING = "collecting", "not_collecting"
# A deadline of zero days would be due the moment the step starts.
AT_LEAST_ONE_DAY = ["triage_days", "answer_days", "feedback_days"]


class SessionForm(forms.ModelForm):
    class Meta:
        model = CongressSession
        fields = SESSION_FIELDS

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("collection_opens"), data.get("collection_closes")
        if opens and closes and closes <= opens:
            self.add_error("collection_closes", _("征集截止时间须晚于征集开始时间。"))
        for name in AT_LEAST_ONE_DAY:
            if data.get(name) == 0:
                self.add_error(name, _("期限至少为 1 天。"))
        return data


def _defaults() -> dict[str, Any]:
    fields = {f.name: f for f in CongressSession._meta.concrete_fields}
    return {name: fields[name].get_default() for name in ["cosign_threshold", *RULE_FIELDS]}


def _invalid(form: SessionForm) -> InvalidPayload:
    return InvalidPayload(fields={k: [str(e) for e in v] for k, v in form.errors.items()})


def _save(form: SessionForm, *, user: Any, action: str, fields: list[str]) -> CongressSession:
    if not form.is_valid():
        raise _invalid(form)
    with transaction.atomic():
        session = form.save()
        history.record(session, action, user, {f: str(form.cleaned_data[f]) for f in fields})
    return session


def session_create(*, user: Any, data: dict[str, Any]) -> CongressSession:
    """The union office opens a new session; fields left out (cosign_threshold, the
    deadline rules) take the model's defaults (threshold 2, triage 7 days ...)."""
    policy.check(CongressSession(), "create", user)
    form = SessionForm(data={**_defaults(), **data})
    return _save(form, user=user, action="session.create", fields=SESSION_FIELDS)


def session_update(*, session: CongressSession, user: Any, data: dict[str, Any]) -> CongressSession:
    """Change some of a session's settings; fields not given keep their values."""
    policy.check(session, "edit", user)
    before = {f: getattr(session, f) for f in SESSION_FIELDS}
    form = SessionForm(data={**before, **data}, instance=session)
    if not form.is_valid():
        raise _invalid(form)
    # The history says what changed, not every field the caller happened to send.
    changed = [f for f in SESSION_FIELDS if form.cleaned_data[f] != before[f]]
    return _save(form, user=user, action="session.edit", fields=changed)


def collection_state(session: CongressSession, *, now: datetime | None = None) -> str:
    """The window's state, which the policy rows for opening and closing collection are keyed by."""
    return COLLECTING if session.is_collecting(now) else NOT_COLLECTING


def _check(session: CongressSession, action: str, user: Any, *, now: datetime, refused: Any) -> None:
    try:
        policy.check(session, action, user, state=collection_state(session, now=now))
    except TransitionNotAllowed as err:
        # Say which way the window is, not just "not in this state".
        raise TransitionNotAllowed(refused) from err


def _window(session: CongressSession) -> dict[str, str]:
    return {
        "collection_opens": session.collection_opens.isoformat(),
        "collection_closes": session.collection_closes.isoformat(),
    }


def session_open_collection(
    *, session: CongressSession, user: Any, closes: datetime | None = None, now: datetime | None = None
) -> CongressSession:
    """开始征集: the window starts now and ends at ``closes`` if given, else at the
    planned closing time, which must then still be ahead."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = CongressSession.objects.select_for_update().get(pk=session.pk)
        _check(locked, "open_collection", user, now=now, refused=_("该会议已在征集提案。"))
        closes = closes or locked.collection_closes
        if closes <= now:
            message = _("征集截止时间须晚于现在，请设定新的征集截止时间。")
            raise InvalidPayload(message, code="closes_in_past", fields={"collection_closes": [str(message)]})
        before = _window(locked)
        locked.collection_opens, locked.collection_closes = now, closes
        locked.save(update_fields=["collection_opens", "collection_closes"])
        history.record(locked, "session.open_collection", user, {"before": before, "after": _window(locked)}, now=now)
    return locked


def session_close_collection(*, session: CongressSession, user: Any, now: datetime | None = None) -> CongressSession:
    """结束征集: the window ends now; from then on proposals of this session can't be submitted."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = CongressSession.objects.select_for_update().get(pk=session.pk)
        _check(locked, "close_collection", user, now=now, refused=_("该会议当前不在征集期内。"))
        before = _window(locked)
        # The window must stay non-empty (a check constraint) even if it opened this very instant.
        locked.collection_closes = max(now, locked.collection_opens + timedelta(microseconds=1))
        locked.save(update_fields=["collection_closes"])
        history.record(locked, "session.close_collection", user, {"before": before, "after": _window(locked)}, now=now)
    return locked
