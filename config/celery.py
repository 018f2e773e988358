import os
from collections.abc import Callable

from celery import Celery
from django.db import transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# DjangoTask gives every task `delay_on_commit`: work is enqueued only once the
# transaction that created its rows has committed.
app = Celery("config", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A request that enqueues must fail fast when the broker is away (kombu's defaults retry for
# seconds to minutes): one retry, and no connect attempt waits longer than 2 s, so the answer
# (503) comes in well under 5 s while the rest of the site keeps serving.
BROKER_CONNECT_TIMEOUT = 2
app.conf.update(
    broker_connection_timeout=BROKER_CONNECT_TIMEOUT,
    task_publish_retry_policy={
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 0.5,
    },
)


@app.on_after_configure.connect
def _broker_socket_timeouts(sender, **kwargs) -> None:
    # Redis' own connect timeout is a transport option; the settings' options win.
    sender.conf.broker_transport_options = {
        "socket_connect_timeout": BROKER_CONNECT_TIMEOUT,
        **(sender.conf.broker_transport_options or {}),
    }


class BrokerUnavailable(Exception):
    """The task queue cannot take work now; nothing of the request was kept (503)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def task_enqueue_on_commit(task, *args, on_refused: Callable[[], None]) -> None:
    """Send `task(*args)` once the current transaction commits (the worker must find its rows;
    at once in autocommit, as the API and web views run). If the broker cannot take it,
    `on_refused()` undoes what the request created, so a later retry starts clean, and
    BrokerUnavailable is raised."""

    def send() -> None:
        try:
            task.apply_async(args)
        except OperationalError as error:
            on_refused()
            raise BrokerUnavailable(
                _("The task queue is not reachable right now; nothing was queued. Please try again later.")
            ) from error

    transaction.on_commit(send)


@app.task(name="config.ping")
def ping() -> str:
    """Round trip through the broker: `celery -A config call config.ping`."""
    return "pong"
