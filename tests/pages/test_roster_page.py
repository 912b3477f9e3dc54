"""The roster upload (花名册导入): upload, preview without writing, confirm exactly that file."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from org import roster_uploads
from org.models import Department, Profile, Role
from org.roles import user_roles
from tests.factories import make_user
from tests.org.test_import_roster import HEADER_ZH, csv_bytes

pytestmark = pytest.mark.django_db

User = get_user_model()

NEW_PERSON = ["1001", "张三", "计算机学院", "代表、会员", "第一代表团", "zhangsan@example.edu.cn", "13800000001"]
# bob exists (人事处, delegate); the roster moves him to the library and makes him a handler too.
BOB_MOVES = ["bob", "李强", "图书馆", "代表，经办人", "", "bob@example.edu.cn", ""]
# carol exists and the roster says what the system already holds.
CAROL_SAME = ["carol", "张敏", "图书馆", "代表", "", "carol@example.edu.cn", ""]
ROSTER = [HEADER_ZH, NEW_PERSON, BOB_MOVES, CAROL_SAME]

WRONG_ROLES = ["alice", "committee", "auditor", "handler"]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _upload(client, rows=ROSTER, name="名册.csv", data=None):
    payload = data if data is not None else csv_bytes(rows)
    return client.post(reverse("org:roster_upload"), {"file": SimpleUploadedFile(name, payload, "text/csv")})


def _token(response):
    return re.fullmatch(r"/org/roster/([0-9]{14}-[0-9a-f]{32})/", response["Location"]).group(1)


def _staged_files(tmp_path):
    folder = tmp_path / "private" / "roster-uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _messages(response):
    from django.contrib.messages import get_messages

    return [str(m) for m in get_messages(response.wsgi_request)]


def _world(people):
    """What the preview must leave alone."""
    return (
        User.objects.count(),
        Department.objects.count(),
        Profile.objects.get(user=people["bob"]).department.name,
        set(user_roles(User.objects.get(pk=people["bob"].pk))),
    )


def test_the_union_office_sees_the_upload_form(client, people):
    client.force_login(people["office"])
    r = client.get(reverse("org:roster_upload"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "<h1>花名册导入</h1>" in body
    assert '<label for="id_file">花名册文件</label>' in body
    assert 'accept=".xlsx,.csv"' in body and 'enctype="multipart/form-data"' in body


def test_the_preview_shows_new_changed_and_unchanged_people_and_writes_nothing(client, people, tmp_path):
    client.force_login(people["office"])
    before = _world(people)

    r = _upload(client)

    assert r.status_code == 302
    token = _token(r)
    # The file waits in private storage under its token, nowhere a URL serves.
    assert _staged_files(tmp_path) == [token]
    r = client.get(r["Location"])
    assert r.status_code == 200
    body = r.content.decode()
    assert "名册.csv" in body
    summary = body[body.index('<dl class="facts roster-summary">') : body.index("</dl>")]
    assert re.search(r"新增人员</dt><dd>1<", summary)
    assert re.search(r"更新人员</dt><dd>1<", summary)
    assert re.search(r"未变人员</dt><dd>1<", summary)
    assert "新建单位</dt><dd>计算机学院</dd>" in summary
    new_row = body[body.index('id="row-2"') : body.index("</tr>", body.index('id="row-2"'))]
    assert "第2行" in new_row and "张三" in new_row and "新增" in new_row and "部门：计算机学院" in new_row
    bob_row = body[body.index('id="row-3"') : body.index("</tr>", body.index('id="row-3"'))]
    assert "更新" in bob_row
    assert "部门：人事处 → 图书馆" in bob_row
    assert "角色：教代会代表 → 教代会代表、承办单位经办人" in bob_row
    assert 'id="row-4"' not in body  # unchanged rows are only counted
    assert f'action="{reverse("org:roster_confirm", args=[token])}"' in body
    assert _world(people) == before
    assert not User.objects.filter(username="1001").exists()


def test_confirming_applies_exactly_the_previewed_file(client, people, tmp_path):
    client.force_login(people["office"])
    token = _token(_upload(client))

    r = client.post(reverse("org:roster_confirm", args=[token]))

    assert r.status_code == 302
    assert r["Location"] == reverse("org:roster_upload")
    assert _messages(r) == ["花名册已导入：新增 1 人，更新 1 人，未变 1 人。"]
    zhang = Profile.objects.select_related("department", "delegation").get(user__username="1001")
    assert (zhang.full_name, zhang.department.name, zhang.delegation.name) == ("张三", "计算机学院", "第一代表团")
    assert set(user_roles(zhang.user)) == {Role.DELEGATE, Role.MEMBER}
    assert not zhang.user.has_usable_password()
    assert Profile.objects.get(user=people["bob"]).department.name == "图书馆"
    assert set(user_roles(User.objects.get(pk=people["bob"].pk))) == {Role.DELEGATE, Role.DEPARTMENT_HANDLER}
    # The personal data is not kept once imported.
    assert _staged_files(tmp_path) == []


def test_confirming_twice_imports_once(client, people):
    client.force_login(people["office"])
    token = _token(_upload(client))
    client.post(reverse("org:roster_confirm", args=[token]))
    after_first = (User.objects.count(), Department.objects.count(), Profile.objects.count())

    r = client.post(reverse("org:roster_confirm", args=[token]))

    assert r.status_code == 302
    assert _messages(r)[-1] == "该名册已导入，未重复导入。"
    assert (User.objects.count(), Department.objects.count(), Profile.objects.count()) == after_first


def test_uploading_the_same_roster_again_changes_nothing(client, people):
    client.force_login(people["office"])
    client.post(reverse("org:roster_confirm", args=[_token(_upload(client))]))
    count = User.objects.count()

    token = _token(_upload(client))
    body = client.get(reverse("org:roster_preview", args=[token])).content.decode()
    assert re.search(r"新增人员</dt><dd>0<", body) and re.search(r"未变人员</dt><dd>3<", body)
    assert "导入不会改变任何数据" in body
    r = client.post(reverse("org:roster_confirm", args=[token]))

    assert _messages(r) == ["花名册已导入：新增 0 人，更新 0 人，未变 3 人。"]
    assert User.objects.count() == count


def test_an_xlsx_roster_goes_through_the_same_preview(client, people):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER_ZH)
    sheet.append([1001, "张三", "计算机学院", "教代会代表", "", "", 13800000001])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(people["office"])

    token = _token(_upload(client, name="名册.xlsx", data=buffer.getvalue()))
    body = client.get(reverse("org:roster_preview", args=[token])).content.decode()
    assert "手机：13800000001" in body
    client.post(reverse("org:roster_confirm", args=[token]))

    assert Profile.objects.get(user__username="1001").mobile == "13800000001"


def test_a_roster_with_errors_names_each_bad_row_and_cannot_be_applied(client, people, tmp_path):
    client.force_login(people["office"])
    before = _world(people)
    rows = [HEADER_ZH, NEW_PERSON, ["1002", "", "人事处", "校长", "", "", ""], BOB_MOVES]

    r = _upload(client, rows)

    assert r.status_code == 400
    body = r.content.decode()
    assert "名册有 2 处错误，未导入任何数据。" in body
    assert "第3行：缺少姓名" in body
    assert "第3行：未知角色“校长”" in body
    assert "确认导入" not in body and "/confirm/" not in body
    assert _staged_files(tmp_path) == []
    assert _world(people) == before
    assert not User.objects.filter(username="1001").exists()


def test_a_staged_file_changed_after_the_preview_is_not_applied(client, people, tmp_path):
    client.force_login(people["office"])
    token = _token(_upload(client))
    (tmp_path / "private" / "roster-uploads" / token).write_bytes(csv_bytes([HEADER_ZH, BOB_MOVES]))

    r = client.post(reverse("org:roster_confirm", args=[token]))

    assert r.status_code == 302
    assert _messages(r) == ["预览的文件已过期或已被移除，请重新上传。"]
    assert Profile.objects.get(user=people["bob"]).department.name == "人事处"


def test_the_wrong_file_type_is_refused_with_the_reason(client, people, tmp_path):
    client.force_login(people["office"])
    r = _upload(client, name="名册.txt", data="1001,张三".encode())
    assert r.status_code == 400
    assert "不支持的文件类型“.txt”，请上传 .xlsx 或 .csv 文件。" in r.content.decode()
    r = _upload(client, name="名册.xlsx", data=b"not a workbook")
    assert r.status_code == 400
    assert "无法读取 Excel 文件，请确认是 .xlsx 格式。" in r.content.decode()
    r = client.post(reverse("org:roster_upload"), {})
    assert r.status_code == 400
    assert "请选择要上传的花名册文件。" in r.content.decode()
    assert _staged_files(tmp_path) == []


def test_an_oversized_file_is_refused_with_the_limit(client, people, tmp_path, monkeypatch):
    monkeypatch.setattr(roster_uploads, "MAX_ROSTER_SIZE", 100)
    monkeypatch.setattr("org.views.MAX_ROSTER_SIZE", 100)
    client.force_login(people["office"])

    r = _upload(client, data=csv_bytes(ROSTER))

    assert r.status_code == 400
    assert "文件过大，花名册不能超过 100\xa0字节。" in r.content.decode()
    assert _staged_files(tmp_path) == []


def test_a_staged_file_nobody_confirms_is_removed_a_day_later(people, tmp_path):
    start = timezone.now()
    forgotten = roster_uploads.roster_upload_stage(user=people["office"], name="a.csv", data=b"x", now=start)
    recent = roster_uploads.roster_upload_stage(
        user=people["office"], name="b.csv", data=b"y", now=start + timedelta(hours=23)
    )
    assert _staged_files(tmp_path) == sorted([forgotten.token, recent.token])

    later = roster_uploads.roster_upload_stage(
        user=people["office"], name="c.csv", data=b"z", now=start + timedelta(hours=25)
    )

    assert _staged_files(tmp_path) == sorted([recent.token, later.token])


def test_another_users_staged_file_is_not_found(client, people):
    client.force_login(people["office"])
    token = _token(_upload(client))
    colleague = make_user("office2", "杨柳", ["union_office"], None)
    client.force_login(colleague)
    assert client.get(reverse("org:roster_preview", args=[token])).status_code == 404
    assert client.post(reverse("org:roster_confirm", args=[token])).status_code == 404
    assert not User.objects.filter(username="1001").exists()


def test_cancelling_discards_the_staged_file(client, people, tmp_path):
    client.force_login(people["office"])
    token = _token(_upload(client))
    r = client.post(reverse("org:roster_cancel", args=[token]))
    assert r.status_code == 302
    assert _staged_files(tmp_path) == []
    assert client.post(reverse("org:roster_confirm", args=[token])).status_code == 404
    assert not User.objects.filter(username="1001").exists()


def test_an_admin_imports_rosters_too(client, people):
    admin = make_user("root", "管理员", [], None)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get(reverse("org:roster_upload")).status_code == 200
    token = _token(_upload(client))
    assert client.get(reverse("org:roster_preview", args=[token])).status_code == 200


@pytest.mark.parametrize("persona", WRONG_ROLES)
def test_other_roles_may_not_upload_a_roster(client, people, persona, tmp_path):
    client.force_login(people["office"])
    token = _token(_upload(client))
    client.force_login(people[persona])
    assert client.get(reverse("org:roster_upload")).status_code == 403
    assert _upload(client).status_code == 403
    assert client.get(reverse("org:roster_preview", args=[token])).status_code == 403
    assert client.post(reverse("org:roster_confirm", args=[token])).status_code == 403
    assert _staged_files(tmp_path) == [token]
    assert not User.objects.filter(username="1001").exists()


def test_the_header_offers_the_roster_upload_to_the_union_office_only(client, people):
    client.force_login(people["office"])
    body = client.get(reverse("tasks")).content.decode()
    assert f'<a href="{reverse("org:roster_upload")}">花名册导入</a>' in body
    client.force_login(people["committee"])
    assert reverse("org:roster_upload") not in client.get(reverse("tasks")).content.decode()
