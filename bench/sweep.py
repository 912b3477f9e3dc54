"""How the reminder sweep's cost follows what is due, not what is open.

    DJANGO_SETTINGS_MODULE=config.settings DATABASE_URL=postgres://… python -m bench.sweep [--runs N] [--due N]

Needs PostgreSQL (the partial index and SKIP LOCKED are the point) and a migrated
database (`manage.py migrate`). Each size of the table is measured in its own
transaction, rolled back at the end (then VACUUM ANALYZE of the deadline, reminder and
notification tables), so it leaves no rows and no bloat: a small real world built
through the services (a session, departments with handlers and heads, proposals
assigned to them), then synthetic open deadlines on those assignments written by
`INSERT ... SELECT generate_series`, of which `--due` need a look at the sweep instant
and the rest later. Sizes: 100,000 and 1,000,000 open rows, the same ones due.

After ANALYZE it prints the plan of the sweep's batch query and, as the best and the
median of --runs runs after one warm-up:

* sweep(now=…): the real thing, end to end (wall clock, and this process's CPU):
  claims the due rows in batches, plans each one's reminders, records them and writes
  their notifications (each run inside a savepoint that is rolled back, so every run
  does the same work);
* select: the floor, the same selection as one raw SQL query fetching every due row;

and their ratio, with what one sweep wrote and how many SQL statements it sent. The
sweep should cost about the same at both sizes: its work is per due row and per
reminder, never per open row.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402  (needs django.setup())
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from notifications.models import Notification  # noqa: E402
from org.models import Department, DepartmentKind, Profile, Role  # noqa: E402
from org.roles import user_set_roles  # noqa: E402
from proposals.models import Assignment, Category, CongressSession  # noqa: E402
from proposals.services import proposal_cosign, proposal_create, proposal_invite  # noqa: E402
from workflow.calendar import end_of_day, local_date  # noqa: E402
from workflow.deadlines import SweepResult, sweep  # noqa: E402
from workflow.models import Deadline, Reminder  # noqa: E402
from workflow.services import transition  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
# A fixed instant in a year the holiday data covers, so the figures do not depend on the day
# the benchmark runs (the sweep refuses to guess an uncovered year's holidays).
NOW = datetime(2026, 5, 7, 10, 0, tzinfo=SH)
BATCH = 500
SIZES = (100_000, 1_000_000)

SELECT_DUE = (
    "SELECT id, content_type_id, object_id, step, due, supervised, opened_at, next_check_at, escalation_level "
    "FROM workflow_deadline WHERE closed_at IS NULL AND next_check_at <= %s ORDER BY next_check_at"
)

# Rows g = first..last of the synthetic deadlines; g <= due_until need a look at NOW (due dates spread
# over the last 15 days, so the sweep sends a mix of "due", "overdue" and escalations), the
# others next need one within 30 days. Spread round-robin over the real assignments.
INSERT_ROWS = """
INSERT INTO workflow_deadline
    (content_type_id, object_id, step, due, supervised, opened_at, closed_at, next_check_at, escalation_level)
SELECT %(ct)s,
       (%(ids)s::bigint[])[1 + g %% %(n_ids)s],
       'bench-' || g,
       CASE WHEN g <= %(due_until)s THEN %(due_base)s - (g %% 15) * interval '1 day'
            ELSE %(due_base)s + (1 + g %% 90) * interval '1 day' END,
       g %% 10 = 0,
       %(now)s - interval '60 days',
       NULL,
       CASE WHEN g <= %(due_until)s THEN %(now)s - (g %% 600) * interval '1 minute'
            ELSE %(now)s + (1 + g %% 43200) * interval '1 minute' END,
       0
FROM generate_series(%(first)s, %(last)s) AS g
"""


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and this process's CPU milliseconds of each of `runs` calls of fn, after a
    warm-up call. On a shared machine the wall clock also counts other processes' turns on
    the CPU; the CPU time leaves out the database server's side but not that noise."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def _person(username: str, name: str, roles: list[str], department: Department | None) -> Any:
    user = get_user_model().objects.create_user(username=username, password=None)
    Profile.objects.create(user=user, full_name=name, department=department)
    user_set_roles(user=user, roles=roles)
    return get_user_model().objects.get(pk=user.pk)


def build_world(assignments: int) -> list[int]:
    """Real proposals, assigned through the services (a lead and a co-department each); their
    assignments' ids. Five departments, each with a handler and a head, so reminders have
    the recipients they have on campus."""
    stamp = f"{time.time_ns()}"
    real_now = timezone.now()
    session = CongressSession.objects.create(
        name=f"基准测试{stamp}",
        code=f"B{stamp[-8:]}",  # numbers are "<code>-001", at most 20 characters
        collection_opens=real_now - timedelta(days=10),
        collection_closes=real_now + timedelta(days=20),
    )
    category = Category.objects.order_by("order", "id").first() or Category.objects.create(name="其他")
    departments = [Department.objects.create(name=f"基准单位{stamp}-{i}", kind=DepartmentKind.OFFICE) for i in range(5)]
    for i, d in enumerate(departments):
        _person(f"bench-handler-{stamp}-{i}", "经办人", [Role.DEPARTMENT_HANDLER], d)
        _person(f"bench-head-{stamp}-{i}", "负责人", [Role.DEPARTMENT_HEAD], d)
    delegates = [_person(f"bench-delegate-{stamp}-{i}", "代表", [Role.DELEGATE], None) for i in range(3)]
    committee = _person(f"bench-committee-{stamp}", "委员", [Role.COMMITTEE], None)
    _person(f"bench-office-{stamp}", "校工会", [Role.UNION_OFFICE], None)
    # The answer is due in a covered year, whatever day this runs.
    due = end_of_day(date(2026, 4, 30))
    proposer, cosigners = delegates[0], delegates[1:]
    for i in range((assignments + 1) // 2):
        data = {"title": f"基准提案 {i}", "category": category.pk, "reason": "案由。", "suggestion": "建议。"}
        p: Any = proposal_create(user=proposer, data={**data, "session": session.pk})
        proposal_invite(proposal=p, user=proposer, delegates=cosigners)
        for c in cosigners:
            proposal_cosign(proposal=p, user=c)
        p = transition(p, "submit", proposer)
        p = transition(p, "accept", committee)
        lead, co = departments[i % 5], departments[(i + 1) % 5]
        transition(p, "assign", committee, lead_department=lead.pk, co_departments=[co.pk], due=due)
    ids = list(Assignment.objects.filter(proposal__session=session).order_by("pk").values_list("pk", flat=True))
    # Their own "answer" deadlines next need a look after NOW, so exactly the synthetic ones are due.
    Deadline.objects.filter(object_id__in=ids, closed_at__isnull=True).update(next_check_at=NOW + timedelta(days=30))
    return ids


def add_rows(ids: list[int], *, first: int, last: int, due_until: int) -> float:
    """Insert synthetic open deadlines first..last; seconds taken."""
    start = time.perf_counter()
    params: dict[str, Any] = {
        "ct": ContentType.objects.get_for_model(Assignment).pk,
        "ids": ids,
        "n_ids": len(ids),
        "due_until": due_until,
        "due_base": end_of_day(local_date(NOW)),
        "now": NOW,
        "first": first,
        "last": last,
    }
    with connection.cursor() as cursor:
        cursor.execute(INSERT_ROWS, params)
        cursor.execute("ANALYZE workflow_deadline")
    return time.perf_counter() - start


def vacuum() -> None:
    """Reclaim the rows earlier rolled-back runs left dead in the tables the sweep reads and
    writes, so a run neither measures nor leaves their bloat. Outside any transaction."""
    with connection.cursor() as cursor:
        for model in (Deadline, Reminder, Notification):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def select_plan() -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + SELECT_DUE, [NOW])
        return "\n".join(row[0] for row in cursor.fetchall())


def batch_plan() -> str:
    """EXPLAIN ANALYZE of the sweep's own batch query (the ORM's SQL, FOR UPDATE SKIP LOCKED)."""
    qs = (
        Deadline.objects.filter(closed_at__isnull=True, next_check_at__lte=NOW)
        .order_by("next_check_at")
        .select_for_update(skip_locked=True)[:BATCH]
    )
    return qs.explain(analyze=True)


def measure(due: int, runs: int) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM workflow_deadline WHERE closed_at IS NULL")
        (n_open,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM workflow_deadline WHERE closed_at IS NULL AND next_check_at <= %s", [NOW])
        (n_due,) = cursor.fetchone()
    assert n_due == due, f"{n_due} rows due, expected {due}"

    outcome: list[SweepResult] = []
    statements = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements[0] += 1
        return execute(sql, params, many, context)

    def run_sweep() -> None:
        sid = transaction.savepoint()
        statements[0] = 0
        try:
            with connection.execute_wrapper(count):
                outcome.append(sweep(now=NOW, batch=BATCH))
        finally:
            transaction.savepoint_rollback(sid)

    def select() -> None:
        with connection.cursor() as cursor:
            cursor.execute(SELECT_DUE, [NOW])
            assert len(cursor.fetchall()) == due

    sweep_ms, sweep_cpu = timed(run_sweep, runs)
    select_ms, _ = timed(select, runs)
    result = outcome[-1]
    assert result.deadlines == due, result
    return {
        "open": n_open,
        "due": n_due,
        "sweep": sweep_ms,
        "sweep_cpu": sweep_cpu,
        "select": select_ms,
        "result": result,
        "statements": statements[0],
        "plan": batch_plan(),
        "select_plan": select_plan(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--due", type=int, default=1000, help="rows due at the sweep instant (default 1000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each figure (default 3)")
    parser.add_argument("--assignments", type=int, default=50, help="real assignments to point at (default 50)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit(
            f"bench.sweep measures PostgreSQL's partial index and SKIP LOCKED; the database is "
            f"{connection.vendor}. Set DATABASE_URL=postgres://user@host:5432/name (a migrated database)."
        )
    if Deadline._meta.db_table not in connection.introspection.table_names():
        raise SystemExit(f"{connection.settings_dict['NAME']} has no deadlines table: run `manage.py migrate` first.")

    rows: list[dict[str, Any]] = []
    for size in SIZES:
        # Each size in its own transaction, rolled back and vacuumed away: the rows the sweeps
        # of one size wrote and rolled back (dead tuples) do not slow down the next.
        vacuum()
        with transaction.atomic():
            start = time.perf_counter()
            ids = build_world(args.assignments)
            built = time.perf_counter() - start
            # Their own open deadlines count too; the due rows come first.
            seconds = add_rows(ids, first=len(ids) + 1, last=size, due_until=len(ids) + args.due)
            print(
                f"{size:,} open deadlines: {len(ids)} real assignments through the services in {built:.1f}s, "
                f"the other rows inserted and analyzed in {seconds:.1f}s",
                flush=True,
            )
            rows.append(measure(args.due, args.runs))
            transaction.set_rollback(True)
    vacuum()

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    print()
    print(
        f"reminder sweep at {NOW:%Y-%m-%d %H:%M %z}, PostgreSQL {version}, batches of {BATCH}, "
        f"{args.runs} runs each after a warm-up (ms)"
    )
    head = (
        f"  {'open':>9s} {'due':>6s} {'sweep best':>11s} {'median':>9s} {'cpu':>8s} {'select best':>12s}"
        f" {'median':>7s} {'sweep/select':>13s} {'reminders':>10s} {'notifications':>14s} {'statements':>11s}"
    )
    print(head)
    for r in rows:
        sweep_best, select_best = min(r["sweep"]), min(r["select"])
        print(
            f"  {r['open']:>9,} {r['due']:>6,} {sweep_best:11.1f} {statistics.median(r['sweep']):9.1f}"
            f" {min(r['sweep_cpu']):8.1f} {select_best:12.2f} {statistics.median(r['select']):7.2f}"
            f" {sweep_best / select_best:12.0f}x {r['result'].reminders:>10,} {r['result'].notifications:>14,}"
            f" {r['statements']:>11,}"
        )
    small, big = rows[0], rows[-1]
    grew = {k: min(big[k]) / min(small[k]) for k in ("sweep", "sweep_cpu", "select")}
    print(
        f"  {big['open'] / small['open']:.0f}x the open rows: the sweep took {grew['sweep']:.2f}x"
        f" ({grew['sweep_cpu']:.2f}x the CPU), the selection {grew['select']:.2f}x"
    )
    for r in rows:
        for label, plan in (("the sweep's batch query", r["plan"]), ("the raw selection", r["select_plan"])):
            print(f"\n  plan of {label}, {r['open']:,} open rows:")
            for line in plan.splitlines():
                print(f"    {line}")
            if "deadline_sweep_idx" not in plan:
                print("    (!) the partial index deadline_sweep_idx is not used")


if __name__ == "__main__":
    main()
