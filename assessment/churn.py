"""The churn-risk model as a background job (after kpi's ImportExportTask, like the import):
every upload of an assessment's customer data queues a run (customer_data.churn_model_queue), a
thin task fits it (assessment.churn_model, pure) and stores its account and every client's risk."""

from __future__ import annotations

import datetime
import secrets
from typing import TYPE_CHECKING

import pandas as pd
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy

from assessment import customer_data, tasks
from assessment.customer_files import frame_from_parquet, frame_to_parquet
from assessment.loyalty import churn_at_risk, churn_point_value
from assessment.models import Assessment, ChurnModelRun, CustomerDataset
from config.celery import task_enqueue_on_commit_or_defer
from config.jobs import FINISHED, JobRefused, JobStatus, job_fail, job_progress, jobs_lost, jobs_stalled

if TYPE_CHECKING:
    from assessment.churn_model import ChurnModel

SUPERSEDED = gettext_lazy("The customer data changed since this model was asked for; a newer one follows.")
NO_CUSTOMERS = gettext_lazy("The churn-risk model needs the customers file.")


def _account(model: ChurnModel, features: pd.DataFrame, churned, clv: float | None) -> dict:
    """The model's account as the API gives it, with the active clients at risk and the value at
    stake in one percentage point of churn (churn_point_value)."""
    account = {
        "status": model.status,
        "reason": model.reason,
        "model": model.model,
        "clients": model.clients,
        "churned": model.churned,
        "auc": model.auc,
        "auc_ci": model.auc_ci,
        "brier": model.brier,
        "top_decile_lift": model.top_decile_lift,
        "calibration": model.calibration,
        "drivers": model.drivers,
        "at_risk": None,
        "churn_point_value": churn_point_value(active_clients=int((~churned).sum()), clv=clv),
    }
    if model.risk is not None:
        margin = (
            features["annual_margin"] if "annual_margin" in features else pd.Series(0.0, index=features.index)
        )
        account["at_risk"] = churn_at_risk(
            model.risk, active=pd.Series(~churned, index=features.index), margin=margin
        )
    return account


def churn_model_work(run: ChurnModelRun) -> None:
    """The work of a run (see config.jobs.job_run): the model of the data it was asked for, or a
    refusal when newer data have replaced them. Running it again fits the same model."""
    dataset = (
        CustomerDataset.objects.select_related("assessment").filter(assessment_id=run.assessment_id).first()
    )
    if dataset is None or dataset.updated_at != run.data_updated_at:
        raise JobRefused(str(SUPERSEDED))
    frames = customer_data.dataset_frames(dataset)
    if "customers" not in frames:
        raise JobRefused(str(NO_CUSTOMERS))
    # Imported here: scikit-learn takes seconds to import, and only the worker fits models.
    from assessment.churn_model import churn_model_fit, churn_model_frame

    features, churned = churn_model_frame(
        frames["customers"],
        frames.get("survey"),
        start=dataset.period_start,
        end=dataset.period_end,
        basis=customer_data.method_churn_basis(dataset.assessment, dataset.churn_basis),
    )
    model = churn_model_fit(features, churned, progress=lambda percent: job_progress(run, percent))
    path = ""
    if model.risk is not None:
        path = default_storage.save(
            f"customer-data/{run.assessment_id}/{secrets.token_hex(16)}-churn-risk.parquet",
            ContentFile(frame_to_parquet(model.risk.reset_index())),
        )
    with transaction.atomic():
        ChurnModelRun.objects.filter(pk=run.pk).update(
            result=_account(model, features, churned, (dataset.metrics.get("clv") or {}).get("overall")),
            risk_path=path,
        )
        older = ChurnModelRun.objects.filter(assessment_id=run.assessment_id, pk__lt=run.pk).exclude(
            risk_path=""
        )
        stale = list(older.values_list("risk_path", flat=True))
        older.update(risk_path="")
        transaction.on_commit(lambda: [default_storage.delete(name) for name in stale])


def churn_model_current(*, assessment: Assessment) -> dict | None:
    """The newest model's account: "running" while it is queued or fitting, "failed" with the
    reason, else its result; None when no model was ever asked for."""
    run = ChurnModelRun.objects.filter(assessment=assessment).first()
    if run is None:
        return None
    if run.status not in FINISHED:
        return {"status": "running", "reason": None, "progress": run.progress}
    if run.status == JobStatus.FAILED:
        return {"status": "failed", "reason": run.error}
    return run.result


def churn_risk_current(*, assessment: Assessment) -> pd.Series | None:
    """Every modelled client's out-of-fold risk (index: client_id) from the newest model that
    has one, or None."""
    run = (
        ChurnModelRun.objects.filter(assessment=assessment, status=JobStatus.READY)
        .exclude(risk_path="")
        .first()
    )
    if run is None:
        return None
    with default_storage.open(run.risk_path, "rb") as stored:
        frame = frame_from_parquet(stored.read())
    return frame.set_index("client_id")["churn_risk"]


MODEL_INTERRUPTED = gettext_lazy(
    "Fitting the churn-risk model was interrupted. It is fitted again with the next upload."
)


def churn_models_sweep(*, now: datetime.datetime, requeue: bool) -> dict[str, int]:
    """Send again the runs whose task was lost (config.jobs.jobs_lost) if `requeue`, and fail
    those whose run was killed (running too long); each fits once however often this runs."""
    lost = list(jobs_lost(ChurnModelRun, now=now).values_list("pk", flat=True)) if requeue else []
    for run_id in lost:
        task_enqueue_on_commit_or_defer(tasks.churn_model_run, run_id)
    stalled = jobs_stalled(ChurnModelRun, now=now).values_list("pk", flat=True)
    failed = sum(job_fail(ChurnModelRun, job_id=run_id, error=str(MODEL_INTERRUPTED)) for run_id in stalled)
    return {"requeued": len(lost), "failed": failed}
