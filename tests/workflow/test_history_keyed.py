"""A history that cannot be rewritten: append-only in PostgreSQL itself, keyed with HMAC, sealed
each night, and a broken chain alerts the admins and auditors at once.

The intruder of these tests can get past the triggers (`pgtrigger.ignore`, as the tables' owner
could) and knows the hash formula, but not HISTORY_HMAC_KEY, unless a test says otherwise."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta

import pgtrigger
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import checks, mail
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from notifications.models import Delivery, Notification, Preference
from proposals.models import Proposal
from tests.conftest import TEST_EPOCH
from tests.factories import draft, make_user
from workflow import history
from workflow.history import (
    DEVELOPMENT_HMAC_KEY,
    chain_check_request,
    chain_check_run,
    chain_seal_day,
    entry_hash,
    verify_chains,
    verify_seals,
)
from workflow.models import ChainSeal, HashScheme, HistoryEntry, HistoryHead

pytestmark = pytest.mark.django_db

NEXT_DAY = TEST_EPOCH + timedelta(days=1)  # 2026-03-17 09:00 in Beijing: the 16th can be sealed


@pytest.fixture
def item(people, session, category):
    """A draft with five rows of history: its creation and four notes."""
    p = draft(people["alice"], session, category)
    for n in range(4):
        history.record(p, "proposal.note", people["alice"], {"note": n}, comment=f"第{n + 1}次沟通")
    return p


def _rows(item) -> list[HistoryEntry]:
    return list(HistoryEntry.objects.for_item(item).order_by("seq"))


def _head(item) -> HistoryHead:
    row = _rows(item)[0]
    return HistoryHead.objects.get(content_type_id=row.content_type_id, object_id=row.object_id)


def _sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _refused(sql: str, params: list) -> None:
    """The statement fails in the database (in a savepoint, so the test's transaction lives on)."""
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic():
        _sql(sql, params)


def _reseal(
    item, seq: int, *, comment: str, scheme: str = HashScheme.SHA256, key: str | None = None, upto: int | None = None
) -> None:
    """The consistent rewrite: change row `seq`'s comment, then recompute that row's hash and every
    later row's link and hash (up to row `upto`, by default the last, and then the head) under
    `scheme` (with `key` for the keyed one), and mark the rows with `scheme`. Past the triggers."""
    rows = _rows(item)
    prev = rows[seq - 2].hash if seq > 1 else ""
    with pgtrigger.ignore(), override_settings(HISTORY_HMAC_KEY=key or "an intruder's guess"):
        for row in rows[seq - 1 : upto]:
            if row.seq == seq:
                row.comment = comment
            row.prev_hash, row.scheme = prev, scheme
            row.hash = entry_hash(row)
            _sql(
                "UPDATE workflow_historyentry SET comment = %s, prev_hash = %s, hash = %s, scheme = %s WHERE id = %s",
                [row.comment, row.prev_hash, row.hash, row.scheme, row.pk],
            )
            prev = row.hash
        if upto is not None:
            return
        last = rows[-1]
        _sql(
            "UPDATE workflow_historyhead SET hash = %s WHERE content_type_id = %s AND object_id = %s",
            [last.hash, last.content_type_id, last.object_id],
        )


def _codes(breaks) -> list[tuple[int, int, str]]:
    return [(b.object_id, b.seq, b.code) for b in breaks]


# 1. Append-only in the database ------------------------------------------------------------


def test_the_database_refuses_to_update_or_delete_a_history_row(item):
    row = _rows(item)[1]
    _refused("UPDATE workflow_historyentry SET comment = %s WHERE id = %s", ["悄悄改过", row.pk])
    _refused("DELETE FROM workflow_historyentry WHERE id = %s", [row.pk])
    _refused("DELETE FROM workflow_historyentry", [])
    assert HistoryEntry.objects.get(pk=row.pk).comment == "第1次沟通"
    assert len(_rows(item)) == 5
    assert list(verify_chains()) == []


def test_the_orm_still_refuses_first_with_its_own_error(item):
    from workflow.models import AppendOnlyError

    with pytest.raises(AppendOnlyError):
        HistoryEntry.objects.for_item(item).update(comment="改写")
    with pytest.raises(AppendOnlyError):
        _rows(item)[0].delete()


def test_the_head_moves_forward_with_each_row_recorded(item, people):
    assert (_head(item).seq, _head(item).hash) == (5, _rows(item)[-1].hash)
    history.record(item, "proposal.note", people["alice"], {"note": "再次沟通"})
    assert (_head(item).seq, _head(item).hash) == (6, _rows(item)[-1].hash)


def test_the_database_refuses_to_move_a_head_back_delete_it_or_point_it_anywhere_else(item, people):
    head, rows = _head(item), _rows(item)
    # Back to an earlier row (to hide the newest ones), even with that row's true hash.
    _refused("UPDATE workflow_historyhead SET seq = %s, hash = %s WHERE id = %s", [3, rows[2].hash, head.pk])
    # A hash no row has, at the same or a later seq.
    _refused("UPDATE workflow_historyhead SET hash = %s WHERE id = %s", ["f" * 64, head.pk])
    _refused("UPDATE workflow_historyhead SET seq = 6, hash = %s WHERE id = %s", ["f" * 64, head.pk])
    # Onto another item's chain.
    other = draft(people["alice"], item.session, item.category, title="另一件提案")
    other_row = _rows(other)[0]
    _refused(
        "UPDATE workflow_historyhead SET object_id = %s, seq = 1, hash = %s WHERE id = %s",
        [other.pk, other_row.hash, head.pk],
    )
    _refused("DELETE FROM workflow_historyhead WHERE id = %s", [head.pk])
    # A second head, or one for an item that has no such row.
    _refused(
        "INSERT INTO workflow_historyhead (content_type_id, object_id, seq, hash) VALUES (%s, %s, 1, %s)",
        [other_row.content_type_id, 10**9, other_row.hash],
    )
    head.refresh_from_db()
    assert (head.seq, head.hash) == (5, rows[-1].hash)
    assert list(verify_chains()) == []


def test_the_database_refuses_to_change_or_remove_a_seal(item):
    seal = chain_seal_day(now=NEXT_DAY)
    _refused("UPDATE workflow_chainseal SET digest = %s WHERE id = %s", ["0" * 64, seal.pk])
    _refused("DELETE FROM workflow_chainseal WHERE id = %s", [seal.pk])
    assert ChainSeal.objects.get().digest == seal.digest


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_flush_empties_the_history_tables_with_the_triggers_on(item):
    """The transactional tests' teardown flushes the database with the statements run here
    (TRUNCATE), which the row triggers let through."""
    from django.core.management.color import no_style

    chain_seal_day(now=NEXT_DAY)
    tables = [m._meta.db_table for m in (HistoryHead, HistoryEntry, ChainSeal)]
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
    assert (HistoryEntry.objects.count(), HistoryHead.objects.count(), ChainSeal.objects.count()) == (0, 0, 0)
    history.record(item, "proposal.note", None, {"note": "重新开始"})  # and the tables work on
    assert list(verify_chains()) == []


# 2. The keyed chain ---------------------------------------------------------------------------


def test_new_rows_are_keyed_with_the_history_key(item, settings):
    row = _rows(item)[2]
    assert row.scheme == HashScheme.HMAC_SHA256
    text = history._entry_text(row).encode()
    key = (settings.HISTORY_HMAC_KEY or DEVELOPMENT_HMAC_KEY).encode()
    assert row.hash == hmac.new(key, text, hashlib.sha256).hexdigest()
    assert row.hash != hashlib.sha256(text).hexdigest()
    # Another key: every row fails.
    settings.HISTORY_HMAC_KEY = "another key"
    assert {b.code for b in verify_chains()} == {"hash"}


def test_the_key_comes_from_its_own_setting_not_the_secret_key(item, settings):
    before = list(verify_chains())
    settings.SECRET_KEY = "a rotated secret key"
    assert list(verify_chains()) == before == []


def test_a_rewrite_resealed_without_the_key_is_detected(item):
    """Rewrite row 2, and recompute row 2..5 and the head with the unkeyed formula, rows still
    marked keyed: the first rewritten row fails (its hash is not the HMAC)."""
    _reseal(item, 2, comment="从未沟通", scheme=HashScheme.HMAC_SHA256, key="an intruder's guess")
    breaks = list(verify_chains())
    assert _codes(breaks)[0] == (item.pk, 2, "hash")
    assert {b.seq for b in breaks} == {2, 3, 4, 5}


def test_a_rewrite_resealed_with_plain_sha256_is_detected(item):
    rows = _rows(item)
    prev = rows[0].hash
    with pgtrigger.ignore():
        for row in rows[1:]:
            row.prev_hash = prev
            if row.seq == 2:
                row.comment = "从未沟通"
            row.hash = hashlib.sha256(history._entry_text(row).encode()).hexdigest()
            _sql(
                "UPDATE workflow_historyentry SET comment = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [row.comment, row.prev_hash, row.hash, row.pk],
            )
            prev = row.hash
        _sql("UPDATE workflow_historyhead SET hash = %s WHERE object_id = %s", [prev, item.pk])
    assert _codes(verify_chains())[0] == (item.pk, 2, "hash")


def test_verify_history_fails_on_such_a_rewrite(item):
    from django.core.management import CommandError, call_command

    _reseal(item, 3, comment="从未沟通", scheme=HashScheme.HMAC_SHA256)
    with pytest.raises(CommandError):
        call_command("verify_history")


def _as_legacy(item) -> None:
    """What a row written before the chain was keyed looks like: plain sha256, marked so."""
    rows = _rows(item)
    with pgtrigger.ignore():
        prev = ""
        for row in rows:
            row.prev_hash, row.scheme = prev, HashScheme.SHA256
            row.hash = entry_hash(row)
            _sql(
                "UPDATE workflow_historyentry SET prev_hash = %s, hash = %s, scheme = %s WHERE id = %s",
                [row.prev_hash, row.hash, row.scheme, row.pk],
            )
            prev = row.hash
        _sql("UPDATE workflow_historyhead SET hash = %s WHERE object_id = %s", [prev, item.pk])


def test_rows_from_before_the_key_verify_under_their_own_scheme_and_the_chain_goes_on_keyed(item, people):
    _as_legacy(item)
    assert list(verify_chains()) == []
    new = history.record(item, "proposal.note", people["alice"], {"note": "启用密钥后"})
    assert new.scheme == HashScheme.HMAC_SHA256 and new.prev_hash == _rows(item)[4].hash
    assert list(verify_chains()) == []
    chain_seal_day(now=NEXT_DAY)  # rows of the 16th: before the first seal's end
    assert list(verify_chains()) == list(verify_seals()) == []


def test_legacy_rows_rewritten_before_a_keyed_row_are_caught_by_it(item, people):
    _as_legacy(item)
    history.record(item, "proposal.note", people["alice"], {"note": "启用密钥后"})
    # Rows 2..5 rewritten and resealed unkeyed, as legacy rows are: the keyed row 6 still links
    # to the old row 5, and its link cannot be redone without the key.
    _reseal(item, 2, comment="从未沟通", upto=5)
    assert _codes(verify_chains()) == [(item.pk, 6, "prev_hash")]
    # Redo row 6 too, unkeyed (it has to be, without the key): an unkeyed row after keyed ones? No
    # keyed row is left before it, but it was written after the first seal.
    chain_seal_day(now=NEXT_DAY)
    with time_machine.travel(NEXT_DAY, tick=False):
        history.record(item, "proposal.note", people["alice"], {"note": "第二天"})
    _reseal(item, 2, comment="从未沟通")
    assert (item.pk, 7, "scheme") in _codes(verify_chains())


def test_keyed_rows_downgraded_to_plain_sha256_are_caught(item):
    """Rewriting rows from seq 3 as 'legacy' rows (unkeyed, consistently) is caught: an unkeyed
    row cannot follow a keyed one."""
    _reseal(item, 3, comment="从未沟通", scheme=HashScheme.SHA256)
    breaks = _codes(verify_chains())
    assert breaks == [(item.pk, 3, "scheme"), (item.pk, 4, "scheme"), (item.pk, 5, "scheme")]


def test_a_whole_chain_downgraded_after_the_first_seal_is_caught(item, people):
    chain_seal_day(now=NEXT_DAY)
    with time_machine.travel(NEXT_DAY, tick=False):
        later = draft(people["alice"], item.session, item.category, title="封存之后的提案")
        history.record(later, "proposal.note", people["alice"], {"note": 1})
    _as_legacy(later)  # every row, from seq 1: no keyed row before them in the chain
    assert _codes(verify_chains()) == [(later.pk, 1, "scheme"), (later.pk, 2, "scheme")]


def test_a_row_with_an_unknown_scheme_fails(item):
    row = _rows(item)[0]
    with pgtrigger.ignore():
        _sql("UPDATE workflow_historyentry SET scheme = %s WHERE id = %s", ["md5", row.pk])
    assert _codes(verify_chains()) == [(item.pk, 1, "hash")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_marks_the_rows_already_there_as_unkeyed_without_rewriting_them(item):
    from django.db.migrations.executor import MigrationExecutor

    before = "0007_counted_due_and_calendar_notice"
    ours = "0008_history_keyed_and_sealed"
    select = "SELECT id, xmin::text, hash, prev_hash, comment FROM workflow_historyentry ORDER BY id"
    with connection.cursor() as cursor:
        cursor.execute(select)
        kept = cursor.fetchall()
    assert len(kept) == 5
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("workflow", before)])
        executor.loader.build_graph()
        executor.migrate([("workflow", ours)])
    finally:
        executor.loader.build_graph()
        executor.migrate([("workflow", ours)])  # whatever happened, leave the schema as it was
    with connection.cursor() as cursor:
        cursor.execute(select)
        after = cursor.fetchall()
        cursor.execute("SELECT DISTINCT scheme FROM workflow_historyentry")
        schemes = cursor.fetchall()
    # The same row versions (xmin: no UPDATE touched them), the same hashes, marked as the old scheme.
    assert after == kept
    assert schemes == [(HashScheme.SHA256.value,)]
    # And the triggers are back on.
    _refused("DELETE FROM workflow_historyentry", [])


# Deploy check ---------------------------------------------------------------------------------


def _deploy_errors() -> list[str]:
    return sorted(
        m.id or "" for m in checks.run_checks(include_deployment_checks=True) if (m.id or "").startswith("workflow.")
    )


@pytest.mark.parametrize(
    ("debug", "key", "expected"),
    [
        (False, "", ["workflow.E001"]),
        (False, DEVELOPMENT_HMAC_KEY, ["workflow.E001"]),
        (False, "same-as-the-secret-key", ["workflow.E002"]),
        (False, "a-long-random-history-key-of-its-own", []),
        (True, "", []),
    ],
)
def test_check_deploy_refuses_a_history_key_that_is_not_secret(settings, debug, key, expected):
    settings.DEBUG = debug
    settings.SECRET_KEY = "same-as-the-secret-key"
    settings.HISTORY_HMAC_KEY = key
    assert _deploy_errors() == expected


def test_the_check_is_a_deploy_check_only(settings):
    settings.DEBUG, settings.HISTORY_HMAC_KEY = False, ""
    assert not [m for m in checks.run_checks() if (m.id or "").startswith("workflow.")]


# 3. The alert -----------------------------------------------------------------------------------


@pytest.fixture
def watchers(people):
    """Who is told: a superuser, a system admin (by role) and the auditor; nobody else."""
    root = get_user_model().objects.create_superuser("root", "root@example.edu.cn", "pw")
    sysadmin = make_user("sysadmin", "韩梅", ["admin"], None)
    return {"root": root, "sysadmin": sysadmin, "auditor": people["auditor"]}


def test_a_broken_chain_alerts_the_admins_and_auditors_in_the_app(item, people, watchers):
    _reseal(item, 2, comment="从未沟通", scheme=HashScheme.HMAC_SHA256)
    check = chain_check_run(check=chain_check_request(user=None))
    assert check.break_count == 4
    alerts = Notification.objects.filter(event="history.chain_broken")
    assert sorted(n.recipient.username for n in alerts) == ["auditor", "root", "sysadmin"]
    n = alerts.first()
    assert n.item == check and n.link == reverse("history_check")
    assert "记录链断裂" in n.title
    kind = Proposal._meta.verbose_name
    assert f"{kind} #{item.pk} 的第 2 条流转记录" in n.body
    assert "记录与其哈希不符" in n.body and "共发现 4 处断点" in n.body


def test_the_alert_goes_by_email_at_once_whatever_the_preferences(item, watchers, django_capture_on_commit_callbacks):
    # The auditor wants nothing outside the app, the admin only the evening digest.
    Preference.objects.create(user=watchers["auditor"], event_kind="*", channels=[], digest=False)
    Preference.objects.create(user=watchers["sysadmin"], event_kind="*", channels=["email"], digest=True)
    _reseal(item, 4, comment="从未沟通", scheme=HashScheme.HMAC_SHA256)
    with django_capture_on_commit_callbacks(execute=True):
        chain_check_run(check=chain_check_request(user=None))
    emails = Delivery.objects.filter(notification__event="history.chain_broken", channel="email")
    assert sorted((d.notification.recipient.username, d.digest) for d in emails) == [
        ("auditor", False),
        ("root", False),
        ("sysadmin", False),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "auditor@example.edu.cn",
        "root@example.edu.cn",
        "sysadmin@example.edu.cn",
    ]
    assert all(f"#{item.pk} 的第 4 条流转记录" in m.body for m in mail.outbox)


def test_other_events_still_follow_the_preferences(people):
    from notifications.preferences import choices_for

    Preference.objects.create(user=people["auditor"], event_kind="*", channels=[], digest=False)
    assert choices_for(user_ids=[people["auditor"].pk], kind="proposal")[people["auditor"].pk].channels == ()
    assert choices_for(user_ids=[people["auditor"].pk], kind="history")[people["auditor"].pk].channels == ("email",)


def test_an_intact_chain_alerts_nobody(item, watchers):
    check = chain_check_run(check=chain_check_request(user=None))
    assert check.ok is True
    assert not Notification.objects.filter(event="history.chain_broken").exists()


def test_the_nightly_task_alerts_too(item, watchers):
    from workflow.tasks import check_history_chains

    with pgtrigger.ignore():
        _sql("DELETE FROM workflow_historyentry WHERE object_id = %s AND seq = 5", [item.pk])
    assert check_history_chains() == {"rows": HistoryEntry.objects.count(), "breaks": 1}
    body = Notification.objects.get(event="history.chain_broken", recipient=watchers["auditor"]).body
    assert f"#{item.pk} 的第 4 条流转记录" in body and "最新的记录被删除" in body


# 4. The seals ------------------------------------------------------------------------------------


def test_a_seal_covers_every_row_up_to_midnight_and_is_taken_once(item, people):
    assert chain_seal_day(now=TEST_EPOCH + timedelta(minutes=1)) is not None  # seals the 15th: nothing yet
    first = ChainSeal.objects.get()
    assert (first.date, first.since, first.rows) == (date(2026, 3, 15), None, 0)
    seal = chain_seal_day(now=NEXT_DAY)
    assert (seal.date, seal.since, seal.rows) == (date(2026, 3, 16), first.until, HistoryEntry.objects.count())
    assert timezone.localtime(seal.until) == timezone.make_aware(datetime(2026, 3, 17))
    assert chain_seal_day(now=NEXT_DAY + timedelta(hours=3)) is None  # the redelivered task
    assert ChainSeal.objects.count() == 2
    assert list(verify_seals()) == []


def test_rows_written_after_midnight_wait_for_the_next_seal(item, people):
    with time_machine.travel(NEXT_DAY, tick=False):
        history.record(item, "proposal.note", people["alice"], {"note": "第二天"})
    seal = chain_seal_day(now=NEXT_DAY)
    assert seal.rows == 5
    nxt = chain_seal_day(now=NEXT_DAY + timedelta(days=1))
    assert (nxt.rows, nxt.since) == (1, seal.until)
    assert list(verify_seals()) == []


def test_the_nightly_task_seals_yesterday(item, settings):
    from workflow.tasks import seal_history_chains

    assert settings.CELERY_BEAT_SCHEDULE["seal-history-chains"]["task"] == "workflow.tasks.seal_history_chains"
    with time_machine.travel(NEXT_DAY, tick=False):
        assert seal_history_chains() == {"rows": 5}
        assert seal_history_chains() is None  # redelivered
    assert ChainSeal.objects.get().date == date(2026, 3, 16)


def test_a_rewrite_resealed_with_the_key_passes_the_chains_but_not_the_seal(item, settings):
    seal = chain_seal_day(now=NEXT_DAY)
    # Someone who has the key rewrites row 2 and reseals the chain properly.
    _reseal(
        item,
        2,
        comment="从未沟通",
        scheme=HashScheme.HMAC_SHA256,
        key=settings.HISTORY_HMAC_KEY or DEVELOPMENT_HMAC_KEY,
    )
    assert list(verify_chains()) == []
    check = chain_check_run(check=chain_check_request(user=None))
    assert [(b["object_id"], b["code"]) for b in check.breaks] == [(seal.pk, "seal")]
    assert "2026-03-16" in check.breaks[0]["detail"]


def test_a_removed_seal_is_caught_by_the_next_one(item, people):
    first = chain_seal_day(now=NEXT_DAY)
    with time_machine.travel(NEXT_DAY, tick=False):
        history.record(item, "proposal.note", people["alice"], {"note": "第二天"})
    second = chain_seal_day(now=NEXT_DAY + timedelta(days=1))
    with pgtrigger.ignore():
        _sql("DELETE FROM workflow_chainseal WHERE id = %s", [first.pk])
    breaks = list(verify_seals())
    assert [(b.object_id, b.code) for b in breaks] == [(second.pk, "seal"), (second.pk, "seal")]
    assert "does not start where the previous seal ends" in breaks[0].reason


def test_a_seal_forged_without_the_key_is_caught(item):
    seal = chain_seal_day(now=NEXT_DAY)
    with pgtrigger.ignore():
        _sql("UPDATE workflow_chainseal SET digest = %s WHERE id = %s", ["0" * 64, seal.pk])
    assert [(b.object_id, b.code) for b in verify_seals()] == [(seal.pk, "seal")]


def test_a_seal_break_alerts_with_its_day(item, watchers, settings):
    chain_seal_day(now=NEXT_DAY)
    _reseal(
        item,
        3,
        comment="从未沟通",
        scheme=HashScheme.HMAC_SHA256,
        key=settings.HISTORY_HMAC_KEY or DEVELOPMENT_HMAC_KEY,
    )
    chain_check_run(check=chain_check_request(user=None))
    body = Notification.objects.get(event="history.chain_broken", recipient=watchers["root"]).body
    assert "2026-03-16 的流转记录与当日发布的封存值不符" in body


def test_the_auditors_page_lists_the_seals_and_a_seal_break(client, item, people, settings):
    seal = chain_seal_day(now=NEXT_DAY)
    client.force_login(people["auditor"])
    body = client.get(reverse("history_check")).content.decode()
    assert "每日封存值" in body and seal.digest in body and 'id="seal-2026-03-16"' in body
    _reseal(
        item,
        2,
        comment="从未沟通",
        scheme=HashScheme.HMAC_SHA256,
        key=settings.HISTORY_HMAC_KEY or DEVELOPMENT_HMAC_KEY,
    )
    chain_check_run(check=chain_check_request(user=None))
    body = client.get(reverse("history_check")).content.decode()
    assert "与当日发布的封存值不符（封存后记录被改写）" in body
    assert f'href="{seal.get_absolute_url()}"' in body
