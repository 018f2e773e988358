import copy
from collections import Counter

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from surveys.models import CatalogVersion, Indicator
from surveys.services import CATALOG_FILES, CatalogError, catalog_load

AREA_COUNTS = {"organization": 14, "staff": 14, "processes": 16, "technology": 15}
PREFIX = {"organization": "ORG", "staff": "STF", "processes": "PRC", "technology": "TEC"}


FIRST, SECOND = CATALOG_FILES


@pytest.fixture(scope="module", params=CATALOG_FILES, ids=["edition1", "edition2"])
def content(request):
    return yaml.safe_load(request.param.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def first_edition():
    return yaml.safe_load(FIRST.read_text(encoding="utf-8"))


def test_catalog_file_has_59_indicators_in_four_areas(content):
    counts = {area["code"]: len(area["indicators"]) for area in content["areas"]}
    assert counts == AREA_COUNTS
    assert sum(counts.values()) == 59


def test_indicator_codes_are_unique_and_sequential_per_area(content):
    for area in content["areas"]:
        codes = [indicator["code"] for indicator in area["indicators"]]
        expected = [f"{PREFIX[area['code']]}-{n:02d}" for n in range(1, AREA_COUNTS[area["code"]] + 1)]
        assert codes == expected


def test_every_indicator_has_question_and_five_distinct_descriptors_in_every_language(content):
    for area in content["areas"]:
        for indicator in area["indicators"]:
            for language, _name in settings.LANGUAGES:
                assert indicator["question"][language].strip(), indicator["code"]
                assert indicator["title"][language].strip(), indicator["code"]
                levels = indicator["levels"][language]
                assert len(levels) == 5, indicator["code"]
                assert len({text.strip() for text in levels}) == 5, indicator["code"]
            # Each text is written in its language, not copied from another.
            question = indicator["question"]
            assert any("а" <= char <= "я" for char in question["ru"].lower()), indicator["code"]
            assert any("а" <= char <= "я" or char in "әғқңөұүһі" for char in question["kk"].lower())
            assert not any("а" <= char <= "я" for char in question["uz"].lower()), indicator["code"]
            assert len({question[language] for language, _name in settings.LANGUAGES}) == 4, indicator["code"]


def test_no_descriptor_is_reused_across_indicators(content):
    texts = Counter(
        text
        for area in content["areas"]
        for indicator in area["indicators"]
        for text in indicator["levels"]["en"]
    )
    assert [text for text, count in texts.items() if count > 1] == []


@pytest.mark.parametrize(
    ("path", "bound"),
    [
        (FIRST, {"csi": "PRC-05", "mystery_shopping": "STF-04", "nps": "ORG-10", "servqual": "PRC-06"}),
        (
            SECOND,
            {
                "churn": "PRC-10",
                "complaint_resolution": "PRC-01",
                "complaints": "PRC-03",
                "csi": "PRC-05",
                "first_contact_resolution": "PRC-02",
                "mystery_shopping": "STF-04",
                "nps": "ORG-10",
                "regulator_complaints": "ORG-13",
                "service_level": "STF-14",
                "servqual": "PRC-06",
            },
        ),
    ],
)
def test_each_customer_metric_is_bound_to_exactly_one_indicator(path, bound):
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = [
        (indicator["metric"], indicator["code"])
        for area in content["areas"]
        for indicator in area["indicators"]
        if indicator.get("metric")
    ]
    assert dict(pairs) == bound and len(pairs) == len(bound)


def test_load_creates_a_version_with_all_indicators(db):
    result = catalog_load(path=FIRST)
    assert result.created
    assert result.version.number == 1
    assert result.version.edition == 1
    assert result.version.indicators.count() == 59
    assert dict(Counter(result.version.indicators.values_list("area__code", flat=True))) == AREA_COUNTS
    assert list(result.version.areas.values_list("code", flat=True)) == list(AREA_COUNTS)


def test_loading_unchanged_content_creates_nothing(db):
    first = catalog_load(path=FIRST)
    second = catalog_load(path=FIRST)
    assert not second.created
    assert second.version == first.version
    assert CatalogVersion.objects.count() == 1
    assert Indicator.objects.count() == 59


def test_changed_content_creates_a_new_version_and_leaves_the_published_one_intact(
    db, tmp_path, first_edition
):
    content = first_edition
    first = catalog_load(path=FIRST).version
    changed = copy.deepcopy(content)
    changed["areas"][0]["indicators"][0]["question"]["en"] = "A reworded question?"
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")

    second = catalog_load(path=path)

    assert second.created
    assert second.version.number == 2
    assert second.version.indicators.get(code="ORG-01").question["en"] == "A reworded question?"
    original = first.indicators.get(code="ORG-01")
    assert original.question["en"] == content["areas"][0]["indicators"][0]["question"]["en"]
    assert Indicator.objects.count() == 118


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c["areas"][0]["indicators"][0]["levels"]["ru"].pop(), "ORG-01: needs 5 non-empty level"),
        (lambda c: c["areas"][1]["indicators"][0].update(code="ORG-01"), "duplicate code"),
        (lambda c: c["areas"][0]["indicators"][2].update(metric="revenue"), "unknown metric 'revenue'"),
        (lambda c: c["areas"][0]["indicators"][3]["question"].update(ru=""), "ORG-04 question"),
        (lambda c: c["areas"][2].update(weight=0), "weight must be positive"),
    ],
)
def test_malformed_catalog_is_refused_with_the_place_named(db, tmp_path, first_edition, mutate, message):
    broken = copy.deepcopy(first_edition)
    mutate(broken)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        catalog_load(path=path)
    assert CatalogVersion.objects.count() == 0


def test_load_catalog_command_loads_the_editions_in_order_and_is_idempotent(db, capsys):
    call_command("load_catalog")
    call_command("load_catalog")
    out = capsys.readouterr().out
    assert "Loaded catalog v1 (edition 1, cx_maturity.yaml): 59 indicators." in out
    assert "Loaded catalog v2 (edition 2, cx_maturity_v2.yaml): 59 indicators." in out
    assert "Catalog unchanged: v2 (cx_maturity_v2.yaml, 59 indicators) is there." in out
    assert CatalogVersion.objects.order_by("-number").first().edition == 2


def test_the_second_edition_keeps_audiences_lineage_and_more(db):
    catalog_load(path=FIRST)
    version = catalog_load(path=SECOND).version
    journeys = version.indicators.get(code="ORG-04")
    assert journeys.audiences == ["executive", "back_office"]
    assert journeys.previous == ["ORG-04", "ORG-08"]
    assert journeys.more["en"].startswith("A customer journey is the whole path")
    fair_selling = version.indicators.get(code="ORG-08")
    assert (fair_selling.previous, fair_selling.critical) == ([], True)
    assert version.indicators.get(code="ORG-01").more == {}
    first = CatalogVersion.objects.get(number=1).indicators.get(code="ORG-04")
    assert (first.audiences, first.previous, first.more) == ([], None, {})


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda i: i.update(audiences=["executive", "cashier"]), "ORG-01: audiences must be roles"),
        (lambda i: i.update(audiences=["executive", "executive"]), "ORG-01: needs at least 2 audiences"),
        (lambda i: i.pop("previous"), "ORG-01: needs `previous`"),
        (lambda i: i.update(previous=["ORG-99"]), "ORG-01: continues ORG-99, not in edition 1"),
        (lambda i: i.update(more={"en": "Only English."}), "ORG-01 more"),
    ],
)
def test_a_malformed_second_edition_is_refused_with_the_place_named(db, tmp_path, mutate, message):
    catalog_load(path=FIRST)
    broken = yaml.safe_load(SECOND.read_text(encoding="utf-8"))
    mutate(broken["areas"][0]["indicators"][0])
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        catalog_load(path=path)
    assert CatalogVersion.objects.count() == 1


def test_a_first_edition_continues_nothing(db, tmp_path, first_edition):
    broken = copy.deepcopy(first_edition)
    broken["areas"][0]["indicators"][0]["previous"] = []
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match="ORG-01: a first edition continues no previous codes"):
        catalog_load(path=path)


def test_load_catalog_command_reports_a_bad_file(db, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("areas: [", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("load_catalog", "--file", str(path))


def test_each_process_builds_a_versions_tree_once_per_language(db, django_assert_num_queries, monkeypatch):
    from surveys import selectors
    from surveys.selectors import catalog_tree

    monkeypatch.setattr(selectors, "_TREES", {})  # as a fresh process
    version = catalog_load(path=FIRST).version
    with django_assert_num_queries(1):
        english = catalog_tree(version=version, language="en")
        assert catalog_tree(version=version, language="en") is english
    with django_assert_num_queries(1):
        russian = catalog_tree(version=version, language="ru")
    assert russian["areas"][0]["name"] == "Организация" and english["areas"][0]["name"] == "Organization"
    assert sum(len(area["indicators"]) for area in russian["areas"]) == 59
