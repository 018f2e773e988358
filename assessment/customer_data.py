"""Customer data of an assessment: import (all or nothing), storage and metrics."""

import datetime
import secrets
from decimal import Decimal

import pandas as pd
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from assessment.customer_files import customer_files_parse, frame_from_parquet, frame_to_parquet
from assessment.loyalty import customer_metrics
from assessment.models import Assessment, CustomerDataset, Status
from config.exceptions import StateConflict, TooLarge

# Customer data may change while the audit runs, not once the client has the results.
EDITABLE = (Status.DRAFT, Status.COLLECTING, Status.SCORING)


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


def _metrics(frames: dict[str, pd.DataFrame], *, assessment: Assessment, start, end, discount_rate) -> dict:
    return customer_metrics(
        customers=frames.get("customers"),
        survey=frames.get("survey"),
        mystery=frames.get("mystery_shopping"),
        period_start=start,
        period_end=end,
        reference_date=assessment.reference_date,
        discount_rate=float(discount_rate),
    )


def customer_data_replace(
    *,
    assessment: Assessment,
    user: AbstractBaseUser,
    uploads: dict[str, UploadedFile],
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    discount_rate: Decimal | None = None,
) -> CustomerDataset:
    """Replace the uploaded kinds of customer data (the other kinds stay) and recompute the
    metrics. All or nothing: a file with any problem raises CustomerFilesInvalid listing
    every problem, and the stored data stay as they were."""
    if assessment.status not in EDITABLE:
        raise StateConflict(
            _("Customer data cannot change once the assessment is published."), code="assessment_published"
        )
    for kind, upload in uploads.items():
        if upload.size > settings.CUSTOMER_DATA_MAX_BYTES:
            raise TooLarge(
                _("%(kind)s: the file is larger than %(mb)d MB.")
                % {"kind": kind, "mb": settings.CUSTOMER_DATA_MAX_BYTES // (1024 * 1024)}
            )
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
    metrics = _metrics(
        {**kept, **new_frames}, assessment=assessment, start=start, end=end, discount_rate=rate
    )

    written = {
        kind: default_storage.save(
            f"customer-data/{assessment.pk}/{secrets.token_hex(16)}-{kind}.parquet",
            ContentFile(frame_to_parquet(frame)),
        )
        for kind, frame in new_frames.items()
    }
    try:
        with transaction.atomic():
            dataset, _created = CustomerDataset.objects.select_for_update().get_or_create(
                assessment=assessment, defaults={"period_start": start, "period_end": end}
            )
            replaced = [dataset.files[kind]["path"] for kind in written if kind in dataset.files]
            dataset.files = {
                **dataset.files,
                **{
                    kind: {"name": uploads[kind].name, "rows": len(new_frames[kind]), "path": path}
                    for kind, path in written.items()
                },
            }
            dataset.period_start, dataset.period_end, dataset.discount_rate = start, end, rate
            dataset.metrics, dataset.updated_by = metrics, user
            dataset.save()
            transaction.on_commit(lambda: _files_delete(replaced))
    except Exception:
        _files_delete(written.values())
        raise
    return dataset


def _files_delete(paths) -> None:
    for path in paths:
        default_storage.delete(path)


def metric_values(dataset: CustomerDataset | None) -> dict[str, float]:
    """The customer metrics that indicators take data evidence from, where present."""
    if dataset is None:
        return {}
    metrics = dataset.metrics
    values = {
        "nps": (metrics.get("nps") or {}).get("score"),
        "csi": (metrics.get("csi") or {}).get("score"),
        "servqual": (metrics.get("servqual") or {}).get("index"),
        "mystery_shopping": (metrics.get("mystery_shopping") or {}).get("compliance"),
    }
    return {metric: value for metric, value in values.items() if value is not None}
