from reports.models import RecommendationItem
from reports.recommendations import recommendation_library
from tests.factories import OrganizationFactory, assessment_published, consultant_of, executive_of


def _url(assessment) -> str:
    return f"/api/v1/assessments/{assessment.pk}/recommendations/"


def test_first_look_proposes_a_roadmap_ranked_by_priority(api, audit):
    api.force_authenticate(audit.consultant)
    response = api.get(_url(audit.current))
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) >= 5
    assert [item["position"] for item in items] == list(range(1, len(items) + 1))
    priorities = [item["priority"] for item in items]
    assert priorities == sorted(priorities, reverse=True)
    library = recommendation_library()
    first = items[0]
    assert first["status"] == "proposed" and not first["custom"] and not first["edited"]
    assert first["title"] == recommendation_text_en(first["code"])
    assert first["horizon"] == library.recommendation(first["code"]).horizon
    # The level is 4 (68.75): what it takes to reach Customer-Champion at 87.5 points.
    next_level = response.json()["next_level"]
    assert next_level["level"] == 5 and next_level["threshold"] == 87.5
    assert next_level["gap"] == 87.5 - 68.75
    # Asking again proposes nothing new.
    assert api.get(_url(audit.current)).json()["items"] == items


def recommendation_text_en(code: str) -> str:
    from reports.recommendations import recommendation_text

    return recommendation_text(code=code, language="en")["title"]


def test_texts_follow_the_language(api, audit):
    api.force_authenticate(audit.consultant)
    english = api.get(_url(audit.current)).json()["items"][0]
    russian = api.get(_url(audit.current) + "?lang=ru").json()["items"][0]
    assert russian["code"] == english["code"] and russian["title"] != english["title"]


def test_review_accepts_rejects_edits_reorders_and_adds(api, audit):
    api.force_authenticate(audit.consultant)
    items = api.get(_url(audit.current)).json()["items"]
    first, second, third = items[0], items[1], items[2]
    response = api.patch(
        _url(audit.current),
        {
            "items": [
                {"id": first["id"], "status": "rejected"},
                {
                    "id": second["id"],
                    "status": "accepted",
                    "title": {"en": "Our own words", "ru": "Наши слова"},
                    "actions": {"en": ["Do it"], "ru": ["Сделать"]},
                },
                {"title": {"en": "Hire a CX lead"}, "horizon": "0-3", "effort": "S", "status": "accepted"},
            ],
            "order": [third["id"]],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    after = {item["id"]: item for item in response.json()["items"]}
    assert after[first["id"]]["status"] == "rejected"
    edited = after[second["id"]]
    assert (edited["title"], edited["actions"], edited["edited"]) == ("Our own words", ["Do it"], True)
    # Edited in English and Russian: the edit is the text, and Kazakh and Uzbek lack it.
    assert edited["texts"]["ru"]["title"] == "Наши слова" and edited["missing_languages"] == ["kk", "uz"]
    assert edited["rationale"] == second["rationale"]  # not edited: still the library's
    custom = next(item for item in after.values() if item["custom"])
    assert (custom["title"], custom["step"], custom["code"]) == ("Hire a CX lead", "custom", "")
    assert custom["missing_languages"] == ["ru", "kk", "uz"]  # written in English only
    assert custom["position"] == len(items) + 1
    assert after[third["id"]]["position"] == 1
    assert sorted(item["position"] for item in after.values()) == list(range(1, len(items) + 2))


def test_regenerate_keeps_what_was_reviewed(api, audit):
    api.force_authenticate(audit.consultant)
    items = api.get(_url(audit.current)).json()["items"]
    api.patch(_url(audit.current), {"items": [{"id": items[-1]["id"], "status": "accepted"}]}, format="json")
    response = api.patch(_url(audit.current), {"regenerate": True}, format="json")
    regenerated = response.json()["items"]
    assert regenerated[0]["id"] == items[-1]["id"] and regenerated[0]["status"] == "accepted"
    assert len(regenerated) == len(items)


def test_a_bad_review_saves_nothing(api, audit):
    api.force_authenticate(audit.consultant)
    items = api.get(_url(audit.current)).json()["items"]
    response = api.patch(
        _url(audit.current),
        {
            "items": [
                {"id": items[0]["id"], "status": "accepted"},
                {"id": 999999},
                {"title": {"en": "No horizon"}},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["items"]
    assert [error["index"] for error in errors] == [1, 2]
    assert "id" in errors[0] and {"horizon", "effort"} <= set(errors[1])
    assert RecommendationItem.objects.get(pk=items[0]["id"]).status == "proposed"
    bad_status = api.patch(
        _url(audit.current), {"items": [{"id": items[0]["id"], "status": "maybe"}]}, format="json"
    )
    assert bad_status.status_code == 400, bad_status.json()
    assert bad_status.json() == {"items": {"0": {"status": ['"maybe" is not a valid choice.']}}}


def test_the_roadmap_is_frozen_once_published(api, audit):
    api.force_authenticate(audit.consultant)
    items = api.get(_url(audit.current)).json()["items"]
    assessment_published(assessment=audit.current)
    response = api.patch(
        _url(audit.current), {"items": [{"id": items[0]["id"], "status": "rejected"}]}, format="json"
    )
    assert response.status_code == 409


def test_only_the_assessments_consultants_review(api, audit):
    api.force_authenticate(audit.executive)
    assert api.get(_url(audit.baseline)).status_code == 403
    assert api.get(_url(audit.current)).status_code == 404  # not published: invisible to the client
    other = OrganizationFactory()
    api.force_authenticate(consultant_of(other))
    assert api.get(_url(audit.current)).status_code == 404
    api.force_authenticate(executive_of(other))
    assert api.get(_url(audit.baseline)).status_code == 404
    api.force_authenticate(None)
    assert api.get(_url(audit.current)).status_code == 401
