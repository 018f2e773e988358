"""Thin tasks: they take ids; `job_run` makes them run once and records the outcome."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from config.jobs import job_run, task_redelivered
from reports.models import Report
from reports.plan_digest import plan_digest_deliver, plan_digests_queue
from reports.reassessment import reassessment_reminder_deliver, reassessment_reminders_queue
from reports.services import outbox_sweep, report_build
from surveys.tasks import TRANSIENT_MAIL_ERRORS

# A lost database connection is worth another try; a rendering error is not (it would fail
# the same way again) and is recorded on the report instead.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    name="reports.report_render",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=5,
)
def report_render(self, report_id: int) -> bool:
    return job_run(
        Report,
        job_id=report_id,
        work=report_build,
        transient=TRANSIENT_ERRORS,
        redelivered=task_redelivered(self),
    )


@shared_task(name="reports.outbox_sweep", ignore_result=True)
def outbox_sweep_run() -> dict[str, dict[str, int]]:
    return outbox_sweep(now=timezone.now())


@shared_task(name="reports.plan_digests_queue", ignore_result=True)
def plan_digests_queue_run() -> int:
    return plan_digests_queue(now=timezone.now())


@shared_task(
    name="reports.plan_digest_send",
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def plan_digest_send(digest_id: int) -> bool:
    return plan_digest_deliver(digest_id=digest_id)


@shared_task(name="reports.reassessment_reminders_queue", ignore_result=True)
def reassessment_reminders_queue_run() -> int:
    return reassessment_reminders_queue(now=timezone.now())


@shared_task(
    name="reports.reassessment_reminder_send",
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def reassessment_reminder_send(reminder_id: int) -> bool:
    return reassessment_reminder_deliver(reminder_id=reminder_id)
