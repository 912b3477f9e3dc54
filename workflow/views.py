"""The history chain check page (流转记录校验): auditors see every check's result and where a
chain broke, and can run one now. The check runs in Celery (`check_history_chains`), since it
reads every history row; beat also runs it nightly. The page also publishes the nightly seals
(ChainSeal), for auditors to keep a copy of and compare with later."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from config.auth import login_required

from . import policy
from .history import BREAK_LABELS, chain_check_request
from .models import ChainCheck, ChainSeal

SHOWN_BREAKS = 100
SHOWN_CHECKS = 20
SHOWN_SEALS = 31


def _breaks(check: ChainCheck | None) -> list[dict[str, Any]]:
    """The latest check's breaks with the item each is on (one query per kind of item)."""
    if check is None:
        return []
    rows = check.breaks[:SHOWN_BREAKS]
    wanted: dict[int, set[int]] = defaultdict(set)
    for b in rows:
        wanted[b["content_type_id"]].add(b["object_id"])
    items: dict[tuple[int, int], Any] = {}
    for ct_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is not None:
            items.update({(ct_id, pk): obj for pk, obj in model._default_manager.in_bulk(ids).items()})
    shown = []
    for b in rows:
        ct = ContentType.objects.get_for_id(b["content_type_id"])
        item = items.get((b["content_type_id"], b["object_id"]))
        shown.append(
            {
                **b,
                "kind": ct.model_class()._meta.verbose_name if ct.model_class() else ct.model,  # type: ignore[union-attr]
                "item": item,
                "url": item.get_absolute_url() if item is not None and hasattr(item, "get_absolute_url") else "",
                "label": BREAK_LABELS.get(b["code"], BREAK_LABELS["other"]),
                "is_seal": ct.model_class() is ChainSeal,
            }
        )
    return shown


@login_required
def history_check(request: HttpRequest) -> HttpResponse:
    if not policy.allows(ChainCheck(), "view", request.user, state=""):
        raise PermissionDenied(_("流转记录校验仅供审计人员和系统管理员查看。"))
    if request.method == "POST":
        policy.check(ChainCheck(), "run", request.user, state="")
        with transaction.atomic():
            check = chain_check_request(user=request.user)
            transaction.on_commit(lambda: _enqueue(check.pk))
        messages.success(request, _("已开始校验，完成后本页显示结果。"))
        return redirect("history_check")
    checks = list(ChainCheck.objects.select_related("requested_by__profile")[:SHOWN_CHECKS])
    latest = next((c for c in checks if c.finished_at is not None), None)
    context = {
        "checks": checks,
        "latest": latest,
        "breaks": _breaks(latest),
        "more_breaks": max(0, (latest.break_count if latest else 0) - SHOWN_BREAKS),
        "running": any(c.finished_at is None for c in checks),
        "can_run": policy.allows(ChainCheck(), "run", request.user, state=""),
        "seals": list(ChainSeal.objects.order_by("-date")[:SHOWN_SEALS]),
    }
    return render(request, "workflow/history_check.html", context)


def _enqueue(check_id: int) -> None:
    from .tasks import check_history_chains

    check_history_chains.delay(check_id)
