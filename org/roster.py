"""Roster import: people, their departments and roles from an Excel or CSV file.

The union office keeps its roster in a spreadsheet; importing it is the usual
way people get into the system. The file is all-or-nothing: every row is
validated before anything is written, so a half-imported roster never has to
be cleaned up by hand. The same planning code serves the dry run (the upload
preview), so the preview and the real import cannot disagree.

Optional columns (代表团, 邮箱, 手机) are only managed when present: a file
without a 手机 column leaves everyone's mobile number as it is, while an empty
cell in a present column clears the value.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator, validate_email
from django.db import models, transaction
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ROLE_GROUP_PREFIX, Delegation, Department, DepartmentKind, Profile, Role
from .roles import user_set_roles

# Header names (compared after strip + casefold) -> field.
HEADER_ALIASES: dict[str, str] = {
    "工号": "username",
    "username": "username",
    "姓名": "full_name",
    "full_name": "full_name",
    "部门": "department",
    "department": "department",
    "角色": "roles",
    "roles": "roles",
    "代表团": "delegation",
    "delegation": "delegation",
    "邮箱": "email",
    "email": "email",
    "手机": "mobile",
    "mobile": "mobile",
}
REQUIRED_FIELDS = ("username", "full_name", "department", "roles")
OPTIONAL_FIELDS = ("delegation", "email", "mobile")
# The order in which changes are reported in a preview.
COMPARED_FIELDS = ("full_name", "department", "roles", "delegation", "email", "mobile")

# Words secretaries actually type for roles, besides the codes and the labels of Role.
ROLE_SYNONYMS: dict[str, Role] = {
    "代表": Role.DELEGATE,
    "会员": Role.MEMBER,
    "经办人": Role.DEPARTMENT_HANDLER,
    "负责人": Role.DEPARTMENT_HEAD,
    "提案委员会": Role.COMMITTEE,
    "执委会": Role.COMMITTEE,
    "工会办公室": Role.UNION_OFFICE,
    "审计": Role.AUDITOR,
    "管理员": Role.ADMIN,
}
ROLE_SEPARATORS = re.compile(r"[,，、;；]")

# SQLite's limit on query parameters is 999 in old builds; stay well below it.
QUERY_CHUNK = 500


class RosterError(Exception):
    """The file cannot be imported; ``errors`` lists every problem, each naming its row."""

    status = 400
    code = "roster_invalid"

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors: list[str] = [str(e) for e in errors]
        self.message = "\n".join(self.errors)
        super().__init__(self.message)


class RowAction(models.TextChoices):
    CREATED = "created", gettext_lazy("新增")
    UPDATED = "updated", gettext_lazy("更新")
    UNCHANGED = "unchanged", gettext_lazy("未变")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class RowChange:
    row: int
    username: str
    full_name: str
    action: RowAction
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class RosterResult:
    created: int
    updated: int
    unchanged: int
    rows: list[RowChange]
    departments_created: list[str] = field(default_factory=list)
    delegations_created: list[str] = field(default_factory=list)
    dry_run: bool = False


@dataclass(frozen=True)
class RosterRow:
    """One validated data row. ``None`` in an optional field means the column is absent."""

    row: int
    username: str
    full_name: str
    department: str
    roles: frozenset[str]
    delegation: str | None = None
    email: str | None = None
    mobile: str | None = None


# --- reading the file -------------------------------------------------------

Table = list[tuple[int, list[str]]]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    # Excel stores 工号 and 手机 typed as numbers as floats; 2001.0 must read as "2001".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _non_blank(rows: Iterable[Sequence[object]]) -> Table:
    """Number rows as the spreadsheet shows them (from 1) and drop the blank ones."""
    table: Table = []
    for number, cells in enumerate(rows, start=1):
        texts = [_cell_text(c) for c in cells]
        if any(texts):
            table.append((number, texts))
    return table


def _read_xlsx(*, data: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise RosterError([_("无法读取 Excel 文件，请确认是 .xlsx 格式。")]) from exc
    try:
        # The first sheet, not the active one: which sheet was last open is an accident.
        return _non_blank(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()  # read-only workbooks keep the archive open until closed


def _decode(*, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # also strips the BOM Excel writes for "CSV UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        # Excel on Chinese Windows saves "CSV" as GBK; GB18030 is its superset and also
        # covers the rare characters that turn up in people's names.
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise RosterError([_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码。")]) from exc


def _read_csv(*, data: bytes) -> Table:
    text = _decode(data=data)
    try:
        return _non_blank(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RosterError([_("无法解析 CSV 文件：%(error)s") % {"error": exc}]) from exc


def _read_table(*, file_name: str, data: bytes) -> Table:
    suffix = PurePath(file_name).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data=data)
    if suffix == ".csv":
        return _read_csv(data=data)
    message = _("不支持的文件类型“%(suffix)s”，请使用 .xlsx 或 .csv 文件。") % {"suffix": suffix or file_name}
    raise RosterError([message])


# --- validating rows --------------------------------------------------------


def _row_error(row: int, message: str) -> str:
    return _("第%(row)d行：%(message)s") % {"row": row, "message": message}


def _header_columns(*, row: int, header: list[str]) -> dict[str, int]:
    """Map each known field to its column index; unknown columns (序号, 备注 ...) are ignored."""
    columns: dict[str, int] = {}
    errors: list[str] = []
    for index, name in enumerate(header):
        key = HEADER_ALIASES.get(name.strip().casefold())
        if key is None:
            continue
        if key in columns:
            errors.append(_row_error(row, _("“%(column)s”列重复") % {"column": name}))
        columns[key] = index
    labels = {"username": "工号", "full_name": "姓名", "department": "部门", "roles": "角色"}
    for key in REQUIRED_FIELDS:
        if key not in columns:
            errors.append(_row_error(row, _("缺少“%(zh)s”（%(en)s）列") % {"zh": labels[key], "en": key}))
    if errors:
        raise RosterError(errors)
    return columns


def _role_lookup() -> dict[str, str]:
    """Role codes, labels (source and current language) and synonyms -> role code."""
    lookup: dict[str, str] = {}
    for role in Role:
        lookup[role.value.casefold()] = role.value
        lookup[str(role.label).casefold()] = role.value
    with translation.override(None):  # the untranslated (Chinese) labels
        for role in Role:
            lookup[str(role.label).casefold()] = role.value
    for word, role in ROLE_SYNONYMS.items():
        lookup[word.casefold()] = role.value
    return lookup


def _parse_roles(*, row: int, text: str, lookup: dict[str, str], errors: list[str]) -> frozenset[str]:
    roles: set[str] = set()
    for word in ROLE_SEPARATORS.split(text):
        word = word.strip()
        if not word:
            continue
        code = lookup.get(word.casefold())
        if code is None:
            errors.append(_row_error(row, _("未知角色“%(role)s”") % {"role": word}))
        else:
            roles.add(code)
    return frozenset(roles)


def _check_length(*, row: int, value: str, model_field: models.Field, errors: list[str]) -> None:
    if model_field.max_length and len(value) > model_field.max_length:
        message = _("%(field)s“%(value)s”过长（最多 %(max)d 个字符）") % {
            "field": model_field.verbose_name,
            "value": value,
            "max": model_field.max_length,
        }
        errors.append(_row_error(row, message))


def _parse_row(
    *, row: int, cells: list[str], columns: dict[str, int], lookup: dict[str, str]
) -> tuple[RosterRow, list[str]]:
    def cell(key: str) -> str | None:
        if key not in columns:
            return None
        index = columns[key]
        return cells[index] if index < len(cells) else ""

    errors: list[str] = []
    username = cell("username") or ""
    full_name = cell("full_name") or ""
    department = cell("department") or ""
    email = cell("email")
    delegation = cell("delegation")
    mobile = cell("mobile")

    # PostgreSQL's text columns cannot hold a NUL: refused as every form refuses it, with
    # Django's own validator (config/inputs.py).
    typed = [v for v in (username, full_name, department, cell("roles"), email, delegation, mobile) if v]
    try:
        for value in typed:
            ProhibitNullCharactersValidator()(value)
    except ValidationError as exc:
        errors.append(_row_error(row, exc.messages[0]))
    if not username:
        errors.append(_row_error(row, _("缺少工号")))
    else:
        try:
            get_user_model()._meta.get_field("username").run_validators(username)
        except ValidationError:
            errors.append(_row_error(row, _("工号“%(username)s”无效") % {"username": username}))
    if not full_name:
        errors.append(_row_error(row, _("缺少姓名")))
    roles = _parse_roles(row=row, text=cell("roles") or "", lookup=lookup, errors=errors)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_row_error(row, _("邮箱“%(email)s”格式不正确") % {"email": email}))
    _check_length(row=row, value=full_name, model_field=Profile._meta.get_field("full_name"), errors=errors)
    _check_length(row=row, value=department, model_field=Department._meta.get_field("name"), errors=errors)
    _check_length(row=row, value=delegation or "", model_field=Delegation._meta.get_field("name"), errors=errors)
    _check_length(row=row, value=mobile or "", model_field=Profile._meta.get_field("mobile"), errors=errors)
    _check_length(row=row, value=email or "", model_field=get_user_model()._meta.get_field("email"), errors=errors)

    parsed = RosterRow(
        row=row,
        username=username,
        full_name=full_name,
        department=department,
        roles=roles,
        delegation=delegation,
        email=email,
        mobile=mobile,
    )
    return parsed, errors


def roster_parse(*, file_name: str, data: bytes) -> list[RosterRow]:
    """Read and validate the whole file; raise RosterError listing every bad row."""
    table = _read_table(file_name=file_name, data=data)
    if not table:
        raise RosterError([_("文件是空的，缺少表头行。")])
    (header_row, header), body = table[0], table[1:]
    columns = _header_columns(row=header_row, header=header)
    lookup = _role_lookup()

    rows: list[RosterRow] = []
    errors: list[str] = []
    first_seen: dict[str, int] = {}
    for number, cells in body:
        parsed, row_errors = _parse_row(row=number, cells=cells, columns=columns, lookup=lookup)
        errors.extend(row_errors)
        if parsed.username in first_seen:
            message = _("工号“%(username)s”与第%(first)d行重复") % {
                "username": parsed.username,
                "first": first_seen[parsed.username],
            }
            errors.append(_row_error(number, message))
        elif parsed.username:
            first_seen[parsed.username] = number
        rows.append(parsed)
    if errors:
        raise RosterError(errors)
    return rows


# --- planning and writing ---------------------------------------------------


@dataclass(frozen=True)
class _Step:
    row: RosterRow
    user: Any  # the existing user, or None for a new one
    change: RowChange


@dataclass(frozen=True)
class _Plan:
    steps: list[_Step]
    new_departments: list[str]
    new_delegations: list[str]


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_users(*, usernames: Sequence[str]) -> dict[str, Any]:
    user_model = get_user_model()
    role_groups = Prefetch(
        "groups", queryset=Group.objects.filter(name__startswith=ROLE_GROUP_PREFIX), to_attr="roster_role_groups"
    )
    found: dict[str, Any] = {}
    for chunk in _chunks(sorted(usernames), QUERY_CHUNK):
        users = (
            user_model.objects.filter(username__in=chunk)
            .select_related("profile__department", "profile__delegation")
            .prefetch_related(role_groups)
        )
        found.update({u.username: u for u in users})
    return found


def _profile_of(user: Any) -> Profile | None:
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def _current_state(user: Any) -> dict[str, str]:
    if user is None:
        return dict.fromkeys(COMPARED_FIELDS, "")
    profile = _profile_of(user)
    roles = sorted(g.name[len(ROLE_GROUP_PREFIX) :] for g in user.roster_role_groups)
    return {
        "full_name": profile.full_name if profile else "",
        "department": profile.department.name if profile and profile.department else "",
        "roles": ",".join(roles),
        "delegation": profile.delegation.name if profile and profile.delegation else "",
        "email": user.email or "",
        "mobile": profile.mobile if profile else "",
    }


def _wanted_state(*, row: RosterRow, current: dict[str, str]) -> dict[str, str]:
    # An absent optional column keeps the current value, so it never counts as a change.
    return {
        "full_name": row.full_name,
        "department": row.department,
        "roles": ",".join(sorted(row.roles)),
        "delegation": current["delegation"] if row.delegation is None else row.delegation,
        "email": current["email"] if row.email is None else row.email,
        "mobile": current["mobile"] if row.mobile is None else row.mobile,
    }


def _plan_row(*, row: RosterRow, user: Any) -> RowChange:
    current = _current_state(user)
    wanted = _wanted_state(row=row, current=current)
    changes = tuple(FieldChange(f, current[f], wanted[f]) for f in COMPARED_FIELDS if current[f] != wanted[f])
    if user is None:
        action = RowAction.CREATED
    elif changes:
        action = RowAction.UPDATED
    else:
        action = RowAction.UNCHANGED
    return RowChange(row=row.row, username=row.username, full_name=row.full_name, action=action, changes=changes)


def _missing_names(*, model: type[Department] | type[Delegation], names: Iterable[str]) -> list[str]:
    wanted = {n for n in names if n}
    existing = set(model.objects.filter(name__in=wanted).values_list("name", flat=True))
    return sorted(wanted - existing)


def _plan(*, rows: list[RosterRow]) -> _Plan:
    users = _existing_users(usernames=[r.username for r in rows])
    steps = []
    for row in rows:
        user = users.get(row.username)
        steps.append(_Step(row=row, user=user, change=_plan_row(row=row, user=user)))
    return _Plan(
        steps=steps,
        new_departments=_missing_names(model=Department, names=(r.department for r in rows)),
        new_delegations=_missing_names(model=Delegation, names=(r.delegation or "" for r in rows)),
    )


def _department_kind(name: str) -> str:
    return DepartmentKind.COLLEGE if name.endswith("学院") else DepartmentKind.OFFICE


def _apply_step(*, step: _Step, departments: dict[str, Department], delegations: dict[str, Delegation]) -> None:
    row, user = step.row, step.user
    changed = {c.field for c in step.change.changes}
    if user is None:
        user = get_user_model()(username=row.username, email=row.email or "")
        # Imported people sign in by SSO or get a password from the admin, never a guessable default.
        user.set_unusable_password()
        user.save()
    elif "email" in changed:
        user.email = row.email or ""
        user.save(update_fields=["email"])

    profile = _profile_of(user) or Profile(user=user)
    profile.full_name = row.full_name
    profile.department = departments.get(row.department)
    if row.delegation is not None:
        profile.delegation = delegations.get(row.delegation)
    if row.mobile is not None:
        profile.mobile = row.mobile
    profile.save()

    if "roles" in changed:
        user_set_roles(user=user, roles=row.roles)


def _apply(*, plan: _Plan, rows: list[RosterRow]) -> None:
    for name in plan.new_departments:
        Department.objects.create(name=name, kind=_department_kind(name))
    for name in plan.new_delegations:
        Delegation.objects.create(name=name)
    departments = {d.name: d for d in Department.objects.filter(name__in={r.department for r in rows if r.department})}
    delegations = {d.name: d for d in Delegation.objects.filter(name__in={r.delegation for r in rows if r.delegation})}
    for step in plan.steps:
        if step.change.action != RowAction.UNCHANGED:
            _apply_step(step=step, departments=departments, delegations=delegations)


def _result(*, plan: _Plan, dry_run: bool) -> RosterResult:
    changes = [s.change for s in plan.steps]
    return RosterResult(
        created=sum(c.action == RowAction.CREATED for c in changes),
        updated=sum(c.action == RowAction.UPDATED for c in changes),
        unchanged=sum(c.action == RowAction.UNCHANGED for c in changes),
        rows=changes,
        departments_created=plan.new_departments,
        delegations_created=plan.new_delegations,
        dry_run=dry_run,
    )


def roster_import(*, file_name: str, data: bytes, dry_run: bool = False) -> RosterResult:
    """Import a roster file; with ``dry_run`` compute the same result and write nothing."""
    rows = roster_parse(file_name=file_name, data=data)
    if dry_run:
        return _result(plan=_plan(rows=rows), dry_run=True)
    with transaction.atomic():
        # Plan inside the transaction so what we compare against is what we overwrite.
        plan = _plan(rows=rows)
        _apply(plan=plan, rows=rows)
    return _result(plan=plan, dry_run=False)
