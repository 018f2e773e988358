"""The recommendation library names the indicators of one catalog edition; an assessment on the
next edition reads them through each indicator's lineage (reports.recommendations.library_in_catalog)."""

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from reports.recommendations import LIBRARY_PATH, RecommendationLibrary, library_in_catalog, library_load
from reports.selectors import catalog_library
from surveys.models import CatalogVersion

SECOND_EDITION = Path(__file__).resolve().parents[2] / "surveys" / "catalog" / "cx_maturity_v2.yaml"


@pytest.fixture(scope="module")
def library():
    return library_load(path=LIBRARY_PATH)


@pytest.fixture(scope="module")
def lineage():
    content = yaml.safe_load(SECOND_EDITION.read_text(encoding="utf-8"))
    return {item["code"]: item["previous"] for area in content["areas"] for item in area["indicators"]}


def _indicators(library, code):
    return library.recommendation(code).indicators


def test_kept_codes_stay_and_merged_ones_move_to_the_indicator_they_merged_into(library, lineage):
    second = library_in_catalog(library, edition=2, lineage=lineage)
    # Cross-unit work and CX competencies (v1 STF-13, now part of STF-10).
    assert _indicators(library, "STR-03") == ("ORG-03", "ORG-04", "STF-13")
    assert _indicators(second, "STR-03") == ("ORG-03", "ORG-04", "STF-10")
    # Journey ownership (v1 ORG-08) merged into ORG-04; ORG-08 is now fair selling.
    assert _indicators(second, "STR-07") == ("ORG-04", "PRC-08")
    # The financial effect of CX (v1 ORG-13) merged into funding, ORG-07.
    assert _indicators(second, "STR-08") == ("ORG-07",)
    assert all(item.edition == 2 for item in second.recommendations)


def test_a_code_reused_for_a_new_topic_never_carries_an_old_recommendation(library, lineage):
    second = library_in_catalog(library, edition=2, lineage=lineage)
    new_topics = {code for code, previous in lineage.items() if not previous}
    assert new_topics == {"ORG-08", "ORG-13", "STF-07", "STF-13", "PRC-14", "TEC-13", "TEC-14"}
    carried = {
        code
        for item in library.recommendations
        if item.edition == 1
        for code in second.recommendation(item.code).indicators
    }
    assert carried & new_topics == set()


def test_each_new_topic_has_a_recommendation_of_its_own(library, lineage):
    written = [item for item in library.recommendations if item.edition == 2]
    addressed = {code for item in written for code in item.indicators}
    assert {code for code, previous in lineage.items() if not previous} <= addressed
    first = library_in_catalog(library, edition=1, lineage={})
    assert {item.code for item in first.recommendations} == {
        item.code for item in library.recommendations if item.edition == 1
    }


def test_only_the_edition_just_before_is_read_through_lineage(library):
    strategy = library.recommendation("STR-01")
    written = RecommendationLibrary(
        steps=library.steps,
        recommendations=(
            strategy,
            replace(strategy, code="NEW-01", edition=2, indicators=("ORG-08",)),
            replace(strategy, code="NEW-02", edition=2, indicators=("ORG-13",)),
        ),
    )
    third = library_in_catalog(written, edition=3, lineage={"ORG-01": ["ORG-08"], "ORG-02": []})
    # STR-01 is two editions away; NEW-02's indicator lives on nowhere.
    assert [(item.code, item.indicators) for item in third.recommendations] == [("NEW-01", ("ORG-01",))]


@pytest.mark.django_db
def test_an_assessment_reads_the_library_of_its_catalog(catalog_v2):
    first, second = CatalogVersion.objects.get(edition=1), CatalogVersion.objects.get(edition=2)
    assert catalog_library(version=first).recommendation("STR-07").indicators == ("ORG-08", "PRC-08")
    assert catalog_library(version=second).recommendation("STR-07").indicators == ("ORG-04", "PRC-08")
