"""Thin tasks: they take ids; `job_run` makes them run once and records the outcome."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from config.jobs import job_run
from reports.models import Report
from reports.services import report_build

# A lost database connection is worth another try; a rendering error is not (it would fail
# the same way again) and is recorded on the report instead.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    name="reports.report_render",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=5,
)
def report_render(report_id: int) -> bool:
    return job_run(Report, job_id=report_id, work=report_build, transient=TRANSIENT_ERRORS)
