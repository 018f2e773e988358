import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from config.redaction import SecretsFilter
from config.request_log import JsonFormatter, RequestIdFilter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# DjangoTask gives every task `delay_on_commit`: work is enqueued only once the
# transaction that created its rows has committed.
app = Celery("config", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A request that enqueues must fail fast when the broker is away (kombu's defaults retry for
# seconds to minutes): one retry, and no connect attempt waits longer than 1 s, so the answer
# (503) comes in well under 5 s while the rest of the site keeps serving. The result backend
# (Redis too, in production) is bounded the same way: by default it retries 20 times, a second
# apart, before giving up with a RuntimeError.
BROKER_CONNECT_TIMEOUT = 1
QUICK_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
app.conf.update(
    broker_connection_timeout=BROKER_CONNECT_TIMEOUT,
    task_publish_retry_policy=QUICK_RETRY_POLICY,
    redis_socket_connect_timeout=BROKER_CONNECT_TIMEOUT,
)
logger = logging.getLogger(__name__)


@app.on_after_configure.connect
def _redis_timeouts(sender, **kwargs) -> None:
    # Redis' own connect timeout is a transport option; the settings' options win.
    sender.conf.broker_transport_options = {
        "socket_connect_timeout": BROKER_CONNECT_TIMEOUT,
        **(sender.conf.broker_transport_options or {}),
    }
    sender.conf.result_backend_transport_options = {
        "retry_policy": QUICK_RETRY_POLICY,
        **(sender.conf.result_backend_transport_options or {}),
    }


@after_setup_logger.connect
@after_setup_task_logger.connect
def _worker_logs_like_the_web(logger, **kwargs) -> None:
    # A worker replaces the settings' log handlers with its own (including what tasks print,
    # e-mails of the console backend among them): those mask personal links and tokens too,
    # carry the request id of the request that enqueued the task, and write JSON if asked.
    for handler in logger.handlers:
        handler.addFilter(SecretsFilter())
        handler.addFilter(RequestIdFilter())
        if settings.LOG_FORMAT == "json":
            handler.setFormatter(JsonFormatter())


class BrokerUnavailable(Exception):
    """The task queue cannot take work now; nothing of the request was kept (503 with
    Retry-After)."""

    retry_after = 30  # seconds

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _publish(task, args: tuple) -> None:
    # The rows are the results: nothing is kept in (or awaited from) the result backend, so
    # sending needs the broker alone, and a broker that cannot be reached raises kombu's
    # OperationalError (wrapping the transport's connection error).
    task.apply_async(args, ignore_result=True)


def task_enqueue_on_commit(task, *args, on_refused: Callable[[], None]) -> None:
    """Send `task(*args)` once the current transaction commits (the worker must find its rows;
    at once in autocommit, as the API and web views run). If the broker cannot take it,
    `on_refused()` undoes what the request created, so a later retry starts clean, and
    BrokerUnavailable is raised."""

    def send() -> None:
        try:
            _publish(task, args)
        except OperationalError as error:
            on_refused()
            raise BrokerUnavailable(
                _("The task queue is not reachable right now; nothing was queued. Please try again later.")
            ) from error

    transaction.on_commit(send)


_deferred: ContextVar[list[str] | None] = ContextVar("queue_deferred", default=None)


def task_enqueue_on_commit_or_defer(task, *args) -> None:
    """Send `task(*args)` once the current transaction commits; if the broker cannot take it,
    the committed rows stay as they are for the sweep to send again (their task must be
    idempotent), and the refusal is logged and noted for `queue_deferrals`."""

    def send() -> None:
        try:
            _publish(task, args)
        except OperationalError as error:
            logger.warning("Task queue unreachable; %s%r left for the sweep: %s", task.name, args, error)
            deferred = _deferred.get()
            if deferred is not None:
                deferred.append(task.name)

    transaction.on_commit(send)


@contextmanager
def queue_deferrals() -> Iterator[list[str]]:
    """The names of the tasks `task_enqueue_on_commit_or_defer` left for the sweep while inside,
    so a page can say the work will be done once the queue is back."""
    deferred: list[str] = []
    token = _deferred.set(deferred)
    try:
        yield deferred
    finally:
        _deferred.reset(token)


def queue_waiting() -> int:
    """How many tasks wait in the default queue for a worker (none in eager mode). While some
    do, work still queued is behind them rather than lost, and the sweep sends nothing again."""
    if app.conf.task_always_eager:
        return 0
    with app.connection_for_write() as connection:
        return connection.default_channel.queue_declare(queue=app.conf.task_default_queue).message_count


@app.task(name="config.ping")
def ping() -> str:
    """Round trip through the broker: `celery -A config call config.ping`."""
    return "pong"
