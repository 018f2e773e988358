"""Business KPIs compared on re-assessment: taken from the customer metrics where they
can be, entered (or overridden) by the consultant otherwise."""

from collections.abc import Mapping
from typing import Literal, TypedDict

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from assessment.audit import audit_record
from assessment.metrics import CustomerMetric, Registry, kpi_metrics, value_at
from assessment.models import Assessment, AuditEvent, CustomerDataset

# The KPIs, as the metrics registry declares them: code → metric. Those with a path in the
# customer metrics are taken from there unless the consultant enters a value.
KPIS: dict[str, CustomerMetric] = {entry.key: entry for entry in kpi_metrics()}

KpiSource = Literal["consultant", "metrics"]


class Kpi(TypedDict):
    """One KPI as GET /api/v1/assessments/{id}/kpis/ returns it under its code."""

    label: str
    value: float | None
    source: KpiSource | None  # None: no value


def kpis_compute(
    *, entered: Mapping[str, float | None], metrics: Mapping | None, registry: Registry | None = None
) -> dict[str, Kpi]:
    """Every KPI of the registry (code → label in the active language, value, source): the
    consultant's value where entered, else the customer metric's where there is one."""
    result: dict[str, Kpi] = {}
    for entry in kpi_metrics(registry):
        derived = value_at(metrics, entry.path)
        if entered.get(entry.key) is not None:
            value, source = entered[entry.key], "consultant"
        elif derived is not None:
            value, source = derived, "metrics"
        else:
            value, source = None, None
        result[entry.key] = Kpi(label=str(entry.label), value=value, source=source)
    return result


def assessment_kpis(*, assessment: Assessment) -> dict[str, Kpi]:
    """Every KPI with its value and where the value comes from (consultant, metrics, none)."""
    dataset = CustomerDataset.objects.filter(assessment=assessment).first()
    return kpis_compute(entered=assessment.kpis, metrics=dataset.metrics if dataset else None)


@transaction.atomic
def assessment_kpis_set(
    *, assessment: Assessment, values: dict[str, float | None], actor: AbstractBaseUser | None = None
) -> Assessment:
    """Enter or override KPIs; None removes the consultant's value (metrics apply again). The
    audit log gets the changed KPIs' values before and after (None: none entered)."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    before = dict(assessment.kpis)
    entered = {**assessment.kpis, **values}
    assessment.kpis = {code: value for code, value in entered.items() if value is not None}
    assessment.save(update_fields=["kpis", "updated_at"])
    changed = sorted(
        code for code in set(before) | set(assessment.kpis) if before.get(code) != assessment.kpis.get(code)
    )
    if changed:
        audit_record(
            assessment=assessment,
            actor=actor,
            action=AuditEvent.Action.KPIS,
            before={code: before.get(code) for code in changed},
            after={code: assessment.kpis.get(code) for code in changed},
        )
    return assessment
