"""The history is append-only, one row per transition, hash-chained per item, and
`manage.py verify_history` notices when someone edits or removes a row behind the ORM's back.

On PostgreSQL a trigger refuses such edits (tests/workflow/test_history_keyed.py); here the
intruder is one who can get past it (the table's owner), as `_tamper` does."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from proposals.models import Assignment, Proposal
from proposals.services import proposal_cosign
from tests.factories import draft
from workflow import history
from workflow.errors import Conflict
from workflow.history import entry_hash
from workflow.models import AppendOnlyError, HistoryEntry
from workflow.services import transition

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")


def _step(item, name, user, **payload):
    """Run one transition and check it wrote exactly one row on the item: its states and its actor."""
    before_status = type(item).objects.get(pk=item.pk).status
    before = HistoryEntry.objects.for_item(item).count()
    result = transition(item, name, user, **payload)
    rows = list(HistoryEntry.objects.for_item(item).order_by("seq")[before:])
    assert [(r.transition, r.from_state, r.to_state, r.actor_id) for r in rows] == [
        (name, before_status, result.status, user.pk)
    ]
    return result


def _closed_proposal(people, session, category, departments):
    """A full lifecycle with a co-department; every transition checked by _step on the way."""
    p = draft(people["alice"], session, category)
    proposal_cosign(proposal=p, user=people["bob"])
    proposal_cosign(proposal=p, user=people["carol"])
    p = _step(p, "submit", people["alice"])
    p = _step(p, "accept", people["committee"])
    p = _step(
        p,
        "assign",
        people["committee"],
        lead_department=departments["logistics"].pk,
        co_departments=[departments["hr"].pk],
    )
    lead = Assignment.objects.get(proposal=p, role="lead")
    co = Assignment.objects.get(proposal=p, role="co")
    _step(co, "accept", people["hr_handler"])
    _step(co, "answer", people["hr_handler"], answer="人事处配合调整值班安排。")
    _step(lead, "accept", people["handler"])
    _step(lead, "answer", people["handler"], answer="已延长供应时间。", answer_class="A")
    proposal_rows = HistoryEntry.objects.for_item(p).count()
    _step(lead, "approve", people["head"])
    # The approval moves the proposal on as a follow-up: one row on the proposal too, by the same actor.
    follow = list(HistoryEntry.objects.for_item(p).order_by("seq")[proposal_rows:])
    assert [(r.transition, r.from_state, r.to_state, r.actor_id) for r in follow] == [
        ("receive_answer", "assigned", "answered", people["head"].pk)
    ]
    return _step(Proposal.objects.get(pk=p.pk), "feedback", people["alice"], satisfaction="satisfied", comment="满意")


@pytest.fixture
def closed(people, session, category, departments):
    return _closed_proposal(people, session, category, departments)


def _verify() -> str:
    out = StringIO()
    call_command("verify_history", stdout=out, stderr=StringIO())
    return out.getvalue()


def _tamper(sql: str, params: list) -> None:
    """Raw SQL past the history tables' triggers, as the tables' owner could send it."""
    with pgtrigger.ignore(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# Append-only through the ORM --------------------------------------------------


def test_saving_an_existing_history_row_is_refused(closed):
    row = HistoryEntry.objects.for_item(closed).first()
    row.comment = "改写"
    with pytest.raises(AppendOnlyError):
        row.save()
    assert HistoryEntry.objects.get(pk=row.pk).comment != "改写"


def test_deleting_a_history_row_is_refused(closed):
    row = HistoryEntry.objects.for_item(closed).first()
    with pytest.raises(AppendOnlyError):
        row.delete()
    assert HistoryEntry.objects.filter(pk=row.pk).exists()


def test_updating_history_through_a_queryset_is_refused(closed):
    with pytest.raises(AppendOnlyError):
        HistoryEntry.objects.for_item(closed).update(comment="改写")
    with pytest.raises(AppendOnlyError):
        HistoryEntry.objects.update(comment="改写")
    assert not HistoryEntry.objects.filter(comment="改写").exists()


def test_bulk_updating_history_rows_is_refused(closed):
    rows = list(HistoryEntry.objects.for_item(closed))
    for row in rows:
        row.comment = "改写"
    # bulk_update opens its atomic block without a savepoint; ours keeps the test's transaction usable.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        HistoryEntry.objects.bulk_update(rows, ["comment"])
    assert not HistoryEntry.objects.filter(comment="改写").exists()


def test_deleting_history_through_a_queryset_is_refused(closed):
    count = HistoryEntry.objects.count()
    with pytest.raises(AppendOnlyError):
        HistoryEntry.objects.for_item(closed).delete()
    with pytest.raises(AppendOnlyError):
        HistoryEntry.objects.all().delete()
    assert HistoryEntry.objects.count() == count


# One row per transition, chained ----------------------------------------------


def test_each_transition_of_a_full_lifecycle_writes_exactly_one_row_with_its_states_and_actor(
    people, session, category, departments
):
    # _closed_proposal checks each step as it goes; here the whole story of the proposal, in order.
    closed = _closed_proposal(people, session, category, departments)
    rows = HistoryEntry.objects.for_item(closed).exclude(transition="").order_by("seq")
    assert [(r.transition, r.from_state, r.to_state) for r in rows] == [
        ("submit", "draft", "submitted"),
        ("accept", "submitted", "reviewed"),
        ("assign", "reviewed", "assigned"),
        ("receive_answer", "assigned", "answered"),
        ("feedback", "answered", "closed"),
    ]


def test_a_refused_transition_writes_no_row(people, session, category):
    p = draft(people["alice"], session, category)
    count = HistoryEntry.objects.count()
    with pytest.raises(Conflict):  # no co-signers yet
        transition(p, "submit", people["alice"])
    assert HistoryEntry.objects.count() == count


def test_each_row_links_to_the_previous_row_of_the_same_item(closed):
    for item in [closed, *Assignment.objects.filter(proposal=closed)]:
        rows = list(HistoryEntry.objects.for_item(item).order_by("seq"))
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
        assert rows[0].prev_hash == ""
        assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
        assert all(r.hash == entry_hash(r) for r in rows)
    assert HistoryEntry.objects.values("hash").distinct().count() == HistoryEntry.objects.count()


# verify_history ---------------------------------------------------------------


def test_verify_history_passes_after_a_full_lifecycle(closed):
    assert _verify() == f"OK: {HistoryEntry.objects.count()} history rows verified\n"


def test_verify_history_passes_for_a_row_recorded_at_an_explicit_beijing_time_instant(people, session, category):
    # Time is a parameter (`now=`); the instant a caller passes may carry any offset.
    p = draft(people["alice"], session, category)
    history.record(
        p, "proposal.note", people["alice"], {"note": "会前沟通"}, now=datetime(2025, 3, 10, 10, 0, tzinfo=BEIJING)
    )
    assert _verify() == f"OK: {HistoryEntry.objects.count()} history rows verified\n"


def test_verify_history_fails_after_a_row_is_altered_by_raw_sql(closed):
    row = HistoryEntry.objects.for_item(closed).get(transition="accept")
    _tamper("UPDATE workflow_historyentry SET comment = %s WHERE id = %s", ["悄悄改过", row.pk])
    with pytest.raises(CommandError):
        _verify()


def test_verify_history_fails_after_a_row_is_altered_and_its_own_hash_recomputed(closed):
    # A forger who knows the hash formula can reseal the row, but not the next row's link to it.
    row = HistoryEntry.objects.for_item(closed).get(transition="accept")
    row.comment = "悄悄改过"
    _tamper(
        "UPDATE workflow_historyentry SET comment = %s, hash = %s WHERE id = %s",
        [row.comment, entry_hash(row), row.pk],
    )
    with pytest.raises(CommandError):
        _verify()


def test_verify_history_fails_after_a_row_is_deleted_by_raw_sql(closed):
    row = HistoryEntry.objects.for_item(closed).get(transition="accept")
    _tamper("DELETE FROM workflow_historyentry WHERE id = %s", [row.pk])
    with pytest.raises(CommandError):
        _verify()


def test_verify_history_fails_after_the_latest_row_is_deleted_by_raw_sql(closed):
    # The row that hides what happened last: the proposal still says "closed",
    # its history now ends at "answered".
    last = HistoryEntry.objects.for_item(closed).order_by("-seq").first()
    assert last.transition == "feedback"
    _tamper("DELETE FROM workflow_historyentry WHERE id = %s", [last.pk])
    with pytest.raises(CommandError):
        _verify()
