"""The settings tab of an assessment: how much evidence its scores need to claim a maturity level
(docs/methods.md §3.4). Frozen, like the scores, once the assessment is published."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assessment.access import assessment_managed
from assessment.metrics import default_min_samples, metric
from assessment.models import CLIENT_VISIBLE_STATUSES, Assessment
from assessment.services import assessment_update
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
from workspace.pages import assessment_page

SAMPLE_PREFIX = "min_sample_"


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


def _field_of(name: str) -> str | None:
    """The form field of a service error's key ("sufficiency.min_sample.nps" → min_sample_nps)."""
    setting = name.removeprefix("sufficiency.")
    if setting.startswith("min_sample."):
        return SAMPLE_PREFIX + setting.removeprefix("min_sample.")
    return setting if setting in ("min_answers", "min_area_coverage", "min_responses") else None


@login_required
@require_http_methods(["GET", "POST"])
def assessment_settings(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    status = 200
    if request.method == "POST":
        form = SufficiencyForm(request.POST)
        if form.is_valid():
            try:
                assessment_update(assessment=assessment, actor=request.user, sufficiency=form.overrides())
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    field = _field_of(name)
                    form.add_error(field if field in form.fields else None, problems)
            except StateConflict as conflict:
                form.add_error(None, conflict.message)
            else:
                messages.success(request, _("Evidence settings saved."))
                return redirect("workspace:settings", assessment.pk)
        status = 400
    else:
        form = SufficiencyForm(initial=_initial(assessment))
    return assessment_page(
        request,
        assessment,
        tab="settings",
        template="workspace/assessment/settings.html",
        context={"form": form, "frozen": assessment.status in CLIENT_VISIBLE_STATUSES},
        status=status,
    )
