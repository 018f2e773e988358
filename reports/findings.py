"""Findings per area: strengths and improvement zones proposed from the scores, each under a
stable key, and their texts in any language from the templates in data/findings.yaml.

What the engine proposes for each area (the catalog's order):
- strengths: its highest-scoring covered indicators (at most STRENGTHS_PER_AREA) scoring at least
  STRENGTH_MIN_SCORE, with their evidence ("4.3 of 5 in the survey (n = 12), confirmed in
  interviews");
- improvement zones: its lowest-scoring other covered indicators (at most IMPROVEMENTS_PER_AREA)
  below IMPROVEMENT_MAX_SCORE, with their evidence;
- the gap between management and the front line over the area (at least AREA_GAP_MIN points)
  and its largest one on an indicator (at least INDICATOR_GAP_MIN), as far as the scores show
  them (assessment.anonymity);
- the covered indicator whose evidence sources (survey, interviews, customer data) lie furthest
  apart, more than SOURCES_SPREAD_MIN points; and where employees and customer data differ by
  CUSTOMER_GAP_MIN points or more on another indicator, that difference.

A finding's key says what it is about ("strength:ORG-01", "management_gap:processes"), so
proposing again finds the same finding; its facts hold the numbers its text states. No ORM:
scores as assessment.selectors.assessment_scores returns them, the catalog as the frames of
assessment.selectors.catalog_frames.
"""

import functools
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import yaml
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from config.numbers import number_text
from reports.texts import LANGUAGES

TEMPLATES_PATH = Path(__file__).resolve().parent / "data" / "findings.yaml"

STRENGTH = "strength"
IMPROVEMENT = "improvement"
STRENGTHS_PER_AREA = 2
IMPROVEMENTS_PER_AREA = 2
# Points of 100. A strength at least at the scale's middle (mean level 3); a Customer-Champion
# indicator is no improvement zone.
STRENGTH_MIN_SCORE = 50.0
IMPROVEMENT_MAX_SCORE = 80.0
AREA_GAP_MIN = 10.0
INDICATOR_GAP_MIN = 15.0
# One level: sources more than a level apart make an indicator's confidence low.
SOURCES_SPREAD_MIN = 25.0
CUSTOMER_GAP_MIN = 25.0
# Levels: a further source within this of the first confirms it.
CONFIRMS_WITHIN = 0.5

SOURCES = ("survey", "interview", "data")
FINDING_TEMPLATES = (
    STRENGTH,
    IMPROVEMENT,
    "management_higher",
    "frontline_higher",
    "customers_lower",
    "customers_higher",
    "sources_disagree",
)
EVIDENCE_TEMPLATES = (*SOURCES, "interview_confirms", "data_confirms")


@dataclass(frozen=True)
class FindingTemplates:
    """Per template name, its text per language."""

    findings: Mapping[str, Mapping[str, str]]
    evidence: Mapping[str, Mapping[str, str]]
    sources: Mapping[str, Mapping[str, str]]


class _Invalid(Exception):
    pass


def _placeholders(text: str) -> set[str]:
    return {field for _literal, field, _spec, _conversion in string.Formatter().parse(text) if field}


def _section(document: Mapping, name: str, required: tuple[str, ...]) -> Mapping[str, Mapping[str, str]]:
    entries = document.get(name)
    if not isinstance(entries, Mapping):
        raise _Invalid(f"{name} is missing")
    missing = sorted(set(required) - set(entries))
    unknown = sorted(set(entries) - set(required))
    if missing or unknown:
        raise _Invalid(f"{name}: missing {missing}, unknown {unknown}")
    result = {}
    for key, texts in entries.items():
        if not isinstance(texts, Mapping) or not all(
            isinstance(texts.get(language), str) and texts[language].strip() for language in LANGUAGES
        ):
            raise _Invalid(f"{name}.{key} needs a text in each of {', '.join(LANGUAGES)}")
        fields = {language: _placeholders(texts[language]) for language in LANGUAGES}
        if len({frozenset(names) for names in fields.values()}) > 1:
            raise _Invalid(f"{name}.{key} has different placeholders per language: {fields}")
        result[key] = MappingProxyType({language: texts[language].strip() for language in LANGUAGES})
    return MappingProxyType(result)


def templates_load(*, path: Path) -> FindingTemplates:
    """Read and validate a findings template file (uncached; see finding_templates)."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if not isinstance(document, Mapping):
            raise _Invalid("not a mapping")
        return FindingTemplates(
            findings=_section(document, "findings", FINDING_TEMPLATES),
            evidence=_section(document, "evidence", EVIDENCE_TEMPLATES),
            sources=_section(document, "sources", SOURCES),
        )
    except (_Invalid, yaml.YAMLError) as error:
        raise ImproperlyConfigured(f"{path}: {error}") from error


@functools.cache
def finding_templates() -> FindingTemplates:
    return templates_load(path=TEMPLATES_PATH)


# --- proposing ----------------------------------------------------------------------------------


def _level(score: float | None) -> float | None:
    """A 0–100 evidence score as a level 1–5."""
    return None if score is None or pd.isna(score) else float(score) / 25 + 1


def _indicator_frame(scores: Mapping, indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator, in catalog order: area, score, covered, n, mean level and the
    evidence of each source (0–100)."""
    rows = [
        {
            "code": item["code"],
            "area": item["area"],
            "score": item["score"],
            "covered": item.get("covered", True),
            "n": item["n"],
            "mean_level": item["mean_level"],
            **{source: item["evidence"].get(source) for source in SOURCES},
        }
        for item in scores["indicators"]
    ]
    columns = ["area", "score", "covered", "n", "mean_level", *SOURCES]
    frame = pd.DataFrame(rows, columns=["code", *columns]).set_index("code")
    frame = frame.reindex([code for code in indicators.index if code in frame.index])
    return frame.astype({"score": float, "mean_level": float, **dict.fromkeys(SOURCES, float)})


def _indicator_facts(template: str, code: str, row: pd.Series) -> dict:
    return {
        "template": template,
        "indicator": code,
        "score": float(row["score"]),
        "mean": None if pd.isna(row["mean_level"]) else float(row["mean_level"]),
        "n": int(row["n"]),
        "interview": _level(row["interview"]),
        "data": _level(row["data"]),
    }


def _finding(key: str, area: str, kind: str, facts: dict) -> dict:
    return {"key": key, "area": area, "kind": kind, "facts": facts}


def _ranked(frame: pd.DataFrame, column: str, *, ascending: bool, per_area: int) -> pd.DataFrame:
    """The first `per_area` rows of each area by `column`; ties keep the catalog order."""
    return (
        frame.sort_values(column, ascending=ascending, kind="stable")
        .groupby("area", sort=False)
        .head(per_area)
    )


def _score_findings(frame: pd.DataFrame) -> list[dict]:
    covered = frame[frame["covered"].astype(bool) & frame["score"].notna()]
    strengths = _ranked(
        covered[covered["score"] >= STRENGTH_MIN_SCORE], "score", ascending=False, per_area=STRENGTHS_PER_AREA
    )
    rest = covered[~covered.index.isin(strengths.index) & (covered["score"] < IMPROVEMENT_MAX_SCORE)]
    improvements = _ranked(rest, "score", ascending=True, per_area=IMPROVEMENTS_PER_AREA)
    return [
        _finding(f"{template}:{code}", row["area"], template, _indicator_facts(template, code, row))
        for template, chosen in ((STRENGTH, strengths), (IMPROVEMENT, improvements))
        for code, row in chosen.iterrows()
    ]


def _gap_finding(gap: Mapping, area: str) -> dict:
    template = "management_higher" if gap["gap"] > 0 else "frontline_higher"
    facts = {
        "template": template,
        "subject": gap["code"],
        "management": float(gap["management"]),
        "frontline": float(gap["frontline"]),
    }
    return _finding(f"management_gap:{gap['code']}", area, IMPROVEMENT, facts)


def _management_findings(gaps: list[Mapping], frame: pd.DataFrame) -> list[dict]:
    """The area's gap and its largest indicator gap, each past its minimum."""
    rows = pd.DataFrame(
        [gap for gap in gaps if gap["kind"] == "management_vs_frontline"],
        columns=["scope", "code", "management", "frontline", "gap"],
    )
    rows["size"] = rows["gap"].abs()
    rows["area"] = rows["code"].where(rows["scope"] == "area", rows["code"].map(frame["area"]))
    areas = rows[(rows["scope"] == "area") & (rows["size"] >= AREA_GAP_MIN)]
    indicators = _ranked(
        rows[(rows["scope"] == "indicator") & (rows["size"] >= INDICATOR_GAP_MIN) & rows["area"].notna()],
        "size",
        ascending=False,
        per_area=1,
    )
    return [
        _gap_finding(gap, gap["area"]) for chosen in (areas, indicators) for gap in chosen.to_dict("records")
    ]


def _sources_findings(frame: pd.DataFrame) -> list[dict]:
    evidence = frame[list(SOURCES)]
    spread = evidence.max(axis=1) - evidence.min(axis=1)
    apart = frame.assign(spread=spread)[frame["covered"].astype(bool) & (spread > SOURCES_SPREAD_MIN)]
    chosen = _ranked(apart, "spread", ascending=False, per_area=1)
    return [
        _finding(
            f"sources:{code}",
            row["area"],
            IMPROVEMENT,
            {"template": "sources_disagree", "indicator": code, **{s: _level(row[s]) for s in SOURCES}},
        )
        for code, row in chosen.iterrows()
    ]


def _customer_findings(gaps: list[Mapping], frame: pd.DataFrame, taken: set[str]) -> list[dict]:
    findings = []
    for gap in gaps:
        code = gap["code"]
        if gap["kind"] != "employees_vs_customers" or abs(gap["gap"]) < CUSTOMER_GAP_MIN:
            continue
        if code in taken or code not in frame.index:
            continue
        template = "customers_lower" if gap["gap"] > 0 else "customers_higher"
        facts = {
            "template": template,
            "indicator": code,
            "employees": float(gap["employees"]),
            "customers": float(gap["customers"]),
        }
        findings.append(_finding(f"customers:{code}", frame.loc[code, "area"], IMPROVEMENT, facts))
    return findings


def findings_propose(*, scores: Mapping, indicators: pd.DataFrame, areas: pd.DataFrame) -> list[dict]:
    """The findings the scores support, area by area in the catalog's order: strengths, then
    improvement zones (the indicators' own, management and front line apart, sources apart,
    employees and customers apart). Each {"key", "area", "kind", "facts"}; keys are unique."""
    frame = _indicator_frame(scores, indicators)
    sources = _sources_findings(frame)
    proposed = [
        *_score_findings(frame),
        *_management_findings(scores["gaps"], frame),
        *sources,
        *_customer_findings(scores["gaps"], frame, {finding["facts"]["indicator"] for finding in sources}),
    ]
    order = {area: index for index, area in enumerate(areas.index)}
    kinds = {STRENGTH: 0, IMPROVEMENT: 1}
    # A stable sort: within an area and kind, the order the rules above give.
    return sorted(
        (finding for finding in proposed if finding["area"] in order),
        key=lambda finding: (order[finding["area"]], kinds[finding["kind"]]),
    )


# --- texts ----------------------------------------------------------------------------------------


def _level_text(level: float) -> str:
    return number_text(level, digits=-1)


def _evidence_text(facts: Mapping, templates: FindingTemplates, language: str) -> str:
    """The first source with its level, each further one confirming it or with its own level."""
    levels = {"survey": facts.get("mean"), "interview": facts.get("interview"), "data": facts.get("data")}
    present = [source for source in SOURCES if levels[source] is not None]
    if not present:
        return ""
    first, *others = present
    parts = [
        templates.evidence[first][language].format(
            mean=number_text(levels[first], digits=1),
            n=number_text(facts.get("n"), digits=0),
            level=_level_text(levels[first]),
        )
    ]
    for source in others:
        if abs(levels[source] - levels[first]) <= CONFIRMS_WITHIN:
            parts.append(templates.evidence[f"{source}_confirms"][language])
        else:
            parts.append(templates.evidence[source][language].format(level=_level_text(levels[source])))
    return ", ".join(parts)


def finding_text(*, facts: Mapping, language: str, names: Mapping[str, str]) -> str:
    """The engine's text of a finding in `language` (one of reports.texts.LANGUAGES), its
    numbers written as that language writes them; `names`: area and indicator names in it."""
    templates = finding_templates()
    template = templates.findings[facts["template"]][language]
    with translation.override(language):
        values = {
            "indicator": names.get(facts.get("indicator"), facts.get("indicator")),
            "subject": names.get(facts.get("subject"), facts.get("subject")),
            **{
                key: number_text(facts.get(key), digits=1)
                for key in ("score", "management", "frontline", "employees", "customers")
            },
            "evidence": _evidence_text(facts, templates, language),
            "sources": ", ".join(
                templates.sources[source][language].format(level=_level_text(facts[source]))
                for source in SOURCES
                if facts.get(source) is not None
            ),
        }
        return template.format(**values)
