"""The one write path for every item kind: ``transition(item, name, user, **payload)``.

In one database transaction it locks the item's row, asks the policy table and
the FSM's own permission, validates the payload, runs the @transition method,
saves, opens and closes deadlines, appends history, writes notifications to the
outbox, completes the viewflow task the transition belongs to and runs follow-up
transitions.
Delivery is dispatched only after the commit.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from notifications.services import notify

from . import deadlines, flowlink, history, policy
from .errors import Conflict, InvalidPayload, NotPermitted, TransitionNotAllowed, UnknownAction
from .fsm import WorkflowItem


def _failing_condition(meth: Any, item: WorkflowItem) -> Any:
    spec = meth._django_fsm.get_transition(item.status)
    for cond in spec.conditions if spec else []:
        if not cond(item):
            return cond
    return None


def validate_payload(item: WorkflowItem, name: str, user: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """Clean the payload with the transition's form; field errors become InvalidPayload."""
    form_class = item.transition_form(name)
    if form_class is None:
        if payload:
            raise InvalidPayload(fields={k: [str(_("此操作不接受该字段。"))] for k in payload})
        return {}
    form = form_class(data=payload, item=item, user=user)
    if not form.is_valid():
        raise InvalidPayload(fields={k: [str(e) for e in v] for k, v in form.errors.items()})
    return dict(form.cleaned_data)


def transition(item: WorkflowItem, name: str, user: Any, *, _internal: bool = False, **payload: Any) -> WorkflowItem:
    """Run transition ``name`` on ``item`` as ``user``; return the saved, fresh item."""
    with transaction.atomic():
        locked = type(item).objects.select_for_update().get(pk=item.pk)
        meth = locked.transition_method(name)
        if meth is None or (name in locked.internal_transitions and not _internal):
            raise UnknownAction()
        # Permission before state (policy.check says which), then the FSM's own source states.
        if not _internal:
            policy.check(locked, name, user)
        if not can_proceed(meth, check_conditions=False):
            raise TransitionNotAllowed()
        cleaned = validate_payload(locked, name, user, payload)
        failing = _failing_condition(meth, locked)
        if failing is not None:
            raise Conflict(getattr(failing, "error_message", None), code=getattr(failing, "error_code", "conflict"))
        # django-fsm does not enforce `permission=` itself; asking it here keeps the
        # FSM declaration and the policy table from drifting apart.
        if not _internal and not has_transition_perm(meth, user):
            raise NotPermitted()
        from_state = locked.status
        meth(user=user, **cleaned)
        locked.save()
        locked.on_transitioned(name, user, cleaned)
        deadlines.sync(locked)
        history.record(
            locked,
            f"{locked._meta.model_name}.{name}",
            user,
            _loggable(cleaned),
            transition=name,
            from_state=from_state,
            to_state=locked.status,
            comment=str(cleaned.get("reason") or cleaned.get("comment") or ""),
        )
        notify(
            recipients=locked.notification_recipients(name),
            event=f"{locked._meta.model_name}.{name}",
            item=locked,
            actor=user,
        )
        flowlink.on_transition(locked, name, user)
        for follow in locked.follow_ups(name):
            transition(follow.item, follow.name, user, _internal=True, **follow.payload)  # type: ignore[arg-type]
    return locked


def _loggable(cleaned: dict[str, Any]) -> dict[str, Any]:
    """Payload as stored in history: model instances by primary key."""
    out: dict[str, Any] = {}
    for k, v in cleaned.items():
        if isinstance(v, models.Model):
            out[k] = v.pk
        elif isinstance(v, list | tuple | models.QuerySet):
            out[k] = [x.pk if isinstance(x, models.Model) else x for x in v]
        else:
            out[k] = v
    return out


def available_transitions(item: WorkflowItem, user: Any) -> list[str]:
    """The transitions this user may start on this item now. A transition whose
    condition fails stays on offer (trying it explains why) unless the condition
    says otherwise."""
    out = []
    for action in policy.actions_for(policy.kind_of(item)):
        meth = item.transition_method(action)
        if meth is None or action in item.internal_transitions:
            continue
        if not can_proceed(meth, check_conditions=False) or not policy.allows(item, action, user):
            continue
        failing = _failing_condition(meth, item)
        if failing is None or getattr(failing, "offer_when_failing", True):
            out.append(action)
    return out
