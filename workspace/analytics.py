"""The analytics tab of an assessment: the churn-risk model fitted on its customer data (its
quality in plain words, its drivers, its calibration), the active clients at the highest risk and
the key drivers of the clients' NPS rating and CSI, for the assessment's consultants. The same
numbers as GET /api/v1/assessments/{id}/churn-model/ and …/drivers/."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from assessment.access import assessment_managed
from assessment.churn import churn_model_current
from assessment.exports import customers_classified_frame
from assessment.selectors import comment_themes_current, key_drivers_current
from reports.analytics import churn_model_presented, key_drivers_presented
from reports.charts import SCREEN_MIN_TEXT_PT, driver_quadrant
from reports.rendering import chart_labels
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


def _themes(assessment) -> list[dict]:
    """The themes of the clients' and of the employees' comments, where there are enough."""
    shown = []
    for source, title in (
        ("customers", _("What clients write beside their rating")),
        ("respondents", _("What employees wrote in the questionnaire")),
    ):
        result = comment_themes_current(assessment=assessment, source=source)
        if result and result["status"] == "ready":
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
            "exports": [
                (label, f"{customers}?export={file_format}&order=-churn_risk")
                for label, file_format in (("XLSX", "xlsx"), ("CSV", "csv"))
            ],
            "customer_data_url": reverse("workspace:customer-data", args=[assessment.pk]),
        },
    )
