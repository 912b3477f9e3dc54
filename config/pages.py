"""What every item page does the same way, whatever the kind: forms laid out for the page,
domain errors next to their fields, the transitions the viewer may start, and the POST
side of a transition button (one write path: workflow.services.transition)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from workflow.errors import DomainError
from workflow.services import available_transitions, transition

PAGE_SIZE = 50
FormT = TypeVar("FormT", bound=forms.BaseForm)


def tidy(form: FormT) -> FormT:
    """Labels above fields need no colon; phone-friendly widgets: a native date-time
    picker, check boxes instead of a multiple select (which needs Ctrl-click on a
    desktop and is awkward on a phone)."""
    form.label_suffix = ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.DateTimeInput):
            widget.input_type = "datetime-local"
            widget.format = "%Y-%m-%dT%H:%M"
        elif isinstance(widget, forms.SelectMultiple) and not isinstance(widget, forms.CheckboxSelectMultiple):
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)  # type: ignore[attr-defined]
    return form


def show_error(form: FormT, err: DomainError) -> FormT:
    """Put a domain error next to the fields it names (the form's own validation
    already found most of them; don't say the same thing twice)."""
    form.is_valid()
    for name, msgs in err.fields.items():
        key = name if name in form.fields else None
        for msg in msgs:
            if str(msg) not in list(form.errors.get(key or "__all__", [])):
                form.add_error(key, str(msg))
    if not err.fields:
        form.add_error(None, str(err.message))
    return form


def paginate(request: HttpRequest, qs: QuerySet) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


@dataclass
class Failed:
    """A transition that was just refused, to show again with its error."""

    name: str
    form: forms.BaseForm | None
    message: str


def transition_actions(
    request: HttpRequest,
    item: Any,
    *,
    labels: dict[str, Any],
    url_name: str,
    failed: Failed | None,
    dress: Callable[[Any], Any] = tidy,
) -> tuple[list[dict], str]:
    """One entry per transition the user may start now, each with its form (laid out by
    `dress`); plus the error of a refused transition that is no longer on offer."""
    names = available_transitions(item, request.user)
    actions = []
    for name in names:
        form, error = None, ""
        if failed and failed.name == name:
            form, error = failed.form, ("" if failed.form is not None else failed.message)
        elif (form_class := item.transition_form(name)) is not None:
            form = dress(form_class(item=item, user=request.user, auto_id=f"id_{name}_%s"))
        actions.append(
            {
                "name": name,
                "label": labels.get(name, name),
                "form": form,
                "error": error,
                "url": reverse(url_name, args=[item.pk, name]),
            }
        )
    orphan = failed.message if failed and failed.name not in names else ""
    return actions, orphan


def run_transition(
    request: HttpRequest,
    item: Any,
    name: str,
    *,
    labels: dict[str, Any],
    render_again: Callable[..., HttpResponse],
    done_url: str,
    dress: Callable[[Any], Any] = tidy,
) -> HttpResponse:
    """POST side of every transition button: the form's fields (as the page lays them out)
    as the payload, the one write path, and the page again with the error when it refuses."""
    form_class = item.transition_form(name)
    payload: dict[str, Any] = {}
    if form_class is not None:
        fields = dress(form_class(item=item, user=request.user)).fields
        payload = {f: fields[f].widget.value_from_datadict(request.POST, request.FILES, f) for f in fields}
    try:
        transition(item, name, request.user, **payload)
    except DomainError as err:
        form = None
        if form_class is not None:
            bound = dress(form_class(data=request.POST, item=item, user=request.user, auto_id=f"id_{name}_%s"))
            form = show_error(bound, err)
        return render_again(request, item.pk, failed=Failed(name, form, str(err.message)), status=err.status)
    messages.success(request, _("已完成操作：%(action)s。") % {"action": labels.get(name, name)})
    return redirect(done_url)
