"""Every role x state x transition of tests/matrix.py, run through the REST API.

The same table as tests/workflow/test_permission_matrix.py, posted to
``/api/v1/{proposals,assignments}/{id}/transitions/{name}/`` as each persona,
with one rule the service layer does not have: an item the caller may not see
is a 404 (never leak existence), checked before the transition is judged. Who
sees what is written out by hand below, so a 404 is only accepted where the
table says the item is invisible, and a 403/409 only where it is visible.

The subjects (one proposal or assignment per state) are built once for the
module inside an outer transaction; each cell runs in its own savepoint, so an
allowed cell's change is rolled back before the next cell sees the item.
Each persona signs in with a token created once, so every request loads its
user afresh (no permission cache carried from one cell to the next).
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import assert_error
from tests.matrix import (
    ASSIGNMENT,
    PERSONAS,
    PROPOSAL,
    STATES,
    Cell,
    Outcome,
    build_all,
    cells,
    make_world,
    payload_for,
    service_do,
)
from workflow.models import HistoryEntry

BASE = "/api/v1"
ENDPOINTS = {PROPOSAL: "proposals", ASSIGNMENT: "assignments"}
NOT_FOUND = Outcome(False, 404, "not_found")

# Who can see the matrix's subject in each state, from the domain's rules ("auditor reads
# everything") and what proposals/selectors.py implements:
#
# - committee, union_office, auditor and admin see every proposal and assignment;
# - delegates see every proposal past the draft, and drafts they wrote, co-signed
#   or were invited to. The matrix's "delegate" co-signed the subject (the draft
#   needs two co-signers), so it sees the draft too; neither delegate sees an
#   assignment;
# - a department's handler and head see the proposals assigned to their
#   department (the subject has an assignment from "assigned" on, and keeps it)
#   and their department's assignments; the "other" department sees none of it;
# - the sub-union chair and a plain member have no part in proposals.
# fmt: off
_PROPOSAL_SEES = """
#          prop dlg  cmte  uo   hdl  ohdl head ohead chair mbr  aud  adm
draft      y    y    y     y    n    n    n    n     n     n    y    y
submitted  y    y    y     y    n    n    n    n     n     n    y    y
reviewed   y    y    y     y    n    n    n    n     n     n    y    y
rejected   y    y    y     y    n    n    n    n     n     n    y    y
merged     y    y    y     y    n    n    n    n     n     n    y    y
converted  y    y    y     y    n    n    n    n     n     n    y    y
withdrawn  y    y    y     y    n    n    n    n     n     n    y    y
assigned   y    y    y     y    y    n    y    n     n     n    y    y
answered   y    y    y     y    y    n    y    n     n     n    y    y
closed     y    y    y     y    y    n    y    n     n     n    y    y
"""

_ASSIGNMENT_SEES = """
#          prop dlg  cmte  uo   hdl  ohdl head ohead chair mbr  aud  adm
assigned   n    n    y     y    y    n    y    n     n     n    y    y
accepted   n    n    y     y    y    n    y    n     n     n    y    y
returned   n    n    y     y    y    n    y    n     n     n    y    y
answered   n    n    y     y    y    n    y    n     n     n    y    y
approved   n    n    y     y    y    n    y    n     n     n    y    y
"""
# fmt: on


def _parse_sees(grid: str, kind: str) -> dict[tuple[str, str], bool]:
    sees: dict[tuple[str, str], bool] = {}
    rows = [line.split() for line in grid.strip().splitlines() if not line.startswith("#")]
    if [state for state, *_ in rows] != list(STATES[kind]):
        raise ValueError(f"{kind}: the visibility rows must be the states {STATES[kind]}")
    for state, *marks in rows:
        if len(marks) != len(PERSONAS) or set(marks) - {"y", "n"}:
            raise ValueError(f"{kind} {state}: need one y/n per persona, got {marks}")
        for persona, mark in zip(PERSONAS, marks, strict=True):
            sees[(persona, state)] = mark == "y"
    return sees


_SEES = {PROPOSAL: _parse_sees(_PROPOSAL_SEES, PROPOSAL), ASSIGNMENT: _parse_sees(_ASSIGNMENT_SEES, ASSIGNMENT)}


def can_see(persona: str, kind: str, state: str) -> bool:
    return _SEES[kind][(persona, state)]


def api_outcome(cell: Cell) -> Outcome:
    """What the API answers: the matrix's outcome where the persona sees the item, else 404."""
    return cell.outcome if can_see(cell.persona, cell.kind, cell.state) else NOT_FOUND


def _id(cell: Cell) -> str:
    return f"{cell.kind}.{cell.state}.{cell.transition}.{cell.persona}.{api_outcome(cell)}"


ALL_CELLS = cells()
ALLOWED_CELLS = [c for c in ALL_CELLS if api_outcome(c).allowed]
REFUSED_CELLS = [c for c in ALL_CELLS if not api_outcome(c).allowed]


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                world = make_world(prefix="amx")
                subjects = build_all(world, do=service_do)
                clients = {}
                for persona, user in world.users.items():
                    client = APIClient()
                    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
                    clients[persona] = client
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield world, subjects, clients
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def _subject(matrix_world, cell: Cell):
    world, subjects, _ = matrix_world
    item = subjects[(cell.kind, cell.state)]
    return world, type(item).objects.get(pk=item.pk)


def _post(matrix_world, cell: Cell, item):
    """The cell's transition on ``item``, posted as the cell's persona with the cell's payload as JSON."""
    world, _, clients = matrix_world
    url = f"{BASE}/{ENDPOINTS[cell.kind]}/{item.pk}/transitions/{cell.transition}/"
    return clients[cell.persona].post(url, payload_for(cell.kind, cell.transition, world), format="json")


def test_the_table_covers_every_role_state_and_transition():
    assert (
        len({(c.kind, c.state, c.transition, c.persona) for c in ALL_CELLS}) == len(ALL_CELLS) == 12 * (10 * 9 + 5 * 5)
    )
    assert len(ALLOWED_CELLS) + len(REFUSED_CELLS) == len(ALL_CELLS)
    # Every cell the domain allows is on an item its persona can see: hiding it would make the role useless.
    assert [c for c in ALL_CELLS if c.outcome.allowed and not api_outcome(c).allowed] == []
    assert {c.kind for c in ALLOWED_CELLS} == {PROPOSAL, ASSIGNMENT}
    assert {api_outcome(c).status for c in REFUSED_CELLS} == {403, 404, 409}


@pytest.mark.django_db
@pytest.mark.parametrize("cell", ALLOWED_CELLS, ids=_id)
def test_an_allowed_cell_answers_200_with_the_new_state_and_records_it(matrix_world, cell):
    world, item = _subject(matrix_world, cell)
    before = HistoryEntry.objects.for_item(item).count()

    response = _post(matrix_world, cell, item)

    assert response.status_code == 200, (response.status_code, response.content)
    body = response.json()
    assert (body["id"], body["status"]) == (item.pk, cell.target)
    item.refresh_from_db()
    assert item.status == cell.target
    assert HistoryEntry.objects.for_item(item).count() == before + 1
    row = HistoryEntry.objects.for_item(item).order_by("-seq").first()
    assert (row.transition, row.from_state, row.to_state, row.actor_id) == (
        cell.transition,
        cell.state,
        cell.target,
        world.users[cell.persona].pk,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("cell", REFUSED_CELLS, ids=_id)
def test_a_refused_cell_answers_its_status_and_code_and_changes_nothing(matrix_world, cell):
    _, item = _subject(matrix_world, cell)
    before = HistoryEntry.objects.count()
    expected = api_outcome(cell)

    response = _post(matrix_world, cell, item)

    assert_error(response, expected.status, expected.code)
    item.refresh_from_db()
    assert item.status == cell.state
    assert HistoryEntry.objects.count() == before
