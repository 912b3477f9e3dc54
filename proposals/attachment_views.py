"""Attachment pages: the upload form on the proposal and assignment pages, and the one
download view. Files live in private storage; there is no media URL, so this view, which
asks proposals.selectors who may see the file, is the only way to read one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from config.auth import login_required
from workflow import policy
from workflow.errors import DomainError, InvalidPayload

from . import selectors
from .attachments import attachment_add
from .models import Assignment, Attachment, Proposal

ACCEPT = ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"


class AttachmentForm(forms.Form):
    # Not required here: the service says what is wrong with a missing file, once.
    file = forms.FileField(
        label=gettext_lazy("上传附件"),
        required=False,
        help_text=gettext_lazy("PDF、Word（docx）、Excel（xlsx）、JPG 或 PNG，每个不超过 20 MB。"),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("auto_id", "id_attach_%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def attachments_context(
    request: HttpRequest,
    proposal: Proposal,
    *,
    assignment: Assignment | None = None,
    form: AttachmentForm | None = None,
) -> dict[str, Any]:
    """What the "附件" section of the proposal page (its own and visible answer attachments)
    or of the assignment page (that answer's attachments) shows, and the upload form when
    the policy allows this user to attach."""
    qs = selectors.attachments_visible_to(request.user).select_related("uploaded_by__profile", "assignment__department")
    qs = qs.filter(proposal=proposal) if assignment is None else qs.filter(assignment=assignment)
    item: Proposal | Assignment = proposal if assignment is None else assignment
    can_attach = policy.allows(item, "attach", request.user)
    return {
        "attachments": list(qs),
        "attach_form": (form or AttachmentForm()) if can_attach else None,
        "attach_assignment": assignment,
    }


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """POST a file to the proposal `pk`, or, with `assignment`, to that department's answer."""
    from . import views  # the pages render the forms again; they import this module

    proposal = views._visible_proposal(request, pk)
    assignment = None
    if raw := request.POST.get("assignment"):
        if not raw.isdigit():
            raise Http404
        assignment = get_object_or_404(selectors.assignments_visible_to(request.user), pk=raw, proposal=proposal)
    form = AttachmentForm(request.POST, request.FILES)
    form.is_valid()
    try:
        attachment = attachment_add(
            user=request.user, proposal=proposal, assignment=assignment, upload=request.FILES.get("file")
        )
    except DomainError as err:
        failed = None
        if isinstance(err, InvalidPayload) and err.fields:
            for msgs in err.fields.values():
                for msg in msgs:
                    form.add_error("file", str(msg))
        else:
            failed = views.Failed("attach", None, str(err.message))
        if assignment is not None:
            return views._render_assignment(request, assignment.pk, failed=failed, attach_form=form, status=err.status)
        return views._render_detail(request, pk, failed=failed, attach_form=form, status=err.status)
    messages.success(request, _("已上传附件：%(name)s。") % {"name": attachment.name})
    return redirect(assignment or proposal)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment: Attachment = get_object_or_404(selectors.attachments_visible_to(request.user), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response
