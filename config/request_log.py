"""One id per request, in every log line it causes, the Celery tasks it enqueues included, and
logs as JSON lines for a log collector (LOG_FORMAT=json, the default without DEBUG).

The id comes from the proxy's X-Request-ID when it sends a plausible one (so a line of the
balancer's log leads to ours), else a new one; the response carries it back."""

import datetime
import json
import logging
import re
import uuid
from contextvars import ContextVar

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from config.redaction import secrets_mask

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
_PLAUSIBLE = re.compile(r"^[\w.-]{1,64}$")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_current() -> str | None:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get(HEADER, "")
        request_id = offered if _PLAUSIBLE.match(offered) else uuid.uuid4().hex
        # Kept until request_finished, not reset on the way out: Django logs an error response
        # ("Not Found: …") after the middleware has returned it.
        _request_id.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished)
def _request_id_finished(**kwargs) -> None:
    _request_id.set(None)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):  # the first handler's filter saw it at the time
            record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """A record as one JSON object per line: time (UTC), level, logger, message, request_id, and
    the traceback when there is one. Runs after the handler's filters, so secrets are masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info:
            # The filters mask the message only; an exception's text may quote a link too.
            entry["exception"] = secrets_mask(self.formatException(record.exc_info))
        if task_id := getattr(record, "task_id", None):
            entry["task_id"] = task_id
        return json.dumps(entry, ensure_ascii=False, default=str)


@before_task_publish.connect
def _request_id_sent(headers: dict | None = None, **kwargs) -> None:
    if headers is not None and (request_id := _request_id.get()):
        headers.setdefault(TASK_HEADER, request_id)


_task_tokens: dict[str, object] = {}


@task_prerun.connect
def _request_id_received(task_id: str | None = None, task=None, **kwargs) -> None:
    # An eager task keeps its request's id; one enqueued by beat or the sweep gets its own.
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    _task_tokens[task_id] = _request_id.set(request_id or _request_id.get() or f"task-{task_id}")


@task_postrun.connect
def _request_id_forgotten(task_id: str | None = None, **kwargs) -> None:
    if (token := _task_tokens.pop(task_id, None)) is not None:
        _request_id.reset(token)
