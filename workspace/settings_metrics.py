"""The settings tab's forms for customer metrics: the data-evidence thresholds (docs/methods.md
§8) and the business KPIs the comparison features (§9.1). Each metric is a row of fields named
after its key, so that the registry (assessment.metrics) alone decides what the forms hold."""

from django import forms
from django.utils.translation import gettext as _

from assessment.kpis import Kpi, kpi_value_problem
from assessment.metrics import (
    CustomerMetric,
    evidence_metrics,
    evidence_thresholds,
    kpi_metrics,
    registry_of,
    thresholds_problem,
)
from assessment.models import Assessment

# Thresholds are the lowest values of levels 2–5 (docs/methods.md §8).
THRESHOLD_LEVELS = (2, 3, 4, 5)
_NUMBER = forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})


def _threshold_field(entry: CustomerMetric, level: int) -> str:
    return f"{entry.key}_{level}"


class ThresholdsForm(forms.Form):
    """Per metric that gives data evidence under the assessment's method, the four values where
    levels 2–5 begin: the lowest values of those levels, or the highest where lower is better."""

    def __init__(self, *args, assessment: Assessment, **kwargs):
        super().__init__(*args, **kwargs)
        self.registry = registry_of(assessment.method_version)
        for entry in evidence_metrics(self.registry):
            for level in THRESHOLD_LEVELS:
                self.fields[_threshold_field(entry, level)] = forms.FloatField(
                    label=_("%(metric)s: level %(level)d") % {"metric": entry.label, "level": level},
                    widget=_NUMBER,
                )

    @staticmethod
    def initial_of(assessment: Assessment) -> dict:
        registry = registry_of(assessment.method_version)
        edges = evidence_thresholds(assessment.data_thresholds, registry)
        return {
            _threshold_field(entry, level): edge
            for entry in evidence_metrics(registry)
            for level, edge in zip(THRESHOLD_LEVELS, edges[entry.key], strict=True)
        }

    def rows(self) -> list[dict]:
        """One row per metric for the template: the metric, its four bound fields, its errors."""
        rows = []
        for entry in evidence_metrics(self.registry):
            fields = [self[_threshold_field(entry, level)] for level in THRESHOLD_LEVELS]
            errors = [error for field in fields for error in field.errors]
            rows.append({"metric": entry, "fields": fields, "errors": list(dict.fromkeys(errors))})
        return rows

    def clean(self):
        data = super().clean()
        for entry in evidence_metrics(self.registry):
            edges = [data.get(_threshold_field(entry, level)) for level in THRESHOLD_LEVELS]
            if None not in edges and thresholds_problem(edges, higher_is_better=entry.higher_is_better):
                message = (
                    _("Each value must be higher than the one before.")
                    if entry.higher_is_better
                    else _("Each value must be lower than the one before: lower is better here.")
                )
                self.add_error(_threshold_field(entry, THRESHOLD_LEVELS[-1]), message)
        return data

    def overrides(self) -> dict[str, list[float]]:
        """The thresholds that differ from the defaults, as Assessment.data_thresholds keeps them."""
        result = {}
        for entry in evidence_metrics(self.registry):
            edges = [self.cleaned_data[_threshold_field(entry, level)] for level in THRESHOLD_LEVELS]
            if tuple(edges) != entry.thresholds:
                result[entry.key] = edges
        return result


class KpisForm(forms.Form):
    """The consultant's value of each business KPI; empty: none entered (the customer data's
    value applies where there is one)."""

    def __init__(self, *args, kpis: dict[str, Kpi], **kwargs):
        super().__init__(*args, **kwargs)
        self.kpis = kpis
        for entry in kpi_metrics():
            self.fields[entry.key] = forms.FloatField(label=entry.label, required=False, widget=_NUMBER)

    @staticmethod
    def initial_of(assessment: Assessment) -> dict:
        return {entry.key: assessment.kpis.get(entry.key) for entry in kpi_metrics()}

    def rows(self) -> list[dict]:
        """One row per KPI: the metric, its field and the value in force with where it comes from."""
        return [
            {"metric": entry, "field": self[entry.key], "kpi": self.kpis[entry.key]}
            for entry in kpi_metrics()
        ]

    def clean(self):
        data = super().clean()
        for entry in kpi_metrics():
            value = data.get(entry.key)
            if value is not None and (problem := kpi_value_problem(entry, value)):
                self.add_error(entry.key, problem)
        return data
