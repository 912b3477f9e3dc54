"""How long the committee's triage queue (审查队列) takes to render with a full session of
submitted proposals and their duplicate suggestions, against the cost of just reading them.

    DJANGO_SETTINGS_MODULE=config.settings DATABASE_URL=postgres://… python -m bench.triage [--runs N] [--size N]

Needs a migrated database. It writes a throwaway session of synthetic proposals (the
texts of bench.similar) and a committee member inside one transaction and rolls it back.

Figures, each the best and the median wall-clock time and the best CPU time of --runs
runs after one warm-up:

* floor: the raw SQL fetching the session's submitted rows' text (what any page must read);
* GET /proposals/triage/ through Django's test client as the committee member: the first
  page of the queue (its page size) with each row's three likely duplicates, found among
  every proposal of the session, rendered to HTML — once as the first view after the
  session's proposals changed (the similarity matrix is computed), once as a later view
  (the matrix kept for the same corpus is reused);

with the number of SQL statements the page ran and each figure's ratio to the floor.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402  (needs django.setup())
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.similar import build_session, timed  # noqa: E402
from org.models import Role  # noqa: E402
from org.roles import user_set_roles  # noqa: E402
from proposals.models import Proposal, ProposalStatus  # noqa: E402
from proposals.similarity import similarity_cache_clear  # noqa: E402
from proposals.triage import PAGE_SIZE  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300, help="submitted proposals in the session (default 300)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each figure (default 7)")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    if Proposal._meta.db_table not in connection.introspection.table_names():
        raise SystemExit(f"{connection.settings_dict['NAME']} has no proposals table: run `manage.py migrate` first.")

    host = next((h for h in settings.ALLOWED_HOSTS if h not in {"*", ""} and not h.startswith(".")), "127.0.0.1")
    with transaction.atomic():
        session, _ = build_session(args.size, random.Random(args.seed))
        # Every row waits for triage, as on the last day of collection.
        Proposal.objects.filter(session=session).update(status=ProposalStatus.SUBMITTED)
        member = get_user_model().objects.create_user(username=f"bench-committee-{session.pk}", password=None)
        user_set_roles(user=member, roles=[Role.COMMITTEE])
        client = Client(HTTP_HOST=host)
        client.force_login(member)
        url = f"{reverse('proposals:triage')}?session={session.pk}&status=submitted"
        sql = (
            f"SELECT id, title, reason, suggestion FROM {Proposal._meta.db_table} "
            "WHERE session_id = %s AND status = %s ORDER BY id"
        )

        def floor() -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, [session.pk, ProposalStatus.SUBMITTED])
                assert len(cursor.fetchall()) == args.size

        sizes: list[int] = []

        def page() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            sizes.append(len(response.content))

        statements: list[str] = []

        def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            statements.append(sql)
            return execute(sql, params, many, context)

        similarity_cache_clear()
        with connection.execute_wrapper(count):
            page()
        body = client.get(url).content.decode()
        rows_shown = body.count('id="triage-')
        with_duplicates = body.count('<ul class="plain duplicates">')

        def cold_page() -> None:
            similarity_cache_clear()  # as after a proposal was submitted: the matrix is rebuilt
            page()

        figures = {
            "floor: raw SQL, the rows' text": timed(floor, args.runs),
            "GET the queue, first view after a change": timed(cold_page, args.runs),
            "GET the queue, later views (matrix kept)": timed(page, args.runs),
        }
        transaction.set_rollback(True)

    floor_ms = min(figures["floor: raw SQL, the rows' text"][0])
    print(
        f"{args.size} submitted proposals, {connection.vendor}, page size {PAGE_SIZE}: {rows_shown} rows shown, "
        f"{with_duplicates} with duplicates listed, {len(statements)} SQL statements, "
        f"{max(sizes) // 1024} KiB of HTML; "
        f"{args.runs} runs each (ms)"
    )
    print(f"  {'':42s} {'best':>9s} {'median':>9s} {'best cpu':>9s} {'vs floor':>9s}")
    for label, (wall, cpu) in figures.items():
        best, median = min(wall), statistics.median(wall)
        print(f"  {label:42s} {best:9.2f} {median:9.2f} {min(cpu):9.2f} {best / floor_ms:8.1f}x")


if __name__ == "__main__":
    main()
