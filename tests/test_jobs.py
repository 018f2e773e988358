"""config.jobs: a job is a status row that runs once, records its outcome and is rerun only
when a worker was lost in the middle (acks_late)."""

import pytest
from django.db import OperationalError

from assessment.models import CustomerDataImport
from config.jobs import JobRefused, JobStatus, job_progress, job_run
from tests.factories import AssessmentFactory


@pytest.fixture
def job(catalog):
    # Any concrete Job will do; the customer-data import is one.
    return CustomerDataImport.objects.create(assessment=AssessmentFactory())


def _run(job, work, **kwargs):
    return job_run(CustomerDataImport, job_id=job.pk, work=work, **kwargs)


def test_a_queued_job_runs_and_is_ready_with_its_timing(job):
    seen = []

    def work(running):
        seen.append((running.pk, CustomerDataImport.objects.get(pk=running.pk).status))

    assert _run(job, work) is True
    job.refresh_from_db()
    assert seen == [(job.pk, JobStatus.RUNNING)]
    assert job.status == JobStatus.READY
    assert job.progress == 100
    assert job.error == ""
    assert job.started_at is not None
    assert job.finished_at >= job.started_at
    assert job.seconds >= 0


def test_a_failure_is_recorded_with_its_message(job):
    def work(running):
        job_progress(running, 40)
        running.progress = 40
        raise ValueError("the sky fell")

    assert _run(job, work) is True
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "the sky fell"
    assert job.progress == 40
    assert job.finished_at is not None


def test_an_unexpected_failure_is_logged_a_refusal_is_not(job, caplog):
    def crash(running):
        raise ValueError("the sky fell")

    def refuse(running):
        raise JobRefused("the file has 3 problems")

    assert _run(job, refuse) is True
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, "the file has 3 problems")
    assert caplog.records == []
    other = CustomerDataImport.objects.create(assessment=job.assessment)
    _run(other, crash)
    assert [record.exc_info[0] for record in caplog.records] == [ValueError]


@pytest.mark.parametrize("status", [JobStatus.READY, JobStatus.FAILED])
def test_a_finished_job_is_not_run_again(job, status):
    CustomerDataImport.objects.filter(pk=job.pk).update(status=status, error="kept")
    calls = []
    assert _run(job, calls.append) is False
    assert calls == []
    job.refresh_from_db()
    assert (job.status, job.error) == (status, "kept")


def test_a_missing_job_is_not_run(job):
    calls = []
    assert job_run(CustomerDataImport, job_id=job.pk + 1000, work=calls.append) is False
    assert calls == []


def test_a_running_job_redelivered_after_its_worker_died_runs_again(job):
    CustomerDataImport.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, error="lost")
    calls = []
    assert _run(job, calls.append, redelivered=True) is True
    assert len(calls) == 1
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.READY, "")


def test_a_second_copy_of_a_running_jobs_task_leaves_it_to_the_run_under_way(job):
    """The sweep sends a job it found queued too long again; a copy arriving while the first
    delivery runs it must not run it a second time."""
    CustomerDataImport.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    calls = []
    assert _run(job, calls.append) is False
    assert calls == []
    assert CustomerDataImport.objects.get(pk=job.pk).status == JobStatus.RUNNING


def test_a_transient_error_propagates_and_leaves_the_job_queued_for_a_retry(job):
    def work(running):
        raise OperationalError("connection lost")

    with pytest.raises(OperationalError):
        _run(job, work, transient=(OperationalError,))
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert job.finished_at is None
    assert _run(job, lambda running: None, transient=(OperationalError,)) is True
    job.refresh_from_db()
    assert job.status == JobStatus.READY


def test_an_error_not_named_transient_fails_the_job(job):
    def work(running):
        raise OperationalError("connection lost")

    assert _run(job, work) is True
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, "connection lost")


def test_progress_is_recorded_at_once_and_kept_within_0_to_100(job):
    job_progress(job, 55)
    assert CustomerDataImport.objects.get(pk=job.pk).progress == 55
    job_progress(job, 140)
    assert CustomerDataImport.objects.get(pk=job.pk).progress == 100
    job_progress(job, -3)
    assert CustomerDataImport.objects.get(pk=job.pk).progress == 0
