"""Tables of an assessment for download (CSV or XLSX): the respondents' answers, the scores,
the customer metrics, the classified clients and the audit log.

The scores and metrics tables are built from exactly what the API returns (the presented
scores, the stored metrics), so a spreadsheet shows the API's numbers. Who may download
which table is the view's business (workspace/exports.py)."""

import json

import numpy as np
import pandas as pd
from django.core.serializers.json import DjangoJSONEncoder

from assessment.audit import audit_events
from assessment.churn import churn_risk_current
from assessment.customer_data import dataset_frames
from assessment.loyalty import client_loyalty, customer_metrics
from assessment.metrics import metrics_with_samples
from assessment.models import Assessment, CustomerDataset
from assessment.sufficiency import sufficiency_rules
from surveys.models import Answer

ANSWER_COLUMNS = [
    "respondent",
    "department",
    "role",
    "area",
    "indicator",
    "level",
    "dont_know",
    "comment",
    "submitted_at",
]
SCORE_COLUMNS = [
    "scope",
    "code",
    "area",
    "name",
    "score",
    "level",
    "level_name",
    "scored",
    "total",
    "n",
    "mean_level",
    "std",
    "dont_know_share",
    "confidence",
    "evidence_survey",
    "evidence_interview",
    "evidence_data",
]
METRIC_COLUMNS = ["metric", "value"]
AUDIT_COLUMNS = ["when", "who", "action", "target", "before", "after"]


def answers_export_frame(*, assessment: Assessment) -> pd.DataFrame:
    """One row per submitted respondent and answered or commented indicator: the respondent's
    number (no e-mail or name), department, role, the level (empty for don't know, and for a
    question left unanswered with only a comment, which is not don't know), the comment and when
    the questionnaire was submitted. Individual answers: for the assessment's consultants only."""
    fields = {
        "respondent": "response__invitation_id",
        "department": "response__invitation__department",
        "role": "response__invitation__role",
        "area": "indicator__area__code",
        "indicator": "indicator__code",
        "level": "level",
        "answered": "answered",
        "comment": "comment",
        "submitted_at": "response__submitted_at",
    }
    rows = (
        Answer.objects.filter(
            response__invitation__assessment=assessment, response__submitted_at__isnull=False
        )
        .order_by("response__invitation_id", "indicator__area__position", "indicator__position")
        .values_list(*fields.values())
    )
    frame = pd.DataFrame(list(rows), columns=list(fields))
    frame["dont_know"] = frame["level"].isna() & frame["answered"].astype(bool)
    # Spreadsheets keep no time zones: UTC, written out.
    frame["submitted_at"] = (
        pd.to_datetime(frame["submitted_at"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"
    )
    return frame[ANSWER_COLUMNS].astype({"level": "Int64"})


def scores_export_frame(*, scores: dict, names: dict[str, str]) -> pd.DataFrame:
    """The presented scores (assessment.apis.scores_present) as one table: the overall score
    (with the coverage: indicators scored of all), each area (indicators scored) and each
    indicator (answers, mean, spread, don't-know share, confidence, evidence by source)."""
    overall = scores["overall"]
    coverage = scores["coverage"]
    records = [
        {
            "scope": "overall",
            "score": overall["score"],
            "level": overall["level"],
            "level_name": overall.get("level_name"),
            "scored": coverage["scored"],
            "total": coverage["total"],
        }
    ]
    for area in scores["areas"]:
        records.append(
            {
                "scope": "area",
                "code": area["code"],
                "name": names.get(area["code"]),
                "score": area["score"],
                "level": area["level"],
                "level_name": area.get("level_name"),
                "scored": area["scored"],
            }
        )
    for item in scores["indicators"]:
        evidence = item.get("evidence") or {}
        records.append(
            {
                "scope": "indicator",
                "code": item["code"],
                "area": item["area"],
                "name": names.get(item["code"]),
                "score": item["score"],
                "level": item["level"],
                "level_name": item.get("level_name"),
                "n": item["n"],
                "mean_level": item["mean_level"],
                "std": item["std"],
                "dont_know_share": item["dont_know_share"],
                "confidence": item["confidence"],
                "evidence_survey": evidence.get("survey"),
                "evidence_interview": evidence.get("interview"),
                "evidence_data": evidence.get("data"),
            }
        )
    frame = pd.DataFrame(records, columns=SCORE_COLUMNS)
    return frame.astype({"level": "Int64", "scored": "Int64", "total": "Int64", "n": "Int64"})


def _flattened(value, prefix: str):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flattened(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _flattened(item, f"{prefix}.{index}")
    else:
        yield prefix, value


def metrics_export_frame(*, metrics: dict) -> pd.DataFrame:
    """The customer metrics as metric/value rows, the metric named by its path in the API's
    JSON (nps.score, nps.ci95.0, by_segment.mass.churn.rate, …); a metric without data keeps
    its row with an empty value, so "no data" stays apart from zero."""
    return pd.DataFrame(list(_flattened(metrics, "")), columns=METRIC_COLUMNS)


def customer_metrics_current(*, assessment: Assessment) -> dict:
    """The stored customer metrics, or those of no data at all (every metric null); each metric
    that can give data evidence with its sample and whether it suffices (docs/methods.md §3.4)."""
    dataset = CustomerDataset.objects.filter(assessment=assessment).first()
    if dataset is not None:
        return metrics_with_samples(dataset.metrics, sufficiency_rules(assessment.sufficiency).min_sample)
    return customer_metrics(
        customers=None,
        survey=None,
        mystery=None,
        period_start=assessment.reference_date,
        period_end=assessment.reference_date,
        reference_date=assessment.reference_date,
    )


def customers_classified_frame(*, assessment: Assessment) -> pd.DataFrame | None:
    """Every client active at the reference date with its loyalty criteria and type, and its
    churn risk from the current model (out of fold; empty without one, or for a client that
    opened after the churn period's start), one row per client, client_id first; None without a
    customers file."""
    frames = dataset_frames(CustomerDataset.objects.filter(assessment=assessment).first())
    if "customers" not in frames:
        return None
    table = client_loyalty(frames["customers"], frames.get("survey"), assessment.reference_date)
    risk = churn_risk_current(assessment=assessment)
    table["churn_risk"] = np.nan if risk is None else risk.reindex(table.index).to_numpy()
    return table.reset_index()


def _json_cell(value) -> str | None:
    # Keys sorted: PostgreSQL keeps JSON objects in an order of its own.
    return (
        None
        if value is None
        else json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    )


def audit_export_frame(*, assessment: Assessment) -> pd.DataFrame:
    """The audit log, newest first: when (UTC), who (empty: the system), the action's code, its
    target and the values before and after as JSON (empty: there was none)."""
    records = [
        {
            "when": created_at.isoformat(timespec="seconds"),
            "who": actor,
            "action": action,
            "target": target,
            "before": _json_cell(before),
            "after": _json_cell(after),
        }
        for created_at, actor, action, target, before, after in audit_events(
            assessment=assessment
        ).values_list("created_at", "actor_label", "action", "target", "before", "after")
    ]
    return pd.DataFrame(records, columns=AUDIT_COLUMNS)
