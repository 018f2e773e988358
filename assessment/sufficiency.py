"""Evidence sufficiency (docs/methods.md §3.4): when a score may claim a maturity level.

- An indicator is covered by at least `min_answers` survey answers other than "don't know", an
  interview level or data evidence.
- A customer metric gives data evidence only from a sample of at least its minimum
  (`min_sample`, defaults in the metrics registry); a smaller one is listed as a reason.
- An area claims a level only when at least `min_area_coverage` of its indicators are covered;
  otherwise its level is None and its score stays.
- The overall score claims a level only when every area claims one and at least
  `min_responses` responses are submitted; otherwise the scores are preliminary.

Each assessment may override any of these (Assessment.sufficiency); the rest keep their
defaults. Pure: no ORM, no request.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
from django.utils.translation import gettext

from assessment.metrics import EvidenceSample, default_min_samples
from assessment.results import Sufficiency, SufficiencyReason

DEFAULT_MIN_ANSWERS = 3
DEFAULT_MIN_AREA_COVERAGE = 0.7
DEFAULT_MIN_RESPONSES = 5
# Beyond these a setting is a slip of the keyboard rather than a method.
MAX_MIN_ANSWERS = 1_000
MAX_MIN_RESPONSES = 100_000
MAX_MIN_SAMPLE = 1_000_000
# Shares are compared with this tolerance, so 7 of 10 covered meets a minimum of 0.7.
_SHARE_TOLERANCE = 1e-9

SUFFICIENT = "sufficient"
PRELIMINARY = "preliminary"


@dataclass(frozen=True)
class SufficiencyRules:
    min_answers: int = DEFAULT_MIN_ANSWERS
    min_area_coverage: float = DEFAULT_MIN_AREA_COVERAGE
    min_responses: int = DEFAULT_MIN_RESPONSES
    min_sample: Mapping[str, int] = field(default_factory=default_min_samples)


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _share(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def sufficiency_messages(overrides) -> dict[str, list[str]]:
    """What is wrong with an assessment's sufficiency overrides, by setting ("min_sample.nps" for
    a metric's minimum), in the active language; empty when nothing is."""
    if not isinstance(overrides, Mapping):
        return {"sufficiency": [gettext("Must be an object of settings.")]}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(overrides) - {"min_answers", "min_area_coverage", "min_responses", "min_sample"})
    for name in unknown:
        errors[name] = [gettext("Unknown setting.")]
    for name, highest in (("min_answers", MAX_MIN_ANSWERS), ("min_responses", MAX_MIN_RESPONSES)):
        if name in overrides and not (_count(overrides[name]) and 1 <= overrides[name] <= highest):
            errors[name] = [gettext("Must be a whole number from 1 to %(max)d.") % {"max": highest}]
    coverage = overrides.get("min_area_coverage", DEFAULT_MIN_AREA_COVERAGE)
    if not (_share(coverage) and 0 <= coverage <= 1):
        errors["min_area_coverage"] = [gettext("Must be a share from 0 to 1, such as 0.7.")]
    samples = overrides.get("min_sample", {})
    if not isinstance(samples, Mapping):
        errors["min_sample"] = [gettext("Must be an object: metric → minimum sample.")]
        samples = {}
    known = default_min_samples()
    for key, value in sorted(samples.items()):
        if key not in known:
            errors[f"min_sample.{key}"] = [
                gettext("Unknown metric; known: %(keys)s.") % {"keys": ", ".join(known)}
            ]
        elif not (_count(value) and 1 <= value <= MAX_MIN_SAMPLE):
            errors[f"min_sample.{key}"] = [
                gettext("Must be a whole number from 1 to %(max)d.") % {"max": MAX_MIN_SAMPLE}
            ]
    return errors


def sufficiency_rules(overrides: Mapping | None = None) -> SufficiencyRules:
    """The rules in force: an assessment's (valid) overrides over the defaults."""
    overrides = overrides or {}
    return SufficiencyRules(
        min_answers=overrides.get("min_answers", DEFAULT_MIN_ANSWERS),
        min_area_coverage=float(overrides.get("min_area_coverage", DEFAULT_MIN_AREA_COVERAGE)),
        min_responses=overrides.get("min_responses", DEFAULT_MIN_RESPONSES),
        min_sample={**default_min_samples(), **overrides.get("min_sample", {})},
    )


def indicators_covered(
    *, answered: pd.Series, interview: pd.Series, data: pd.Series, rules: SufficiencyRules
) -> pd.Series:
    """Per indicator (the index of `answered`: survey answers other than don't know), whether its
    evidence covers it: enough answers, an interview level or data evidence."""
    codes = answered.index
    return (answered >= rules.min_answers) | interview.reindex(codes).notna() | data.reindex(codes).notna()


def areas_coverage(*, covered: pd.Series, indicators: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Per area (rows, in the order of `areas`): covered and total indicators, and their share."""
    counts = covered.groupby(indicators["area"]).agg(["sum", "size"]).reindex(areas.index, fill_value=0)
    total = counts["size"].astype(int)
    share = (counts["sum"] / total.where(total > 0)).fillna(0.0)
    return pd.DataFrame({"covered": counts["sum"].astype(int), "total": total, "coverage": share})


def area_sufficient(coverage: pd.Series, rules: SufficiencyRules) -> pd.Series:
    return coverage >= rules.min_area_coverage - _SHARE_TOLERANCE


def sufficiency_compute(
    *,
    coverage: pd.DataFrame,
    sufficient: pd.Series,
    areas: pd.DataFrame,
    submitted: int,
    samples: list[EvidenceSample],
    rules: SufficiencyRules,
) -> Sufficiency:
    """The assessment's status and every reason its scores fall short of the rules: too few
    responses, each area short of coverage (with its names by language, from `areas["name"]`
    where given) and each customer metric whose sample is too small to be evidence."""
    names = areas["name"] if "name" in areas else pd.Series(dtype=object)
    reasons: list[SufficiencyReason] = []
    if submitted < rules.min_responses:
        reasons.append({"code": "too_few_responses", "submitted": submitted, "minimum": rules.min_responses})
    for area in coverage.index[~sufficient.to_numpy(dtype=bool)]:
        reasons.append(
            {
                "code": "area_coverage",
                "area": area,
                "area_name": names.get(area) or {},
                "covered": int(coverage.loc[area, "covered"]),
                "total": int(coverage.loc[area, "total"]),
                "coverage": float(coverage.loc[area, "coverage"]),
                "minimum": rules.min_area_coverage,
            }
        )
    preliminary = bool(reasons)
    reasons += [
        {"code": "small_customer_sample", "metric": item.key, "sample": item.sample, "minimum": item.minimum}
        for item in samples
        if not item.sufficient
    ]
    return {
        "status": PRELIMINARY if preliminary else SUFFICIENT,
        "reasons": reasons,
        "submitted_responses": int(submitted),
        "min_responses": rules.min_responses,
    }
