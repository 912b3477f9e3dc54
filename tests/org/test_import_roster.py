import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from org.models import Delegation, Department, DepartmentKind, Profile, Role
from org.roles import user_roles, user_set_roles
from org.roster import RosterError, RowAction, roster_import

User = get_user_model()

HEADER_ZH = ["工号", "姓名", "部门", "角色", "代表团", "邮箱", "手机"]
ALICE = ["1001", "张三", "计算机学院", "代表、会员", "第一代表团", "zhangsan@example.edu.cn", "13800000001"]
BOB = ["1002", "李四", "人事处", "经办人", "", "", ""]
CHARLIE = ["1003", "王五", "人事处", "负责人,delegate", "第一代表团", "", "13800000003"]


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def import_csv(rows: list[list[str]], **kwargs):
    return roster_import(file_name="roster.csv", data=csv_bytes(rows), **kwargs)


def roles_of(username: str) -> set[str]:
    return set(user_roles(User.objects.get(username=username)))


@pytest.mark.django_db
def test_it_imports_an_xlsx_workbook(tmp_path: Path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER_ZH)
    # Spreadsheets often hold 工号 and 手机 as numbers.
    sheet.append(
        [1001, "张三", "计算机学院", "教代会代表，工会会员", "第一代表团", "zhangsan@example.edu.cn", 13800000001]
    )
    sheet.append(BOB)
    path = tmp_path / "名册.xlsx"
    workbook.save(path)

    result = roster_import(file_name=path.name, data=path.read_bytes())

    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    alice = Profile.objects.select_related("user", "department", "delegation").get(user__username="1001")
    assert alice.full_name == "张三"
    assert alice.department.name == "计算机学院"
    assert alice.department.kind == DepartmentKind.COLLEGE
    assert alice.delegation.name == "第一代表团"
    assert alice.mobile == "13800000001"
    assert alice.user.email == "zhangsan@example.edu.cn"
    assert roles_of("1001") == {Role.DELEGATE, Role.MEMBER}
    assert Department.objects.get(name="人事处").kind == DepartmentKind.OFFICE
    assert roles_of("1002") == {Role.DEPARTMENT_HANDLER}


@pytest.mark.django_db
def test_it_imports_a_utf8_csv_with_bom():
    data = csv_bytes([HEADER_ZH, ALICE], encoding="utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")

    result = roster_import(file_name="roster.CSV", data=data)

    assert result.created == 1
    assert Profile.objects.get(user__username="1001").full_name == "张三"


@pytest.mark.django_db
def test_it_imports_a_utf8_csv_without_bom():
    result = roster_import(file_name="roster.csv", data=csv_bytes([HEADER_ZH, ALICE, BOB]))

    assert result.created == 2
    assert Profile.objects.get(user__username="1002").department.name == "人事处"


@pytest.mark.django_db
def test_it_imports_a_gbk_csv_with_chinese_headers():
    data = csv_bytes([HEADER_ZH, ALICE, CHARLIE], encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    result = roster_import(file_name="roster.csv", data=data)

    assert result.created == 2
    charlie = Profile.objects.get(user__username="1003")
    assert (charlie.full_name, charlie.department.name, charlie.delegation.name) == ("王五", "人事处", "第一代表团")
    assert roles_of("1003") == {Role.DEPARTMENT_HEAD, Role.DELEGATE}


@pytest.mark.django_db
def test_it_accepts_english_headers_ignoring_case_and_spaces():
    header = [" Username", "FULL_NAME ", "Department", "roles", "Email", "mobile"]
    rows = [header, ["t01", "赵六", "教务处", "member", "zhao@example.edu.cn", "139"]]

    result = import_csv(rows)

    assert result.created == 1
    profile = Profile.objects.select_related("user").get(user__username="t01")
    assert (profile.full_name, profile.user.email, profile.mobile) == ("赵六", "zhao@example.edu.cn", "139")
    assert profile.delegation is None
    assert roles_of("t01") == {Role.MEMBER}


@pytest.mark.django_db
def test_it_reports_a_bad_row_by_its_spreadsheet_row_and_imports_nothing():
    rows = [HEADER_ZH, ALICE, ["1002", "李四", "新设学院", "主任", "", "", ""], CHARLIE]

    with pytest.raises(RosterError) as caught:
        import_csv(rows)

    assert caught.value.errors == ["第3行：未知角色“主任”"]
    assert "第3行" in str(caught.value)
    assert User.objects.count() == 0
    assert Profile.objects.count() == 0
    assert Department.objects.count() == 0
    assert Delegation.objects.count() == 0


@pytest.mark.django_db
def test_it_lists_every_problem_with_its_row():
    rows = [
        HEADER_ZH,
        ["", "无工号", "人事处", "会员", "", "", ""],
        ["2002", "", "人事处", "会员", "", "", ""],
        ["2003", "孙七", "人事处", "会员", "", "not-an-email", ""],
        ["2003", "孙七", "人事处", "会员", "", "", ""],
    ]

    with pytest.raises(RosterError) as caught:
        import_csv(rows)

    assert caught.value.errors == [
        "第2行：缺少工号",
        "第3行：缺少姓名",
        "第4行：邮箱“not-an-email”格式不正确",
        "第5行：工号“2003”与第4行重复",
    ]
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_it_reports_a_missing_required_header():
    rows = [["工号", "姓名", "部门"], ["1001", "张三", "人事处"]]

    with pytest.raises(RosterError) as caught:
        import_csv(rows)

    assert caught.value.errors == ["第1行：缺少“角色”（roles）列"]


@pytest.mark.django_db
def test_it_skips_blank_lines_but_keeps_spreadsheet_row_numbers():
    rows = [HEADER_ZH, ALICE, [], ["", "", "", "", "", "", ""], ["1009", "周八", "人事处", "校长", "", "", ""]]

    with pytest.raises(RosterError) as caught:
        import_csv(rows)
    assert caught.value.errors == ["第5行：未知角色“校长”"]

    result = import_csv(rows[:-1])
    assert (result.created, len(result.rows)) == (1, 1)


@pytest.mark.django_db
def test_it_updates_people_on_reimport_without_duplicating_them():
    import_csv([HEADER_ZH, ALICE, BOB])
    moved_alice = ["1001", "张三", "人事处", "经办人", "", "new@example.edu.cn", "13800000009"]

    result = import_csv([HEADER_ZH, moved_alice, BOB])

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert User.objects.count() == 2
    assert Profile.objects.count() == 2
    alice = Profile.objects.select_related("user", "department").get(user__username="1001")
    assert alice.department.name == "人事处"
    assert alice.delegation is None
    assert (alice.user.email, alice.mobile) == ("new@example.edu.cn", "13800000009")
    # Roles are set to exactly the file's: the dropped 代表 and 会员 are gone.
    assert roles_of("1001") == {Role.DEPARTMENT_HANDLER}
    # Department membership follows the profile, so the old department's grants no longer reach her.
    groups = set(alice.user.groups.values_list("name", flat=True))
    assert alice.department.group.name in groups
    assert Department.objects.get(name="计算机学院").group.name not in groups
    changed = {c.field for c in result.rows[0].changes}
    assert changed == {"department", "roles", "delegation", "email", "mobile"}


@pytest.mark.django_db
def test_it_counts_an_identical_reimport_as_unchanged():
    import_csv([HEADER_ZH, ALICE, BOB, CHARLIE])

    result = import_csv([HEADER_ZH, ALICE, BOB, CHARLIE])

    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert {r.action for r in result.rows} == {RowAction.UNCHANGED}
    assert result.departments_created == []


@pytest.mark.django_db
def test_it_leaves_optional_fields_alone_when_their_column_is_absent():
    import_csv([HEADER_ZH, ALICE])

    result = import_csv([["工号", "姓名", "部门", "角色"], ["1001", "张三", "计算机学院", "代表、会员"]])

    assert result.unchanged == 1
    alice = Profile.objects.select_related("user", "delegation").get(user__username="1001")
    assert (alice.delegation.name, alice.mobile, alice.user.email) == (
        "第一代表团",
        "13800000001",
        "zhangsan@example.edu.cn",
    )


@pytest.mark.django_db
def test_it_splits_roles_on_every_separator():
    roles = "代表,会员，经办人、负责人;committee；Union_Office"

    import_csv([["工号", "姓名", "部门", "角色"], ["1001", "张三", "校工会", roles]])

    assert roles_of("1001") == {
        Role.DELEGATE,
        Role.MEMBER,
        Role.DEPARTMENT_HANDLER,
        Role.DEPARTMENT_HEAD,
        Role.COMMITTEE,
        Role.UNION_OFFICE,
    }


@pytest.mark.django_db
def test_it_writes_nothing_on_a_dry_run():
    result = import_csv([HEADER_ZH, ALICE, BOB], dry_run=True)

    assert result.dry_run
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert result.departments_created == ["人事处", "计算机学院"]
    assert result.rows[0].action == RowAction.CREATED
    assert [c.field for c in result.rows[0].changes] == [
        "full_name",
        "department",
        "roles",
        "delegation",
        "email",
        "mobile",
    ]
    assert User.objects.count() == 0
    assert Department.objects.count() == 0
    assert Delegation.objects.count() == 0


@pytest.mark.django_db
def test_it_previews_updates_on_a_dry_run_without_applying_them():
    import_csv([HEADER_ZH, ALICE])

    result = import_csv([HEADER_ZH, ["1001", "张三", "人事处", "会员", "", "", ""]], dry_run=True)

    assert result.updated == 1
    assert Profile.objects.get(user__username="1001").department.name == "计算机学院"
    assert roles_of("1001") == {Role.DELEGATE, Role.MEMBER}
    assert not Department.objects.filter(name="人事处").exists()


@pytest.mark.django_db
def test_it_gives_imported_users_unusable_passwords():
    existing = User.objects.create_user(username="1002", password="s3cret-pass")
    user_set_roles(user=existing, roles=[Role.ADMIN])

    import_csv([HEADER_ZH, ALICE, BOB])

    assert not User.objects.get(username="1001").has_usable_password()
    # People who already had an account keep their password.
    assert User.objects.get(username="1002").check_password("s3cret-pass")
    assert roles_of("1002") == {Role.DEPARTMENT_HANDLER}


@pytest.mark.django_db
def test_it_refuses_an_unsupported_file_type():
    with pytest.raises(RosterError) as caught:
        roster_import(file_name="roster.xls", data=b"\xd0\xcf\x11\xe0")

    assert "“.xls”" in caught.value.errors[0]


@pytest.mark.django_db
def test_it_prints_a_chinese_summary_from_the_command(tmp_path: Path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([HEADER_ZH, ALICE, BOB], encoding="gbk"))
    out = io.StringIO()

    call_command("import_roster", str(path), stdout=out)
    call_command("import_roster", str(path), stdout=out)

    assert "新增 2 人，更新 0 人，未变 0 人" in out.getvalue()
    assert "新增 0 人，更新 0 人，未变 2 人" in out.getvalue()
    assert User.objects.count() == 2


@pytest.mark.django_db
def test_it_writes_nothing_from_the_command_on_a_dry_run(tmp_path: Path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([HEADER_ZH, ALICE]))
    out = io.StringIO()

    call_command("import_roster", str(path), "--dry-run", verbosity=2, stdout=out)

    assert "第2行 1001 张三：新增" in out.getvalue()
    assert "试运行（未写入）：新增 1 人，更新 0 人，未变 0 人" in out.getvalue()
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_it_fails_the_command_with_each_error_on_stderr(tmp_path: Path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([HEADER_ZH, ALICE, ["1002", "李四", "人事处", "主任", "", "bad", ""]]))
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("import_roster", str(path), stdout=out, stderr=err)

    assert caught.value.returncode != 0
    assert "第3行：未知角色“主任”" in err.getvalue()
    assert "第3行：邮箱“bad”格式不正确" in err.getvalue()
    assert "未导入任何数据" in str(caught.value)
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_it_fails_the_command_for_a_missing_file(tmp_path: Path):
    with pytest.raises(CommandError):
        call_command("import_roster", str(tmp_path / "missing.xlsx"))
