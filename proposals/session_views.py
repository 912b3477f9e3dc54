"""The union office's session pages (会议管理): the list of congress sessions, the form
to create or edit one, and the 开始征集 / 结束征集 buttons.

Thin like the other pages: proposals.sessions holds the rules (the same services the
REST API at /api/v1/sessions/ calls), workflow.policy says who may do what, and a
DomainError is shown next to the field it names with the user's input kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from config.auth import login_required
from workflow import policy
from workflow.calendar_years import missing_next_year
from workflow.errors import DomainError, InvalidPayload
from workflow.models import EnteredYear

from .models import CongressSession
from .sessions import (
    SESSION_FIELDS,
    SessionForm,
    collection_state,
    session_close_collection,
    session_create,
    session_open_collection,
    session_update,
)
from .views import _show_error, _tidy

# The form's sections, in the order the union office fills them in.
FIELD_GROUPS: list[tuple[Any, list[str]]] = [
    (gettext_lazy("基本信息"), ["name", "code"]),
    (gettext_lazy("征集"), ["collection_opens", "collection_closes", "cosign_threshold"]),
    (gettext_lazy("办理期限规则"), ["triage_days", "answer_days", "feedback_days", "max_extensions"]),
    (
        gettext_lazy("提醒与督办"),
        ["remind_before_days", "overdue_every_days", "escalate_office_after_days", "key_escalate_office_after_days"],
    ),
]


class OpenCollectionForm(forms.Form):
    # Only needed when the planned closing time has passed; the service says so if it is missing.
    collection_closes = forms.DateTimeField(
        label=gettext_lazy("征集截止"),
        required=False,
        help_text=gettext_lazy("原定截止时间已过时必填。"),
    )


def _require(action: str, user: Any, session: CongressSession | None = None, *, state: str | None = None) -> None:
    try:
        policy.check(session or CongressSession(), action, user, state=state)
    except DomainError as err:
        raise PermissionDenied(str(err.message)) from err


# The list -----------------------------------------------------------------------
@dataclass
class SessionRow:
    session: Any
    collecting: bool
    can_edit: bool
    can_open: bool
    can_close: bool
    open_form: OpenCollectionForm | None
    error: str = ""


def _rows(request: HttpRequest, failed: tuple[int, OpenCollectionForm | None, str] | None) -> list[SessionRow]:
    user, now = request.user, timezone.now()
    qs = CongressSession.objects.annotate(proposal_count=Count("proposals")).order_by("-collection_opens", "-id")
    rows = []
    for s in qs:
        state = collection_state(s, now=now)
        can_open = policy.allows(s, "open_collection", user, state=state)
        form, error = None, ""
        if failed and failed[0] == s.pk:
            form, error = failed[1], failed[2]
        if can_open and form is None:
            initial = {"collection_closes": s.collection_closes} if s.collection_closes > now else {}
            form = OpenCollectionForm(initial=initial, auto_id=f"id_open_{s.pk}_%s")
        rows.append(
            SessionRow(
                session=s,
                collecting=s.is_collecting(now),
                can_edit=policy.allows(s, "edit", user),
                can_open=can_open,
                can_close=policy.allows(s, "close_collection", user, state=state),
                open_form=_tidy(form) if can_open and form is not None else None,
                error=error,
            )
        )
    return rows


def _render_list(
    request: HttpRequest, *, failed: tuple[int, OpenCollectionForm | None, str] | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "rows": _rows(request, failed),
        "can_create": policy.allows(CongressSession(), "create", request.user),
        "page_error": failed[2] if failed and failed[1] is None else "",
        # The union office's home: the warning that next year's holidays are missing.
        "calendar_missing_year": (
            missing_next_year(now=timezone.now())
            if policy.allows(EnteredYear(), "enter", request.user, state="")
            else None
        ),
    }
    return render(request, "proposals/sessions/list.html", context, status=status)


@login_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    _require("manage", request.user, state="")
    return _render_list(request)


# Create and edit ----------------------------------------------------------------
def _form_page(
    request: HttpRequest, form: SessionForm, session: CongressSession | None, status: int = 200
) -> HttpResponse:
    _tidy(form)
    groups = [(label, [form[name] for name in names]) for label, names in FIELD_GROUPS]
    context = {"form": form, "groups": groups, "session": session}
    return render(request, "proposals/sessions/form.html", context, status=status)


WINDOW_TIMES = ("collection_opens", "collection_closes")
MINUTES = "%Y-%m-%dT%H:%M"  # the datetime-local input's format (see views._tidy)


def _posted(request: HttpRequest, session: CongressSession | None = None) -> dict[str, Any]:
    data = {f: request.POST[f] for f in SESSION_FIELDS if f in request.POST}
    if session is not None:
        # The page shows times to the minute; one sent back as shown is unchanged, seconds and all.
        for name in WINDOW_TIMES:
            stored = getattr(session, name)
            if data.get(name) == timezone.localtime(stored).strftime(MINUTES):
                data[name] = stored
    return data


@login_required
def session_create_view(request: HttpRequest) -> HttpResponse:
    _require("create", request.user)
    if request.method == "POST":
        try:
            session = session_create(user=request.user, data=_posted(request))
        except DomainError as err:
            return _form_page(request, _show_error(SessionForm(data=request.POST), err), None, status=err.status)
        messages.success(request, _("已新建会议“%(name)s”。") % {"name": session.name})
        return redirect("proposals:sessions")
    return _form_page(request, SessionForm(), None)


@login_required
def session_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(CongressSession, pk=pk)
    _require("edit", request.user, session)
    if request.method == "POST":
        try:
            session_update(session=session, user=request.user, data=_posted(request, session))
        except DomainError as err:
            # A fresh instance: validating the form wrote the rejected input onto `session`.
            fresh = get_object_or_404(CongressSession, pk=pk)
            form = _show_error(SessionForm(data=request.POST, instance=fresh), err)
            return _form_page(request, form, fresh, status=err.status)
        messages.success(request, _("已保存会议“%(name)s”的设置。") % {"name": session.name})
        return redirect("proposals:sessions")
    return _form_page(request, SessionForm(instance=session), session)


# Opening and closing collection -------------------------------------------------
@login_required
@require_POST
def session_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require("manage", request.user, state="")
    session = get_object_or_404(CongressSession, pk=pk)
    form = OpenCollectionForm(request.POST, auto_id=f"id_open_{pk}_%s")
    try:
        if not form.is_valid():
            raise InvalidPayload(fields={k: [str(e) for e in v] for k, v in form.errors.items()})
        session = session_open_collection(
            session=session, user=request.user, closes=form.cleaned_data["collection_closes"]
        )
    except DomainError as err:
        shown = _show_error(form, err) if err.fields else None
        return _render_list(request, failed=(pk, shown, str(err.message)), status=err.status)
    closes = timezone.localtime(session.collection_closes)
    messages.success(
        request,
        _("“%(name)s”已开始征集提案，截止于 %(closes)s。")
        % {"name": session.name, "closes": closes.strftime("%Y-%m-%d %H:%M")},
    )
    return redirect("proposals:sessions")


@login_required
@require_POST
def session_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require("manage", request.user, state="")
    session = get_object_or_404(CongressSession, pk=pk)
    try:
        session = session_close_collection(session=session, user=request.user)
    except DomainError as err:
        return _render_list(request, failed=(pk, None, str(err.message)), status=err.status)
    messages.success(request, _("“%(name)s”已结束征集，不再接受提交提案。") % {"name": session.name})
    return redirect("proposals:sessions")
