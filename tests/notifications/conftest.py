"""Unit tests of delivery: eager Celery, Django's locmem mail outbox, and a local robot server."""

from __future__ import annotations

import pytest

from tests.notifications.robots import RobotServer


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Celery reads its configuration once per process; make sure it is eager here whatever ran before."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1", "localhost"]
    settings.SITE_URL = "https://jdh.example.edu.cn"
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def robots():
    server = RobotServer().start()
    yield server
    server.stop()
