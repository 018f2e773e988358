"""Background jobs as status rows (after kpi's ImportExportTask): a Celery task takes the
row's id and calls `job_run`, which locks the row, runs the work once and records the
outcome, its timing and any error. Concrete jobs subclass `Job`."""

import datetime
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import models, transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


FINISHED = (JobStatus.READY, JobStatus.FAILED)
logger = logging.getLogger(__name__)

# A job queued and untouched this long lost its task (the queue was away or lost it): a task
# retrying after an error touches its job within a couple of minutes (started_at).
JOB_LOST_AFTER = datetime.timedelta(minutes=10)


class JobRefused(Exception):
    """The work cannot be done for a reason its user can act on (a bad file, a missing
    baseline): the job fails with this message, and it is no error of the system's."""


class Job(models.Model):
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Per cent done"))
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True, help_text=_("Time the work took"))

    class Meta:
        abstract = True


def job_progress(job: Job, percent: int) -> None:
    """Record progress at once, outside any transaction the work may hold open."""
    type(job).objects.filter(pk=job.pk).update(progress=max(0, min(100, int(percent))))


def task_redelivered(task) -> bool:
    """Whether the running task's message came back from the broker after its worker died
    (acks_late + reject_on_worker_lost, or the visibility timeout)."""
    return bool((task.request.delivery_info or {}).get("redelivered"))


def job_run(
    model: type[Job],
    *,
    job_id: int,
    work: Callable[[Job], None],
    transient: tuple[type[BaseException], ...] = (),
    redelivered: bool = False,
) -> bool:
    """Run `work(job)` for a queued (or interrupted) job; False if there was nothing to do.

    A job found "running" is run again only by a `redelivered` task (see task_redelivered): its
    worker died, and work is idempotent. Any other task finding it running is a second copy
    (the sweep sends one for a job it finds queued too long) and leaves it to the run under way.
    `transient` errors propagate with the job left queued, so the task can retry; any other
    error marks the job failed with its message (logged with its traceback unless it is a
    JobRefused).
    """
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in FINISHED or (job.status == JobStatus.RUNNING and not redelivered):
            return False
        job.status, job.started_at, job.error = JobStatus.RUNNING, timezone.now(), ""
        job.save(update_fields=["status", "started_at", "error"])
    start = time.perf_counter()
    try:
        work(job)
    except transient:
        model.objects.filter(pk=job_id).update(status=JobStatus.QUEUED)
        raise
    except JobRefused as refused:
        _job_finish(job, status=JobStatus.FAILED, seconds=time.perf_counter() - start, error=str(refused))
        return True
    except Exception as error:  # any failure is recorded for the user to see
        logger.exception("%s %s failed", model.__name__, job_id)
        _job_finish(job, status=JobStatus.FAILED, seconds=time.perf_counter() - start, error=str(error))
        return True
    _job_finish(job, status=JobStatus.READY, seconds=time.perf_counter() - start)
    return True


def _job_finish(job: Job, *, status: str, seconds: float, error: str = "") -> None:
    job.status, job.seconds, job.error = status, seconds, error[:4000]
    job.finished_at = timezone.now()
    if status == JobStatus.READY:
        job.progress = 100
    job.save(update_fields=["status", "seconds", "error", "finished_at", "progress"])


def job_stall_limit() -> datetime.timedelta:
    """How long a job can be "running": its task's hard time limit, or, when its worker died,
    until the broker delivers it again (the visibility timeout), and a minute's grace."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 0)
    return datetime.timedelta(seconds=max(settings.CELERY_TASK_TIME_LIMIT, visibility) + 60)


def jobs_lost(model: type[Job], *, now: datetime.datetime) -> QuerySet:
    """Jobs queued and untouched for JOB_LOST_AFTER: their task never reached a worker."""
    return model.objects.alias(touched_at=Coalesce("started_at", "created_at")).filter(
        status=JobStatus.QUEUED, touched_at__lt=now - JOB_LOST_AFTER
    )


def jobs_stalled(model: type[Job], *, now: datetime.datetime) -> QuerySet:
    """Jobs running for longer than any run can (job_stall_limit): their run was killed and
    nothing will run them again (a worker in eager mode, the web process, died with it)."""
    return model.objects.filter(status=JobStatus.RUNNING, started_at__lt=now - job_stall_limit())


def job_fail(model: type[Job], *, job_id: int, error: str) -> bool:
    """Fail an unfinished job with `error`; False if it had finished meanwhile."""
    return bool(
        model.objects.filter(pk=job_id)
        .exclude(status__in=FINISHED)
        .update(status=JobStatus.FAILED, error=error[:4000], finished_at=timezone.now())
    )
