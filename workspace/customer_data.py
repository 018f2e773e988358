"""The customer-data tab of an assessment: upload the client's files (a validation report
when they are refused), follow a background import, and read the metrics dashboard.

The upload calls the same services as the API (assessment.customer_data) and the dashboard
shows the same stored metrics as GET /api/v1/assessments/{id}/customer-metrics/."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assessment.access import assessment_managed
from assessment.churn import churn_model_current
from assessment.customer_data import customer_data_request_max_bytes, customer_data_upload, default_period
from assessment.customer_files import COLUMNS, KINDS, OPTIONAL, CustomerFilesInvalid
from assessment.exports import customer_metrics_current
from assessment.loyalty import SATISFIED_AT
from assessment.method import method_get
from assessment.metrics import (
    MetricValue,
    instrument_ranges,
    metric_values,
    segment_metric_values,
    segment_metrics,
)
from assessment.models import Assessment, ChurnBasis, CustomerDataImport, CustomerDataset
from config.celery import BrokerUnavailable
from config.exceptions import StateConflict, TooLarge
from config.jobs import FINISHED
from config.numbers import day_text, number_text
from config.request_limits import body_limit
from reports.context import small_sample
from reports.rendering import chart_labels, customer_charts
from workspace.pages import assessment_page

# The validation report lists this many problems; the rest are counted.
PROBLEMS_SHOWN = 200
ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_LABELS = {
    "customers": gettext_lazy("Customers"),
    "survey": gettext_lazy("Customer survey"),
    "mystery_shopping": gettext_lazy("Mystery shopping"),
    "complaints": gettext_lazy("Complaints"),
    "contact_centre": gettext_lazy("Contact centre"),
}
# The files' columns, as the template files name them (not translated: the header row says them).
KIND_HELP = {kind: ", ".join(COLUMNS[kind] + OPTIONAL[kind]) for kind in KINDS}
KIND_HELP["customers"] = format_lazy(
    "{}, x_… ({})",
    KIND_HELP["customers"],
    gettext_lazy("optional attributes of your own"),
)
# Labels with a per cent sign, translated here: in a template's translate tag it would be doubled.
LABELS = {
    "compliance": gettext_lazy("Compliance, %"),
    "service_level": gettext_lazy("Service level, %"),
    "abandonment": gettext_lazy("Abandoned, %"),
    "fcr": gettext_lazy("First-contact resolution, %"),
}


def _file_field(kind: str) -> forms.FileField:
    return forms.FileField(
        label=KIND_LABELS[kind],
        required=False,
        help_text=KIND_HELP[kind],
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )


class CustomerDataForm(forms.Form):
    """The API's upload (CustomerDataApi.InputSerializer), with the discount rate in per cent."""

    customers = _file_field("customers")
    survey = _file_field("survey")
    mystery_shopping = _file_field("mystery_shopping")
    complaints = _file_field("complaints")
    contact_centre = _file_field("contact_centre")
    period_start = forms.DateField(
        label=gettext_lazy("Churn period from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    period_end = forms.DateField(
        label=gettext_lazy("Churn period to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    churn_basis = forms.ChoiceField(
        label=gettext_lazy("What counts as churn"),
        choices=ChurnBasis.choices,
        required=False,
        help_text=gettext_lazy(
            "Method 2: clients who closed their accounts within the period, clients with no activity "
            "for more than 90 days before its end, or both. Method 1 counts closed accounts only."
        ),
    )
    discount_percent = forms.DecimalField(
        label=gettext_lazy("Discount rate for CLV, %"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("99"),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )

    def clean(self):
        data = super().clean()
        if not any(data.get(kind) for kind in KINDS):
            raise ValidationError(
                _(
                    "Choose at least one file: customers, customer survey, mystery shopping, "
                    "complaints or contact centre."
                )
            )
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The period must end on or after its start."))
        return data

    def uploads(self) -> dict:
        return {kind: self.cleaned_data[kind] for kind in KINDS if self.cleaned_data.get(kind)}

    def options(self) -> dict:
        percent = self.cleaned_data.get("discount_percent")
        return {
            "period_start": self.cleaned_data.get("period_start"),
            "period_end": self.cleaned_data.get("period_end"),
            "discount_rate": None if percent is None else percent / 100,
            "churn_basis": self.cleaned_data.get("churn_basis") or None,
        }


def _initial(assessment: Assessment, dataset: CustomerDataset | None) -> dict:
    if dataset is not None:
        start, end, rate = dataset.period_start, dataset.period_end, dataset.discount_rate
        basis = dataset.churn_basis
    else:
        (start, end), rate = default_period(assessment.reference_date), Decimal("0.10")
        basis = ChurnBasis.BOTH
    return {
        "period_start": start,
        "period_end": end,
        "churn_basis": basis,
        "discount_percent": _percent(rate),
    }


def _percent(rate: Decimal) -> Decimal:
    """A rate as per cent without trailing zeros or an exponent: 0.1000 → 10, 0.1250 → 12.5."""
    value = rate * 100
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _problems(detail: dict | None) -> dict | None:
    """The validation report: the first PROBLEMS_SHOWN problems and how many more there are."""
    if not detail:
        return None
    rows = detail["errors"][:PROBLEMS_SHOWN]
    return {
        "rows": [{**row, "file_label": KIND_LABELS.get(row["file"], row["file"])} for row in rows],
        "count": detail["error_count"],
        "more": detail["error_count"] - len(rows),
    }


# The churn basis as a sentence says it (docs/methods.md §7.8).
BASIS_TEXTS = {
    "closed": gettext_lazy("counted: closed accounts only"),
    "inactive": gettext_lazy("counted: inactive clients only"),
    "both": gettext_lazy("counted: closed or inactive, each client once"),
}


def churn_note(churn: Mapping) -> str:
    """What the churn rate counts: under method 1 (no basis) the closures of the period; under
    method 2 the churned, the closed and the inactive apart, the basis, and the days the rate
    is annualised from."""
    if "basis" not in churn:
        return _("%(closed)s of %(active)s clients closed between %(start)s and %(end)s") % {
            "closed": number_text(churn["closed"], digits=0),
            "active": number_text(churn["active_at_start"], digits=0),
            "start": day_text(churn["period"][0]),
            "end": day_text(churn["period"][1]),
        }
    parts = [
        _("%(churned)s of %(active)s clients churned between %(start)s and %(end)s")
        % {
            "churned": number_text(churn["churned"], digits=0),
            "active": number_text(churn["active_at_start"], digits=0),
            "start": day_text(churn["period"][0]),
            "end": day_text(churn["period"][1]),
        },
        _("closed: %(closed)s") % {"closed": number_text(churn["closed"], digits=0)},
        _("no activity for more than 90 days: %(inactive)s")
        % {"inactive": number_text(churn["inactive"], digits=0)}
        if churn["inactive"] is not None
        else _("inactivity unknown: the file has no activity dates"),
        str(BASIS_TEXTS[churn["basis"]]),
    ]
    if churn["annualised"]:
        parts.append(
            _("annualised from %(days)s days (%(rate)s %% over the period)")
            % {
                "days": number_text(churn["days"], digits=0),
                "rate": number_text(churn["period_rate"], digits=1),
            }
        )
    return "; ".join(parts)


# What the dashboard says under a metric's value, from the metric's section of the stored metrics,
# by metric key. Optional: a metric without a note shows its value (and band) alone.
def _nps_note(nps: Mapping) -> str:
    return _("95 %% interval %(low)s to %(high)s; %(n)s ratings") % {
        "low": number_text(nps["ci95"][0], digits=0),
        "high": number_text(nps["ci95"][1], digits=0),
        "n": number_text(nps["n"], digits=0),
    }


def _interval_note(section: Mapping, note: str, digits: int, field: str = "ci95") -> str:
    """The note, then the 95 % interval stored in the section's `field` where it has one."""
    if not section.get(field):
        return note
    low, high = (number_text(end, digits=digits) for end in section[field])
    return _("%(note)s; 95 %% interval %(low)s to %(high)s") % {"note": note, "low": low, "high": high}


def _share_of_offered_note(message: str, *, part: str, interval: str) -> Callable[[Mapping], str]:
    """The note of a contact-centre share of the calls offered: the calls it counts of all of them,
    and its 95 % interval."""

    def note(calls: Mapping) -> str:
        counts = {
            "part": number_text(calls[part], digits=0),
            "whole": number_text(calls["offered"], digits=0),
        }
        return _interval_note(calls, message % counts, digits=1, field=interval)

    return note


NOTES: dict[str, Callable[[Mapping], str]] = {
    "nps": _nps_note,
    "nps_transactional": _nps_note,
    "csi": lambda csi: _interval_note(
        csi, _("%(n)s clients answered") % {"n": number_text(csi["n"], digits=0)}, digits=1
    ),
    "servqual": lambda servqual: _interval_note(
        servqual, _("the sum of the five gaps; below zero, expectations are not met"), digits=2
    ),
    "servqual_gap": lambda servqual: _interval_note(
        servqual,
        _("the index over the sum of the five mean expectations"),
        digits=1,
        field="relative_ci95",
    ),
    "mystery_shopping": lambda mystery: _interval_note(
        mystery,
        _("Compliance with service standards over %(visits)s visits")
        % {"visits": number_text(mystery["visits"], digits=0)},
        digits=1,
    ),
    "churn_rate": lambda churn: churn_note(churn),
    "clv": lambda clv: (
        _("Per client, discount rate %(rate)s %%")
        % {"rate": number_text(100 * clv["discount_rate"], digits=-1)}
        + "; "
        + _("from the mean annual net margin and the annual retention")
    ),
    "product_load": lambda load: _("Products per active client"),
    "complaints_per_1000": lambda complaints: _complaints_note(complaints),
    "complaint_resolution_days": lambda complaints: (
        _("%(closed)s complaints closed, %(open)s still open")
        % {
            "closed": number_text(complaints["closed"], digits=0),
            "open": number_text(complaints["open"], digits=0),
        }
    ),
    "complaints_regulator_share": lambda complaints: _interval_note(
        complaints,
        _("%(part)s of %(count)s complaints")
        % {
            "part": number_text(complaints["regulator"], digits=0),
            "count": number_text(complaints["count"], digits=0),
        },
        digits=1,
        field="regulator_ci95",
    ),
    "service_level": _share_of_offered_note(
        gettext_lazy("%(part)s of %(whole)s calls offered answered within the target time"),
        part="answered_within_sla",
        interval="service_level_ci95",
    ),
    "abandonment": _share_of_offered_note(
        gettext_lazy("%(part)s of %(whole)s calls offered abandoned by the caller"),
        part="abandoned",
        interval="abandonment_ci95",
    ),
    "fcr": lambda calls: _interval_note(calls, _fcr_note(calls), digits=1, field="fcr_ci95"),
}


def _complaints_note(complaints: Mapping) -> str:
    note = _("%(count)s complaints opened in the period; %(clients)s clients active at its end") % {
        "count": number_text(complaints["count"], digits=0),
        "clients": number_text(complaints["clients"], digits=0),
    }
    return note + "; " + _("scaled to a year") if complaints.get("annualised") else note


def _fcr_note(calls: Mapping) -> str:
    note = _("%(part)s of %(whole)s calls answered resolved at the first contact") % {
        "part": number_text(calls["first_contact_resolved"], digits=0),
        "whole": number_text(calls["answered"], digits=0),
    }
    if calls.get("avg_handle_seconds") is None:
        return note
    return (
        note
        + "; "
        + _("average handle time %(seconds)s s")
        % {"seconds": number_text(calls["avg_handle_seconds"], digits=0)}
    )


def small_metrics(metrics: Mapping) -> set[str]:
    """The metrics shown on too small a sample to be evidence: judged by the metric's own sample
    where its section holds several (`samples`), else by its section's."""
    small = set()
    for row in metric_values(metrics):
        section = metrics.get(row.section)
        if isinstance(section, Mapping) and small_sample(
            (section.get("samples") or {}).get(row.key, section)
        ):
            small.add(row.key)
    return small


def metric_rows(metrics: Mapping) -> list[MetricValue]:
    """Every computed metric of the registry, in its order, with its note and band where it has
    a value."""
    rows = []
    for row in metric_values(metrics):
        section = metrics.get(row.section) or {}
        if row.value is not None:
            note = NOTES[row.key](section) if row.key in NOTES else ""
            row = replace(row, note=note, band=section.get("band"))
        rows.append(row)
    return rows


def comment_counts(metrics: Mapping) -> list[tuple[str, int]]:
    """The survey's comments per instrument in the registry's order: the stored mapping's own
    order does not survive PostgreSQL's jsonb, which sorts an object's keys."""
    stored = (metrics.get("comments") or {}).get("by_instrument") or {}
    return [(code, stored[code]) for code in instrument_ranges() if code in stored]


@dataclass(frozen=True)
class SegmentRow:
    """One customer segment's row: the values of the metrics given per segment (as the registry
    lists them) and its clients per loyalty type (None without survey answers)."""

    name: str
    values: list[MetricValue]
    loyalty_types: Mapping[str, int] | None


def segment_rows(metrics: Mapping) -> list[SegmentRow]:
    """The segments, by name."""
    return [
        SegmentRow(name=name, values=segment_metric_values(values), loyalty_types=values.get("loyalty_types"))
        for name, values in sorted((metrics.get("by_segment") or {}).items())
    ]


def _import_job(request: HttpRequest, assessment: Assessment) -> CustomerDataImport | None:
    raw = request.GET.get("import", "")
    if not re.fullmatch(r"[0-9]{1,18}", raw):  # ASCII digits: "²" is a digit to str.isdigit()
        return None
    return CustomerDataImport.objects.filter(assessment=assessment, pk=int(raw)).first()


def _churn_model_state(assessment: Assessment | None) -> dict:
    """The churn-risk model's state as the page says it, and the texts its script says it with
    while it follows the fitting (customer_data.js)."""
    model = churn_model_current(assessment=assessment) if assessment else None
    texts = {"running": _("being fitted: {percent} done"), "ready": _("ready"), "other": _("not fitted")}
    if model is None:
        state = ""
    elif model["status"] == "running":
        state = texts["running"].format(percent=f"{model['progress']} %")
    else:
        state = texts["ready"] if model["status"] == "ready" else texts["other"]
    return {"churn_model": model, "churn_model_state": state, "churn_model_texts": texts}


@body_limit(customer_data_request_max_bytes)
@login_required
@require_http_methods(["GET", "POST"])
def customer_data(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    dataset = CustomerDataset.objects.filter(assessment=assessment).first()
    page_url = reverse("workspace:customer-data", args=[assessment.pk])
    problems = None
    status = 200
    if request.method == "POST":
        form = CustomerDataForm(request.POST, request.FILES)
        if form.is_valid():
            uploads, options = form.uploads(), form.options()
            try:
                result = customer_data_upload(
                    assessment=assessment, user=request.user, uploads=uploads, **options
                )
            except CustomerFilesInvalid as invalid:
                problems = _problems(invalid.as_detail())
                status = 400
            except ValidationError as invalid:
                form.add_error(None, invalid)
                status = 400
            except (StateConflict, TooLarge) as refused:
                form.add_error(None, refused.message)
                status = 400
            except BrokerUnavailable as unavailable:
                form.add_error(None, unavailable.message)
                status = 503
            else:
                if isinstance(result, CustomerDataImport):
                    messages.info(request, _("The files are being imported in the background."))
                    return redirect(f"{page_url}?import={result.pk}")
                messages.success(request, _("Customer data imported; the metrics are up to date."))
                return redirect(page_url)
        else:
            status = 400
    else:
        form = CustomerDataForm(initial=_initial(assessment, dataset))

    job = _import_job(request, assessment)
    if problems is None and job is not None:
        problems = _problems(job.problems)
    metrics = customer_metrics_current(assessment=assessment) if dataset else None
    context = {
        "form": form,
        "editable": assessment.editable,
        "dataset": dataset,
        "stored_files": [
            {"kind": kind, "label": KIND_LABELS[kind], **dataset.files[kind]}
            for kind in KINDS
            if dataset and kind in dataset.files
        ],
        "templates": [
            {
                "kind": kind,
                "label": KIND_LABELS[kind],
                "url": reverse("api:customer-data-template", args=[kind]),
            }
            for kind in KINDS
        ],
        "problems": problems,
        **_churn_model_state(assessment if dataset else None),
        "analytics_url": reverse("workspace:analytics", args=[assessment.pk]),
        "job": job,
        "job_finished": job is not None and job.status in FINISHED,
        "metrics": metrics,
        "charts": customer_charts(customer=metrics, labels=chart_labels()) if metrics else {},
        "metric_rows": metric_rows(metrics) if metrics else [],
        "comment_counts": comment_counts(metrics) if metrics else [],
        # Sections of the metrics on too small a sample to be evidence: flagged, not evidence.
        "small_samples": {section for section, values in (metrics or {}).items() if small_sample(values)},
        "small_metrics": small_metrics(metrics) if metrics else set(),
        "segment_columns": segment_metrics(),
        "segments": segment_rows(metrics) if metrics else [],
        "satisfied_at": SATISFIED_AT,
        "has_customers": bool(dataset and "customers" in dataset.files),
        "has_survey": bool(dataset and "survey" in dataset.files),
        "inline_max_bytes": settings.CUSTOMER_DATA_INLINE_MAX_BYTES,
        "api_url": reverse("api:customer-data", args=[assessment.pk]),
        "file_fields": [form[kind] for kind in KINDS],
        "option_fields": [
            form[name] for name in ("period_start", "period_end", "churn_basis", "discount_percent")
        ],
        "discount_percent": _percent(dataset.discount_rate) if dataset else None,
        # Method 1 counts closures only, whatever the basis.
        "behavioural_churn": method_get(assessment.method_version).behavioural_churn,
        "page_url": page_url,
        "labels": LABELS,
    }
    response = assessment_page(
        request,
        assessment,
        tab="customer-data",
        template="workspace/assessment/customer_data.html",
        context=context,
        status=status,
    )
    if status == 503:  # the task queue is away
        response["Retry-After"] = str(BrokerUnavailable.retry_after)
    return response
