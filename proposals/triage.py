"""The committee's triage queue (审查队列): submitted proposals of one session, each
with its likely duplicates beside it, and accept, merge and convert one click away.

Duplicates come from `similarity_matrix`, built once for the session the page
shows: one query and one index whatever the number of rows. Who may open the
queue is the policy row `triage_queue`; what each row offers is asked of the
policy per transition, and every write goes through `workflow.services.transition`
(the row buttons post to the ordinary transition URL, the bulk accept here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from config.auth import login_required
from workflow import policy
from workflow.errors import DomainError
from workflow.services import transition

from . import selectors
from .forms import MergeForm
from .models import Category, CongressSession, Proposal, ProposalStatus
from .similarity import similarity_matrix

PAGE_SIZE = 50
DUPLICATES_SHOWN = 3


class TriageFilterForm(forms.Form):
    # No "all sessions": duplicates are found within one session, so the queue shows one.
    session = forms.TypedChoiceField(label=gettext_lazy("会议"), required=False, coerce=int, empty_value=None)
    category = forms.TypedChoiceField(label=gettext_lazy("类别"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)

    def __init__(self, *args: Any, sessions: list[tuple[int, str]], categories: list[tuple[int, str]], **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["session"].choices = sessions  # type: ignore[attr-defined]
        self.fields["category"].choices = everything + categories  # type: ignore[attr-defined]
        self.fields["status"].choices = everything + list(ProposalStatus.choices)  # type: ignore[attr-defined]


@dataclass
class Duplicate:
    proposal: Proposal
    percent: int
    mergeable: bool  # an open proposal of the same session, which MergeForm accepts as `into`


@dataclass
class TriageRow:
    proposal: Proposal
    duplicates: list[Duplicate] = field(default_factory=list)
    can_accept: bool = False
    can_merge: bool = False
    can_convert: bool = False


def _require_queue(user: Any) -> None:
    try:
        policy.check(Proposal(), "triage_queue", user, state="")
    except DomainError as err:
        raise PermissionDenied(str(err.message)) from err


def _filter_data(request: HttpRequest, sessions: list[CongressSession]) -> QueryDict:
    """The query string with the queue's defaults: 待审查 proposals of the current session.

    The current session is picked by `selectors.current_session`'s rule (the one collecting
    now, else the newest) from the list the filter loads anyway: one query fewer per page."""
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = ProposalStatus.SUBMITTED
    if not data.get("session") and sessions:
        now = timezone.now()
        open_ = [s for s in sessions if s.collection_opens <= now < s.collection_closes]
        data["session"] = str((open_ or sessions)[0].pk)
    return data


def _duplicates(user: Any, session_id: int, proposals: list[Proposal]) -> dict[int, list[Duplicate]]:
    """Each proposal's best DUPLICATES_SHOWN matches the user may see, in two queries for the page."""
    matrix = similarity_matrix(session_id, limit=DUPLICATES_SHOWN)
    wanted = {pk: matrix.get(pk, []) for pk in (p.pk for p in proposals)}
    ids = {other for ranked in wanted.values() for other, _score in ranked}
    # The merge form's own rule for a valid target, asked for all suggestions at once.
    targets = MergeForm(item=None).fields["into"].queryset.filter(pk=OuterRef("pk"))  # type: ignore[attr-defined]
    others = {
        p.pk: p
        for p in selectors.proposals_visible_to(user)
        .filter(pk__in=ids, session_id=session_id)
        .annotate(mergeable=Exists(targets))
        .only("id", "session_id", "number", "title", "status")
    }
    return {
        pk: [
            Duplicate(others[other], round(score * 100), others[other].mergeable)  # type: ignore[attr-defined]
            for other, score in ranked
            if other in others
        ]
        for pk, ranked in wanted.items()
    }


@login_required
@require_GET
def triage_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_queue(user)
    sessions = list(
        CongressSession.objects.order_by("-collection_opens").only("name", "collection_opens", "collection_closes")
    )
    form = TriageFilterForm(
        _filter_data(request, sessions),
        sessions=[(s.pk, s.name) for s in sessions],
        categories=list(Category.objects.values_list("pk", "name")),
    )
    session_id = form.cleaned_data["session"] if form.is_valid() else None
    rows: list[TriageRow] = []
    page_obj = None
    if session_id is not None:
        qs = selectors.proposal_list(user).filter(session_id=session_id)
        if form.cleaned_data["category"]:
            qs = qs.filter(category_id=form.cleaned_data["category"])
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
        # Oldest first: the triage deadline runs from submission.
        qs = qs.prefetch_related(None).defer("reason", "suggestion").order_by("submitted_at", "id")
        page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        proposals = list(page_obj)
        duplicates = _duplicates(user, session_id, proposals) if proposals else {}
        rows = [
            TriageRow(
                p,
                duplicates.get(p.pk, []),
                can_accept=policy.allows(p, "accept", user),
                can_merge=policy.allows(p, "merge", user),
                can_convert=policy.allows(p, "convert", user),
            )
            for p in proposals
        ]
    context = {"form": form, "rows": rows, "page_obj": page_obj, "query": request.GET.urlencode()}
    return render(request, "proposals/triage.html", context)


def _summary(accepted: int, failures: list[tuple[Proposal, str]]) -> str:
    text = _("%(count)d 件已立案") % {"count": accepted}
    if not failures:
        return text + _("。")
    reasons = _("；").join(
        _("《%(title)s》：%(reason)s") % {"title": p.title, "reason": reason.rstrip("。")} for p, reason in failures
    )
    return text + _("，%(count)d 件未能立案：%(reasons)s。") % {"count": len(failures), "reasons": reasons}


@login_required
@require_POST
def triage_bulk_accept(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_queue(user)
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
    back = reverse("proposals:triage")
    # Back to the same filters; re-encoded, so nothing but a query string reaches the URL.
    query = QueryDict(request.POST.get("query", "")).urlencode()
    if query:
        back = f"{back}?{query}"
    if not ids:
        messages.warning(request, _("请先勾选要立案的提案。"))
        return redirect(back)
    accepted, failures = 0, []
    # Each accept is its own transaction: one refusal must not undo the others.
    for proposal in selectors.proposals_visible_to(user).filter(pk__in=ids).order_by("submitted_at", "id"):
        try:
            transition(proposal, "accept", user)
        except DomainError as err:
            failures.append((proposal, str(err.message)))
        else:
            accepted += 1
    if failures:
        messages.warning(request, _summary(accepted, failures))
    else:
        messages.success(request, _summary(accepted, failures))
    return redirect(back)
