"""Real services for the delivery tests: a Celery worker subprocess on Redis using the test
database, an SMTP server (aiosmtpd) receiving the e-mails, a local HTTP server standing in
for the WeCom and DingTalk robots, and a redis-server of our own that can be stopped.

Waiting is always "until this is true, or fail after a deadline", never a fixed sleep."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings

from tests.notifications.robots import RobotServer, real_time

SITE_URL = "https://jdh.example.edu.cn"


def wait_until(condition: Callable[[], Any], *, timeout: float = 30, what: str = "condition", log: Any = None) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            from notifications.models import Delivery

            rows = list(Delivery.objects.values_list("pk", "channel", "status", "attempts", "last_error"))
            detail = f"\n--- deliveries ---\n{rows}"
            if log is not None:
                detail += f"\n--- worker log ---\n{log.read_text()[-6000:]}"
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{detail}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# SMTP ---------------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """What the SMTP server received, parsed."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def received(self) -> list[tuple[str, str]]:
        """(to, subject) of every message, sorted."""
        with self.lock:
            # strip(): Django folds a long encoded Subject onto a continuation line, which the
            # parser unfolds with a leading space.
            return sorted((str(m["To"]), str(m["Subject"]).strip()) for m in self.messages)

    def __len__(self) -> int:
        with self.lock:
            return len(self.messages)


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def mailbox(smtp) -> Mailbox:
    box, _port = smtp
    with box.lock:
        box.messages.clear()
    return box


# Robots -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def robot_server() -> Iterator[RobotServer]:
    server = RobotServer(clock=real_time).start()  # the worker signs with the real clock
    yield server
    server.stop()


@pytest.fixture
def robots(robot_server) -> RobotServer:
    with robot_server._lock:
        robot_server.posts.clear()
    robot_server.answer = None
    return robot_server


# Redis ---------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own on a spare port, which a test may stop and start again."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (Debian package redis-server)"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        wait_until(lambda: _pings(client), timeout=15, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
            self.proc = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def clear_celery_keys(url: str) -> None:
    """Forget queued and unacknowledged tasks from an earlier, interrupted run on this Redis database."""
    client = redis.Redis.from_url(url)
    for pattern in ("celery*", "_kombu*", "unacked*"):
        keys = list(client.scan_iter(match=pattern))
        if keys:
            client.delete(*keys)


# Celery --------------------------------------------------------------------------------------


def worker_database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """``celery -A config worker`` in a subprocess, on the test database."""

    def __init__(self, broker_url: str, smtp_port: int, workdir: Path):
        self.broker_url = broker_url
        self.log = workdir / f"worker-{uuid.uuid4().hex[:8]}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "SITE_URL": SITE_URL,
            "WEBHOOK_ALLOW_HTTP_HOSTS": "127.0.0.1,localhost",
            "VAR_DIR": str(workdir / "var"),
            "PYTHONUNBUFFERED": "1",
        }
        assert env["DATABASE_URL"].rsplit("/", 1)[1].startswith("test_"), "the worker must use the test database"
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "--loglevel=INFO"]
        command += ["-n", f"notifications-test-{uuid.uuid4().hex[:8]}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.handle = self.log.open("wb")
        self.proc = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=self.handle, stderr=subprocess.STDOUT
        )
        wait_until(self._ready, timeout=60, what="the Celery worker to start", log=self.log)

    def _ready(self) -> bool:
        assert self.proc.poll() is None, f"the worker exited:\n{self.log.read_text()[-6000:]}"
        return " ready." in self.log.read_text()

    def stop(self) -> None:
        self.proc.terminate()  # warm shutdown: finishes the task at hand
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.handle.close()


@contextmanager
def web_side_broker(url: str) -> Iterator[None]:
    """Point this process's Celery producer (the "web" side that commits transitions) at ``url``."""
    from config.celery import app

    def reset_pools() -> None:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    before = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = url, False
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = before
        reset_pools()


@pytest.fixture(autouse=True)
def _service_settings(settings):
    settings.SITE_URL = SITE_URL
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1", "localhost"]


@pytest.fixture(scope="module")
def worker(django_db_setup, smtp, tmp_path_factory) -> Iterator[Worker]:
    """A worker on REDIS_URL (the database number given to this run)."""
    url = os.environ["REDIS_URL"]
    clear_celery_keys(url)
    _box, port = smtp
    w = Worker(url, port, tmp_path_factory.mktemp("worker"))
    with web_side_broker(url):
        yield w
    w.stop()
    clear_celery_keys(url)


@pytest.fixture
def start_worker(smtp, tmp_path) -> Iterator[Callable[[str], Worker]]:
    """``start_worker(broker_url)``: a worker of the test's own, stopped after it."""
    started: list[Worker] = []
    _box, port = smtp

    def start(url: str) -> Worker:
        w = Worker(url, port, tmp_path)
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()
