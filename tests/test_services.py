"""CI runs on PostgreSQL, Redis and a real Celery worker; a missing one fails the run there."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from kombu import Connection

from config.celery import app as celery_app
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


@pytest.mark.services
def test_real_worker_runs_a_task_through_redis():
    broker = settings.CELERY_BROKER_URL or "redis://127.0.0.1:6379/0"
    require_service(bool(settings.CELERY_BROKER_URL) or not IN_CI, "CELERY_BROKER_URL is not set")
    require_service(_broker_reachable(broker), f"no broker reachable at {broker}")

    keys = ("broker_url", "result_backend", "task_always_eager")
    previous = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=broker, result_backend=broker, task_always_eager=False)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            assert ping.delay().get(timeout=20) == "pong"
    finally:
        celery_app.conf.update(previous)
