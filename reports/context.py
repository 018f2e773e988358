"""What a report shows, as one plain dict (the contract of templates/reports/report.html),
built from already loaded data. Pure: no ORM; call it under the report's language."""

import datetime
from collections.abc import Mapping
from typing import TypedDict

from django.utils import translation
from django.utils.translation import gettext as _

from assessment.levels import LEVEL_DESCRIPTIONS, LEVEL_NAMES, level_name
from assessment.loyalty import metrics_churn_point_value
from assessment.method import level_bands, result_method
from assessment.sufficiency import PRELIMINARY
from config.numbers import number_text
from reports.analytics import analytics_headlines

TOP_INDICATORS = 5
GAP_KINDS = {
    "management_vs_frontline": ("management", "frontline"),
    "employees_vs_customers": ("employees", "customers"),
}


class KpiRow(TypedDict):
    """A business KPI as the report lists it: its code (a key of assessment.metrics), its label in
    the report's language and its value (None: no data)."""

    code: str
    label: str
    value: float | None


class SufficiencySummary(TypedDict):
    """Evidence sufficiency as pages and reports show it (docs/methods.md §3.4): whether the
    scores are preliminary (no overall level), every reason in the reader's language, and the
    submitted responses against the minimum (None for scores judged before the rules)."""

    preliminary: bool
    reasons: list[str]
    submitted_responses: int | None
    min_responses: int | None


def scores_preliminary(scores: Mapping) -> bool:
    """Whether the scores claim no overall level for lack of evidence. Scores published before
    sufficiency was judged carry none and count as sufficient."""
    return scores.get("sufficiency", {}).get("status") == PRELIMINARY


def sufficiency_summary(scores: Mapping) -> SufficiencySummary:
    """`scores` as assessment.presenters.scores_named presents them (reasons with messages)."""
    sufficiency = scores.get("sufficiency", {})
    return {
        "preliminary": scores_preliminary(scores),
        "reasons": [reason["message"] for reason in sufficiency.get("reasons", [])],
        "submitted_responses": sufficiency.get("submitted_responses"),
        "min_responses": sufficiency.get("min_responses"),
    }


def small_sample(section) -> bool:
    """Whether a section of the customer metrics (a metric's, such as "nps") rests on a sample
    too small to be evidence; metrics stored before samples were judged do not say and count."""
    return isinstance(section, Mapping) and section.get("sufficient", True) is False


def levels_scale(scores: Mapping) -> list[dict]:
    """The five levels with their bands under the method `scores` were computed with, and their
    English names: beside a translation, they tell apart names a reader might take for synonyms."""
    with translation.override("en"):
        english = {level: str(name) for level, name in LEVEL_NAMES.items()}
    return [
        {
            "level": level,
            "name": str(LEVEL_NAMES[level]),
            "english_name": english[level],
            "low": low,
            "high": high,
            "description": str(LEVEL_DESCRIPTIONS[level]),
        }
        for level, (low, high) in enumerate(level_bands(result_method(scores).level_edges), start=1)
    ]


def _indicator_rows(scores: Mapping, names: Mapping[str, str]) -> list[dict]:
    return [
        {
            "code": item["code"],
            "name": names.get(item["code"], item["code"]),
            "area": item["area"],
            "score": item["score"],
            "level": item["level"],
            "n": item["n"],
            "mean_level": item["mean_level"],
            "confidence": item["confidence"],
            "evidence": item["evidence"],
            # Scores published before sufficiency was judged count as covered.
            "covered": item.get("covered", True),
        }
        for item in scores["indicators"]
    ]


def _gap_rows(gaps: list[dict], names: Mapping[str, str]) -> list[dict]:
    rows = []
    for gap in gaps:
        first, second = GAP_KINDS[gap["kind"]]
        rows.append(
            {
                "kind": gap["kind"],
                "scope": gap["scope"],
                "code": gap["code"],
                "name": names.get(gap["code"], gap["code"]),
                "first": gap[first],
                "second": gap[second],
                "gap": gap["gap"],
            }
        )
    return rows


def verdict_text(
    *,
    organization: str,
    overall: Mapping,
    areas: list[dict],
    comparison: Mapping | None,
    next_level: Mapping | None,
    metrics: Mapping | None,
) -> str:
    """One paragraph that says what the numbers mean, built only from the data."""
    if overall["score"] is None:
        return _("%(organization)s has no scores yet: no evidence has been collected.") % {
            "organization": organization
        }
    if overall["level"] is None:
        sentences = [
            _(
                "On the evidence collected so far %(organization)s scores %(score)s points out of 100; "
                "the score is preliminary and claims no maturity level yet."
            )
            % {"score": number_text(overall["score"], digits=1), "organization": organization}
        ]
    else:
        sentences = [
            _("With %(score)s points out of 100, %(organization)s is at level %(level)d, %(name)s.")
            % {
                "score": number_text(overall["score"], digits=1),
                "organization": organization,
                "level": overall["level"],
                "name": level_name(overall["level"]),
            }
        ]
    # Only areas with sufficient evidence are called strong or weak.
    scored = sorted(
        (area for area in areas if area["score"] is not None and area["sufficient"]),
        key=lambda area: area["score"],
    )
    if len(scored) >= 2:
        sentences.append(
            _("Its strongest area is %(best)s (%(best_score)s), its weakest %(worst)s (%(worst_score)s).")
            % {
                "best": scored[-1]["name"],
                "best_score": number_text(scored[-1]["score"], digits=1),
                "worst": scored[0]["name"],
                "worst_score": number_text(scored[0]["score"], digits=1),
            }
        )
    if comparison and comparison["overall"]["delta"] is not None:
        sentences.append(
            _("Since the baseline the score has moved from %(before)s to %(after)s (%(delta)s points).")
            % {
                "before": number_text(comparison["overall"]["before"], digits=1),
                "after": number_text(comparison["overall"]["after"], digits=1),
                "delta": number_text(comparison["overall"]["delta"], signed=True, digits=1),
            }
        )
    nps = (metrics or {}).get("nps")
    churn = (metrics or {}).get("churn")
    if nps and churn and not small_sample(nps):
        sentences.append(
            _("Customers give an NPS of %(nps)s; %(churn)s %% of clients left over the year.")
            % {"nps": number_text(nps["score"], digits=0), "churn": number_text(churn["rate"], digits=1)}
        )
    if next_level and next_level["indicators"]:
        sentences.append(
            _(
                "Reaching %(name)s (%(threshold)s points) takes %(count)d indicators raised to that "
                "threshold, starting with %(first)s."
            )
            % {
                "name": level_name(next_level["level"]),
                "threshold": number_text(next_level["threshold"], digits=-1),
                "count": len(next_level["indicators"]) + next_level["more"],
                "first": next_level["indicators"][0]["name"],
            }
        )
    return " ".join(sentences)


def _roadmap_rows(items: list[dict]) -> list[dict]:
    """The roadmap's items, each with `after`: the positions of its prerequisites on it."""
    positions = {item["code"]: item["position"] for item in items if item.get("code")}
    return [
        {**item, "after": [positions[code] for code in item.get("prerequisites", []) if code in positions]}
        for item in items
    ]


def report_context_build(
    *,
    kind: str,
    language: str,
    generated_on: datetime.date,
    organization: Mapping,
    assessment: Mapping,
    scores: Mapping,
    names: Mapping[str, str],
    metrics: Mapping | None,
    kpis: list[KpiRow],
    roadmap: list[dict],
    next_level: Mapping | None,
    comparison: Mapping | None,
    methodology: Mapping,
    roadmap_awaiting: int = 0,
    churn_model: Mapping | None = None,
    key_drivers: Mapping | None = None,
    themes: list[Mapping] | None = None,
) -> dict:
    """The report's context; `scores` is an unrounded score result as
    assessment.presenters.scores_named presents it in the report's language, `metrics` the
    customer metrics with their samples judged (assessment.metrics.metrics_with_samples),
    `names` maps area and indicator codes to names in the report's language. `roadmap` holds the
    accepted recommendations in order, those past the method's limit marked `later`;
    `roadmap_awaiting` counts the proposals not reviewed yet (a draft report says so);
    `churn_model` is the ready churn-risk model as reports.analytics presents it, or None;
    `key_drivers` the ready key drivers of the NPS rating, presented likewise, or None; `themes`
    the ready themes of the clients' and the employees' comments (each with its `source`)."""
    baseline_areas = {area["code"]: area["before"] for area in comparison["areas"]} if comparison else {}
    areas = [
        {
            "code": area["code"],
            "name": names.get(area["code"], area["code"]),
            "score": area["score"],
            "level": area["level"],
            "level_name": level_name(area["level"]),
            "scored": area["scored"],
            "gated": area.get("gated"),
            "total": sum(1 for item in scores["indicators"] if item["area"] == area["code"]),
            "baseline_score": baseline_areas.get(area["code"]),
            # Scores published before sufficiency was judged claim their levels.
            "sufficient": area.get("sufficient", True),
            "coverage": area.get("coverage"),
        }
        for area in scores["areas"]
    ]
    indicators = _indicator_rows(scores, names)
    # Strengths and improvement zones are findings: only indicators with enough evidence.
    scored = [item for item in indicators if item["score"] is not None and item["covered"]]
    overall = scores["overall"]
    sufficiency = sufficiency_summary(scores)
    # The next level is one above the current, which preliminary scores do not claim.
    if next_level and not sufficiency["preliminary"]:
        next_level = {**next_level, "level_name": level_name(next_level["level"])}
    else:
        next_level = None
    return {
        "kind": kind,
        "language": language,
        "generated_on": generated_on,
        "organization": dict(organization),
        "assessment": dict(assessment),
        "overall": {
            "score": overall["score"],
            "level": overall["level"],
            "level_name": level_name(overall["level"]),
            "level_description": str(LEVEL_DESCRIPTIONS[overall["level"]]) if overall["level"] else None,
            "preliminary": sufficiency["preliminary"],
            "gated": overall.get("gated"),
        },
        "outcomes": scores.get("outcomes"),
        "reality_gap": scores.get("reality_gap"),
        "sufficiency": sufficiency,
        "verdict": verdict_text(
            organization=organization["name"],
            overall=overall,
            areas=areas,
            comparison=comparison,
            next_level=next_level,
            metrics=metrics,
        ),
        "levels": levels_scale(scores),
        "level_edges": list(result_method(scores).level_edges),
        "areas": areas,
        "indicators": indicators,
        # Ties keep the catalog order on both lists.
        "strengths": sorted(scored, key=lambda item: -item["score"])[:TOP_INDICATORS],
        "improvement_zones": sorted(scored, key=lambda item: item["score"])[:TOP_INDICATORS],
        "gaps": _gap_rows(scores["gaps"], names),
        "customer": metrics,
        "churn_model": churn_model,
        # What a point of churn is worth, for the initiatives that name churn as an outcome.
        "churn_point_value": metrics_churn_point_value(metrics),
        "key_drivers": key_drivers,
        "themes": themes or [],
        "headlines": analytics_headlines(key_drivers=key_drivers, themes=themes or []),
        "kpis": kpis,
        "roadmap": _roadmap_rows([item for item in roadmap if not item.get("later")]),
        "roadmap_later": [item for item in roadmap if item.get("later")],
        "roadmap_awaiting": roadmap_awaiting,
        "next_level": next_level,
        "comparison": comparison,
        "methodology": {
            **methodology,
            "method_version": result_method(scores).version,
            "role_balance": result_method(scores).role_balance,
            "interval_evidence": result_method(scores).interval_evidence,
            "behavioural_churn": result_method(scores).behavioural_churn,
        },
    }
