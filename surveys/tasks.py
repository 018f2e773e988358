"""Thin tasks: they take ids and call a service; the services make them idempotent."""

import smtplib

from celery import shared_task

from surveys import services

# Mail transport hiccups are worth retrying; anything else is a bug to see at once.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(
    bind=True,
    name="surveys.invitation_email_send",
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def invitation_email_send(self, email_id: int) -> bool:
    try:
        return services.invitation_email_deliver(email_id=email_id)
    except TRANSIENT_MAIL_ERRORS as error:
        services.invitation_email_failed(
            email_id=email_id, error=repr(error), final=self.request.retries >= self.max_retries
        )
        raise
