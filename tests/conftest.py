"""The world the tests live in: departments, a collecting session, and one persona per role.

Tests run on PostgreSQL (DATABASE_URL); `make test` points there and fails when it is down.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from tests.factories import make_user

TEST_EPOCH = datetime(2026, 3, 16, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
_clock = None


def pytest_configure(config):
    """Refuse to run anywhere but on the real services: no silent SQLite, no skipped Redis."""
    import os

    import psycopg
    import redis

    db_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not db_url.startswith(("postgres://", "postgresql://")):
        pytest.exit(f"DATABASE_URL must point at PostgreSQL (got {db_url!r}); run `make test`.", returncode=3)
    if not redis_url.startswith("redis://"):
        pytest.exit(f"REDIS_URL must point at Redis (got {redis_url!r}); run `make test`.", returncode=3)
    try:
        psycopg.connect(db_url, connect_timeout=5).close()
    except psycopg.Error as exc:
        pytest.exit(f"PostgreSQL is unreachable at {db_url}: {exc}", returncode=3)
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        pytest.exit(f"Redis is unreachable at {redis_url}: {exc}", returncode=3)

    # Every run starts at the same instant, on a Monday of a year the holiday data covers:
    # deadlines counted in working days from "now" then never reach a year chinesecalendar
    # lacks (it stops at 2026), and the suite gives the same dates whatever day it runs.
    # The clock still ticks from there; tests that need another instant travel themselves.
    global _clock
    _clock = time_machine.travel(TEST_EPOCH, tick=True)
    _clock.start()


def pytest_collection_modifyitems(items):
    """Transactional tests end with a flush; without serialized rollback the next one
    would start without the migrations' data (role groups, categories, permissions)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}))


def pytest_unconfigure(config):
    if _clock is not None:
        _clock.stop()


@pytest.fixture(autouse=True)
def _fast_and_eager(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def departments(db):
    from org.models import Department, DepartmentKind

    return {
        "logistics": Department.objects.create(name="后勤管理处", kind=DepartmentKind.OFFICE),
        "hr": Department.objects.create(name="人事处", kind=DepartmentKind.OFFICE),
        "library": Department.objects.create(name="图书馆", kind=DepartmentKind.OFFICE),
        "cs": Department.objects.create(name="信息工程学院", kind=DepartmentKind.COLLEGE),
    }


@pytest.fixture
def session(db):
    from proposals.models import CongressSession

    now = timezone.now()
    return CongressSession.objects.create(
        name="第六届第一次",
        code="6-1",
        collection_opens=now - timedelta(days=10),
        collection_closes=now + timedelta(days=20),
        cosign_threshold=2,
    )


@pytest.fixture
def category(db):
    from proposals.models import Category

    return Category.objects.get(name="后勤保障")


@pytest.fixture
def people(db, departments):
    """alice proposes; bob and carol co-sign; dave is not a delegate."""
    d = departments
    return {
        "alice": make_user("alice", "王丽", ["delegate", "member"], d["cs"]),
        "bob": make_user("bob", "李强", ["delegate"], d["hr"]),
        "carol": make_user("carol", "张敏", ["delegate"], d["library"]),
        "dave": make_user("dave", "刘伟", ["member"], d["cs"]),
        "committee": make_user("committee", "陈静", ["committee"], None),
        "office": make_user("office", "杨帆", ["union_office"], None),
        "handler": make_user("handler", "赵磊", ["department_handler"], d["logistics"]),
        "head": make_user("head", "黄涛", ["department_head"], d["logistics"]),
        "hr_handler": make_user("hr_handler", "周洋", ["department_handler"], d["hr"]),
        "hr_head": make_user("hr_head", "吴刚", ["department_head"], d["hr"]),
        "auditor": make_user("auditor", "孙红", ["auditor"], None),
    }
