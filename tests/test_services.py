"""CI runs on PostgreSQL, Redis and a real Celery worker; a missing one fails the run there."""

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from kombu import Connection

from config.celery import ping
from tests.conftest import IN_CI, require_service


def test_ci_runs_on_postgresql(db):
    if IN_CI:
        assert connection.vendor == "postgresql", "CI must run the suite on PostgreSQL (DATABASE_URL)"
    else:
        assert connection.vendor in {"sqlite", "postgresql"}


def _broker_reachable(url: str) -> bool:
    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def worker_app(name: str) -> Celery:
    """A Celery app on the real broker (CI's, else the local Redis) for a test's own worker.
    A fresh app from the same settings: the session's app has cached its eager, in-memory
    result backend per thread."""
    configured = not settings.CELERY_TASK_ALWAYS_EAGER
    broker = settings.CELERY_BROKER_URL if configured else "redis://127.0.0.1:6379/0"
    require_service(configured or not IN_CI, "CELERY_BROKER_URL is not set")
    require_service(_broker_reachable(broker), f"no broker reachable at {broker}")
    app = Celery(name, task_cls="celery.contrib.django.task:DjangoTask")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=broker, result_backend=broker, task_always_eager=False)
    return app


@pytest.mark.services
def test_real_worker_runs_a_task_through_redis():
    app = worker_app("config-integration")
    remote_ping = app.task(name="config.ping")(ping.run)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert remote_ping.delay().get(timeout=20) == "pong"
