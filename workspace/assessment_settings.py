"""The settings tab of an assessment: its title, date and baseline; the weights of the sources of
evidence, with their effect on the overall score previewed before saving; the anonymity
threshold; how much evidence its scores need to claim a maturity level (docs/methods.md §3.4).
Each is validated, audited and frozen (the anonymity threshold: may only rise) by
assessment_update, as through the API, once the assessment is published."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assessment.access import assessment_managed
from assessment.levels import level_name
from assessment.metrics import default_min_samples, metric
from assessment.models import CLIENT_VISIBLE_STATUSES, Assessment
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

SAMPLE_PREFIX = "min_sample_"
_WEIGHT = {"max_digits": 4, "decimal_places": 3, "min_value": 0, "max_value": 1}


class GeneralForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    reference_date = forms.DateField(
        label=gettext_lazy("Reference date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
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
        "baseline": assessment.baseline,
    }


def _weights_initial(assessment: Assessment) -> dict:
    return {name: getattr(assessment, name).normalize() for name in WeightsForm.base_fields}  # 0.5, not 0.500


# Each card of the tab: its form, its initial values from the assessment, what assessment_update
# receives from the valid form, and what the page says once saved. The evidence-sufficiency card
# is the default, for a form that names no section.
SECTIONS = {
    "general": (GeneralForm, _general_initial, lambda form: form.cleaned_data, gettext_lazy("Saved.")),
    "weights": (
        WeightsForm,
        _weights_initial,
        lambda form: form.cleaned_data,
        gettext_lazy("Weights saved."),
    ),
    "anonymity": (
        AnonymityForm,
        lambda assessment: {"anonymity_k": assessment.anonymity_k},
        lambda form: form.cleaned_data,
        gettext_lazy("Anonymity threshold saved."),
    ),
    "sufficiency": (
        SufficiencyForm,
        _initial,
        lambda form: {"sufficiency": form.overrides()},
        gettext_lazy("Evidence settings saved."),
    ),
}


def _form(section: str, assessment: Assessment, data=None) -> forms.Form:
    form_class, initial, _changes, _done = SECTIONS[section]
    extra = {"assessment": assessment} if form_class is GeneralForm else {}
    return form_class(data, initial=None if data is not None else initial(assessment), **extra)


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
        _form_class, _initial_of, changes, done = SECTIONS[section]
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
                assessment_update(assessment=assessment, actor=request.user, **changes(form))
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    field = _field_of(name)
                    form.add_error(field if field in form.fields else None, problems)
            except StateConflict as conflict:
                form.add_error(None, conflict.message)
            else:
                messages.success(request, done)
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
            "weights_preview": preview,
            "frozen": assessment.status in CLIENT_VISIBLE_STATUSES,
        },
        status=status,
    )
