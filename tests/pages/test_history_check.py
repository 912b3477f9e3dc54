"""The history chain check page (流转记录校验): auditors see whether every chain is intact and
where it broke, and run a check; nobody else may."""

import pgtrigger
import pytest
from django.db import connection
from django.urls import reverse

from workflow.history import chain_check_request, chain_check_run
from workflow.models import ChainCheck, HistoryEntry

pytestmark = pytest.mark.django_db

PAGE = reverse("history_check")


def test_an_auditor_runs_a_check_and_reads_an_intact_result(
    client, people, submitted, django_capture_on_commit_callbacks
):
    client.force_login(people["auditor"])
    body = client.get(PAGE).content.decode()
    assert "尚未进行过校验。" in body
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        r = client.post(PAGE)  # Celery runs eagerly in these tests: the check runs on commit
    assert len(callbacks) == 1
    assert r.status_code == 302 and r.url == PAGE
    check = ChainCheck.objects.get()
    rows = HistoryEntry.objects.count()
    assert (check.requested_by, check.rows_checked, check.break_count, check.ok) == (people["auditor"], rows, 0, True)
    assert check.items_checked == HistoryEntry.objects.values("content_type", "object_id").distinct().count()
    body = client.get(PAGE).content.decode()
    assert "记录链完整" in body and f"的 {rows} 条流转记录" in body
    assert "孙红" in body  # who asked for it


def test_the_page_shows_where_a_chain_was_tampered_with(client, people, submitted):
    first = HistoryEntry.objects.for_item(submitted).order_by("seq").first()
    with pgtrigger.ignore(), connection.cursor() as cur:  # what an intruder with database access would do
        cur.execute("UPDATE workflow_historyentry SET comment = %s WHERE id = %s", ["改过的说明", first.pk])
    chain_check_run(check=chain_check_request(user=None))
    client.force_login(people["auditor"])
    body = client.get(PAGE).content.decode()
    assert "记录链断裂" in body
    assert "记录与其哈希不符（记录被改动）" in body
    assert f'href="/proposals/{submitted.pk}/"' in body  # straight to the item's timeline
    assert "系统（每晚）" in body


def test_a_deleted_newest_row_is_reported(client, people, submitted):
    last = HistoryEntry.objects.for_item(submitted).order_by("-seq").first()
    with pgtrigger.ignore(), connection.cursor() as cur:
        cur.execute("DELETE FROM workflow_historyentry WHERE id = %s", [last.pk])
    check = chain_check_run(check=chain_check_request(user=None))
    assert check.break_count == 1 and check.breaks[0]["code"] == "head"
    client.force_login(people["auditor"])
    assert "记录链未止于链头（最新的记录被删除）" in client.get(PAGE).content.decode()


@pytest.mark.parametrize("who", ["alice", "committee", "office", "handler", "head", "dave"])
def test_nobody_but_auditors_and_admins_sees_or_runs_the_check(client, people, who):
    client.force_login(people[who])
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE).status_code == 403
    assert not ChainCheck.objects.exists()
    assert f'href="{PAGE}"' not in client.get(reverse("proposals:list")).content.decode()


def test_the_auditor_finds_the_page_in_the_header(client, people):
    client.force_login(people["auditor"])
    assert f'href="{PAGE}"' in client.get(reverse("proposals:list")).content.decode()


def test_the_page_runs_a_constant_number_of_queries(client, people, submitted, django_assert_max_num_queries):
    for _ in range(3):
        chain_check_run(check=chain_check_request(user=people["auditor"]))
    client.force_login(people["auditor"])
    with django_assert_max_num_queries(10):
        client.get(PAGE)
    for _ in range(10):
        chain_check_run(check=chain_check_request(user=people["auditor"]))
    with django_assert_max_num_queries(10):
        client.get(PAGE)


def test_the_command_records_its_check_too(people, submitted):
    from django.core.management import call_command

    call_command("verify_history")
    assert ChainCheck.objects.get().ok is True
