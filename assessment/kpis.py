"""Business KPIs compared on re-assessment: taken from the customer metrics where they
can be, entered (or overridden) by the consultant otherwise."""

import math
from collections.abc import Mapping
from typing import Literal, TypedDict

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessment.audit import audit_record
from assessment.metrics import CustomerMetric, Registry, kpi_metrics, value_at
from assessment.models import Assessment, AuditEvent, CustomerDataset
from config.exceptions import StateConflict
from config.numbers import number_text

# The KPIs, as the metrics registry declares them: code → metric. Those with a path in the
# customer metrics are taken from there unless the consultant enters a value.
KPIS: dict[str, CustomerMetric] = {entry.key: entry for entry in kpi_metrics()}

KpiSource = Literal["consultant", "metrics"]


class Kpi(TypedDict):
    """One KPI as GET /api/v1/assessments/{id}/kpis/ returns it under its code."""

    label: str
    value: float | None
    source: KpiSource | None  # None: no value


def kpi_value_problem(entry: CustomerMetric, value: float) -> str | None:
    """Why `value` cannot be the KPI's entered value (None if it can): it must be a finite
    number within the KPI's bounds (assessment.metrics), so that every change and relative
    change computed from it is a number that can be shown."""
    low, high = entry.entry_bounds
    if math.isfinite(value) and low <= value <= high:
        return None
    return _("Enter a number from %(low)s to %(high)s.") % {
        "low": number_text(low, digits=-2),
        "high": number_text(high, digits=-2),
    }


def kpi_values_problems(
    values: Mapping[str, float | None], registry: Registry | None = None
) -> dict[str, str]:
    """KPI code → why its value cannot be entered, for each of `values` that cannot (None, which
    removes a value, always can; codes that are no KPI are left to the caller)."""
    entries = {entry.key: entry for entry in kpi_metrics(registry)}
    problems = {
        code: kpi_value_problem(entries[code], value)
        for code, value in values.items()
        if code in entries and value is not None
    }
    return {code: problem for code, problem in problems.items() if problem}


def kpis_compute(
    *, entered: Mapping[str, float | None], metrics: Mapping | None, registry: Registry | None = None
) -> dict[str, Kpi]:
    """Every KPI of the registry (code → label in the active language, value, source): the
    consultant's value where entered, else the customer metric's where there is one. A stored
    value outside the KPI's bounds (entered before they were checked) counts as none."""
    result: dict[str, Kpi] = {}
    for entry in kpi_metrics(registry):
        derived = value_at(metrics, entry.path)
        own = value_at(entered, (entry.key,))
        if own is not None and kpi_value_problem(entry, own) is None:
            value, source = own, "consultant"
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
    audit log gets the changed KPIs' values before and after (None: none entered). A published
    assessment keeps the KPIs the client received (409). Each value must lie within its KPI's
    bounds (ValidationError otherwise; nothing is stored)."""
    problems = kpi_values_problems(values)
    if problems:
        raise ValidationError({"kpis": [f"{code}: {problem}" for code, problem in sorted(problems.items())]})
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    before = dict(assessment.kpis)
    entered = {**assessment.kpis, **values}
    assessment.kpis = {code: value for code, value in entered.items() if value is not None}
    if not assessment.editable and assessment.kpis != before:
        raise StateConflict(
            _("The assessment is published; its KPIs cannot change any more."), code="assessment_published"
        )
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
