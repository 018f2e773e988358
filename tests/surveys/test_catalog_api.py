import pytest

from tests.factories import UserFactory

URL = "/api/v1/catalog/"


@pytest.fixture
def signed_in(api, catalog):
    api.force_authenticate(UserFactory())
    return api


def test_catalog_shape(signed_in):
    body = signed_in.get(URL).json()
    assert body["version"] == 1
    assert [area["code"] for area in body["areas"]] == ["organization", "staff", "processes", "technology"]
    assert [len(area["indicators"]) for area in body["areas"]] == [14, 14, 16, 15]
    first = body["areas"][0]["indicators"][0]
    assert first["code"] == "ORG-01"
    assert set(first) == {
        "code",
        "title",
        "question",
        "levels",
        "more",
        "weight",
        "metric",
        "critical",
        "audiences",
        "previous",
    }
    assert len(first["levels"]) == 5
    assert first["weight"] == 1.0
    assert body["areas"][0]["weight"] == 1.0
    metrics = {i["metric"] for area in body["areas"] for i in area["indicators"]}
    assert metrics == {None, "nps", "csi", "servqual", "mystery_shopping"}
    # The first edition asks every role everything and continues nothing.
    assert first["audiences"] == ["executive", "manager", "frontline", "back_office", "it"]
    assert (first["previous"], first["more"], first["critical"]) == (None, "", False)


def test_the_current_catalog_is_the_second_edition_with_its_roles_and_lineage(api, catalog_v2):
    api.force_authenticate(UserFactory())
    body = api.get(URL, {"lang": "ru"}).json()
    assert body["version"] == 2
    indicators = {item["code"]: item for area in body["areas"] for item in area["indicators"]}
    journeys = indicators["ORG-04"]
    assert journeys["audiences"] == ["executive", "back_office"]
    assert journeys["previous"] == ["ORG-04", "ORG-08"]
    assert journeys["more"].startswith("Клиентский путь — весь путь клиента")
    assert journeys["weight"] == 1.0 and indicators["ORG-01"]["weight"] == 2.0
    assert sorted(code for code, item in indicators.items() if item["critical"]) == [
        "ORG-01",
        "ORG-03",
        "ORG-08",
        "PRC-01",
        "STF-03",
        "TEC-01",
        "TEC-11",
        "TEC-13",
    ]
    assert indicators["PRC-10"]["metric"] == "churn"


@pytest.mark.parametrize(
    ("language", "area", "letters"),
    [("ru", "Организация", "абвгд"), ("kk", "Ұйым", "әғқңөұүі"), ("uz", "Tashkilot", "ʻ")],
)
def test_the_whole_catalog_in_each_language(signed_in, catalog_v2, language, area, letters):
    english = signed_in.get(URL).json()
    body = signed_in.get(URL, {"lang": language}).json()
    assert body["language"] == language
    assert body["areas"][0]["name"] == area
    stored = {item.code: item for item in catalog_v2.indicators.all()}
    indicators = [item for each in body["areas"] for item in each["indicators"]]
    assert len(indicators) == 59
    for item in indicators:
        own = stored[item["code"]]
        assert (item["title"], item["question"], item["levels"]) == (
            own.title[language],
            own.question[language],
            own.levels[language],
        )
        assert item["more"] == (own.more[language] if own.more else "")
    english_texts = {item["question"] for each in english["areas"] for item in each["indicators"]}
    assert not english_texts & {item["question"] for item in indicators}
    written = " ".join(item["question"] + " ".join(item["levels"]) for item in indicators).lower()
    assert set(letters) <= set(written)


def test_unknown_language_falls_back_to_english(signed_in):
    assert signed_in.get(URL, {"lang": "xx"}).json()["language"] == "en"


def test_catalog_needs_authentication(api, catalog):
    response = api.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
