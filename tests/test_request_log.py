"""A request id in every log line a request causes, Celery tasks included; JSON log lines with
secrets masked."""

import json
import logging
import subprocess
import sys

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import Client

from config.redaction import SecretsFilter
from config.request_log import HEADER, JsonFormatter, RequestIdFilter, _request_id, request_id_current
from tests.test_services import worker_app

TOKEN = "Ab3" * 14 + "x"  # 43 characters: the shape of a personal link's token


def _json_line(record: logging.LogRecord) -> dict:
    for log_filter in (SecretsFilter(), RequestIdFilter()):
        log_filter.filter(record)
    return json.loads(JsonFormatter().format(record))


def test_a_response_carries_a_new_id_or_the_proxys_plausible_one():
    client = Client()
    first, second = client.get("/healthz")[HEADER], client.get("/healthz")[HEADER]
    assert len(first) == 32 and first != second
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.91")[HEADER] == "lb-7f3a.91"
    # Anything else (too long, spaces, a line break to forge log lines) is replaced.
    for offered in ("x" * 65, "a b", "a\nlevel=ERROR"):
        assert client.get("/healthz", HTTP_X_REQUEST_ID=offered)[HEADER] != offered


@pytest.mark.django_db
def test_log_lines_of_a_request_carry_its_id(caplog, catalog):
    caplog.set_level(logging.WARNING, logger="django.request")
    caplog.handler.addFilter(RequestIdFilter())  # as the settings' handlers have it
    response = Client().get(f"/r/{TOKEN}/", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 404
    [record] = [record for record in caplog.records if record.name == "django.request"]
    line = _json_line(record)
    assert line["request_id"] == "req-42"
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert TOKEN not in line["message"] and "/r/[token]/" in line["message"]
    assert request_id_current() is None  # nothing leaks into the next request


def test_json_lines_carry_the_traceback_masked_message_and_utc_time():
    try:
        raise ValueError(f"boom at /r/{TOKEN}/")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "link %s", (f"/r/{TOKEN}/",), sys.exc_info()
        )
    line = _json_line(record)
    assert line["message"] == "link /r/[token]/"
    assert "ValueError: boom at /r/[token]/" in line["exception"] and TOKEN not in line["exception"]
    assert line["time"].endswith("+00:00") and line["request_id"] is None


def test_log_format_defaults_to_json_without_debug_and_rejects_unknown_values():
    def handler_formatter(**env) -> str:
        code = "from django.conf import settings; print(settings.LOGGING['handlers']['console']['formatter'])"
        result = subprocess.run(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "-c", "import django; django.setup(); " + code],
            env={
                "PATH": "/usr/bin:/bin",
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "SITE_URL": "https://cx.example.com",
                "SECRET_KEY": "k" * 50,
                **env,
            },
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
            check=False,
            timeout=60,
        )
        return result.stdout.strip() or result.stderr.strip().splitlines()[-1]

    assert handler_formatter() == "json"
    assert handler_formatter(DEBUG="true") == "text"
    assert handler_formatter(DEBUG="true", LOG_FORMAT="json") == "json"
    assert "LOG_FORMAT='yaml' is not one of json, text" in handler_formatter(LOG_FORMAT="yaml")


@pytest.mark.services
def test_a_task_logs_the_id_of_the_request_that_enqueued_it(caplog):
    app = worker_app("request-id")

    @app.task(name="tests.request_id_seen")
    def request_id_seen() -> str | None:
        logging.getLogger("tests.task").warning("inside the task")
        return request_id_current()

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        token = _request_id.set("req-from-web")
        try:
            result = request_id_seen.delay()
        finally:
            _request_id.reset(token)
        assert result.get(timeout=20) == "req-from-web"
        assert request_id_seen.delay().get(timeout=20).startswith("task-")  # enqueued outside a request
