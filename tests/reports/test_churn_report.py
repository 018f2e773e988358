"""The churn-risk model in the reports: a page of the full report (its quality in plain words,
what moves the risk, the clients at risk and their margin) and a sentence of the executive
summary; nothing of it while the model is not ready."""

import datetime
import re
from html import unescape

import pytest
from django.core.files.base import ContentFile

from assessment.customer_data import customer_data_replace
from assessment.loyalty import metrics_churn_point_value
from assessment.models import ChurnModelRun
from reports.analytics import analytics_headlines, churn_model_presented, key_drivers_presented
from reports.comparison import churn_change_value
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


def test_the_executive_summary_gives_the_analytics_a_paragraph():
    """The model's sentence, then the strongest driver to fix first and the clients' largest
    theme (its name where the consultant gave one)."""
    drivers = key_drivers_presented(KEY_DRIVERS)
    context = {
        **_with_model("executive"),
        "headlines": analytics_headlines(key_drivers=drivers, themes=THEMES),
    }
    text = _text(report_html(context=context))
    assert (
        "of pairs. Of what moves the clients' NPS rating, CSI: branch_service matters much (50 % of the "
        "spread the survey explains) and is rated low (55 of 100): it is the first to improve. The "
        "clients' comments most often concern queue, branch, waited (63 % of them)."
    ) in text
    named = [{**THEMES[0], "themes": [{**THEMES[0]["themes"][0], "title": "Queues"}]}]
    headlines = analytics_headlines(key_drivers=None, themes=named)
    assert headlines["fix_first"] is None
    text = _text(report_html(context={**sample_context(kind="executive"), "headlines": headlines}))
    assert "The clients' comments most often concern “Queues” (63 % of them)." in text
    assert "Churn risk" not in text and "NPS rating, " not in text


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


KEY_DRIVERS = {
    "status": "ready",
    "reason": None,
    "target": "nps",
    "n": 300,
    "r2": 0.42,
    "drivers": [
        {
            "name": "csi:branch_service",
            "importance": 0.21,
            "ci": [0.15, 0.27],
            "performance": 55.0,
            "quadrant": "fix",
        },
        {
            "name": "servqual:reliability",
            "importance": 0.15,
            "ci": [0.1, 0.2],
            "performance": 80.0,
            "quadrant": "maybe_overdone",
        },
        {"name": "x_fee", "importance": 0.06, "ci": [0.02, 0.1], "performance": None, "quadrant": None},
    ],
}
THEMES = [
    {
        "status": "ready",
        "source": "customers",
        "comments": 80,
        "themes": [
            {
                "terms": ["queue", "branch", "waited"],
                "count": 50,
                "share": 62.5,
                "average_rating": 4.2,
                "quotes": ["Waited <b>40</b> minutes"],
                "title": None,
            },
            {
                "terms": ["app", "login", "crashes"],
                "count": 30,
                "share": 37.5,
                "average_rating": 7.1,
                "quotes": [],
                "title": "Mobile app <failures>",
            },
        ],
    },
    {
        "status": "ready",
        "source": "interviews",
        "comments": 24,
        "themes": [
            {
                "terms": ["budget", "owner", "targets"],
                "count": 24,
                "share": 100.0,
                "average_rating": None,
                "quotes": [],
                "title": None,
            }
        ],
    },
]


def test_the_full_report_gives_key_drivers_and_themes_a_page_each():
    context = {
        **sample_context(kind="full"),
        "key_drivers": key_drivers_presented(KEY_DRIVERS),
        "themes": THEMES,
    }
    html = report_html(context=context)
    text = _text(html)
    assert "together these questions account for R² = 0.42 of the spread of the NPS rating" in text
    assert "CSI: branch_service 50 % 55" in text
    assert "SERVQUAL: Reliability 36 % 80" in text
    assert "x_fee 14 % –" in text
    assert "What clients write beside their rating" in text
    assert "queue, branch, waited 50 comments (63 %) · mean rating 4.2" in text
    # A theme the consultant named shows its name, then its words.
    assert "Mobile app <failures> 30 comments (38 %) · mean rating 7.1 app, login, crashes" in text
    assert "Mobile app &lt;failures&gt;" in html
    assert "What the leadership interviews brought up budget, owner, targets 24 comments (100 %)" in text
    # A client's words are quoted as written, never as markup.
    assert "Waited &lt;b&gt;40&lt;/b&gt; minutes" in html
    contents = text.split("Customer loyalty and retention", 1)[1]
    assert (
        contents.index("What moves the NPS rating")
        < contents.index("Themes of open comments")
        < contents.index("Roadmap")
    )


def test_the_comparison_values_the_change_of_churn():
    baseline = {"churn": {"rate": 15.0}}
    current = {"churn": {"rate": 12.0, "active_at_start": 1000, "churned": 120}, "clv": {"overall": 5000.0}}
    # One point is worth the 880 clients who stayed × 5,000 / 100 = 44,000; three points 132,000.
    assert churn_change_value(baseline, current) == {
        "direction": "fell",
        "points": 3.0,
        "per_point": 44000.0,
        "value": 132000.0,
    }
    assert (
        churn_change_value(current, {**current, "churn": {**current["churn"], "rate": 18.0}})["direction"]
        == "rose"
    )
    assert churn_change_value(baseline, {**current, "clv": None}) is None
    assert churn_change_value(None, current) is None
    context = sample_context(kind="full")
    context = {
        **context,
        "assessment": {**context["assessment"], "currency": "KZT"},
        "comparison": {**context["comparison"], "churn_value": churn_change_value(baseline, current)},
    }
    text = _text(report_html(context=context))
    assert (
        "Churn fell by 3.0 points since the baseline: at today's customer lifetime value, the clients "
        "kept are worth about 132,000 KZT (an estimate)."
    ) in text


def test_an_initiative_that_names_churn_as_its_outcome_shows_the_value_at_stake():
    metrics = {"churn": {"rate": 12.0, "active_at_start": 1000, "churned": 120}, "clv": {"overall": 5000.0}}
    assert metrics_churn_point_value(metrics) == 44000.0
    assert metrics_churn_point_value({"churn": metrics["churn"]}) is None
    context = sample_context(kind="full")
    roadmap = [
        {**item, "outcomes": ["churn_rate"] if position == 0 else ["csi"]}
        for position, item in enumerate(context["roadmap"])
    ]
    context = {
        **context,
        "assessment": {**context["assessment"], "currency": "KZT"},
        "roadmap": roadmap,
        "churn_point_value": 44000.0,
    }
    text = _text(report_html(context=context))
    assert (
        text.count("Value at stake: each point of churn it prevents is worth about 44,000 KZT (an estimate).")
        == 1
    )
