"""Scores as people and API clients read them: level names in the reader's language, and, for
the API and the exports, numbers rounded to API_DIGITS decimals by the one formatter
(config.numbers). Pages and reports take the named but unrounded scores and round once, where
they write each number, to the precision they show."""

from django.utils import translation

from assessment.levels import level_name
from assessment.results import AssessmentScores
from assessment.scoring import BREAKDOWN_DIMENSIONS
from config.numbers import number_round

# Decimals of every number the API and the exports return.
API_DIGITS = 2


def _named(item: dict) -> dict:
    return {**item, "level_name": level_name(item.get("level"))}


def scores_named(*, result: AssessmentScores, language: str) -> AssessmentScores:
    """The score result with every level's name in `language`; numbers untouched."""
    with translation.override(language):
        breakdowns = result["breakdowns"]
        return {
            **result,
            "overall": _named(result["overall"]),
            "areas": [_named(area) for area in result["areas"]],
            "indicators": [_named(item) for item in result["indicators"]],
            "breakdowns": {
                **breakdowns,
                **{dim: [_named(group) for group in breakdowns[dim]] for dim in BREAKDOWN_DIMENSIONS},
            },
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
