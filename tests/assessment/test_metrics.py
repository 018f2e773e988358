"""The registry of customer metrics (assessment.metrics): every entry complete, bound to the
catalog, named by the recommendation triggers, and the one place the rest derives from."""

import gettext
import re
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy

from assessment import metrics as registry_module
from assessment.apps import catalog_binding_check
from assessment.customer_files import CustomerFilesInvalid, customer_files_parse
from assessment.kpis import kpis_compute
from assessment.metrics import (
    METRICS,
    THRESHOLD_COUNT,
    UNITS,
    CustomerMetric,
    Instrument,
    binding_problems,
    catalog_binding,
    comparable_metrics,
    computed_metrics,
    evidence_thresholds,
    evidence_values,
    kpi_metrics,
    level_reached,
    metric,
    registry_of,
    thresholds_messages,
)
from assessment.models import Assessment
from assessment.scoring import metric_level
from reports.comparison import comparison_compute
from reports.context import levels_scale
from reports.recommendations import (
    ANALYTICS_METRIC_SCALES,
    COUNT_GROUPS,
    library_load,
    metric_paths,
    recommendation_library,
)
from reports.rendering import _comparison, _kpi_rows, _threshold_rows
from surveys.models import Metric
from tests.reports.test_recommendations import entry, write_library
from workspace.customer_data import NOTES, metric_rows, segment_rows

# --- every entry ---------------------------------------------------------------------------------


def _russian_catalog() -> gettext.GNUTranslations:
    with (Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        return gettext.GNUTranslations(mo)


@pytest.mark.parametrize("entry", METRICS, ids=lambda entry: entry.key)
def test_every_entry_is_complete(entry):
    english = str(entry.label)
    assert entry.key and re.fullmatch(r"[a-z][a-z0-9_]*", entry.key)
    assert english.strip()
    # The label is in the compiled Russian catalogue and Django serves its translation.
    compiled = _russian_catalog()
    assert english in compiled._catalog, f"no Russian translation of {english!r}"
    with translation.override("ru"):
        assert str(entry.label) == compiled.gettext(english)
    assert entry.unit in UNITS
    assert isinstance(entry.precision, int) and entry.precision >= 0
    assert entry.min_sample >= 0
    if entry.thresholds is not None:
        assert len(entry.thresholds) == THRESHOLD_COUNT
        steps = [later - earlier for earlier, later in pairwise(entry.thresholds)]
        # Strictly rising (strictly falling where lower is better).
        assert all(step > 0 for step in steps) if entry.higher_is_better else all(step < 0 for step in steps)
    if entry.path is None:
        assert entry.kpi and not (entry.comparable or entry.thresholds or entry.informs or entry.instruments)
    for instrument in entry.instruments:
        assert instrument.low < instrument.high


def test_the_registry_holds_every_metric_the_platform_shows():
    assert [entry.key for entry in computed_metrics()] == [
        "nps",
        "nps_transactional",
        "csi",
        "servqual",
        "servqual_gap",
        "mystery_shopping",
        "churn_rate",
        "loyal_share",
        "disloyal_share",
        "product_load",
        "clv",
        "complaints_per_1000",
        "complaint_resolution_days",
        "complaints_regulator_share",
        "service_level",
        "abandonment",
        "fcr",
    ]
    assert [entry.key for entry in kpi_metrics()] == [
        "nps",
        "csi",
        "churn_rate",
        "average_deposit",
        "repeat_purchase_conversion",
        "complaints_per_1000",
    ]
    # The transactional NPS is shown, never scored, compared or a KPI (docs/methods.md §7.2).
    assert [entry.key for entry in comparable_metrics()] == [
        entry.key for entry in computed_metrics() if entry.key != "nps_transactional"
    ]
    # docs/methods.md §8: method 1's thresholds, and method 2's CSI and SERVQUAL gap.
    common = {
        "nps": (-20.0, 0.0, 20.0, 50.0),
        "mystery_shopping": (50.0, 70.0, 85.0, 95.0),
        "churn_rate": (30.0, 20.0, 12.0, 8.0),
        "loyal_share": (10.0, 20.0, 35.0, 50.0),
        "disloyal_share": (40.0, 30.0, 20.0, 10.0),
    }
    assert evidence_thresholds(registry=registry_of(1)) == {
        **common,
        "csi": (50.0, 75.0, 80.0, 90.0),
        "servqual": (-2.0, -1.0, 0.0, 0.5),
    }
    assert evidence_thresholds(registry=registry_of(2)) == {
        **common,
        "csi": (50.0, 62.5, 75.0, 80.0),
        "servqual_gap": (-20.0, -10.0, -5.0, 0.0),
        # The operational metrics count in method 2's outcomes index only (§7.10).
        "complaints_per_1000": (20.0, 10.0, 5.0, 2.0),
        "complaint_resolution_days": (15.0, 10.0, 5.0, 2.0),
        "complaints_regulator_share": (20.0, 10.0, 5.0, 2.0),
        "service_level": (60.0, 70.0, 80.0, 90.0),
        "abandonment": (15.0, 10.0, 5.0, 3.0),
        "fcr": (50.0, 60.0, 70.0, 80.0),
    }
    # An override of a metric the version does not read is not in force; one of no metric fails.
    assert "servqual" not in evidence_thresholds({"servqual": [-3, -2, -1, 0]}, registry_of(2))
    with pytest.raises(KeyError, match="nope"):
        evidence_thresholds({"nope": [1, 2, 3, 4]}, registry_of(2))


def test_every_catalog_metric_has_an_entry():
    assert binding_problems(Metric.values) == []
    for value in Metric.values:
        assert catalog_binding(value).thresholds is not None
    assert catalog_binding_check() == []
    assert binding_problems([*Metric.values, "ces"]) == [
        "catalog metric 'ces' has no registry entry that informs it"
    ]


def test_every_recommendation_trigger_names_a_registered_metric():
    registered = {entry.dotted_path for entry in computed_metrics() if entry.scale is not None}
    conditions = [
        condition
        for recommendation in recommendation_library().recommendations
        for condition in recommendation.trigger.metrics
    ]
    assert conditions
    for condition in conditions:
        group = condition.metric.partition(".")[0]
        # Counts and shares of loyalty types and activity segments are distributions, not metrics;
        # the analytics' metrics are the churn-risk model's, not the customer data's.
        assert (
            condition.metric in registered
            or group in COUNT_GROUPS
            or condition.metric in ANALYTICS_METRIC_SCALES
        ), condition.metric
    assert registered <= metric_paths()


def test_an_unknown_key_raises_naming_it():
    with pytest.raises(KeyError, match="unknown customer metric 'nope'"):
        metric("nope")
    with pytest.raises(KeyError, match="'nope'"):
        catalog_binding("nope")
    with pytest.raises(KeyError, match="nope"):
        metric_level("nope", 1.0)
    with pytest.raises(KeyError, match="nope"):
        evidence_thresholds({"nope": [1, 2, 3, 4]})


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"precision": -1}, "precision below 0"),
        ({"thresholds": (0.0, 0.0, 1.0, 2.0)}, "rise strictly"),
        ({"thresholds": (1.0, 2.0, 3.0)}, "give 4 thresholds"),
        ({"thresholds": None}, "no thresholds"),
        ({"unit": "km"}, "unit 'km'"),
        ({"path": None}, "need a path"),
        ({"min_sample": 5, "sample": None}, "minimum sample"),
    ],
)
def test_an_incomplete_declaration_fails_at_once(changes, problem):
    with pytest.raises(ValueError, match=problem):
        replace(metric("nps"), **changes)


def test_threshold_overrides_are_checked_against_the_registry(db):
    with translation.override("en"):
        assert thresholds_messages({"nps": [-50, -10, 5, 10]}) == []
        assert thresholds_messages({"nsp": [-50, -10, 5, 10]}) == ["Unknown metric(s): nsp."]
        assert thresholds_messages({"csi": [80, 75, 90, 95]}) == ["Thresholds must rise strictly: csi."]
        assessment = Assessment(data_thresholds={"nsp": [1, 2, 3, 4]}, kpis={"deposit": 1.0})
        with pytest.raises(ValidationError) as refused:
            assessment.clean()
        assert refused.value.message_dict == {
            "data_thresholds": ["Unknown metric(s): nsp."],
            "kpis": ["Unknown KPI(s): deposit."],
        }


# --- one declaration, everything derived ---------------------------------------------------------

CES = CustomerMetric(
    key="ces",
    label=gettext_lazy("Customer effort score"),
    unit="",
    precision=1,
    higher_is_better=False,
    path=("ces", "score"),
    segment_path=("ces", "score"),
    thresholds=(5.0, 4.0, 3.0, 2.0),
    sample="n",
    kpi=True,
    comparable=True,
    informs="ces",
    instruments=(Instrument("ces", 1, 7),),
)
STORED = {
    "ces": {"score": 3.2, "n": 40},
    "by_segment": {"mass": {"ces": {"score": 2.5, "n": 12}}},
}


@pytest.fixture
def with_ces(monkeypatch):
    """The registry with a Customer Effort Score declared, and nothing else changed."""
    monkeypatch.setattr(registry_module, "METRICS", (*METRICS, CES))
    return CES


def test_a_metric_lower_is_better_reaches_a_level_at_or_below_its_thresholds():
    values = (6.0, 5.0, 4.5, 3.2, 3.0, 2.0, 1.0)
    assert [level_reached(CES, value) for value in values] == [1, 2, 2, 3, 4, 5, 5]
    assert thresholds_messages({"ces": [2, 3, 4, 5]}, registry=(CES,)) == [
        "Thresholds must fall strictly: ces."
    ]
    assert thresholds_messages({"ces": [6, 5, 4, 3]}, registry=(CES,)) == []


def test_a_new_metric_needs_only_its_declaration(with_ces):
    # Import ranges: the survey instrument is known and checked against its range.
    survey = "client_id,instrument,item,dimension,value\nC1,ces,effort,,3\nC2,ces,effort,,8\n"
    with translation.override("en"), pytest.raises(CustomerFilesInvalid) as refused:
        customer_files_parse({"survey": survey.encode()}, stored_client_ids=None)
    # (It also asks for the customers file: survey rows name its clients.)
    (value,) = [problem for problem in refused.value.problems if problem.column is not None]
    assert (value.row, value.column) == (3, "value")
    assert value.message == (
        "Out of range for the instrument (nps/nps_relationship/nps_transactional 0–10, ces 1–7, others 1–5)."
    )

    # Data evidence: the value, its level, the thresholds in force and overrides.
    assert evidence_values(STORED)["ces"] == 3.2
    assert metric_level("ces", 3.2) == 3
    assert evidence_thresholds({"ces": [6, 5, 4, 3]})["ces"] == (6.0, 5.0, 4.0, 3.0)
    assert catalog_binding("ces") is CES

    with translation.override("en"):
        # KPIs: taken from the metrics unless entered.
        kpis = kpis_compute(entered={}, metrics=STORED)
        assert kpis["ces"] == {"label": "Customer effort score", "value": 3.2, "source": "metrics"}
        assert kpis_compute(entered={"ces": 2.0}, metrics=STORED)["ces"]["source"] == "consultant"

        # The comparison: a metric row and a KPI row.
        result = comparison_compute(
            current={"overall": {"score": None}, "areas": [], "indicators": []},
            baseline={"overall": {"score": None}, "areas": [], "indicators": []},
            current_metrics=STORED,
            baseline_metrics={"ces": {"score": 4.0}},
            current_kpis={"ces": 3.2},
            baseline_kpis={"ces": 4.0},
            names={},
        )
        ces_row = next(row for row in result["metrics"] if row["code"] == "ces")
        assert ces_row["label"] == "Customer effort score" and ces_row["unit"] == ""
        assert ces_row["change"] == pytest.approx(-0.8)
        assert any(row["code"] == "ces" for row in result["kpis"])

        # The dashboard: a card and a segment cell.
        card = next(row for row in metric_rows(STORED) if row.key == "ces")
        assert (card.value, card.sample, card.precision, card.section) == (3.2, 40, 1, "ces")
        (mass,) = segment_rows(STORED)
        assert [(cell.key, cell.value) for cell in mass.values if cell.value is not None] == [("ces", 2.5)]

        # The report: the KPI tiles, the comparison table and the methodology's thresholds.
        kpi_html = render_to_string(
            "reports/partials/kpi_tiles.html",
            {
                "kpis": _kpi_rows(context={"kpis": [{"code": "ces", "label": "", "value": 3.25}]}),
                "methodology": {"coverage": {}, "respondents": {}},
            },
        )
        assert re.search(r"Customer effort score</span> <span class=\"kpi-tile__value\">3.3</span>", kpi_html)
        change_html = render_to_string(
            "reports/partials/change_table.html", {"rows": _comparison(result)["metrics"], "no_data": "–"}
        )
        assert "Customer effort score" in change_html and "−0.8" in change_html
        rows = _threshold_rows(context={"methodology": {"thresholds": evidence_thresholds()}})
        assert rows[-1].label == CES.label and rows[-1].edges == (5.0, 4.0, 3.0, 2.0)
        methodology = render_to_string(
            "reports/partials/methodology.html",
            {
                "levels": levels_scale({"method_version": 2}),
                "threshold_rows": rows,
                "methodology": {"weights": {}, "respondents": {}, "coverage": {}},
                "csi_bands": {"high": 80.0, "medium": 75.0, "insufficient": 50.0},
                "satisfied_at": {"csi": 75.0, "nps": 7.0, "servqual": 0.0},
            },
        )
        ces_cells = methodology.split("Customer effort score", 1)[1].split("</tr>", 1)[0]
        cells = re.findall(r'<td class="num">(.*?)</td>', ces_cells)
        assert cells == ["&gt; 5", "5 … 4", "4 … 3", "3 … 2", "≤ 2"]


def test_a_trigger_may_name_a_new_metric_and_a_typo_fails_loudly(with_ces, tmp_path):
    trigger = {"metrics": [{"metric": "ces.score", "op": ">", "value": 4}]}
    library = library_load(
        path=write_library(tmp_path / "ces.yaml", [entry("CES-01", ["PRC-01"], **trigger)])
    )
    assert library.recommendations[0].trigger.metrics[0].metric == "ces.score"
    typo = {"metrics": [{"metric": "ces.scor", "op": ">", "value": 4}]}
    with pytest.raises(ImproperlyConfigured, match=r"unknown metric path 'ces.scor'.*ces\.score"):
        library_load(path=write_library(tmp_path / "typo.yaml", [entry("CES-01", ["PRC-01"], **typo)]))


def test_every_dashboard_note_names_a_registered_metric():
    for key in NOTES:
        assert metric(key).path is not None
