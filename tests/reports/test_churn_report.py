"""The churn-risk model in the reports: a page of the full report (its quality in plain words,
what moves the risk, the clients at risk and their margin) and a sentence of the executive
summary; nothing of it while the model is not ready."""

import datetime
import re
from html import unescape

import pytest
from django.core.files.base import ContentFile

from assessment.customer_data import customer_data_replace
from assessment.models import ChurnModelRun
from reports.analytics import churn_model_presented
from reports.rendering import report_html, report_pdf
from reports.selectors import report_context
from tests.assessment.test_churn_api import _customers
from tests.reports.pdf_text import pdftotext
from tests.reports.sample_context import sample_context

MODEL = {
    "status": "ready",
    "reason": None,
    "model": "gradient_boosting",
    "clients": 2000,
    "churned": 348,
    "auc": 0.8312,
    "auc_ci": [0.80, 0.86],
    "brier": 0.12,
    "top_decile_lift": 3.14,
    "calibration": [],
    "drivers": [
        {"feature": "x_monthly_fee", "importance": 0.126, "direction": "raises"},
        {"feature": "tenure_days", "importance": 0.02, "direction": "lowers"},
        {"feature": "segment", "importance": 0.004, "direction": "mixed"},
    ],
    "at_risk": {"clients": 57, "annual_margin": 12345.6},
    "churn_point_value": 98765.4,
}


def _text(html: str) -> str:
    """The visible text, entities decoded and whitespace squeezed."""
    return unescape(
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)))
    )


def _with_model(kind: str) -> dict:
    context = sample_context(kind=kind)
    return {
        **context,
        "assessment": {**context["assessment"], "currency": "KZT"},
        "churn_model": churn_model_presented(MODEL),
    }


def test_the_full_report_gives_the_model_a_page_in_plain_words():
    text = _text(report_html(context=_with_model("full")))
    assert "From the 2,000 clients active at the start of the churn period, 348 of whom left" in text
    assert "It ranks a leaving client above a staying one in 83 % of pairs (half would be chance)." in text
    assert "Active clients at risk 57 a risk of 0.5 or more; their annual margin together: 12,346 KZT" in text
    assert "the tenth of clients at the highest risk left 3.1 times as often as the clients overall" in text
    assert "x_monthly_fee higher values raise the risk 0.126" in text
    assert "Tenure at the period's start higher values lower the risk 0.020" in text
    assert "Segment depends on the value 0.004" in text
    assert "Value at stake: each percentage point of churn is worth about 98,765 KZT" in text
    # In the table of contents, between the customers and the roadmap.
    contents = text.split("Customer loyalty and retention", 1)[1]
    assert contents.index("Churn risk") < contents.index("Roadmap")


def test_the_executive_summary_gives_it_a_sentence():
    text = _text(report_html(context=_with_model("executive")))
    assert (
        "Churn risk: 57 active clients are more likely to leave than to stay, with an annual margin of "
        "12,346 KZT together; the model behind it ranks a leaving client above a staying one in 83 % "
        "of pairs."
    ) in text


@pytest.mark.parametrize("kind", ["full", "executive"])
def test_no_model_no_page(kind):
    text = _text(report_html(context=sample_context(kind=kind)))
    assert "Churn risk" not in text
    assert churn_model_presented({"status": "insufficient_data", "reason": "too few"}) is None


@pytest.mark.django_db
def test_a_real_models_page_in_the_pdf(audit, tmp_path, django_capture_on_commit_callbacks):
    assessment = audit.current
    text, _churned = _customers()
    with django_capture_on_commit_callbacks(execute=True):
        customer_data_replace(
            assessment=assessment,
            user=audit.consultant,
            uploads={"customers": ContentFile(text.encode(), name="customers.csv")},
            period_start=datetime.date(2025, 7, 1),
            period_end=datetime.date(2026, 6, 30),
        )
    model = ChurnModelRun.objects.get().result
    context = report_context(assessment=assessment, kind="full", language="en")
    percent = round(100 * model["auc"])
    assert context["churn_model"]["auc_percent"] == percent
    path = tmp_path / "full.pdf"
    path.write_bytes(report_pdf(html=report_html(context=context)))
    pdf = re.sub(r"\s+", " ", pdftotext(path))
    assert f"It ranks a leaving client above a staying one in {percent} % of pairs" in pdf
    # The two cards side by side: their titles, then their figures, then their notes.
    assert re.search(
        rf"Active clients at risk .{{0,40}} {model['at_risk']['clients']} .{{0,20}}a risk of 0.5", pdf
    )
    # One page of its own: the drivers' table is not split.
    page = next(n for n in range(1, 30) if "What moves the risk" in pdftotext(path, page=n))
    assert pdftotext(path, page=page).count("Feature Direction") <= 1
    assert "Importance: how much the ranking quality falls" in re.sub(r"\s+", " ", pdftotext(path, page=page))
