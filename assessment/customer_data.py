"""Customer data of an assessment: import (all or nothing, inline or as a background job),
storage and metrics."""

import datetime
import secrets
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal

import pandas as pd
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assessment import tasks
from assessment.audit import audit_record
from assessment.customer_files import (
    KINDS,
    CustomerFilesInvalid,
    customer_files_parse,
    customer_files_sniff,
    frame_from_parquet,
    frame_to_parquet,
)
from assessment.loyalty import customer_metrics
from assessment.method import method_get
from assessment.models import (
    Assessment,
    AuditEvent,
    ChurnBasis,
    ChurnModelRun,
    CustomerDataImport,
    CustomerDataset,
)
from config.celery import task_enqueue_on_commit, task_enqueue_on_commit_or_defer
from config.exceptions import StateConflict, TooLarge
from config.jobs import FINISHED, JobRefused, job_fail, job_progress, jobs_lost, jobs_stalled

# Uploads imported in the background wait here (unguessable names) until their import finishes.
STAGED_UPLOADS = "customer-imports"
# A staged file no unfinished import refers to is deleted by the sweep once this old.
STAGED_ORPHAN_AGE = datetime.timedelta(hours=1)


def default_period(reference_date: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The 12 months before the reference date."""
    start = (pd.Timestamp(reference_date) - pd.DateOffset(years=1) + pd.Timedelta(days=1)).date()
    return start, reference_date


def dataset_frames(dataset: CustomerDataset | None) -> dict[str, pd.DataFrame]:
    """The stored, typed frames of a dataset by kind."""
    if dataset is None:
        return {}
    frames = {}
    for kind, info in dataset.files.items():
        with default_storage.open(info["path"], "rb") as stored:
            frames[kind] = frame_from_parquet(stored.read())
    return frames


def _metrics(
    frames: dict[str, pd.DataFrame], *, assessment: Assessment, start, end, discount_rate, churn_basis
) -> dict:
    """The metrics under the assessment's method."""
    return customer_metrics(
        customers=frames.get("customers"),
        survey=frames.get("survey"),
        mystery=frames.get("mystery_shopping"),
        period_start=start,
        period_end=end,
        reference_date=assessment.reference_date,
        discount_rate=float(discount_rate),
        churn_basis=method_churn_basis(assessment, churn_basis),
        complaints=frames.get("complaints"),
        contact_centre=frames.get("contact_centre"),
    )


def method_churn_basis(assessment: Assessment, churn_basis: str) -> str | None:
    """The churn basis as the assessment's method reads it: method 1 counts closures only (no
    basis)."""
    return churn_basis if method_get(assessment.method_version).behavioural_churn else None


def churn_basis_check(churn_basis: str | None) -> None:
    """A churn basis must be one of ChurnBasis (None or blank: keep the stored one)."""
    if churn_basis and churn_basis not in ChurnBasis.values:
        raise ValidationError(
            {"churn_basis": _("Choose one of: %(choices)s.") % {"choices": ", ".join(ChurnBasis.values)}}
        )


def customer_metrics_refresh(*, assessment: Assessment) -> bool:
    """Compute the stored metrics of the assessment's customer data again from its stored files,
    as this version of the platform computes them (after a change to what the metrics hold, such
    as their intervals or the churn of method 2), with the data's period, discount rate and churn
    basis. Only until publication: a published assessment keeps the numbers its client read.
    True when the metrics were stored again; False without customer data, once published, or when
    an upload replaced the data meanwhile (its metrics are the current ones)."""
    dataset = CustomerDataset.objects.filter(assessment=assessment).first()
    if dataset is None or not assessment.editable:
        return False
    metrics = _metrics(
        dataset_frames(dataset),
        assessment=assessment,
        start=dataset.period_start,
        end=dataset.period_end,
        discount_rate=dataset.discount_rate,
        churn_basis=dataset.churn_basis,
    )
    with transaction.atomic():
        # No new updated_at: the data are as they were uploaded, and a concurrent upload's check
        # (customer_data_replace) compares it.
        return bool(
            CustomerDataset.objects.filter(pk=dataset.pk, updated_at=dataset.updated_at).update(
                metrics=metrics
            )
        )


def customer_data_request_max_bytes() -> int:
    """The largest upload request: every kind's file at its limit, and the form's fields."""
    return len(KINDS) * settings.CUSTOMER_DATA_MAX_BYTES + (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def customer_data_check(*, assessment: Assessment, sizes: Mapping[str, int]) -> None:
    """What can be refused before a byte is read or staged: a published assessment (409)
    and a file over the size limit (413)."""
    if not assessment.editable:
        raise StateConflict(
            _("Customer data cannot change once the assessment is published."), code="assessment_published"
        )
    for kind, size in sizes.items():
        if size > settings.CUSTOMER_DATA_MAX_BYTES:
            raise TooLarge(
                _("%(kind)s: the file is larger than %(mb)d MB.")
                % {"kind": kind, "mb": settings.CUSTOMER_DATA_MAX_BYTES // (1024 * 1024)}
            )


def customer_data_replace(
    *,
    assessment: Assessment,
    user: AbstractBaseUser | None,
    uploads: Mapping[str, File],
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    discount_rate: Decimal | None = None,
    churn_basis: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> CustomerDataset:
    """Replace the uploaded kinds of customer data (the other kinds stay) and recompute the
    metrics. All or nothing: a file with any problem raises CustomerFilesInvalid listing
    every problem, and the stored data stay as they were.

    `uploads` are files with their original names: the request's uploads when run inline,
    the staged bytes (`ContentFile(content, name=original)`) when run as an import job.
    `progress(percent)` is called at the stage boundaries: read and validated, metrics
    computed, stored."""
    report = progress or _no_progress
    churn_basis_check(churn_basis)
    customer_data_check(assessment=assessment, sizes={kind: upload.size for kind, upload in uploads.items()})
    current = CustomerDataset.objects.filter(assessment=assessment).first()
    kept = dataset_frames(current)
    new_frames = customer_files_parse(
        {kind: upload.read() for kind, upload in uploads.items()},
        stored_client_ids=kept["customers"]["client_id"] if "customers" in kept else None,
    )
    start, end = default_period(assessment.reference_date)
    start = period_start or (current.period_start if current else start)
    end = period_end or (current.period_end if current else end)
    if start > end:
        raise ValidationError({"period_end": _("The period must end on or after its start.")})
    rate = (
        discount_rate
        if discount_rate is not None
        else (current.discount_rate if current else Decimal("0.10"))
    )
    basis = churn_basis or (current.churn_basis if current else ChurnBasis.BOTH)
    report(40)
    metrics = _metrics(
        {**kept, **new_frames},
        assessment=assessment,
        start=start,
        end=end,
        discount_rate=rate,
        churn_basis=basis,
    )
    report(80)

    written = {
        kind: default_storage.save(
            f"customer-data/{assessment.pk}/{secrets.token_hex(16)}-{kind}.parquet",
            ContentFile(frame_to_parquet(frame)),
        )
        for kind, frame in new_frames.items()
    }
    try:
        with transaction.atomic():
            # Uploads of one assessment store one at a time, each only over the data it was
            # computed from: the metrics (and the survey's check against the customers) came
            # from `current`, and a concurrent upload stored since would make them stale.
            locked = Assessment.objects.select_for_update(no_key=True).get(pk=assessment.pk)
            customer_data_check(assessment=locked, sizes={})
            dataset, created = CustomerDataset.objects.get_or_create(
                assessment=assessment, defaults={"period_start": start, "period_end": end}
            )
            if (None if created else dataset.updated_at) != (current.updated_at if current else None):
                raise StateConflict(
                    _(
                        "Another upload changed the customer data while this one was being read; "
                        "nothing was stored. Please upload the files again."
                    ),
                    code="customer_data_changed",
                )
            before = None if created else _audited(dataset, kinds=written)
            replaced = [dataset.files[kind]["path"] for kind in written if kind in dataset.files]
            dataset.files = {
                **dataset.files,
                **{
                    kind: {"name": uploads[kind].name, "rows": len(new_frames[kind]), "path": path}
                    for kind, path in written.items()
                },
            }
            dataset.period_start, dataset.period_end, dataset.discount_rate = start, end, rate
            dataset.churn_basis = basis
            dataset.metrics, dataset.updated_by = metrics, user
            dataset.save()
            churn_model_queue(dataset=dataset)
            audit_record(
                assessment=assessment,
                actor=user,
                action=AuditEvent.Action.CUSTOMER_DATA,
                target=",".join(sorted(written)),
                before=before,
                after=_audited(dataset, kinds=written),
            )
            transaction.on_commit(lambda: _files_delete(replaced))
    except Exception:
        _files_delete(written.values())
        raise
    report(100)
    return dataset


def churn_model_queue(*, dataset: CustomerDataset) -> ChurnModelRun:
    """Ask for the churn-risk model of the dataset as it is now (assessment.churn); its task is
    sent once the transaction commits, or by the sweep if the queue was away."""
    run = ChurnModelRun.objects.create(
        assessment_id=dataset.assessment_id, data_updated_at=dataset.updated_at
    )
    task_enqueue_on_commit_or_defer(tasks.churn_model_run, run.pk)
    return run


def _no_progress(percent: int) -> None:
    pass


def _audited(dataset: CustomerDataset, *, kinds) -> dict:
    """What the audit log keeps of a customer-data change: the replaced kinds' files (name and
    rows), the churn period, the churn basis, the discount rate and the key metrics."""
    metrics = dataset.metrics
    return {
        "files": {
            kind: {"name": info["name"], "rows": info["rows"]} if (info := dataset.files.get(kind)) else None
            for kind in sorted(kinds)
        },
        "period": [str(dataset.period_start), str(dataset.period_end)],
        "churn_basis": dataset.churn_basis,
        "discount_rate": float(dataset.discount_rate),
        "nps": (metrics.get("nps") or {}).get("score"),
        "churn_rate": (metrics.get("churn") or {}).get("rate"),
    }


# --- Imports in the background -------------------------------------------------------------------


def customer_data_import_create(
    *,
    assessment: Assessment,
    user: AbstractBaseUser,
    uploads: Mapping[str, UploadedFile],
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    discount_rate: Decimal | None = None,
    churn_basis: str | None = None,
    language: str = "",
) -> CustomerDataImport:
    """Stage the uploads and queue their import (customer_data_replace in a Celery task).
    What can be refused at once is refused here, with nothing staged; with the broker away
    nothing is kept either (BrokerUnavailable). Staged files a crash leaves behind are deleted
    by the sweep (customer_imports_sweep)."""
    churn_basis_check(churn_basis)
    customer_data_check(assessment=assessment, sizes={kind: upload.size for kind, upload in uploads.items()})
    customer_files_sniff(uploads)
    staged: dict[str, dict] = {}
    try:
        for kind, upload in uploads.items():
            path = default_storage.save(
                f"{STAGED_UPLOADS}/{assessment.pk}/{secrets.token_hex(16)}-{kind}", upload
            )
            staged[kind] = {"name": upload.name, "size": upload.size, "path": path}
        with transaction.atomic():
            job = CustomerDataImport.objects.create(
                assessment=assessment,
                created_by=user,
                uploads=staged,
                period_start=period_start,
                period_end=period_end,
                discount_rate=discount_rate,
                churn_basis=churn_basis or "",
                language=language,
            )
    except Exception:
        _files_delete(info["path"] for info in staged.values())
        raise

    def discard() -> None:
        CustomerDataImport.objects.filter(pk=job.pk).delete()
        _files_delete(info["path"] for info in staged.values())

    # After commit, so the worker finds the row.
    task_enqueue_on_commit(tasks.customer_data_import_run, job.pk, on_refused=discard)
    return job


def customer_data_upload(
    *,
    assessment: Assessment,
    user: AbstractBaseUser,
    uploads: Mapping[str, UploadedFile],
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    discount_rate: Decimal | None = None,
    churn_basis: str | None = None,
    background: bool = False,
) -> CustomerDataset | CustomerDataImport:
    """Import uploaded customer files: inline, returning the stored dataset, or, when
    `background` is asked for or the files weigh CUSTOMER_DATA_INLINE_MAX_BYTES or more
    together, as a background job, returning the queued import (its messages in the active
    language). What can be refused at once is refused either way."""
    options = {
        "period_start": period_start,
        "period_end": period_end,
        "discount_rate": discount_rate,
        "churn_basis": churn_basis,
    }
    total = sum(upload.size for upload in uploads.values())
    if background or total >= settings.CUSTOMER_DATA_INLINE_MAX_BYTES:
        return customer_data_import_create(
            assessment=assessment,
            user=user,
            uploads=uploads,
            language=translation.get_language() or "",
            **options,
        )
    return customer_data_replace(assessment=assessment, user=user, uploads=uploads, **options)


class CustomerImportRefused(JobRefused):
    """The import job failed for a reason the uploader can act on; its message says which."""


def customer_data_import_work(job: CustomerDataImport) -> None:
    """The work of an import job (see config.jobs.job_run): customer_data_replace over the
    staged files. Running it again after an interruption imports the same files again."""
    with translation.override(job.language or settings.LANGUAGE_CODE):
        if not _staged_files_exist(job):
            raise CustomerImportRefused(str(STAGED_FILES_GONE))
        uploads = {}
        for kind, info in job.uploads.items():
            with default_storage.open(info["path"], "rb") as staged:
                uploads[kind] = ContentFile(staged.read(), name=info["name"])

        def progress(percent: int) -> None:
            # Also on the instance: job_run saves the instance's progress when it finishes.
            job.progress = percent
            job_progress(job, percent)

        try:
            customer_data_replace(
                assessment=job.assessment,
                user=job.created_by,
                uploads=uploads,
                period_start=job.period_start,
                period_end=job.period_end,
                discount_rate=job.discount_rate,
                churn_basis=job.churn_basis or None,
                progress=progress,
            )
        except CustomerFilesInvalid as invalid:
            job.problems = invalid.as_detail()
            job.save(update_fields=["problems"])
            count = len(invalid.problems)
            raise CustomerImportRefused(
                ngettext(
                    "%(count)d problem in the customer files; nothing was stored.",
                    "%(count)d problems in the customer files; nothing was stored.",
                    count,
                )
                % {"count": count}
            ) from invalid
        except ValidationError as invalid:
            raise CustomerImportRefused(" ".join(invalid.messages)) from invalid
        except (StateConflict, TooLarge) as refused:
            raise CustomerImportRefused(refused.message) from refused


IMPORT_UNFINISHED = gettext_lazy("The import could not finish. Please upload the files again.")
STAGED_FILES_GONE = gettext_lazy(
    "The uploaded files are no longer available, so nothing was imported. Please upload them again."
)


def customer_data_import_abandon(*, import_id: int, reason: str = IMPORT_UNFINISHED) -> bool:
    """Give up an unfinished import with `reason` (in the uploader's language) and delete its
    staged files: one still unfinished after its retries (say the database stayed away; the
    worker's log has the error), or one the sweep finds lost or killed. False if it had
    finished meanwhile."""
    job = CustomerDataImport.objects.filter(pk=import_id).exclude(status__in=FINISHED).first()
    abandoned = False
    if job is not None:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            abandoned = job_fail(CustomerDataImport, job_id=import_id, error=str(reason))
    customer_data_import_cleanup(import_id=import_id)
    return abandoned


def customer_data_import_cleanup(*, import_id: int) -> None:
    """Delete the staged uploads of a finished import; deleting them again does nothing."""
    job = CustomerDataImport.objects.filter(pk=import_id, status__in=FINISHED).first()
    if job is not None:
        _files_delete(info["path"] for info in job.uploads.values())


def _files_delete(paths) -> None:
    for path in paths:
        default_storage.delete(path)


def _staged_files_exist(job: CustomerDataImport) -> bool:
    return all(default_storage.exists(info["path"]) for info in job.uploads.values())


def _storage_files(folder: str) -> Iterator[str]:
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for name in folders:
        yield from _storage_files(f"{folder}/{name}")


def _staged_orphans_delete(*, now: datetime.datetime) -> int:
    """Delete the staged files no unfinished import refers to, once STAGED_ORPHAN_AGE old
    (a younger one may belong to an import being created)."""
    referenced = {
        info["path"]
        for uploads in CustomerDataImport.objects.exclude(status__in=FINISHED).values_list(
            "uploads", flat=True
        )
        for info in uploads.values()
    }
    orphans = [
        path
        for path in _storage_files(STAGED_UPLOADS)
        if path not in referenced and default_storage.get_modified_time(path) < now - STAGED_ORPHAN_AGE
    ]
    _files_delete(orphans)
    return len(orphans)


def customer_imports_sweep(*, now: datetime.datetime, requeue: bool) -> dict[str, int]:
    """Run the imports whose task was lost (queued too long: config.jobs.jobs_lost) if their
    staged files are still there and `requeue`, and fail them if their files are gone; fail the
    imports whose run was killed (running too long: config.jobs.jobs_stalled); delete staged
    files nothing refers to. Each import runs once however often this runs."""
    requeued = failed = 0
    for job in jobs_lost(CustomerDataImport, now=now):
        if not _staged_files_exist(job):
            failed += customer_data_import_abandon(import_id=job.pk, reason=STAGED_FILES_GONE)
        elif requeue:
            task_enqueue_on_commit_or_defer(tasks.customer_data_import_run, job.pk)
            requeued += 1
    for job_id in jobs_stalled(CustomerDataImport, now=now).values_list("pk", flat=True):
        failed += customer_data_import_abandon(import_id=job_id)
    return {"requeued": requeued, "failed": failed, "files_deleted": _staged_orphans_delete(now=now)}
