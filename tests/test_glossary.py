"""The glossary (locale/glossary.csv: concept, en, ru, kk, uz) is what the product calls its key
terms in each language: every concept has every language, Uzbek writes oʻ and gʻ with U+02BB,
and in each language the product offers, the catalog and the interface say what the glossary
says."""

import csv
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from assessment.levels import LEVEL_NAMES

GLOSSARY = Path(settings.BASE_DIR) / "locale" / "glossary.csv"
CATALOG = Path(settings.BASE_DIR) / "surveys" / "catalog" / "cx_maturity_v2.yaml"
GLOSSARY_LANGUAGES = ("en", "ru", "kk", "uz")
# Where the interface names a term: the glossary's word is in the translation of this text.
INTERFACE_TEXTS = {
    "nps": "NPS (relationship)",
    "csi": "CSI, %",
    "churn": "Churn rate, %",
    "indicator": "Indicator",
    "assessment": "Assessment",
    "score": "Score",
    "maturity_level": "Maturity level",
    "recommendation": "Recommendation",
    "action_plan": "Action plan",
}
OFFERED = [code for code, _name in settings.LANGUAGES]


def _glossary() -> dict[str, dict[str, str]]:
    with GLOSSARY.open(encoding="utf-8", newline="") as source:
        return {row["concept"]: row for row in csv.DictReader(source)}


def test_every_concept_has_every_language_and_uzbek_letters_are_modifier_letters():
    glossary = _glossary()
    assert set(glossary) == {f"level_{level}" for level in range(1, 6)} | {
        "area_organization",
        "area_staff",
        "area_processes",
        "area_technology",
    } | set(INTERFACE_TEXTS)
    for row in glossary.values():
        assert all(row[language].strip() for language in GLOSSARY_LANGUAGES), row
        # oʻ, gʻ take U+02BB, the glottal stop U+02BC — not quotes or apostrophes.
        assert not set(row["uz"]) & set("'‘’`"), row


@pytest.mark.parametrize("language", OFFERED)
def test_level_names_are_the_glossarys(language):
    glossary = _glossary()
    with translation.override(language):
        assert {level: str(name) for level, name in LEVEL_NAMES.items()} == {
            level: glossary[f"level_{level}"][language] for level in range(1, 6)
        }


@pytest.mark.parametrize("language", OFFERED)
def test_the_catalogs_area_names_are_the_glossarys(language):
    glossary = _glossary()
    catalog = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    assert {area["code"]: area["name"][language] for area in catalog["areas"]} == {
        code: glossary[f"area_{code}"][language]
        for code in ("organization", "staff", "processes", "technology")
    }


@pytest.mark.parametrize("language", OFFERED)
@pytest.mark.parametrize("concept", sorted(INTERFACE_TEXTS))
def test_the_interface_uses_the_glossarys_terms(language, concept):
    term = _glossary()[concept][language]
    with translation.override(language):
        shown = gettext(INTERFACE_TEXTS[concept])
    assert term.casefold() in shown.casefold(), (concept, shown)
