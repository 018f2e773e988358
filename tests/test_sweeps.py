"""The sweep Celery beat runs (reports.services.outbox_sweep): it sends again the e-mails and jobs
whose task the queue did not take or lost, fails the jobs whose run was killed, and deletes
staged uploads nothing refers to; running it again does nothing more."""

import datetime
import io
import json
import smtplib

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from assessment.customer_data import STAGED_ORPHAN_AGE, churn_model_queue, customer_data_replace
from assessment.models import ChurnModelRun, CustomerDataImport, CustomerDataset, Status
from assessment.tasks import customer_data_import_run
from config.celery import app as celery_app
from config.celery import queue_waiting
from config.jobs import JOB_LOST_AFTER, JobStatus, job_stall_limit
from reports import services as report_services
from reports.models import Report
from reports.services import outbox_sweep
from surveys.models import InvitationEmail
from surveys.services import EMAIL_LOST_AFTER, invitation_create_many
from tests.assessment.test_customer_data import CUSTOMERS
from tests.conftest import require_service
from tests.factories import AssessmentFactory, OrganizationFactory, consultant_of
from tests.stored_files import stored_file_backdate
from tests.test_services import _broker_reachable

FILES_GONE = "The uploaded files are no longer available, so nothing was imported. Please upload them again."
IMPORT_UNFINISHED = "The import could not finish. Please upload the files again."
RENDER_INTERRUPTED = "The rendering was interrupted and did not finish. Please request the report again."
NOTHING = {
    "emails": {"requeued": 0},
    "client_invitations": {"requeued": 0},
    "imports": {"requeued": 0, "failed": 0, "files_deleted": 0},
    "churn_models": {"requeued": 0, "failed": 0},
    "reports": {"requeued": 0, "failed": 0},
}


@pytest.fixture
def audit(catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return AssessmentFactory(
        organization=OrganizationFactory(name="Sweep Bank"),
        status=Status.COLLECTING,
        reference_date="2026-06-30",
    )


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """The sweep at `now`, running what it sends in-process (as a worker would)."""

    def run(now=None):
        with django_capture_on_commit_callbacks(execute=True):
            return outbox_sweep(now=now or timezone.now())

    return run


def _ago(delta: datetime.timedelta) -> datetime.datetime:
    return timezone.now() - delta


LOST = JOB_LOST_AFTER + datetime.timedelta(minutes=1)


def _staged(audit, kind="customers", content=CUSTOMERS) -> dict:
    path = default_storage.save(f"customer-imports/{audit.pk}/staged-{kind}", ContentFile(content.encode()))
    return {kind: {"name": f"{kind}.csv", "size": len(content), "path": path}}


def _import(audit, *, uploads, status=JobStatus.QUEUED, created=LOST, started=None) -> CustomerDataImport:
    job = CustomerDataImport.objects.create(
        assessment=audit, created_by=consultant_of(audit.organization), uploads=uploads, status=status
    )
    CustomerDataImport.objects.filter(pk=job.pk).update(
        created_at=_ago(created), started_at=_ago(started) if started else None
    )
    return job


def _age(path: str, delta: datetime.timedelta) -> None:
    stored_file_backdate(path, _ago(delta))


# --- e-mails ------------------------------------------------------------------------------------


def _pending_email(audit, email: str, *, created: datetime.timedelta, error: str = "") -> InvitationEmail:
    """An invitation whose e-mail was recorded `created` ago and never reached a worker."""
    [new] = invitation_create_many(
        assessment=audit, rows=[{"email": email, "role": "manager", "department": "", "language": "en"}]
    )
    emails = InvitationEmail.objects.filter(invitation=new.invitation)
    emails.update(created_at=_ago(created), error=error)
    return emails.get()


def test_emails_pending_too_long_are_sent_once(audit, sweep):
    lost = _pending_email(audit, "lost@bank.kz", created=EMAIL_LOST_AFTER + datetime.timedelta(seconds=30))
    _pending_email(audit, "recent@bank.kz", created=datetime.timedelta(minutes=1))
    _pending_email(
        audit, "retrying@bank.kz", created=datetime.timedelta(hours=1), error="SMTPServerDisconnected()"
    )

    assert sweep()["emails"] == {"requeued": 1}

    [message] = mail.outbox
    assert message.to == ["lost@bank.kz"]
    lost.refresh_from_db()
    assert (lost.state, lost.error) == (InvitationEmail.State.SENT, "")
    assert sweep() == NOTHING
    assert len(mail.outbox) == 1


def test_an_email_whose_task_is_retrying_keeps_its_error_and_is_left_to_that_task(
    audit, sweep, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    # Eagerly, the task's automatic retry surfaces as Retry; a worker would schedule it.
    with pytest.raises(Retry), django_capture_on_commit_callbacks(execute=True):
        invitation_create_many(
            assessment=audit,
            rows=[{"email": "aida@bank.kz", "role": "manager", "department": "", "language": "en"}],
        )
    email = InvitationEmail.objects.get()
    assert (email.state, email.error) == (InvitationEmail.State.PENDING, "SMTPServerDisconnected('gone')")

    assert sweep(now=timezone.now() + datetime.timedelta(hours=1)) == NOTHING


def test_a_client_invitation_whose_task_was_lost_is_sent_once(audit, sweep):
    from assessment.client_users import client_user_invite

    consultant = consultant_of(audit.organization)
    # Recorded, but its task never reaches a worker (the commit's callbacks are not run).
    client_user_invite(
        organization=audit.organization, actor=consultant, email="ceo@sweep.example", name="", language="ru"
    )
    assert sweep() == NOTHING  # not lost yet
    later = timezone.now() + EMAIL_LOST_AFTER + datetime.timedelta(seconds=30)
    assert sweep(now=later)["client_invitations"] == {"requeued": 1}
    [message] = mail.outbox
    assert message.to == ["ceo@sweep.example"]
    assert sweep(now=later) == NOTHING
    assert len(mail.outbox) == 1


# --- reports ------------------------------------------------------------------------------------


def _report(audit, *, status=JobStatus.QUEUED, created=LOST, started=None) -> Report:
    report = Report.objects.create(assessment=audit, kind="executive", language="en", status=status)
    Report.objects.filter(pk=report.pk).update(
        created_at=_ago(created), started_at=_ago(started) if started else None
    )
    return report


def test_a_report_queued_too_long_is_rendered_once(audit, sweep):
    lost = _report(audit)
    waiting = _report(audit, created=datetime.timedelta(minutes=2))

    assert sweep()["reports"] == {"requeued": 1, "failed": 0}

    lost.refresh_from_db()
    assert (lost.status, lost.progress, lost.error) == (JobStatus.READY, 100, "")
    with default_storage.open(lost.file_path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert Report.objects.get(pk=waiting.pk).status == JobStatus.QUEUED
    assert sweep() == NOTHING


def test_a_report_retrying_after_an_error_is_left_to_its_task(audit, sweep):
    # Its task touched it a minute ago (started_at) and put it back in the queue for a retry.
    retrying = _report(audit, created=datetime.timedelta(hours=1), started=datetime.timedelta(minutes=1))

    assert sweep() == NOTHING
    assert Report.objects.get(pk=retrying.pk).status == JobStatus.QUEUED


def test_a_report_rendering_longer_than_any_run_can_is_failed_with_a_message(audit, sweep):
    killed = _report(
        audit, status=JobStatus.RUNNING, started=job_stall_limit() + datetime.timedelta(seconds=5)
    )
    running = _report(audit, status=JobStatus.RUNNING, started=datetime.timedelta(minutes=3))

    assert sweep()["reports"] == {"requeued": 0, "failed": 1}

    killed.refresh_from_db()
    assert (killed.status, killed.error) == (JobStatus.FAILED, RENDER_INTERRUPTED)
    assert killed.finished_at is not None
    assert Report.objects.get(pk=running.pk).status == JobStatus.RUNNING
    assert sweep() == NOTHING


def test_the_stall_limit_outlasts_the_brokers_redelivery(settings):
    # A worker that died is replaced by a redelivery after the visibility timeout: the sweep must
    # not fail the job before that could happen.
    assert job_stall_limit() > datetime.timedelta(
        seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    )
    assert job_stall_limit() > datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


# --- churn-risk models ------------------------------------------------------------------------


def test_a_churn_model_queued_too_long_is_fitted_and_a_killed_one_fails(audit, sweep):
    audit.refresh_from_db()
    dataset = customer_data_replace(
        assessment=audit,
        user=consultant_of(audit.organization),
        uploads={"customers": ContentFile(CUSTOMERS.encode(), name="c.csv")},
    )
    lost = ChurnModelRun.objects.get()
    ChurnModelRun.objects.filter(pk=lost.pk).update(created_at=_ago(LOST))

    assert sweep()["churn_models"] == {"requeued": 1, "failed": 0}

    lost.refresh_from_db()
    assert (lost.status, lost.result["status"]) == (JobStatus.READY, "insufficient_data")
    assert sweep() == NOTHING
    killed = churn_model_queue(dataset=dataset)
    ChurnModelRun.objects.filter(pk=killed.pk).update(
        status=JobStatus.RUNNING, started_at=_ago(job_stall_limit() + datetime.timedelta(minutes=1))
    )
    assert sweep()["churn_models"] == {"requeued": 0, "failed": 1}
    killed.refresh_from_db()
    assert (killed.status, killed.error) == (
        JobStatus.FAILED,
        "Fitting the churn-risk model was interrupted. It is fitted again with the next upload.",
    )
    assert sweep() == NOTHING


# --- customer-data imports ----------------------------------------------------------------------


def test_an_import_queued_too_long_runs_while_its_staged_files_exist(audit, sweep):
    job = _import(audit, uploads=_staged(audit))

    assert sweep()["imports"] == {"requeued": 1, "failed": 0, "files_deleted": 0}

    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.READY, "")
    assert CustomerDataset.objects.get(assessment=audit).files["customers"]["rows"] == 4
    assert default_storage.listdir(f"customer-imports/{audit.pk}")[1] == []  # cleaned up
    assert sweep() == NOTHING


def test_an_import_whose_staged_files_are_gone_fails_with_a_clear_message(audit, sweep):
    uploads = _staged(audit)
    default_storage.delete(uploads["customers"]["path"])
    job = _import(audit, uploads=uploads)

    assert sweep()["imports"] == {"requeued": 0, "failed": 1, "files_deleted": 0}

    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, FILES_GONE)
    assert not CustomerDataset.objects.exists()


def test_the_import_task_fails_an_import_whose_staged_files_are_gone_with_the_same_message(audit):
    uploads = _staged(audit)
    default_storage.delete(uploads["customers"]["path"])
    job = _import(audit, uploads=uploads, created=datetime.timedelta(seconds=1))

    assert customer_data_import_run.delay(job.pk).get() is True

    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, FILES_GONE)  # no server path in it


def test_an_import_running_longer_than_any_run_can_is_failed_and_its_files_deleted(audit, sweep):
    uploads = _staged(audit)
    job = _import(
        audit,
        uploads=uploads,
        status=JobStatus.RUNNING,
        started=job_stall_limit() + datetime.timedelta(seconds=5),
    )

    assert sweep()["imports"] == {"requeued": 0, "failed": 1, "files_deleted": 0}

    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, IMPORT_UNFINISHED)
    assert not default_storage.exists(uploads["customers"]["path"])


def test_staged_files_no_unfinished_import_refers_to_are_deleted_once_old(audit, sweep):
    referenced = _staged(audit, kind="survey")
    _import(audit, uploads=referenced, status=JobStatus.RUNNING, started=datetime.timedelta(minutes=1))
    orphan = default_storage.save(
        f"customer-imports/{audit.pk}/orphan-customers", ContentFile(b"left by a crash")
    )
    young = default_storage.save(f"customer-imports/{audit.pk}/young-customers", ContentFile(b"being staged"))
    finished = _staged(audit, kind="mystery_shopping")
    _import(audit, uploads=finished, status=JobStatus.READY)
    for path in (referenced["survey"]["path"], orphan, finished["mystery_shopping"]["path"]):
        _age(path, STAGED_ORPHAN_AGE + datetime.timedelta(minutes=1))
    _age(young, STAGED_ORPHAN_AGE - datetime.timedelta(minutes=5))

    assert sweep()["imports"] == {"requeued": 0, "failed": 0, "files_deleted": 2}

    assert default_storage.exists(referenced["survey"]["path"])
    assert default_storage.exists(young)
    assert not default_storage.exists(orphan)
    assert not default_storage.exists(finished["mystery_shopping"]["path"])
    assert sweep()["imports"]["files_deleted"] == 0


# --- the sweep as a whole -----------------------------------------------------------------------


def test_nothing_is_sent_again_while_tasks_wait_in_the_queue(audit, sweep, monkeypatch):
    """Work still queued behind a backlog is not lost; killed runs are failed all the same."""
    monkeypatch.setattr(report_services, "queue_waiting", lambda: 4)
    _pending_email(audit, "lost@bank.kz", created=datetime.timedelta(hours=1))
    lost = _report(audit)
    killed = _report(
        audit, status=JobStatus.RUNNING, started=job_stall_limit() + datetime.timedelta(seconds=5)
    )

    assert sweep() == {**NOTHING, "reports": {"requeued": 0, "failed": 1}}

    assert mail.outbox == []
    assert Report.objects.get(pk=lost.pk).status == JobStatus.QUEUED
    assert Report.objects.get(pk=killed.pk).status == JobStatus.FAILED


def test_celery_beat_runs_the_sweep(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep"]
    assert entry["task"] == "reports.outbox_sweep"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == 120


def test_the_sweep_command_runs_it_without_a_broker(audit, django_capture_on_commit_callbacks):
    lost = _report(audit)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep", stdout=out)
    assert json.loads(out.getvalue())["reports"] == {"requeued": 1, "failed": 0}
    assert Report.objects.get(pk=lost.pk).status == JobStatus.READY


@pytest.mark.services
def test_queue_waiting_counts_the_tasks_in_redis():
    broker = "redis://127.0.0.1:6379/14"
    require_service(_broker_reachable(broker), f"no Redis at {broker}")
    conf = celery_app.conf
    kept = conf.task_always_eager, conf.broker_write_url
    conf.task_always_eager, conf.broker_write_url = False, broker
    celery_app._after_fork()  # drop pooled connections to the former broker
    try:
        with celery_app.connection_for_write() as connection:
            connection.default_channel.client.flushdb()
        assert queue_waiting() == 0
        celery_app.send_task("config.ping", ignore_result=True)
        celery_app.send_task("config.ping", ignore_result=True)
        assert queue_waiting() == 2
    finally:
        with celery_app.connection_for_write() as connection:
            connection.default_channel.client.flushdb()
        conf.task_always_eager, conf.broker_write_url = kept
        celery_app._after_fork()
