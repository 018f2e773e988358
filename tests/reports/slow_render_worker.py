"""The project's Celery app for a worker started by tests/reports/test_worker_killed.py: the first
render of a report records its start in RENDER_LOG and then hangs, so the test can kill the worker
in the middle of it; later renders record their start and end and run normally."""

import os
import time
from pathlib import Path

import django

from config.celery import app  # noqa: F401  (celery -A finds the app here)

django.setup()

from reports import services  # noqa: E402

_render = services.report_bytes


def _logged_render(**kwargs) -> bytes:
    log = Path(os.environ["RENDER_LOG"])
    first = not log.exists()
    with log.open("a") as lines:
        lines.write(f"start {os.getpid()}\n")
    if first:
        time.sleep(120)
    pdf = _render(**kwargs)
    with log.open("a") as lines:
        lines.write(f"done {os.getpid()}\n")
    return pdf


services.report_bytes = _logged_render
