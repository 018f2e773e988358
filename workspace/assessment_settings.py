"""The settings tab of an assessment: its title, date and baseline; the weights of the sources of
evidence, with their effect on the overall score previewed before saving; the collection
deadline and reminder days; the anonymity threshold; the data-evidence thresholds and business
KPIs (workspace.settings_metrics); how much evidence its scores need to claim a maturity level
(docs/methods.md §3.4). Each is validated, audited and frozen (the anonymity threshold: may only
rise; the deadline: once collection is over) by the services the API uses."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assessment.access import assessment_managed
from assessment.kpis import assessment_kpis, assessment_kpis_set
from assessment.levels import level_name
from assessment.method import METHODS, ROADMAP_LIMIT_MAX, ROADMAP_LIMIT_MIN
from assessment.metrics import default_min_samples, metric
from assessment.models import CLIENT_VISIBLE_STATUSES, Assessment, Currency
from assessment.scoring import EvidenceWeights
from assessment.selectors import assessment_scores_compute
from assessment.services import ANONYMITY_K_MAX, ANONYMITY_K_MIN, assessment_update, weights_check
from assessment.sufficiency import (
    DEFAULT_MIN_ANSWERS,
    DEFAULT_MIN_AREA_COVERAGE,
    DEFAULT_MIN_RESPONSES,
    MAX_MIN_ANSWERS,
    MAX_MIN_RESPONSES,
    MAX_MIN_SAMPLE,
    sufficiency_rules,
)
from config.exceptions import StateConflict
from workspace.fields import BaselineChoiceField
from workspace.pages import assessment_page
from workspace.settings_metrics import THRESHOLD_LEVELS, KpisForm, ThresholdsForm

SAMPLE_PREFIX = "min_sample_"
_WEIGHT = {"max_digits": 4, "decimal_places": 3, "min_value": 0, "max_value": 1}


class GeneralForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    reference_date = forms.DateField(
        label=gettext_lazy("Reference date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"),
        choices=[("", "—"), *Currency.choices],
        required=False,
        help_text=gettext_lazy("What amounts of money in the customer data and the reports are in."),
    )
    roadmap_limit = forms.IntegerField(
        label=gettext_lazy("Initiatives on the roadmap"),
        min_value=ROADMAP_LIMIT_MIN,
        max_value=ROADMAP_LIMIT_MAX,
        required=False,
    )
    baseline = BaselineChoiceField(
        label=gettext_lazy("Baseline"),
        queryset=Assessment.objects.none(),
        required=False,
        empty_label=gettext_lazy("None: a first assessment"),
    )

    def __init__(self, *args, assessment: Assessment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["baseline"].queryset = assessment.organization.assessments.exclude(
            pk=assessment.pk
        ).order_by("-reference_date")
        default = METHODS[assessment.method_version].roadmap_limit
        if default is None:
            del self.fields["roadmap_limit"]  # method 1 ranks every recommendation alike
        else:
            self.fields["roadmap_limit"].help_text = _(
                "The roadmap holds this many initiatives in the client's reports; the rest are listed "
                "as “later”. Empty: the method's %(limit)d."
            ) % {"limit": default}


class WeightsForm(forms.Form):
    weight_survey = forms.DecimalField(label=gettext_lazy("Questionnaire"), **_WEIGHT)
    weight_interview = forms.DecimalField(label=gettext_lazy("Leadership interviews"), **_WEIGHT)
    weight_data = forms.DecimalField(label=gettext_lazy("Customer data"), **_WEIGHT)


class AnonymityForm(forms.Form):
    anonymity_k = forms.IntegerField(
        label=gettext_lazy("Smallest group shown"),
        min_value=ANONYMITY_K_MIN,
        max_value=ANONYMITY_K_MAX,
        help_text=gettext_lazy(
            "Groups with fewer submitted respondents are not shown separately, nor any group that "
            "would let a smaller one be worked out."
        ),
    )


class CollectionForm(forms.Form):
    collection_deadline = forms.DateTimeField(
        label=gettext_lazy("Collection deadline"),
        required=False,
        widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
        help_text=gettext_lazy(
            "Respondents see it on the questionnaire and in the e-mails; collection closes itself then, "
            "and those who have not submitted get a last reminder two days before. Leave empty for none."
        ),
    )
    reminder_days = forms.CharField(
        label=gettext_lazy("Reminder days"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Days after the invitation when those who have not submitted get a reminder, e.g. “3, 7”. "
            "Leave empty for no reminders."
        ),
    )

    def clean_reminder_days(self) -> list[int]:
        parts = [part for part in re.split(r"[\s,;]+", self.cleaned_data["reminder_days"]) if part]
        # ASCII digits only: str.isdigit() also accepts "²", which int() cannot read.
        if any(not (part.isascii() and part.isdigit()) for part in parts):
            raise ValidationError(_("Write whole numbers of days separated by commas, e.g. “3, 7”."))
        # The range and the count are the service's rules (assessment_update), shown on this field.
        return [int(part) for part in parts]


def _collection_initial(assessment: Assessment) -> dict:
    deadline = assessment.collection_deadline
    return {
        "collection_deadline": timezone.localtime(deadline) if deadline else None,
        "reminder_days": ", ".join(str(day) for day in assessment.reminder_days),
    }


def _collection_changes(assessment: Assessment, form: CollectionForm) -> dict:
    """What changed: a deadline shown in minutes and sent back unchanged is no change (its
    seconds were not shown)."""
    changes = dict(form.cleaned_data)
    deadline, stored = changes["collection_deadline"], assessment.collection_deadline
    if deadline and stored and deadline == stored.replace(second=0, microsecond=0):
        changes["collection_deadline"] = stored
    return changes


class SufficiencyForm(forms.Form):
    """The sufficiency rules with their values in force; the coverage in % (stored as a share)."""

    min_answers = forms.IntegerField(
        label=gettext_lazy("Answers that cover an indicator"),
        min_value=1,
        max_value=MAX_MIN_ANSWERS,
        help_text=gettext_lazy(
            "Survey answers other than “don't know”; an interview level or data evidence also cover it."
        ),
    )
    min_area_coverage = forms.DecimalField(
        label=gettext_lazy("Indicators covered for an area's level, %"),
        min_value=0,
        max_value=100,
        decimal_places=1,
        help_text=gettext_lazy("Below it the area keeps its score but claims no level."),
    )
    min_responses = forms.IntegerField(
        label=gettext_lazy("Submitted responses for the overall level"),
        min_value=1,
        max_value=MAX_MIN_RESPONSES,
        help_text=gettext_lazy("With fewer, or with an area short of coverage, the scores are preliminary."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in default_min_samples():
            self.fields[SAMPLE_PREFIX + key] = forms.IntegerField(
                label=_("Sample for “%(metric)s” to be evidence") % {"metric": metric(key).label},
                min_value=1,
                max_value=MAX_MIN_SAMPLE,
            )

    def overrides(self) -> dict:
        """The settings that differ from the defaults, as Assessment.sufficiency keeps them."""
        data = self.cleaned_data
        defaults = {
            "min_answers": DEFAULT_MIN_ANSWERS,
            "min_area_coverage": DEFAULT_MIN_AREA_COVERAGE,
            "min_responses": DEFAULT_MIN_RESPONSES,
        }
        values = {
            "min_answers": data["min_answers"],
            "min_area_coverage": float(data["min_area_coverage"]) / 100,
            "min_responses": data["min_responses"],
        }
        result = {name: value for name, value in values.items() if value != defaults[name]}
        samples = {
            key: data[SAMPLE_PREFIX + key]
            for key, default in default_min_samples().items()
            if data[SAMPLE_PREFIX + key] != default
        }
        return {**result, "min_sample": samples} if samples else result


def _initial(assessment: Assessment) -> dict:
    rules = sufficiency_rules(assessment.sufficiency)
    return {
        "min_answers": rules.min_answers,
        "min_area_coverage": round(100 * rules.min_area_coverage, 1),
        "min_responses": rules.min_responses,
        **{SAMPLE_PREFIX + key: value for key, value in rules.min_sample.items()},
    }


def _field_of(name: str) -> str:
    """The form field of a service error's key ("sufficiency.min_sample.nps" → min_sample_nps;
    the others are the field's name)."""
    setting = name.removeprefix("sufficiency.")
    if setting.startswith("min_sample."):
        return SAMPLE_PREFIX + setting.removeprefix("min_sample.")
    return setting


def _general_initial(assessment: Assessment) -> dict:
    return {
        "title": assessment.title,
        "reference_date": assessment.reference_date,
        "currency": assessment.currency,
        "roadmap_limit": assessment.roadmap_limit,
        "baseline": assessment.baseline,
    }


def _weights_initial(assessment: Assessment) -> dict:
    return {name: getattr(assessment, name).normalize() for name in WeightsForm.base_fields}  # 0.5, not 0.500


@dataclass(frozen=True)
class Section:
    """A card of the tab: its form, its initial values from the assessment, what the service
    (assessment_update unless named) receives from the valid form, and what the page says once
    saved."""

    form: type[forms.Form]
    initial: Callable[[Assessment], dict]
    changes: Callable[[Assessment, forms.Form], dict]
    done: Promise
    save: Callable[..., object] = assessment_update


def _cleaned(_assessment: Assessment, form: forms.Form) -> dict:
    return form.cleaned_data


# The evidence-sufficiency card is the default, for a form that names no section.
SECTIONS = {
    "general": Section(GeneralForm, _general_initial, _cleaned, gettext_lazy("Saved.")),
    "weights": Section(WeightsForm, _weights_initial, _cleaned, gettext_lazy("Weights saved.")),
    "collection": Section(
        CollectionForm, _collection_initial, _collection_changes, gettext_lazy("Collection settings saved.")
    ),
    "anonymity": Section(
        AnonymityForm,
        lambda assessment: {"anonymity_k": assessment.anonymity_k},
        _cleaned,
        gettext_lazy("Anonymity threshold saved."),
    ),
    "thresholds": Section(
        ThresholdsForm,
        ThresholdsForm.initial_of,
        lambda _assessment, form: {"data_thresholds": form.overrides()},
        gettext_lazy("Thresholds saved."),
    ),
    "kpis": Section(
        KpisForm,
        KpisForm.initial_of,
        lambda _assessment, form: {"values": form.cleaned_data},
        gettext_lazy("KPIs saved."),
        save=assessment_kpis_set,
    ),
    "sufficiency": Section(
        SufficiencyForm,
        _initial,
        lambda _assessment, form: {"sufficiency": form.overrides()},
        gettext_lazy("Evidence settings saved."),
    ),
}


def _form(section: str, assessment: Assessment, data=None) -> forms.Form:
    spec = SECTIONS[section]
    extra = {}
    if spec.form in (GeneralForm, ThresholdsForm):
        extra = {"assessment": assessment}
    elif spec.form is KpisForm:
        extra = {"kpis": assessment_kpis(assessment=assessment)}
    return spec.form(data, initial=None if data is not None else spec.initial(assessment), **extra)


def _weights_preview(assessment: Assessment, form: WeightsForm) -> dict:
    """The overall score now and under the weights in the form, not saved."""
    weights = EvidenceWeights(
        survey=float(form.cleaned_data["weight_survey"]),
        interview=float(form.cleaned_data["weight_interview"]),
        data=float(form.cleaned_data["weight_data"]),
    )

    def overall(result) -> dict:
        return {"score": result["overall"]["score"], "level_name": level_name(result["overall"]["level"])}

    return {
        "now": overall(assessment_scores_compute(assessment=assessment)),
        "then": overall(assessment_scores_compute(assessment=assessment, weights=weights)),
    }


@login_required
@require_http_methods(["GET", "POST"])
def assessment_settings(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    forms_ = {section: _form(section, assessment) for section in SECTIONS}
    status, preview = 200, None
    if request.method == "POST":
        section = request.POST.get("section", "sufficiency")
        if section not in SECTIONS:
            section = "sufficiency"
        form = forms_[section] = _form(section, assessment, request.POST)
        spec = SECTIONS[section]
        if form.is_valid() and section == "weights" and "preview" in request.POST:
            try:
                weights_check(**form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error.messages)
                status = 400
            else:
                preview = _weights_preview(assessment, form)
        elif form.is_valid():
            try:
                spec.save(assessment=assessment, actor=request.user, **spec.changes(assessment, form))
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    field = _field_of(name)
                    form.add_error(field if field in form.fields else None, problems)
            except StateConflict as conflict:
                form.add_error(None, conflict.message)
            else:
                messages.success(request, spec.done)
                return redirect(reverse("workspace:settings", args=[assessment.pk]) + f"#{section}")
            status = 400
        else:
            status = 400
    return assessment_page(
        request,
        assessment,
        tab="settings",
        template="workspace/assessment/settings.html",
        context={
            "form": forms_["sufficiency"],
            "general_form": forms_["general"],
            "weights_form": forms_["weights"],
            "anonymity_form": forms_["anonymity"],
            "collection_form": forms_["collection"],
            "thresholds_form": forms_["thresholds"],
            "kpis_form": forms_["kpis"],
            "threshold_levels": THRESHOLD_LEVELS,
            "time_zone": timezone.get_current_timezone_name(),
            "weights_preview": preview,
            "frozen": assessment.status in CLIENT_VISIBLE_STATUSES,
        },
        status=status,
    )
