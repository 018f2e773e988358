"""The scores tab of an assessment: the live dashboard (the frozen one once published) for the
consultant and the client executive. Every number comes from the same selector and presenter
as GET /api/v1/assessments/{id}/scores/."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from assessment.access import assessment_readable, user_manages
from assessment.method import level_of, result_method
from assessment.models import Assessment
from assessment.presenters import scores_named
from assessment.selectors import MIN_PEERS, assessment_scope, assessment_scores, benchmark_industry
from config.numbers import number_text
from reports import charts
from reports.context import levels_scale, scores_preliminary, sufficiency_summary
from reports.rendering import chart_labels
from surveys.i18n import language_pick
from surveys.models import Metric, RespondentRole
from surveys.selectors import catalog_tree
from workspace.pages import assessment_page

EVIDENCE_SOURCES = ("survey", "interview", "data")


def _cell(value: float | None, edges, *, claims: bool = True) -> dict:
    """A heat-map cell: the value and its level by the method's `edges` (None for no evidence, or
    where the evidence does not suffice to claim one)."""
    return {"value": value, "level": level_of(value, edges) if value is not None and claims else None}


def _names(tree: dict) -> dict[str, str]:
    names = {}
    for area in tree["areas"]:
        names[area["code"]] = area["name"]
        for indicator in area["indicators"]:
            names[indicator["code"]] = indicator["title"]
    return names


def _baseline_scores(request: HttpRequest, assessment: Assessment, language: str) -> dict | None:
    """The baseline's scores, if the user may read the baseline and it has any."""
    if not assessment.baseline_id:
        return None
    baseline = assessment_scope(user=request.user).filter(pk=assessment.baseline_id).first()
    if baseline is None:
        return None
    scores = scores_named(result=assessment_scores(assessment=baseline), language=language)
    return scores if scores["overall"]["score"] is not None else None


def _groups(scores: dict, dimension: str, k: int) -> tuple[list[dict], int]:
    """The breakdown groups of `dimension` with at least k respondents, and how many are hidden.
    The scores already leave smaller groups out; filtering again keeps the page safe should
    the threshold have been raised after publication."""
    breakdowns = scores["breakdowns"]
    shown = [group for group in breakdowns[dimension] if group["respondents"] >= k]
    hidden = breakdowns[f"{dimension}_hidden"] + len(breakdowns[dimension]) - len(shown)
    role_names = dict(RespondentRole.choices)
    for group in shown:
        group["name"] = (
            str(role_names.get(group["group"], group["group"])) if dimension == "role" else group["group"]
        )
        # A group claims no level where the assessment's evidence does not (docs/methods.md §3.4).
        if scores_preliminary(scores):
            group["level"] = None
        group["area_cells"] = [
            _cell(
                group["areas"].get(area["code"]),
                result_method(scores).level_edges,
                claims=area.get("sufficient", True),
            )
            for area in scores["areas"]
        ]
    return shown, hidden


def _gap_tables(scores: dict, names: dict[str, str]) -> dict:
    metrics = dict(Metric.choices)
    tables = {"management_area": [], "management_indicator": [], "customers": []}
    for gap in scores["gaps"]:
        row = {
            **gap,
            "name": names.get(gap["code"], gap["code"]),
            "gap_text": number_text(gap["gap"], signed=True),
        }
        if gap["kind"] == "management_vs_frontline":
            tables[f"management_{gap['scope']}"].append(row)
        else:
            row["metric_name"] = str(metrics.get(gap.get("metric"), gap.get("metric") or ""))
            tables["customers"].append(row)
    return tables


@login_required
def scores(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
    language = language_pick(None)
    computed = assessment_scores(assessment=assessment)
    result = scores_named(result=computed, language=language)
    tree = catalog_tree(version=assessment.catalog_version, language=language)
    names = _names(tree)
    baseline = _baseline_scores(request, assessment, language)
    baseline_areas = {area["code"]: area["score"] for area in baseline["areas"]} if baseline else {}
    benchmark = result["benchmark"]

    totals = {area["code"]: len(area["indicators"]) for area in tree["areas"]}
    areas = [
        {
            **area,
            "name": names.get(area["code"], area["code"]),
            "total": totals.get(area["code"], 0),
            "baseline": baseline_areas.get(area["code"]),
            "percentile": (benchmark or {}).get("areas", {}).get(area["code"]),
            # Scores published before sufficiency was judged claim their levels.
            "insufficient": area.get("sufficient", True) is False,
            "coverage_percent": None if area.get("coverage") is None else 100 * area["coverage"],
            "change_text": (
                number_text(area["score"] - baseline_areas[area["code"]], signed=True)
                if area["score"] is not None and baseline_areas.get(area["code"]) is not None
                else None
            ),
        }
        for area in result["areas"]
    ]
    edges = result_method(result).level_edges
    indicators = [
        {
            **item,
            "name": names.get(item["code"], item["code"]),
            "cells": [_cell(item["evidence"][source], edges) for source in EVIDENCE_SOURCES],
            "dont_know_percent": None if item["dont_know_share"] is None else item["dont_know_share"] * 100,
            # Scored without enough evidence (an unscored one shows no score at all).
            "uncovered": item.get("covered", True) is False and item["score"] is not None,
        }
        for item in result["indicators"]
    ]
    heat_map = [
        {**area, "indicators": [item for item in indicators if item["area"] == area["code"]]}
        for area in areas
    ]
    low_confidence = [item for item in indicators if item["confidence"] == "low"]
    roles, roles_hidden = _groups(result, "role", assessment.anonymity_k)
    departments, departments_hidden = _groups(result, "department", assessment.anonymity_k)
    has_scores = result["overall"]["score"] is not None
    sufficiency = sufficiency_summary(result)

    charts_svg = {}
    if has_scores:
        labels = chart_labels()
        charts_svg["scale"] = charts.level_scale(
            score=result["overall"]["score"],
            levels=levels_scale(result),
            baseline=baseline["overall"]["score"] if baseline else None,
            labels=labels["scale"],
            preliminary=sufficiency["preliminary"],
            min_text_pt=charts.SCREEN_MIN_TEXT_PT,
        )
        with_baseline = any(value is not None for value in baseline_areas.values())
        charts_svg["radar"] = charts.radar_chart(
            areas=areas,
            labels=labels["radar"],
            baseline=[area["baseline"] for area in areas] if with_baseline else None,
            **charts.SCREEN_RADAR,
        )
    manages = user_manages(user=request.user, assessment=assessment)
    exports = [
        {
            "label": _("Scores (CSV)"),
            "url": reverse("workspace:export", args=[assessment.pk, "scores", "csv"]),
        },
        {
            "label": _("Scores (Excel)"),
            "url": reverse("workspace:export", args=[assessment.pk, "scores", "xlsx"]),
        },
    ]
    if manages:
        exports += [
            {
                "label": _("Answers (CSV)"),
                "url": reverse("workspace:export", args=[assessment.pk, "answers", "csv"]),
            },
            {
                "label": _("Answers (Excel)"),
                "url": reverse("workspace:export", args=[assessment.pk, "answers", "xlsx"]),
            },
        ]

    return assessment_page(
        request,
        assessment,
        tab="scores",
        template="workspace/assessment/scores.html",
        scores=computed,
        context={
            "scores": result,
            "has_scores": has_scores,
            "overall": result["overall"],
            "gates": [{"area": None, "gated": result["overall"].get("gated")}]
            + [{"area": area["name"], "gated": area["gated"]} for area in areas if area.get("gated")],
            "sufficiency": sufficiency,
            "areas": areas,
            "heat_map": heat_map,
            "indicator_count": len(indicators),
            "low_confidence": low_confidence,
            "coverage": result["coverage"],
            "missing": [
                {"code": code, "name": names.get(code, code)} for code in result["coverage"]["missing"]
            ],
            "respondents": result["respondents"],
            "group_tables": [
                {"title": _("By role"), "groups": roles, "hidden": roles_hidden},
                {"title": _("By department"), "groups": departments, "hidden": departments_hidden},
            ],
            "anonymity_k": assessment.anonymity_k,
            "gaps": _gap_tables(result, names),
            "benchmark": benchmark,
            "min_peers": MIN_PEERS,
            "industry": benchmark_industry(organization=assessment.organization),
            "baseline": baseline,
            "charts": charts_svg,
            "exports": exports,
            "levels": levels_scale(result),
        },
    )
