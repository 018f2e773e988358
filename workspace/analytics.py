"""The analytics tab of an assessment: the churn-risk model fitted on its customer data (its
quality in plain words, its drivers, its calibration), the active clients at the highest risk,
the key drivers of the clients' NPS rating and CSI and the themes of the comments, which the
consultant names, hides or merges here, for the assessment's consultants. The same numbers as
GET /api/v1/assessments/{id}/churn-model/, …/drivers/ and …/themes/."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from assessment.access import assessment_managed
from assessment.churn import churn_model_current
from assessment.exports import customers_classified_frame
from assessment.selectors import key_drivers_current
from config.exceptions import StateConflict
from reports.analytics import churn_model_presented, key_drivers_presented
from reports.charts import SCREEN_MIN_TEXT_PT, driver_quadrant
from reports.models import ThemeSource
from reports.narrative_services import THEME_NAME_MAX, theme_edit
from reports.rendering import chart_labels
from reports.selectors import themes_current
from reports.texts import LANGUAGES
from surveys.i18n import language_pick
from workspace.pages import assessment_page

# The riskiest active clients listed on the page; the export has them all.
AT_RISK_SHOWN = 20


def _riskiest(assessment) -> list[dict]:
    table = customers_classified_frame(assessment=assessment)
    if table is None or table["churn_risk"].isna().all():
        return []
    riskiest = table.sort_values("churn_risk", ascending=False, kind="stable").head(AT_RISK_SHOWN)
    riskiest = riskiest[["client_id", "segment", "product_count", "type", "churn_risk"]]
    names = chart_labels()["loyalty"]
    return [{**row, "type": names.get(row["type"], row["type"])} for row in riskiest.to_dict("records")]


def _key_drivers(assessment) -> list[dict]:
    """Per target with enough answers: its drivers presented and their quadrant chart."""
    labels = chart_labels()["quadrant"]
    shown = []
    for target, title in (("nps", _("What moves the NPS rating")), ("csi", _("What moves the CSI"))):
        result = key_drivers_presented(key_drivers_current(assessment=assessment, target=target))
        if result:
            chart = driver_quadrant(drivers=result["drivers"], labels=labels, min_text_pt=SCREEN_MIN_TEXT_PT)
            shown.append({**result, "title": title, "chart": chart})
    return shown


THEME_TITLES = {
    ThemeSource.CUSTOMERS: _("What clients write beside their rating"),
    ThemeSource.RESPONDENTS: _("What employees wrote in the questionnaire"),
    ThemeSource.INTERVIEWS: _("What the leadership interviews brought up"),
}


class ThemeForm(forms.Form):
    """A theme's name per language, whether the reports leave it out, and the theme it is merged
    into ("" for none)."""

    hidden = forms.BooleanField(label=_("Leave it out of the reports"), required=False)
    merged_into = forms.CharField(label=_("Merge into"), required=False, max_length=16)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"name_{code}"] = forms.CharField(
                label=format_lazy("{} ({})", _("Name"), name), max_length=THEME_NAME_MAX, required=False
            )

    def names(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"name_{code}"] for code in LANGUAGES}


def _themes(assessment) -> list[dict]:
    """The themes of the clients' and the employees' comments and of the interview notes, where
    there are enough, as edited: each with its name in the page's language and, for editing,
    the other themes it may be merged into."""
    language = language_pick(None)
    shown = []
    for source, title in THEME_TITLES.items():
        result = themes_current(assessment=assessment, source=source)
        if not result or result["status"] != "ready":
            continue
        themes = result["themes"]
        for theme in themes:
            theme["title"] = theme["name"].get(language)
            theme["missing"] = [code for code in LANGUAGES if theme["name"] and not theme["name"].get(code)]
            theme["names"] = [(code, name, theme["name"].get(code, "")) for code, name in settings.LANGUAGES]
            theme["targets"] = [
                other for other in themes if other["key"] != theme["key"] and not theme["merged"]
            ]
            theme["edit_url"] = reverse("workspace:theme-edit", args=[assessment.pk, source, theme["key"]])
        shown.append({**result, "source": source, "title": title})
    return shown


@login_required
@require_GET
def analytics(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    model = churn_model_current(assessment=assessment)
    ready = churn_model_presented(model)  # None unless ready
    customers = reverse("api:customers", args=[assessment.pk])
    return assessment_page(
        request,
        assessment,
        tab="analytics",
        template="workspace/assessment/analytics.html",
        context={
            "model": ready or model,
            "riskiest": _riskiest(assessment) if ready else [],
            "key_drivers": _key_drivers(assessment),
            "themes": _themes(assessment),
            "theme_name_max": THEME_NAME_MAX,
            "exports": [
                (label, f"{customers}?export={file_format}&order=-churn_risk")
                for label, file_format in (("XLSX", "xlsx"), ("CSV", "csv"))
            ],
            "customer_data_url": reverse("workspace:customer-data", args=[assessment.pk]),
        },
    )


@login_required
@require_POST
def theme_edit_view(request: HttpRequest, assessment_id: int, source: str, key: str) -> HttpResponse:
    """Name, hide, merge or unmerge one theme; back to the themes with what happened."""
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    here = reverse("workspace:analytics", args=[assessment.pk]) + "#themes"
    if source not in ThemeSource.values:
        raise Http404(_("No such comments."))
    if request.POST.get("action") == "unmerge":
        changes = {"merged_into": ""}
    else:
        form = ThemeForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
            return redirect(here)
        changes = {
            "name": form.names(),
            "hidden": form.cleaned_data["hidden"],
            "merged_into": form.cleaned_data["merged_into"],
        }
    try:
        theme_edit(assessment=assessment, user=request.user, source=source, key=key, **changes)
    except (StateConflict, Http404) as refused:
        messages.error(request, str(refused))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The theme is saved."))
    return redirect(here)
