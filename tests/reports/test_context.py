"""The report context: verdict, strengths and zones, gaps and levels from hand-made data."""

import datetime

from django.utils import translation

from reports.context import report_context_build, verdict_text


def _indicator(code, area, score):
    return {
        "code": code,
        "area": area,
        "score": score,
        "level": None if score is None else min(5, int(score // 20) + 1),
        "n": 10,
        "mean_level": None,
        "confidence": "high",
        "evidence": {"survey": score, "interview": None, "data": None},
    }


SCORES = {
    "overall": {"score": 57.5, "level": 3},
    "areas": [
        {"code": "organization", "score": 70.0, "level": 4, "scored": 3},
        {"code": "technology", "score": 45.0, "level": 3, "scored": 3},
    ],
    "indicators": [
        _indicator("ORG-01", "organization", 90.0),
        _indicator("ORG-02", "organization", 70.0),
        _indicator("ORG-03", "organization", 50.0),
        _indicator("TEC-01", "technology", 20.0),
        _indicator("TEC-02", "technology", 45.0),
        _indicator("TEC-03", "technology", 70.0),
        _indicator("TEC-04", "technology", None),
    ],
    "gaps": [
        {
            "kind": "management_vs_frontline",
            "scope": "area",
            "code": "organization",
            "management": 80.0,
            "frontline": 60.0,
            "gap": 20.0,
        },
        {
            "kind": "employees_vs_customers",
            "scope": "indicator",
            "code": "ORG-02",
            "metric": "nps",
            "employees": 70.0,
            "customers": 50.0,
            "gap": 20.0,
        },
    ],
}
NAMES = {"organization": "Organization", "technology": "Technology", "ORG-01": "CX in strategy"}
COMPARISON = {"overall": {"before": 43.75, "after": 57.5, "delta": 13.75}, "areas": []}
NEXT_LEVEL = {
    "level": 4,
    "threshold": 60.0,
    "gap": 2.5,
    "indicators": [{"code": "TEC-01", "name": "CRM"}],
    "listed_gain": 2.5,
    "more": 0,
}


def _build(language="en", **overrides):
    arguments = {
        "kind": "full",
        "language": language,
        "generated_on": datetime.date(2026, 10, 1),
        "organization": {"name": "Acme Bank", "industry": "banking"},
        "assessment": {"title": "Audit", "reference_date": datetime.date(2026, 9, 30)},
        "scores": SCORES,
        "names": NAMES,
        "metrics": {"nps": {"score": 18.0}, "churn": {"rate": 12.0}},
        "kpis": [],
        "roadmap": [],
        "next_level": NEXT_LEVEL,
        "comparison": COMPARISON,
        "methodology": {},
        **overrides,
    }
    with translation.override(language):
        return report_context_build(**arguments)


def test_the_verdict_says_what_the_numbers_mean():
    assert _build()["verdict"] == (
        "With 57.5 points out of 100, Acme Bank is at level 3, Customer-Aware. "
        "Its strongest area is Organization (70.0), its weakest Technology (45.0). "
        "Since the baseline the score has moved from 43.8 to 57.5 (+13.8 points). "
        "Customers give an NPS of 18; 12.0 % of clients left over the year. "
        "Reaching Customer-Centric (60 points) takes 1 indicators raised to that threshold, "
        "starting with CRM."
    )


def test_the_russian_verdict_writes_numbers_the_russian_way():
    verdict = _build("ru")["verdict"]
    assert verdict.startswith("С общим баллом 57,5 из 100 компания Acme Bank находится на уровне 3")
    assert "с 43,8 до 57,5 (+13,8 балла)" in verdict


def test_without_scores_the_verdict_says_so():
    with translation.override("en"):
        verdict = verdict_text(
            organization="Acme Bank",
            overall={"score": None, "level": None},
            areas=[],
            comparison=None,
            next_level=None,
            metrics=None,
        )
    assert verdict == "Acme Bank has no scores yet: no evidence has been collected."


def test_strengths_and_zones_rank_scored_indicators_only():
    context = _build()
    assert [item["code"] for item in context["strengths"]] == [
        "ORG-01",
        "ORG-02",
        "TEC-03",
        "ORG-03",
        "TEC-02",
    ]
    assert [item["code"] for item in context["improvement_zones"]] == [
        "TEC-01",
        "TEC-02",
        "ORG-03",
        "ORG-02",
        "TEC-03",
    ]
    assert context["strengths"][0]["name"] == "CX in strategy"


def test_areas_count_their_indicators_and_carry_the_baseline():
    context = _build(comparison={**COMPARISON, "areas": [{"code": "technology", "before": 30.0}]})
    assert [(a["name"], a["scored"], a["total"], a["baseline_score"]) for a in context["areas"]] == [
        ("Organization", 3, 3, None),
        ("Technology", 3, 4, 30.0),
    ]


def test_gaps_name_both_sides():
    gaps = _build()["gaps"]
    assert [(g["code"], g["name"], g["first"], g["second"]) for g in gaps] == [
        ("organization", "Organization", 80.0, 60.0),
        ("ORG-02", "ORG-02", 70.0, 50.0),
    ]


def test_the_level_scale_has_the_five_bands():
    levels = _build("ru")["levels"]
    assert [(level["low"], level["high"]) for level in levels] == [
        (0, 20),
        (20, 40),
        (40, 60),
        (60, 80),
        (80, 100),
    ]
    assert levels[3]["name"] == "Клиентоцентричная компания"
