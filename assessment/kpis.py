"""Business KPIs compared on re-assessment: taken from the customer metrics where they
can be, entered (or overridden) by the consultant otherwise."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from assessment.audit import audit_record
from assessment.models import Assessment, AuditEvent, CustomerDataset

KPIS = {
    "churn_rate": _("Churn rate, %"),
    "nps": _("NPS"),
    "csi": _("CSI, %"),
    "average_deposit": _("Average deposit"),
    "repeat_purchase_conversion": _("Repeat-purchase conversion, %"),
    "complaints_per_1000": _("Complaints per 1,000 clients"),
}
# KPI code → (metric, field) in the customer metrics.
FROM_METRICS = {"churn_rate": ("churn", "rate"), "nps": ("nps", "score"), "csi": ("csi", "score")}


def assessment_kpis(*, assessment: Assessment) -> dict:
    """Every KPI with its value and where the value comes from (consultant, metrics, none)."""
    dataset = CustomerDataset.objects.filter(assessment=assessment).first()
    metrics = dataset.metrics if dataset else {}
    result = {}
    for code, label in KPIS.items():
        metric, field = FROM_METRICS.get(code, (None, None))
        derived = (metrics.get(metric) or {}).get(field) if metric else None
        if assessment.kpis.get(code) is not None:
            value, source = assessment.kpis[code], "consultant"
        elif derived is not None:
            value, source = derived, "metrics"
        else:
            value, source = None, None
        result[code] = {"label": str(label), "value": value, "source": source}
    return result


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
