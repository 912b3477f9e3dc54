"""The base every item kind builds on: a protected FSM status and the hooks the
transition service calls. Kinds override the hooks; the engine never names a kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from django.db import models
from django.utils.module_loading import import_string
from django_fsm import FSMField


def status_field(*, choices: Any, default: str) -> FSMField:
    """The status column: only @transition methods may change it."""
    return FSMField(max_length=32, choices=choices, default=default, protected=True, db_index=True)


Condition = Callable[..., bool]


def condition(code: str, message: Any, *, offer_when_failing: bool = True) -> Callable[[Condition], Condition]:
    """Mark an FSM condition with the error code and message the service reports when it fails.

    ``offer_when_failing=False`` hides the transition from the available list while the
    condition fails (a reassignment nobody needs); by default the transition stays on
    offer so the user learns why it is refused (too few co-signers)."""

    def decorate(fn: Condition) -> Condition:
        fn.error_code = code  # type: ignore[attr-defined]
        fn.error_message = message  # type: ignore[attr-defined]
        fn.offer_when_failing = offer_when_failing  # type: ignore[attr-defined]
        return fn

    return decorate


class FollowUp:
    """A transition the service runs next, in the same transaction, as the system."""

    def __init__(self, item: models.Model, name: str, **payload: Any):
        self.item, self.name, self.payload = item, name, payload


class WorkflowItem(models.Model):
    # Each kind declares its own `status = status_field(...)` with its states.
    status: Any
    objects: ClassVar[models.Manager[Any]]

    # transition name -> dotted path of the form that validates its payload.
    transition_forms: dict[str, str] = {}
    # dotted path of the viewflow Flow that runs one process per item.
    flow_path: str = ""
    # transition name -> the viewflow nodes whose open task the transition completes.
    flow_tasks: dict[str, tuple[str, ...]] = {}
    # transitions run only by the engine as follow-ups, never by a user.
    internal_transitions: frozenset[str] = frozenset()

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        return ""

    @classmethod
    def sweep_queryset(cls) -> models.QuerySet[Any]:
        """Items as the reminder sweep loads them (add what reminder_recipients reads)."""
        return cls.objects.all()

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        # A protected FSMField refuses assignment once loaded; reloading is not a
        # state change, so drop the cached value and let Django set it afresh.
        fields = kwargs.get("fields") or (args[1] if len(args) > 1 else None)
        for f in self._meta.concrete_fields:
            if getattr(f, "protected", False) and (fields is None or f.attname in fields):
                self.__dict__.pop(f.attname, None)
        super().refresh_from_db(*args, **kwargs)

    def transition_method(self, name: str) -> Callable[..., Any] | None:
        # `return` is a Python keyword, so its method is `return_`.
        for attr in (name, f"{name}_"):
            meth = getattr(self, attr, None)
            if meth is not None and hasattr(meth, "_django_fsm"):
                return meth
        return None

    def transition_form(self, name: str) -> type | None:
        path = self.transition_forms.get(name)
        return import_string(path) if path else None

    # Hooks -------------------------------------------------------------
    def notification_recipients(self, name: str) -> Iterable[Any]:
        """Users told about this transition."""
        return []

    def follow_ups(self, name: str) -> list[FollowUp]:
        """Transitions of other items that this one triggers."""
        return []

    def on_transitioned(self, name: str, user: Any, payload: dict[str, Any]) -> None:
        """Side effects in the same transaction after the row is saved (grants, child rows)."""

    def deadline_specs(self) -> list[Any]:
        """The steps this item now waits on, as workflow.deadlines.DeadlineSpec rows."""
        return []

    def reminder_policy(self) -> Any:
        from .deadlines import ReminderPolicy

        return ReminderPolicy()

    def reminder_recipients(self, step: str, level: int) -> Iterable[Any]:
        """Who is reminded about `step` at escalation `level` (0 the actor, 1 their head, 2 the office)."""
        return []
