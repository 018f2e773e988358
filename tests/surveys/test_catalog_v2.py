"""The second catalog version (surveys/catalog/cx_maturity_v2.yaml; docs/methods.md §12)
holds the limits the respondent issue sets before it is loaded: concise anchors, every
indicator judged by at least two roles, a reading load of at most 2,000 words for every role."""

import re
from functools import cache
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from surveys.models import Indicator
from surveys.services import catalog_load

CATALOG_V2 = Path(__file__).resolve().parents[2] / "surveys" / "catalog" / "cx_maturity_v2.yaml"
ROLES = {"executive", "manager", "frontline", "back_office", "it"}
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
WORD = re.compile(r"[\w’'-]+")


@cache
def _indicators() -> list[dict]:
    catalog = yaml.safe_load(CATALOG_V2.read_text(encoding="utf-8"))
    return [dict(item, area=area["code"]) for area in catalog["areas"] for item in area["indicators"]]


def _words(text: str) -> int:
    return len(WORD.findall(text))


def test_59_indicators_in_the_four_areas():
    areas = [item["area"] for item in _indicators()]
    assert len(areas) == 59
    assert {area: areas.count(area) for area in set(areas)} == {
        "organization": 14,
        "staff": 14,
        "processes": 16,
        "technology": 15,
    }
    assert len({item["code"] for item in _indicators()}) == 59


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_there_and_concise(language):
    for item in _indicators():
        assert item["title"][language].strip(), item["code"]
        assert 0 < _words(item["question"][language]) <= 25, item["code"]
        levels = item["levels"][language]
        assert len(levels) == 5, item["code"]
        assert all(0 < _words(text) <= 20 for text in levels), (item["code"], language)


def test_every_indicator_is_judged_by_at_least_two_roles():
    for item in _indicators():
        audiences = set(item["audiences"])
        assert audiences <= ROLES, item["code"]
        assert len(audiences) >= 2, item["code"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_role_reads_more_than_2000_words(language):
    load = dict.fromkeys(ROLES, 0)
    for item in _indicators():
        words = _words(item["question"][language]) + sum(_words(text) for text in item["levels"][language])
        for role in item["audiences"]:
            load[role] += words
    assert max(load.values()) <= 2000, load


def test_critical_indicators_are_the_documented_ones():
    critical = {item["code"] for item in _indicators() if item["critical"]}
    assert critical == {"ORG-01", "ORG-03", "ORG-08", "STF-03", "PRC-01", "TEC-01", "TEC-11", "TEC-13"}


@pytest.mark.django_db
def test_the_loader_keeps_the_critical_marks():
    version = catalog_load(path=CATALOG_V2).version
    critical = Indicator.objects.filter(version=version, critical=True).values_list("code", flat=True)
    assert set(critical) == {"ORG-01", "ORG-03", "ORG-08", "STF-03", "PRC-01", "TEC-01", "TEC-11", "TEC-13"}
    assert Indicator.objects.filter(version=version).count() == 59
