"""Reads of the action plan: its initiatives with where each stands (reports.plan), the plan's
health, and per linked customer metric its baseline, interim values and targets."""

import datetime

from django.db.models import QuerySet

from assessment.kpis import kpis_compute
from assessment.metrics import metric, value_at
from assessment.models import Assessment, CustomerDataset
from assessment.selectors import User, assessment_scope
from reports.models import Initiative, KpiValue
from reports.plan import initiative_health, plan_health


def initiative_scope(*, user: User) -> QuerySet[Initiative]:
    """The initiatives of the assessments the user may read."""
    return Initiative.objects.filter(assessment__in=assessment_scope(user=user))


def initiative_present(initiative: Initiative, *, today: datetime.date, updates: int | None = None) -> dict:
    """An initiative as the API and the pages give it, with its health and, newest first, its
    progress updates (all, or the newest `updates`)."""
    owner = initiative.owner
    history = list(initiative.updates.all())
    return {
        "id": initiative.pk,
        "assessment": initiative.assessment_id,
        # A consultant's own recommendation has no library code.
        "recommendation": (initiative.recommendation.code or None) if initiative.recommendation else None,
        "title": dict(initiative.title),
        "description": dict(initiative.description),
        "indicators": list(initiative.indicators),
        "outcomes": list(initiative.outcomes),
        "targets": dict(initiative.targets),
        "owner": {"id": owner.pk, "name": owner.get_full_name() or owner.email, "email": owner.email}
        if owner
        else None,
        "owner_name": initiative.owner_name,
        "start_on": initiative.start_on,
        "due_on": initiative.due_on,
        "status": initiative.status,
        "dropped_reason": initiative.dropped_reason,
        "percent_complete": initiative.percent_complete,
        "budget": initiative.budget,
        "currency": initiative.assessment.currency,
        "health": initiative_health(
            status=initiative.status,
            percent_complete=initiative.percent_complete,
            start_on=initiative.start_on,
            due_on=initiative.due_on,
            today=today,
        ),
        "updates": [
            {
                "created_at": update.created_at,
                "author": update.author_label,
                "status": update.status,
                "percent_complete": update.percent_complete,
                "note": update.note,
            }
            for update in (history if updates is None else history[:updates])
        ],
    }


def initiatives_list(*, assessment: Assessment, today: datetime.date) -> list[dict]:
    """The plan in its order, each initiative with its newest three updates."""
    initiatives = (
        assessment.initiatives.select_related("owner", "recommendation", "assessment")
        .prefetch_related("updates")
        .order_by("position", "id")
    )
    return [initiative_present(initiative, today=today, updates=3) for initiative in initiatives]


def action_plan_health(*, assessment: Assessment, today: datetime.date) -> dict[str, int]:
    """How many initiatives are on track, at risk, overdue, done and dropped."""
    return plan_health([item["health"] for item in initiatives_list(assessment=assessment, today=today)])


def plan_health_by_assessment(
    *, assessment_ids: list[int], today: datetime.date
) -> dict[int, dict[str, int]]:
    """The health counts of the plans of these assessments (one query), by assessment id; an
    assessment without initiatives is absent."""
    rows = Initiative.objects.filter(assessment_id__in=assessment_ids).values_list(
        "assessment_id", "status", "percent_complete", "start_on", "due_on"
    )
    healths: dict[int, list[str]] = {}
    for assessment_id, status, percent_complete, start_on, due_on in rows:
        healths.setdefault(assessment_id, []).append(
            initiative_health(
                status=status,
                percent_complete=percent_complete,
                start_on=start_on,
                due_on=due_on,
                today=today,
            )
        )
    return {assessment_id: plan_health(found) for assessment_id, found in healths.items()}


def kpi_tracks(*, assessment: Assessment) -> list[dict]:
    """Per customer metric the plan aims at (an outcome of an initiative) or has interim values
    of: its baseline (the assessment's own value), the interim values by date and the targets
    the initiatives set for it."""
    values = list(KpiValue.objects.filter(assessment=assessment).order_by("measured_on", "id"))
    initiatives = list(assessment.initiatives.all())
    aimed = [key for initiative in initiatives for key in initiative.outcomes]
    keys = list(dict.fromkeys(aimed + [value.metric for value in values]))
    dataset = CustomerDataset.objects.filter(assessment=assessment).only("metrics").first()
    metrics = dataset.metrics if dataset else None
    kpis = kpis_compute(entered=assessment.kpis, metrics=metrics)
    tracks = []
    for key in keys:
        entry = metric(key)
        baseline = value_at(metrics, entry.path)
        if baseline is None and key in kpis:
            baseline = kpis[key]["value"]
        tracks.append(
            {
                "metric": key,
                "label": str(entry.label),
                "unit": str(entry.unit),
                "higher_is_better": entry.higher_is_better,
                "baseline": {"measured_on": assessment.reference_date, "value": baseline},
                "values": [
                    {
                        "id": value.pk,
                        "measured_on": value.measured_on,
                        "value": value.value,
                        "source": value.source,
                    }
                    for value in values
                    if value.metric == key
                ],
                "targets": [
                    {"initiative": initiative.pk, **initiative.targets[key]}
                    for initiative in initiatives
                    if key in initiative.targets
                ],
            }
        )
    return tracks
