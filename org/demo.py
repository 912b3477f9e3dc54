"""The demo's people and the logins table that `seed_demo` and `demo_logins` print.

`seed_demo` creates these accounts and `demo_logins` (called by bin/run-all)
shows the ones that exist, so both read the same list and cannot drift apart.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import DepartmentKind, Role

DEMO_PASSWORD = "demo12345"
DEMO_SESSION_NAME = "第六届第一次"
DEMO_SESSION_CODE = "6-1"
# The suffix of a department head's login: houqin (handler) / houqin_fzr (负责人).
HEAD_SUFFIX = "_fzr"


@dataclass(frozen=True)
class DemoDepartment:
    name: str
    kind: str
    # Pinyin login of the department's handler (the head adds HEAD_SUFFIX); empty: no staff logins.
    slug: str = ""


OFFICE, COLLEGE = DepartmentKind.OFFICE, DepartmentKind.COLLEGE

DEMO_DEPARTMENTS: tuple[DemoDepartment, ...] = (
    DemoDepartment("党委办公室", OFFICE, "dangban"),
    DemoDepartment("校长办公室", OFFICE, "xiaoban"),
    DemoDepartment("人事处", OFFICE, "renshi"),
    DemoDepartment("教务处", OFFICE, "jiaowu"),
    DemoDepartment("科研处", OFFICE, "keyan"),
    DemoDepartment("财务处", OFFICE, "caiwu"),
    DemoDepartment("后勤管理处", OFFICE, "houqin"),
    DemoDepartment("资产管理处", OFFICE, "zichan"),
    DemoDepartment("基建处", OFFICE, "jijian"),
    DemoDepartment("图书馆", OFFICE, "tushuguan"),
    DemoDepartment("信息中心", OFFICE, "xinxi"),
    DemoDepartment("保卫处", OFFICE, "baowei"),
    DemoDepartment("学生处", OFFICE, "xuesheng"),
    DemoDepartment("研究生院", OFFICE, "yanjiusheng"),
    DemoDepartment("国际交流处", OFFICE, "guoji"),
    DemoDepartment("审计处", OFFICE),
    DemoDepartment("校工会", OFFICE),
    DemoDepartment("教师教育学院", COLLEGE),
    DemoDepartment("文学院", COLLEGE),
    DemoDepartment("理学院", COLLEGE),
    DemoDepartment("信息工程学院", COLLEGE),
    DemoDepartment("经济管理学院", COLLEGE),
    DemoDepartment("医学院", COLLEGE),
    DemoDepartment("艺术学院", COLLEGE),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    department: str
    roles: tuple[str, ...]
    # What the table calls this person, e.g. 后勤管理处经办人.
    title: Any
    hint: Any
    superuser: bool = False


D, M = Role.DELEGATE.value, Role.MEMBER.value

DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "daibiao", "王丽华", "教师教育学院", (D, M), Role.DELEGATE.label,
        gettext_lazy("提交“一网通办”草稿；附议 daibiao2 的二级教代会草稿；评价图书馆、多媒体提案的答复"),
    ),
    DemoLogin(
        "daibiao2", "李建国", "理学院", (D, M), Role.DELEGATE.label,
        gettext_lazy("附议 daibiao 的午休条件草稿；查看食堂提案的办理进度"),
    ),
    DemoLogin(
        "daibiao3", "张晓燕", "文学院", (D, M), Role.DELEGATE.label,
        gettext_lazy("附议 daibiao2 的二级教代会草稿；查看自己的停车位提案"),
    ),
    DemoLogin(
        "tiwei", "陈志明", "经济管理学院", (Role.COMMITTEE, M), Role.COMMITTEE.label,
        gettext_lazy("审查待审提案（停车、食堂各有相似提案可并案）；交办已立案提案；重新交办退回的暑托班提案；办结"),
    ),
    DemoLogin(
        "gonghui", "刘芳", "校工会", (Role.UNION_OFFICE, M), Role.UNION_OFFICE.label,
        gettext_lazy("会议管理；福利申请队列（分派、答复、办结、代录）；处理困难补助公示异议；疗休养名额与批次；慰问标准；医疗报销审核；福利发放清单"),
    ),
    DemoLogin(
        "houqin", "赵建军", "后勤管理处", (Role.DEPARTMENT_HANDLER, M), gettext_lazy("后勤管理处经办人"),
        gettext_lazy("签收或退回食堂提案的交办；答复班车、路灯等已签收的交办"),
    ),
    DemoLogin(
        "houqin_fzr", "黄志强", "后勤管理处", (Role.DEPARTMENT_HEAD, M), gettext_lazy("后勤管理处负责人"),
        gettext_lazy("审核体检提案的答复；快递提案要等保卫处答复后才能审核"),
    ),
    DemoLogin(
        "renshi", "周婷", "人事处", (Role.DEPARTMENT_HANDLER, M), gettext_lazy("人事处经办人"),
        gettext_lazy("签收子女入学提案的协办交办并答复协办意见"),
    ),
    DemoLogin(
        "renshi_fzr", "吴卫东", "人事处", (Role.DEPARTMENT_HEAD, M), gettext_lazy("人事处负责人"),
        gettext_lazy("审核职称评审提案的答复"),
    ),
    DemoLogin(
        "fengonghui", "孙美玲", "信息工程学院", (Role.SUBUNION_CHAIR, M), Role.SUBUNION_CHAIR.label,
        gettext_lazy("审核信息工程学院会员待审的福利申请；在困难补助公示中提出异议"),
    ),
    DemoLogin(
        "huiyuan", "马晓东", "信息工程学院", (M,), Role.MEMBER.label,
        gettext_lazy("查看本人各类福利申请的进度和结果；提交申请；为已参保的子女提交医疗费用报销（附票据）"),
    ),
    DemoLogin(
        "shenji", "徐静", "审计处", (Role.AUDITOR, M), Role.AUDITOR.label,
        gettext_lazy("查看全部提案和完整的流转记录（只读），如退回后重新交办的路灯提案；福利申请（敏感信息打码）及敏感信息查看记录"),
    ),
    DemoLogin(
        "admin", "郑海峰", "信息中心", (Role.ADMIN,), Role.ADMIN.label,
        gettext_lazy("后台 /admin/：单位、人员、会议、提案"),
        superuser=True,
    ),
)  # fmt: skip


def department_staff_logins() -> list[str]:
    """Logins of the other departments' handlers and heads (same password, not in the table)."""
    named = {login.username for login in DEMO_LOGINS}
    out = []
    for dept in DEMO_DEPARTMENTS:
        if dept.slug:
            out += [u for u in (dept.slug, dept.slug + HEAD_SUFFIX) if u not in named]
    return out


# --- printing -----------------------------------------------------------------


def _width(text: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def logins_table(*, existing: Iterable[str]) -> str:
    """The table of the demo logins that exist, or a hint when there are none."""
    present = set(existing)
    logins = [login for login in DEMO_LOGINS if login.username in present]
    if not logins:
        return _("尚未生成演示数据：运行 python manage.py seed_demo 后可用演示账号登录。")
    header = [_("用户名"), _("密码"), _("角色"), _("可以试试")]
    rows = [[login.username, DEMO_PASSWORD, str(login.title), str(login.hint)] for login in logins]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = [_("演示账号（密码均为 %(password)s）：") % {"password": DEMO_PASSWORD}, ""]
    for r in [header, *rows]:
        lines.append("  " + "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(r[:3])) + "  " + r[3])
    lines[3:3] = ["  " + "  ".join("-" * w for w in widths) + "  " + "-" * _width(header[3])]
    staff = [u for u in department_staff_logins() if u in present]
    if staff:
        lines += [
            "",
            _("其他承办单位：经办人用单位拼音登录，负责人加 %(suffix)s（如 %(example)s），密码相同。")
            % {"suffix": HEAD_SUFFIX, "example": f"{staff[0]} / {staff[0]}{HEAD_SUFFIX}"},
        ]
    return "\n".join(lines)


class _Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


def write_logins(out: _Writer) -> None:
    """Print the table for the demo accounts found in the database; only a hint when the
    demo session is missing, so a real deployment with an ``admin`` user shows no demo password."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    session_model = apps.get_model("proposals", "CongressSession")
    existing: Iterable[str] = []
    if session_model.objects.filter(code=DEMO_SESSION_CODE).exists():
        wanted = [login.username for login in DEMO_LOGINS] + department_staff_logins()
        existing = get_user_model().objects.filter(username__in=wanted).values_list("username", flat=True)
    out.write(logins_table(existing=existing) + "\n")
