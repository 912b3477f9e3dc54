"""The embedded default `make run` starts (SQLite and the filesystem broker) under load: people
act on the pages at once while the Celery worker delivers, and every delivery ends sent,
exactly once, with no "database is locked" anywhere.

Real processes on a SQLite file of the test's own: `migrate` and `seed_demo` as `make run`
does them, a worker started as bin/run-all starts it (its concurrency from the settings), and
the page actions of tests/services/sqlite_pages.py, four people in threads at once."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.services

ROUNDS = 6  # drafts per delegate, each with two invitations


def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "VAR_DIR": str(tmp_path / "var"),
        "EMAIL_URL": "consolemail://",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def deliveries(db: Path) -> list[tuple[str, str, int]]:
    """The outbox rows sent one by one (a digest row waits for its evening)."""
    with sqlite3.connect(db) as conn:
        query = "SELECT status, message_id, attempts FROM notifications_delivery WHERE digest = 0"
        return conn.execute(query).fetchall()


def wait_for(condition, *, what: str, log: Path, db: Path, timeout: float) -> None:
    """Until `condition()`, or fail after `timeout` seconds saying what the outbox and the worker show."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            statuses = Counter(status for status, _, _ in deliveries(db)) if db.exists() else {}
            raise AssertionError(f"timed out waiting for {what}; outbox {statuses}\n{log.read_text()[-4000:]}")
        time.sleep(0.1)


def test_pages_and_the_worker_share_the_sqlite_file_without_a_lock_error(tmp_path):
    env = sqlite_env(tmp_path)
    manage(env, "migrate", "--no-input")
    manage(env, "seed_demo")
    db = tmp_path / "db.sqlite3"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    before = len(deliveries(db))

    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: " ready." in log.read_text(), what="the worker to start", log=log, db=db, timeout=60)
            # The worker takes one process: one SQLite file has one writer at a time.
            assert re.search(r"concurrency:\s+1 \(prefork\)", log.read_text()), log.read_text()[:2000]
            done = subprocess.run(
                [sys.executable, "-m", "tests.services.sqlite_pages", str(ROUNDS)],
                cwd=settings.BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
            result = json.loads(done.stdout.strip().splitlines()[-1])
            assert result["errors"] == [], result
            assert set(result["statuses"]) <= {"200", "302"}, result
            assert result["invited"] == 3 * ROUNDS * 2

            made = deliveries(db)
            assert len(made) - before >= result["invited"]  # each invitation has its deliveries
            wait_for(
                # Sent, or (a recipient without that channel) deliberately not sent.
                lambda: all(status in ("sent", "skipped") for status, _, _ in deliveries(db)),
                what="every delivery to be sent",
                log=log,
                db=db,
                timeout=180,
            )
        finally:
            worker.terminate()
            worker.wait(timeout=30)

    text = log.read_text()
    assert "database is locked" not in text
    assert "OperationalError" not in text
    # Exactly once: each sent row's message went out one time, under its Message-ID.
    sent_ids = Counter(re.findall(r"^Message-ID: (<[^>]+>)", text, flags=re.M))
    rows = deliveries(db)
    emailed = [mid for status, mid, _ in rows if status == "sent" and mid]
    assert emailed, rows[:5]
    assert all(sent_ids[mid] == 1 for mid in emailed), [(m, sent_ids[m]) for m in emailed if sent_ids[m] != 1][:5]
