"""The confidential files on a request's page: the list (a link only for those who may open
them), the upload form, and the one download view. Files live in private storage with no
URL, so `/welfare/attachments/<id>/` is the only way to read one: 404 for a request the user
may not see, 403 for one whose sensitive data they may not read, and a SensitiveAccess row
for every file served (welfare.attachments)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.auth import login_required
from config.pages import show_error
from workflow import policy
from workflow.errors import DomainError, NotPermitted

from .attachments import welfare_attachment_add, welfare_attachment_serve, welfare_attachments_visible_to
from .claim_forms import WelfareFileForm
from .models import AccessChannel, WelfareAttachment, WelfareRequest
from .privacy import may_see_sensitive

# Forms of this page that were just refused, kept on the HttpRequest so the request's page
# (welfare.views._render_detail) shows them again with their errors.
_BOUND = "_welfare_bound_forms"


def keep_bound(request: HttpRequest, key: str, form: BaseForm) -> None:
    forms = getattr(request, _BOUND, None)
    if forms is None:
        forms = {}
        setattr(request, _BOUND, forms)
    forms[key] = form


def bound(request: HttpRequest, key: str) -> Any:
    return (getattr(request, _BOUND, None) or {}).get(key)


def may_open_files(request: HttpRequest, item: WelfareRequest) -> bool:
    return may_see_sensitive(item, request.user)


def attachments_context(request: HttpRequest, item: WelfareRequest) -> dict[str, Any]:
    """The "证明材料" section: the request's own files (a claim's receipts are shown with the
    claim), whether this viewer may open them, and the upload form when the policy allows."""
    files = (
        WelfareAttachment.objects.filter(request=item, claim__isnull=True)
        .select_related("uploaded_by__profile")
        .order_by("created_at", "id")
    )
    form = bound(request, "attach")
    if form is None and policy.allows(item, "attach", request.user):
        form = WelfareFileForm()
    return {
        "welfare_files": list(files),
        "may_open_files": may_open_files(request, item),
        "attach_form": form,
    }


def render_again(request: HttpRequest, pk: int, status: int) -> HttpResponse:
    from . import views  # the request's page includes this module's context

    return views._render_detail(request, pk, status=status)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """POST a medical certificate or another supporting file to the request `pk`."""
    from . import views

    item = views._visible_request(request, pk)
    form = WelfareFileForm(request.POST, request.FILES)
    try:
        attachment = welfare_attachment_add(user=request.user, request=item, upload=request.FILES.get("file"))
    except DomainError as err:
        keep_bound(request, "attach", show_error(form, err))
        return render_again(request, pk, err.status)
    messages.success(request, _("已上传证明材料：%(name)s。") % {"name": attachment.name})
    return redirect("welfare:detail", pk=item.pk)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(welfare_attachments_visible_to(request.user).select_related("request"), pk=pk)
    try:
        handle = welfare_attachment_serve(
            user=request.user, attachment=attachment, channel=AccessChannel.PAGE, path=request.get_full_path()
        )
    except NotPermitted as err:
        raise PermissionDenied(str(err.message)) from None
    except FileNotFoundError:
        raise Http404 from None
    return file_response(handle, attachment)


def file_response(handle: Any, attachment: WelfareAttachment) -> FileResponse:
    """The file as a download under its original name (RFC 5987 filename* for a Chinese
    name), never sniffed by the browser nor kept in a shared cache."""
    response = FileResponse(handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response
