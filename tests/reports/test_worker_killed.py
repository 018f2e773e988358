"""A Celery worker SIGKILLed in the middle of a report render: the report still completes, exactly
once. Real worker processes, Redis and PostgreSQL (the worker must see the test's committed rows):
required under CI=true, skipped elsewhere when missing."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.core.files.storage import default_storage
from django.db import connection

from config.jobs import JobStatus
from reports.models import Report
from tests.conftest import require_service
from tests.stored_files import stored_names
from tests.test_services import _broker_reachable

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/13"
VISIBILITY_TIMEOUT = 6  # seconds before Redis hands an unacknowledged task to another worker


@pytest.fixture
def worker_env(transactional_db, tmp_path, settings):
    require_service(connection.vendor == "postgresql", "a worker process needs PostgreSQL to share rows")
    require_service(_broker_reachable(BROKER), f"no Redis at {BROKER}")
    database = settings.DATABASES["default"]
    settings.MEDIA_ROOT = tmp_path / "media"  # the same folder as the `audit` fixture's
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_RESULT_BACKEND": "",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "RENDER_LOG": str(tmp_path / "renders.log"),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "--app=tests.reports.slow_render_worker",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def _log(env: dict) -> list[str]:
    path = Path(env["RENDER_LOG"])
    return path.read_text().split() if path.exists() else []


def _wait(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def _enqueue(report: Report) -> None:
    app = Celery("test-producer")
    app.conf.broker_write_url = BROKER  # CELERY_BROKER_URL in the environment would win over broker_url
    with app.connection_for_write() as broker:
        broker.default_channel.client.flushdb()
        app.send_task("reports.report_render", args=[report.pk], connection=broker)


def _killed_mid_render(audit, env, kill) -> tuple[Report, list[str]]:
    Path(env["MEDIA_ROOT"]).mkdir(parents=True, exist_ok=True)
    report = Report.objects.create(assessment=audit.current, kind="executive", language="en")
    _enqueue(report)
    workers = [_worker(env)]
    try:
        _wait(lambda: _log(env)[1:2], seconds=60, what="the first render to start")
        first_render_pid = int(_log(env)[1])
        kill(workers[0], first_render_pid)
        if workers[0].poll() is not None:  # the whole worker is gone: another one starts
            workers.append(_worker(env))
        _wait(
            lambda: Report.objects.get(pk=report.pk).status in (JobStatus.READY, JobStatus.FAILED),
            seconds=90,
            what="the report to finish after the kill",
        )
        time.sleep(1)  # a second completion, if there were one, would show by now
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)
    return Report.objects.get(pk=report.pk), _log(env)


def _assert_completed_once(report: Report, log: list[str]) -> None:
    assert report.status == JobStatus.READY, report.error
    # Two renders started (the killed one and the redelivery); one finished.
    assert log[0::2] == ["start", "start", "done"]
    assert stored_names(f"reports/{report.assessment_id}") == [report.file_path]
    with default_storage.open(report.file_path) as stored:
        assert stored.read(5) == b"%PDF-"
    assert default_storage.size(report.file_path) == report.size


@pytest.mark.services
def test_render_process_killed_is_requeued_and_completes_once(worker_env, audit):
    """The pool's child dies (the OOM killer's way): reject_on_worker_lost puts the task back at once."""

    def kill_render_process(worker, render_pid):
        os.kill(render_pid, signal.SIGKILL)

    report, log = _killed_mid_render(audit, worker_env, kill_render_process)
    _assert_completed_once(report, log)
    assert log[1] != log[3]  # a fresh pool process rendered it


@pytest.mark.services
def test_whole_worker_killed_redelivers_to_a_new_worker_once(worker_env, audit):
    """The whole worker dies (the machine's way): the unacknowledged task (acks_late) comes back
    to the next worker once the visibility timeout has passed."""

    def kill_worker(worker, render_pid):
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        # The next worker to start looks for overdue tasks at once (later only every 100 s).
        time.sleep(VISIBILITY_TIMEOUT + 0.5)

    report, log = _killed_mid_render(audit, worker_env, kill_worker)
    _assert_completed_once(report, log)
