"""Every role x state x transition, run through workflow.services.transition and
held against the table written by hand in tests/matrix.py.

The subjects (one proposal or assignment per state) are built once for the
module inside an outer transaction; each cell runs in its own savepoint, so an
allowed cell's change is rolled back before the next cell sees the item.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from tests.factories import fresh
from tests.matrix import ASSIGNMENT, PROPOSAL, Cell, build_all, cells, make_world, payload_for, service_do
from workflow.errors import Conflict, DomainError, NotPermitted, TransitionNotAllowed
from workflow.models import HistoryEntry

ALL_CELLS = cells()
ALLOWED_CELLS = [c for c in ALL_CELLS if c.outcome.allowed]
REFUSED_CELLS = [c for c in ALL_CELLS if not c.outcome.allowed]


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                world = make_world()
                subjects = build_all(world, do=service_do)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield world, subjects
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def _subject(matrix_world, cell: Cell):
    world, subjects = matrix_world
    item = subjects[(cell.kind, cell.state)]
    return world, type(item).objects.get(pk=item.pk)


def _run(world, item, cell: Cell):
    user = fresh(world.users[cell.persona])
    return service_do(item, cell.transition, user, payload_for(cell.kind, cell.transition, world))


def test_the_table_covers_every_role_state_and_transition():
    assert (
        len({(c.kind, c.state, c.transition, c.persona) for c in ALL_CELLS}) == len(ALL_CELLS) == 12 * (10 * 9 + 5 * 5)
    )
    assert {c.kind for c in ALLOWED_CELLS} == {PROPOSAL, ASSIGNMENT}


@pytest.mark.django_db
@pytest.mark.parametrize("cell", ALLOWED_CELLS, ids=str)
def test_an_allowed_cell_moves_the_item_on_and_records_it(matrix_world, cell):
    world, item = _subject(matrix_world, cell)
    before = HistoryEntry.objects.for_item(item).count()

    _run(world, item, cell)

    item.refresh_from_db()
    assert item.status == cell.target
    row = HistoryEntry.objects.for_item(item).order_by("-seq").first()
    assert HistoryEntry.objects.for_item(item).count() == before + 1
    assert (row.transition, row.from_state, row.to_state, row.actor_id) == (
        cell.transition,
        cell.state,
        cell.target,
        world.users[cell.persona].pk,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("cell", REFUSED_CELLS, ids=str)
def test_a_refused_cell_raises_its_status_and_changes_nothing(matrix_world, cell):
    world, item = _subject(matrix_world, cell)
    before = HistoryEntry.objects.count()

    with pytest.raises(DomainError) as refused:
        _run(world, item, cell)

    expected_class = {403: NotPermitted, 409: Conflict}[cell.outcome.status]
    if cell.outcome.code == "transition_not_allowed":
        expected_class = TransitionNotAllowed
    assert (type(refused.value), refused.value.status, refused.value.code) == (
        expected_class,
        cell.outcome.status,
        cell.outcome.code,
    )
    item.refresh_from_db()
    assert item.status == cell.state
    assert HistoryEntry.objects.count() == before
