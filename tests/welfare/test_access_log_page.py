"""The auditor's page of the sensitive-field access log (/welfare/access-log/)."""

from datetime import datetime

import pytest
from django.urls import reverse

from welfare.models import SensitiveAccess
from welfare.privacy import sensitive_access_record
from workflow.calendar import SHANGHAI

pytestmark = pytest.mark.django_db

URL = reverse("welfare:access_log")


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture
def logged(wp, file_request):
    r = file_request("must_visit")
    chair_row, office_row = (
        sensitive_access_record(user=wp["chair"], requests=[r], channel="page", path=f"/welfare/{r.pk}/")[0],
        sensitive_access_record(user=wp["office"], requests=[r], channel="export", path="/welfare/queue.xlsx")[0],
    )
    SensitiveAccess.objects.filter(pk=chair_row.pk).update(at=_at(2, 9))
    SensitiveAccess.objects.filter(pk=office_row.pk).update(at=_at(3, 23))
    return r


def test_it_shows_an_auditor_who_saw_which_fields_of_which_request(client, wp, logged):
    client.force_login(wp["auditor"])
    page = client.get(URL).content.decode()
    table = page.split("<tbody>")[1]
    assert "郑芳" in table and f"（{wp['office'].username}）" in table  # the viewers, by name and login
    assert "病情诊断、身份证号码" in page  # no income on this request: not served, not listed
    assert f"#{logged.pk}" in page and "/welfare/queue.xlsx" in page
    assert "导出" in page and "页面" in page


def test_it_filters_by_person_channel_and_shanghai_days(client, wp, logged):
    client.force_login(wp["auditor"])
    assert "/welfare/queue.xlsx" not in client.get(URL, {"person": "郑芳"}).content.decode()
    assert f"<code>/welfare/{logged.pk}/</code>" not in client.get(URL, {"channel": "export"}).content.decode()
    # 23:00 on the 3rd in Shanghai is still the 3rd; the 2nd's row is left out.
    page = client.get(URL, {"since": "2026-11-03", "until": "2026-11-03"}).content.decode()
    assert "/welfare/queue.xlsx" in page and f"<code>/welfare/{logged.pk}/</code>" not in page
    page = client.get(URL, {"since": "2026-11-04"}).content.decode()
    assert "没有符合条件的查看记录" in page


def test_a_reversed_date_range_is_explained_in_chinese(client, wp, logged):
    client.force_login(wp["auditor"])
    page = client.get(URL, {"since": "2026-11-05", "until": "2026-11-01"}).content.decode()
    assert "截止日期不能早于起始日期" in page


@pytest.mark.parametrize("who", ["dave", "chair", "office", "office2", "committee"])
def test_it_is_refused_to_everyone_but_auditors_and_admins(client, wp, logged, who):
    client.force_login(wp[who])
    assert client.get(URL).status_code == 403


def test_an_admin_reads_it_too(client, wp, logged):
    client.force_login(wp["admin"])
    assert client.get(URL).status_code == 200


def test_it_reads_a_constant_number_of_queries(client, wp, file_request, django_assert_max_num_queries):
    client.force_login(wp["auditor"])
    for _ in range(2):
        r = file_request("hardship")
        sensitive_access_record(user=wp["office"], requests=[r] * 3, channel="api")
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200
    for _ in range(5):
        sensitive_access_record(user=wp["chair"], requests=[file_request("hardship")], channel="page")
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200
