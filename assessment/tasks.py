"""Thin tasks: they take ids and call the job runner or a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from assessment import churn, client_users, customer_data
from assessment.models import ChurnModelRun, CustomerDataImport
from config.jobs import job_run, task_redelivered
from surveys.tasks import TRANSIENT_MAIL_ERRORS

# Worth retrying: a lost or refused database connection, a deadlock or lock timeout
# (OperationalError, InterfaceError), and network hiccups of a remote storage
# (ConnectionError, TimeoutError). Not OSError as a whole: a missing staged file or a full
# disk will not mend within a few retries, so those fail the import with their message.
TRANSIENT_IMPORT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(
    bind=True,
    name="assessment.customer_data_import_run",
    autoretry_for=TRANSIENT_IMPORT_ERRORS,
    retry_backoff=10,
    retry_backoff_max=120,
    max_retries=3,
)
def customer_data_import_run(self, import_id: int) -> bool:
    """Import the staged customer files; False if the import had already finished."""
    try:
        ran = job_run(
            CustomerDataImport,
            job_id=import_id,
            work=customer_data.customer_data_import_work,
            transient=TRANSIENT_IMPORT_ERRORS,
            redelivered=task_redelivered(self),
        )
    except TRANSIENT_IMPORT_ERRORS:
        if self.request.retries >= self.max_retries:
            customer_data.customer_data_import_abandon(import_id=import_id)
        raise
    # After job_run has recorded the outcome: were they deleted inside the work, a worker
    # lost in between would leave a redelivered job without its files.
    customer_data.customer_data_import_cleanup(import_id=import_id)
    return ran


@shared_task(
    bind=True,
    name="assessment.churn_model_run",
    autoretry_for=TRANSIENT_IMPORT_ERRORS,
    retry_backoff=10,
    retry_backoff_max=120,
    max_retries=3,
)
def churn_model_run(self, run_id: int) -> bool:
    """Fit the churn-risk model a run asks for; False if it had already finished."""
    return job_run(
        ChurnModelRun,
        job_id=run_id,
        work=churn.churn_model_work,
        transient=TRANSIENT_IMPORT_ERRORS,
        redelivered=task_redelivered(self),
    )


@shared_task(name="assessment.reminders_send")
def reminders_send() -> int:
    # Imported here: the services enqueue this module's tasks, so it loads before them.
    from assessment.services import reminders_queue

    return reminders_queue(now=timezone.now())


@shared_task(name="assessment.collections_close")
def collections_close() -> list[int]:
    from assessment.services import collections_close as close

    return close(now=timezone.now())


@shared_task(
    name="assessment.client_invitation_send",
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def client_invitation_send(invitation_id: int) -> bool:
    return client_users.client_invitation_deliver(invitation_id=invitation_id)
