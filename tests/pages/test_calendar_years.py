"""The union office's holiday schedule pages (节假日安排): what each year is counted with, and
entering or correcting a year with Chinese errors beside the field and nothing lost."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from workflow.models import ClosedDay, EnteredYear, MakeUpWorkday

pytestmark = pytest.mark.django_db
LIST = "/calendar/years/"
BASIS = "国务院办公厅关于2027年部分节假日安排的通知"


def as_user(client, user):
    client.force_login(user)
    return client


def test_it_shows_each_years_source_to_the_union_office(client, people):
    page = as_user(client, people["office"]).get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="year-2026"' in html and 'id="year-2027"' in html
    assert "国家放假安排（系统内置数据）" in html  # 2025, 2026
    assert "暂按预估的法定节假日（未含调休）" in html  # 2027, 2028
    assert "录入一年的放假安排" in html
    assert "节假日安排" in html  # the header link


def test_a_years_page_lists_the_days_the_product_counts_with(client, people):
    client = as_user(client, people["office"])
    html = client.get(f"{LIST}2026/").content.decode()
    assert "2026-02-16" in html  # Spring Festival eve, from chinesecalendar
    assert "2026-02-28" in html  # a make-up Saturday
    assert "录入本年的放假安排" not in html  # the package has 2026: nothing to enter
    assert client.post(f"{LIST}2026/", {"basis": BASIS, "closed_days": "2026-01-01"}).status_code == 403
    estimated = client.get(f"{LIST}2027/").content.decode()
    assert "2027-02-08" in estimated and "录入本年的放假安排" in estimated


@pytest.mark.parametrize("name", ["alice", "committee", "handler", "auditor", "dave"])
def test_nobody_else_sees_or_enters_the_schedules(client, people, name):
    client = as_user(client, people[name])
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}2027/").status_code == 403
    data = {"year": "2027", "basis": BASIS, "closed_days": "2027-01-01"}
    assert client.post(LIST, data).status_code == 403
    assert not EnteredYear.objects.exists()
    assert "节假日安排" not in client.get("/tasks/").content.decode()


def test_an_admin_may(client, people):
    admin = get_user_model().objects.create_superuser("root", "root@example.edu.cn", "pw")
    assert as_user(client, admin).get(LIST).status_code == 200


def test_a_bad_entry_is_shown_beside_its_field_and_keeps_what_was_typed(client, people):
    client = as_user(client, people["office"])
    typed = {
        "year": "2027",
        "basis": BASIS,
        "closed_days": "2027-01-01\n2027-01-02\n二月三十日",
        "makeup_days": "2027-01-05",
    }
    page = client.post(LIST, typed)
    assert page.status_code == 400
    html = page.content.decode()
    assert "“二月三十日”不是有效的日期" in html
    assert "二月三十日" in html and BASIS in html  # nothing the office typed is lost
    assert not EnteredYear.objects.exists() and not ClosedDay.objects.exists()
    typed["closed_days"] = "2027-01-01\n2027-01-02"
    html = client.post(LIST, typed).content.decode()
    assert "2027-01-02 是周末，本来就休息，不必录入为放假日。" in html
    assert "2027-01-05 不是周末，调休上班日应是周六或周日。" in html
    assert not EnteredYear.objects.exists()


def test_entering_and_correcting_a_year(client, people):
    client = as_user(client, people["office"])
    data = {
        "year": "2027",
        "basis": BASIS,
        "closed_days": "2027-01-01\n2027-02-05~2027-02-11",
        "makeup_days": "2027-02-20",
    }
    r = client.post(LIST, data)
    assert r.status_code == 302 and r.url == f"{LIST}2027/"
    assert sorted(ClosedDay.objects.values_list("date", flat=True)) == [
        date(2027, 1, 1),
        date(2027, 2, 5),
        date(2027, 2, 8),
        date(2027, 2, 9),
        date(2027, 2, 10),
        date(2027, 2, 11),
    ]
    entered = EnteredYear.objects.get(year=2027)
    assert entered.entered_by == people["office"] and entered.note == BASIS
    page = client.get(r.url).content.decode()
    assert "校工会录入的放假安排" in page and "更正本年的放假安排" in page and "2027-02-20" in page
    # Entering it again from the list is refused; the year's own page corrects it.
    again = client.post(LIST, data)
    assert again.status_code == 400 and "2027年已录入" in again.content.decode()
    fixed = client.post(f"{LIST}2027/", {**data, "closed_days": "2027-01-01"})
    assert fixed.status_code == 302
    assert list(ClosedDay.objects.values_list("date", flat=True)) == [date(2027, 1, 1)]
    assert list(MakeUpWorkday.objects.values_list("date", flat=True)) == [date(2027, 2, 20)]
    assert EnteredYear.objects.count() == 1
