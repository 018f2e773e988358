"""Reads for reports: the reviewed roadmap, the comparison with the baseline, and the whole
context of a PDF report, each loaded with a few queries and built by pure functions."""

import datetime
from itertools import chain

from django.db.models import QuerySet
from django.utils import timezone, translation

from assessment.kpis import assessment_kpis
from assessment.metrics import evidence_thresholds
from assessment.models import Assessment, CustomerDataset
from assessment.selectors import assessment_scope, assessment_scores, catalog_frames
from reports.comparison import comparison_compute
from reports.context import KpiRow, report_context_build
from reports.models import RecommendationItem, RecommendationStatus, Report
from reports.recommendations import (
    Recommendation,
    next_level_path,
    recommendation_library,
    recommendation_text,
)
from surveys.i18n import localized
from surveys.models import Area, Indicator


def report_scope(*, user) -> QuerySet[Report]:
    """Reports of the assessments the user may see (executives: published ones only)."""
    return Report.objects.filter(assessment__in=assessment_scope(user=user))


def catalog_names(*, version_id: int, language: str) -> dict[str, str]:
    """Area and indicator code → name in `language`."""
    rows = chain(
        Area.objects.filter(version_id=version_id).values_list("code", "name"),
        Indicator.objects.filter(version_id=version_id).values_list("code", "title"),
    )
    return {code: localized(name, language) for code, name in rows}


def customer_metrics_stored(*, assessment: Assessment) -> dict | None:
    dataset = CustomerDataset.objects.filter(assessment=assessment).only("metrics").first()
    return dataset.metrics if dataset else None


def _library_entry(code: str) -> Recommendation | None:
    """The library's recommendation (None for a custom one, or one the library dropped)."""
    if not code:
        return None
    try:
        return recommendation_library().recommendation(code)
    except KeyError:
        return None


def recommendation_item_present(item: RecommendationItem, *, language: str) -> dict:
    """An item with its texts: the consultant's edits, or the library's in `language`."""
    entry = _library_entry(item.code)
    library = recommendation_text(code=item.code, language=language) if entry else {}
    edited = bool(item.title or item.rationale or item.actions or item.impact)
    return {
        "id": item.pk,
        "code": item.code,
        "position": item.position,
        "status": item.status,
        "custom": item.custom,
        "edited": edited,
        "priority": item.priority,
        "triggered_by": item.triggered_by,
        "title": item.title or library.get("title", ""),
        "rationale": item.rationale or library.get("rationale", ""),
        "actions": item.actions or library.get("actions", []),
        "impact": item.impact or library.get("impact", ""),
        "step": entry.step if entry else "custom",
        "step_title": library.get("step_title", ""),
        "horizon": item.horizon,
        "effort": item.effort,
        "indicators": list(entry.indicators) if entry else [],
    }


def recommendations_list(
    *, assessment: Assessment, language: str, include_rejected: bool = True
) -> list[dict]:
    items = assessment.recommendations.all()
    if not include_rejected:
        items = items.exclude(status=RecommendationStatus.REJECTED)
    return [recommendation_item_present(item, language=language) for item in items]


def assessment_next_level(*, assessment: Assessment, scores: dict, language: str) -> dict | None:
    indicators, areas = catalog_frames(version_id=assessment.catalog_version_id)
    path = next_level_path(scores=scores, indicators=indicators, areas=areas)
    if path is None:
        return None
    names = catalog_names(version_id=assessment.catalog_version_id, language=language)
    return {
        **path,
        "indicators": [
            {**item, "name": names.get(item["code"], item["code"])} for item in path["indicators"]
        ],
    }


def _kpi_values(assessment: Assessment) -> dict[str, float | None]:
    return {code: entry["value"] for code, entry in assessment_kpis(assessment=assessment).items()}


def assessment_comparison(
    *, assessment: Assessment, language: str, scores: dict | None = None, metrics: dict | None = None
) -> dict | None:
    """The comparison with the baseline in `language`; None without a baseline."""
    baseline = assessment.baseline
    if baseline is None:
        return None
    with translation.override(language):
        names = {
            **catalog_names(version_id=baseline.catalog_version_id, language=language),
            **catalog_names(version_id=assessment.catalog_version_id, language=language),
        }
        result = comparison_compute(
            current=scores or assessment_scores(assessment=assessment),
            baseline=assessment_scores(assessment=baseline),
            current_metrics=metrics
            if metrics is not None
            else customer_metrics_stored(assessment=assessment),
            baseline_metrics=customer_metrics_stored(assessment=baseline),
            current_kpis=_kpi_values(assessment),
            baseline_kpis=_kpi_values(baseline),
            names=names,
        )
    return {
        "baseline": {"id": baseline.pk, "title": baseline.title, "reference_date": baseline.reference_date},
        **result,
    }


def report_context(
    *, assessment: Assessment, kind: str, language: str, today: datetime.date | None = None
) -> dict:
    """Everything a report of `kind` shows, in `language` (the roadmap as reviewed, without
    rejected items)."""
    scores = assessment_scores(assessment=assessment)
    metrics = customer_metrics_stored(assessment=assessment)
    organization = assessment.organization
    with translation.override(language):
        kpis = [
            KpiRow(code=code, label=entry["label"], value=entry["value"])
            for code, entry in assessment_kpis(assessment=assessment).items()
        ]
        return report_context_build(
            kind=kind,
            language=language,
            generated_on=today or timezone.localdate(),
            organization={"name": organization.name, "industry": organization.industry},
            assessment={"title": assessment.title, "reference_date": assessment.reference_date},
            scores=scores,
            names=catalog_names(version_id=assessment.catalog_version_id, language=language),
            metrics=metrics,
            kpis=kpis,
            roadmap=[
                {**item, "position": position}
                for position, item in enumerate(
                    recommendations_list(assessment=assessment, language=language, include_rejected=False), 1
                )
            ],
            next_level=assessment_next_level(assessment=assessment, scores=scores, language=language),
            comparison=assessment_comparison(
                assessment=assessment, language=language, scores=scores, metrics=metrics
            ),
            methodology={
                "weights": {
                    "survey": float(assessment.weight_survey),
                    "interview": float(assessment.weight_interview),
                    "data": float(assessment.weight_data),
                },
                "anonymity_k": assessment.anonymity_k,
                "respondents": scores["respondents"],
                "coverage": {"scored": scores["coverage"]["scored"], "total": scores["coverage"]["total"]},
                "thresholds": {
                    key: list(edges) for key, edges in evidence_thresholds(assessment.data_thresholds).items()
                },
            },
        )
