"""How long the union office's welfare exports and figures take for a year of requests,
against the cost of just reading the same rows.

    DJANGO_SETTINGS_MODULE=config.settings DATABASE_URL=postgres://… python -m bench.welfare [--runs N] [--size N]

Needs a migrated database. It writes --size closed, approved requests of every kind, spread
over the year across 30 units (bulk inserts: this measures the reads, not the filing), one
union office worker and one auditor, inside one transaction, and rolls it back.

Figures, each the best and the median wall-clock time and the best CPU time of --runs runs
after one warm-up:

* floor: the raw SQL reading the year's rows with applicant, unit and the sensitive fields
  (what any export must read);
* GET /welfare/queue.xlsx as the union office (every field unmasked, so every row is also
  written to the access log) and as an auditor (masked, nothing logged);
* GET /welfare/payouts.xlsx for the whole year as the union office (ID numbers unmasked, logged);
* GET /welfare/figures/ for the year (by kind and by unit);

with the SQL statements each ran and each figure's ratio to the floor.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
from datetime import datetime, timedelta
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402  (needs django.setup())
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.similar import timed  # noqa: E402
from org.models import Department, Profile, Role  # noqa: E402
from org.roles import user_set_roles  # noqa: E402
from welfare.models import VisitReason, WelfareKind, WelfareRequest, WelfareStatus  # noqa: E402
from workflow.calendar import SHANGHAI  # noqa: E402

YEAR = 2025
ID_NUMBER = "11010519491231002X"


def build(size: int, rng: random.Random) -> tuple[list[Department], Client, Client]:
    stamp = f"{datetime.now():%H%M%S%f}"
    users = get_user_model().objects
    # One at a time: a department makes its own group on save.
    units = [Department.objects.create(name=f"基准学院{stamp}-{i}") for i in range(30)]
    members = [users.create_user(username=f"bench-m-{stamp}-{i}", password=None) for i in range(size // 4 or 1)]
    Profile.objects.bulk_create(
        [Profile(user=m, full_name=f"会员{i:04d}", department=rng.choice(units)) for i, m in enumerate(members)]
    )
    office = users.create_user(username=f"bench-office-{stamp}", password=None)
    auditor = users.create_user(username=f"bench-auditor-{stamp}", password=None)
    user_set_roles(user=office, roles=[Role.UNION_OFFICE])
    user_set_roles(user=auditor, roles=[Role.AUDITOR])
    start = datetime(YEAR, 1, 2, 9, tzinfo=SHANGHAI)
    kinds = list(WelfareKind.values)
    rows = []
    for i in range(size):
        member = members[i % len(members)]
        kind = kinds[i % len(kinds)]
        submitted = start + timedelta(days=rng.randrange(0, 330), minutes=rng.randrange(0, 600))
        amount = Decimal(rng.randrange(200, 5000))
        rows.append(
            WelfareRequest(
                kind=kind,
                applicant=member,
                filed_by=member,
                unit=member.profile.department,
                title=f"福利申请 {i}",
                description="因家庭变故申请补助。" * 5,
                amount_requested=amount,
                diagnosis="住院治疗" if kind == WelfareKind.MUST_VISIT else "",
                income=Decimal("850.00") if kind == WelfareKind.HARDSHIP else None,
                id_number=ID_NUMBER,
                visit_reason=VisitReason.ILLNESS if kind == WelfareKind.MUST_VISIT else "",
                status=WelfareStatus.CLOSED,
                handler=office,
                approved=True,
                amount_approved=amount,
                answer="同意。",
                submitted_at=submitted,
                decided_at=submitted + timedelta(days=5),
                closed_at=submitted + timedelta(days=20),
            )
        )
    WelfareRequest.objects.bulk_create(rows, batch_size=1000)
    host = next((h for h in settings.ALLOWED_HOSTS if h not in {"*", ""} and not h.startswith(".")), "127.0.0.1")
    as_office, as_auditor = Client(HTTP_HOST=host), Client(HTTP_HOST=host)
    as_office.force_login(office)
    as_auditor.force_login(auditor)
    return units, as_office, as_auditor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=3000, help="closed requests in the year (default 3000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each figure (default 5)")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    if WelfareRequest._meta.db_table not in connection.introspection.table_names():
        raise SystemExit(f"{connection.settings_dict['NAME']} has no welfare table: run `manage.py migrate` first.")

    with transaction.atomic():
        units, as_office, as_auditor = build(args.size, random.Random(args.seed))
        unit_ids = [u.pk for u in units]
        t, u, p, d = (
            WelfareRequest._meta.db_table,
            get_user_model()._meta.db_table,
            Profile._meta.db_table,
            Department._meta.db_table,
        )
        sql = (
            f"SELECT r.id, r.kind, r.title, r.amount_approved, r.closed_at, r.diagnosis, r.income, r.id_number, "
            f"a.username, p.full_name, d.name FROM {t} r JOIN {u} a ON a.id = r.applicant_id "
            f"LEFT JOIN {p} p ON p.user_id = a.id JOIN {d} d ON d.id = r.unit_id "
            "WHERE r.unit_id = ANY(%s) ORDER BY r.id"
        )

        def floor() -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, [unit_ids])
                assert len(cursor.fetchall()) == args.size

        period = {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"}
        pages: dict[str, tuple[Client, str, dict[str, str]]] = {
            "GET queue.xlsx, union office (unmasked)": (as_office, reverse("welfare:queue_xlsx"), {}),
            "GET queue.xlsx, auditor (masked)": (as_auditor, reverse("welfare:queue_xlsx"), {}),
            "GET payouts.xlsx, the year, union office": (as_office, reverse("welfare:payouts_xlsx"), period),
            "GET figures page, the year": (as_office, reverse("welfare:figures"), {"year": str(YEAR)}),
        }
        statements: dict[str, int] = {}
        sizes: dict[str, int] = {}

        def getter(label: str):  # type: ignore[no-untyped-def]
            client, url, params = pages[label]

            def get() -> None:
                response = client.get(url, params)
                assert response.status_code == 200, (label, response.status_code)
                sizes[label] = len(response.content)

            return get

        seen: list[str] = []

        def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            seen.append(sql)
            return execute(sql, params, many, context)

        for label in pages:
            seen.clear()
            with connection.execute_wrapper(count):
                getter(label)()
            statements[label] = len(seen)

        figures = {"floor: raw SQL, the year's rows": timed(floor, args.runs)}
        figures.update({label: timed(getter(label), args.runs) for label in pages})
        transaction.set_rollback(True)

    floor_ms = min(figures["floor: raw SQL, the year's rows"][0])
    print(f"{args.size} closed welfare requests in {YEAR}, {connection.vendor}; {args.runs} runs each (ms)")
    print(f"  {'':42s} {'best':>9s} {'median':>9s} {'best cpu':>9s} {'vs floor':>9s} {'SQL':>5s} {'KiB':>6s}")
    for label, (wall, cpu) in figures.items():
        best, median = min(wall), statistics.median(wall)
        extra = f"{statements[label]:5d} {sizes[label] // 1024:6d}" if label in statements else ""
        print(f"  {label:42s} {best:9.2f} {median:9.2f} {min(cpu):9.2f} {best / floor_ms:8.1f}x {extra}")


if __name__ == "__main__":
    main()
