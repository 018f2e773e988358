"""Scores as people and API clients read them: level names in the reader's language, and, for
the API and the exports, numbers rounded to API_DIGITS decimals by the one formatter
(config.numbers). Pages and reports take the named but unrounded scores and round once, where
they write each number, to the precision they show."""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessment.levels import level_name
from assessment.method import result_method
from assessment.metrics import metric
from assessment.results import AssessmentScores, SufficiencyReason
from assessment.scoring import BREAKDOWN_DIMENSIONS
from config.numbers import number_round, number_text
from surveys.i18n import localized

# Decimals of every number the API and the exports return.
API_DIGITS = 2


def _named(item: dict) -> dict:
    """A level with its name and, where a cap lowered it (assessment.gating), why, in words."""
    named = {**item, "level_name": level_name(item.get("level"))}
    if gate := item.get("gated"):
        named["gated"] = {
            **gate,
            "level_name": level_name(gate["level"]),
            "uncapped_level_name": level_name(gate["uncapped_level"]),
            "reasons": [{**reason, "message": _gate_message(reason)} for reason in gate["reasons"]],
        }
    return named


def _gate_message(reason: dict) -> str:
    names = reason.get("area_name")
    area = localized(names, translation.get_language()) if names else reason.get("area", "")
    if reason["code"] == "critical_indicator":
        return _(
            "%(area)s: its critical indicator %(indicator)s is at level %(level)d, and an area claims "
            "at most one level above its weakest critical indicator."
        ) % {"area": area, "indicator": reason["indicator"], "level": reason["indicator_level"]}
    if reason["code"] == "weakest_area":
        return _(
            "The weakest area, %(area)s, is at level %(level)d, and the overall level is at most one "
            "above the weakest area's."
        ) % {"area": area, "level": reason["area_level"]}
    return _(
        "The maturity score exceeds the customer outcomes index by %(gap)s points, more than "
        "%(limit)s: management reads better than its results, so the overall level is at most one "
        "above the outcomes' level (%(level)d)."
    ) % {
        "gap": number_text(reason["gap"], digits=1),
        "limit": number_text(reason["limit"], digits=-1),
        "level": reason["outcomes_level"],
    }


def _outcomes_named(outcomes: dict | None) -> dict | None:
    """The outcomes index with its level's name and each metric's label."""
    if outcomes is None:
        return None
    return {
        **_named(outcomes),
        "metrics": [{**row, "label": str(metric(row["key"]).label)} for row in outcomes["metrics"]],
    }


def _reason_message(reason: SufficiencyReason) -> str:
    code = reason["code"]
    if code == "too_few_responses":
        return ngettext(
            "%(submitted)d response is submitted; the overall maturity level needs at least %(minimum)d.",
            "%(submitted)d responses are submitted; the overall maturity level needs at least %(minimum)d.",
            reason["submitted"],
        ) % {"submitted": reason["submitted"], "minimum": reason["minimum"]}
    if code == "area_coverage":
        names = reason.get("area_name") or {}
        return _(
            "%(area)s: %(covered)d of %(total)d indicators have enough evidence (%(share)s %%); "
            "a maturity level needs at least %(minimum)s %%."
        ) % {
            "area": localized(names, translation.get_language()) if names else reason["area"],
            "covered": reason["covered"],
            "total": reason["total"],
            "share": number_text(100 * reason["coverage"], digits=-1),
            "minimum": number_text(100 * reason["minimum"], digits=-1),
        }
    return _(
        "“%(metric)s” rests on a sample of %(sample)s, fewer than the %(minimum)s needed: it is "
        "shown, but not used as evidence."
    ) % {
        "metric": metric(reason["metric"]).label,
        "sample": number_text(reason["sample"], digits=0),
        "minimum": number_text(reason["minimum"], digits=0),
    }


def sufficiency_reasons_present(reasons: list[SufficiencyReason]) -> list[SufficiencyReason]:
    """The reasons as readers get them: each with its message in the active language."""
    return [
        {
            **{key: value for key, value in reason.items() if key != "area_name"},
            "message": _reason_message(reason),
        }
        for reason in reasons
    ]


def scores_named(*, result: AssessmentScores, language: str) -> AssessmentScores:
    """The score result with every level's name in `language`; numbers untouched. Results
    stored before methods had versions are method 1's, whose mean answers were not balanced."""
    with translation.override(language):
        breakdowns = result["breakdowns"]
        return {
            **result,
            "method_version": result_method(result).version,
            "overall": _named(result["overall"]),
            **({"outcomes": _outcomes_named(result["outcomes"])} if "outcomes" in result else {}),
            "areas": [_named(area) for area in result["areas"]],
            "indicators": [
                {"raw_mean_level": item["mean_level"], **_named(item)} for item in result["indicators"]
            ],
            "breakdowns": {
                **breakdowns,
                **{dim: [_named(group) for group in breakdowns[dim]] for dim in BREAKDOWN_DIMENSIONS},
            },
            # Snapshots published before sufficiency was judged have none.
            **(
                {
                    "sufficiency": {
                        **result["sufficiency"],
                        "reasons": sufficiency_reasons_present(result["sufficiency"]["reasons"]),
                    }
                }
                if "sufficiency" in result
                else {}
            ),
        }


def numbers_rounded(value, *, digits: int = API_DIGITS):
    """`value` with every float in it, however deeply nested, rounded half up to `digits`."""
    if isinstance(value, float):
        return number_round(value, digits)
    if isinstance(value, dict):
        return {key: numbers_rounded(item, digits=digits) for key, item in value.items()}
    if isinstance(value, list):
        return [numbers_rounded(item, digits=digits) for item in value]
    return value


def scores_present(*, result: AssessmentScores, language: str) -> dict:
    """The scores as the API and the exports return them: named, rounded to API_DIGITS."""
    return numbers_rounded(scores_named(result=result, language=language))
