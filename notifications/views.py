"""The in-app inbox: the user's own notifications, marked read one by one or all at once;
and the page where users choose how else they are told."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.auth import login_required

from .forms import PreferencesForm
from .models import Notification
from .preferences import preferences_set, user_preferences
from .services import notification_mark_read

PAGE_SIZE = 50


def _own(request: HttpRequest) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=request.user.pk)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    # A path of this site only: redirect() would take anything else for a URL name to reverse.
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = _own(request).only("id", "title", "link", "created_at", "read_at")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page_obj": page_obj, "unread_only": unread_only})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    # Someone else's notification is a 404, never a silent no-op.
    notification = get_object_or_404(_own(request), pk=pk)
    notification_mark_read(user=request.user, notification_id=notification.pk)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notification_mark_read(user=request.user)
    messages.success(request, _("已将 %(count)d 条通知标为已读。") % {"count": count})
    return _back(request)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    current = user_preferences(user=request.user)
    # Bound on every POST: a form with every box unticked posts no fields but still means "none".
    form = PreferencesForm(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST" and form.is_valid():
        preferences_set(user=request.user, rows=form.rows())
        messages.success(request, _("通知设置已保存。"))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_email": bool((getattr(request.user, "email", "") or "").strip())},
    )
