"""The roster upload page (花名册导入): upload a file, see what it would change, confirm.

Step 1 stages the file and runs the importer's dry run; a file with errors is refused
there with every bad row named (第N行). Step 2 shows the preview and applies exactly the
staged file when the union office confirms. The staged file's token lives in this user's
session, so nobody else can preview or apply it; a token already applied answers with a
notice instead of importing again. Who may upload is the policy row ``import_roster``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from config.auth import login_required
from workflow import policy
from workflow.errors import DomainError

from .models import Department, Role
from .roster import FieldChange, RosterError, RosterResult, RowAction
from .roster_uploads import (
    ALLOWED_SUFFIXES,
    MAX_ROSTER_SIZE,
    StagedRoster,
    StagedRosterGone,
    roster_upload_apply,
    roster_upload_discard,
    roster_upload_preview,
    roster_upload_stage,
)

STAGED_KEY = "roster_uploads"  # token -> StagedRoster.as_dict()
APPLIED_KEY = "roster_applied"  # tokens already imported, newest last
APPLIED_KEPT = 20
PREVIEW_ROWS = 500  # changed rows listed on the page; the counts cover the whole file

FIELD_LABELS: dict[str, Any] = {
    "full_name": gettext_lazy("姓名"),
    "department": gettext_lazy("部门"),
    "roles": gettext_lazy("角色"),
    "delegation": gettext_lazy("代表团"),
    "email": gettext_lazy("邮箱"),
    "mobile": gettext_lazy("手机"),
}


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("花名册文件"),
        help_text=gettext_lazy("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码），不超过 5 MB。"),
        widget=forms.FileInput(attrs={"accept": ",".join(ALLOWED_SUFFIXES)}),
        error_messages={"required": gettext_lazy("请选择要上传的花名册文件。")},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _require(user: Any) -> None:
    try:
        policy.check(Department(), "import_roster", user, state="")
    except DomainError as err:
        raise PermissionDenied(str(err.message)) from err


def _staged(request: HttpRequest, token: str) -> StagedRoster:
    """The user's own staged file; anyone else's token (or a made-up one) is not found."""
    data = request.session.get(STAGED_KEY, {}).get(token)
    if data is None:
        raise Http404
    return StagedRoster.from_dict(data)


def _forget(request: HttpRequest, token: str, *, applied: bool = False) -> None:
    staged = dict(request.session.get(STAGED_KEY, {}))
    staged.pop(token, None)
    request.session[STAGED_KEY] = staged
    if applied:
        request.session[APPLIED_KEY] = [*request.session.get(APPLIED_KEY, []), token][-APPLIED_KEPT:]


def _summary(result: RosterResult) -> str:
    return _("新增 %(created)d 人，更新 %(updated)d 人，未变 %(unchanged)d 人") % {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }


def _shown(change: FieldChange, text: str) -> str:
    if change.field == "roles" and text:
        return "、".join(str(Role(code).label) if code in Role.values else code for code in text.split(","))
    return text


def _rows(result: RosterResult) -> list[dict[str, Any]]:
    changed = [r for r in result.rows if r.action != RowAction.UNCHANGED][:PREVIEW_ROWS]
    return [
        {
            "row": r,
            "new": r.action == RowAction.CREATED,
            "changes": [
                {"label": FIELD_LABELS.get(c.field, c.field), "old": _shown(c, c.old), "new": _shown(c, c.new)}
                for c in r.changes
            ],
        }
        for r in changed
    ]


def _upload_page(
    request: HttpRequest, form: RosterUploadForm, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "errors": errors or [], "max_size": MAX_ROSTER_SIZE}
    return render(request, "org/roster_upload.html", context, status=status)


@login_required
def roster_upload(request: HttpRequest) -> HttpResponse:
    _require(request.user)
    if request.method != "POST":
        return _upload_page(request, RosterUploadForm())
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    # One byte over the limit is enough to refuse; don't read a huge file into memory.
    data = upload.read(MAX_ROSTER_SIZE + 1)
    try:
        staged = roster_upload_stage(user=request.user, name=upload.name, data=data)
    except DomainError as err:
        for message in err.fields.get("file", [str(err.message)]):
            form.add_error("file", message)
        return _upload_page(request, form, status=err.status)
    try:
        roster_upload_preview(user=request.user, staged=staged)
    except RosterError as err:
        # Nothing of a file with errors can be imported: don't keep it.
        roster_upload_discard(staged=staged)
        return _upload_page(request, RosterUploadForm(), errors=err.errors, status=400)
    request.session[STAGED_KEY] = {**request.session.get(STAGED_KEY, {}), staged.token: staged.as_dict()}
    return redirect("org:roster_preview", token=staged.token)


def _preview_page(
    request: HttpRequest,
    staged: StagedRoster,
    *,
    result: RosterResult | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = _rows(result) if result else []
    context = {
        "staged": staged,
        "result": result,
        "summary": _summary(result) if result else "",
        "rows": rows,
        "truncated": result is not None and len(rows) < result.created + result.updated,
        "preview_rows": PREVIEW_ROWS,
        "errors": errors or [],
        "can_confirm": result is not None and not errors,
    }
    return render(request, "org/roster_preview.html", context, status=status)


def _gone(request: HttpRequest, token: str, err: DomainError) -> HttpResponse:
    _forget(request, token)
    messages.warning(request, str(err.message))
    return redirect("org:roster_upload")


@login_required
@require_GET
def roster_preview(request: HttpRequest, token: str) -> HttpResponse:
    _require(request.user)
    staged = _staged(request, token)
    try:
        result = roster_upload_preview(user=request.user, staged=staged)
    except StagedRosterGone as err:
        return _gone(request, token, err)
    except RosterError as err:
        return _preview_page(request, staged, errors=err.errors, status=400)
    return _preview_page(request, staged, result=result)


@login_required
@require_POST
def roster_confirm(request: HttpRequest, token: str) -> HttpResponse:
    _require(request.user)
    if token in request.session.get(APPLIED_KEY, []):
        # A second click, or the back button: the file is already in; importing it again would change nothing.
        messages.info(request, _("该名册已导入，未重复导入。"))
        return redirect("org:roster_upload")
    staged = _staged(request, token)
    try:
        result = roster_upload_apply(user=request.user, staged=staged)
    except StagedRosterGone as err:
        return _gone(request, token, err)
    except RosterError as err:
        return _preview_page(request, staged, errors=err.errors, status=400)
    _forget(request, token, applied=True)
    messages.success(request, _("花名册已导入：%(summary)s。") % {"summary": _summary(result)})
    return redirect("org:roster_upload")


@login_required
@require_POST
def roster_cancel(request: HttpRequest, token: str) -> HttpResponse:
    _require(request.user)
    staged = _staged(request, token)
    roster_upload_discard(staged=staged)
    _forget(request, token)
    messages.info(request, _("已取消本次导入，未写入任何数据。"))
    return redirect("org:roster_upload")
