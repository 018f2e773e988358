import pytest

from assessment.models import Status
from surveys.models import Answer, Response


def _get(api, new, **params):
    return api.get(f"/api/v1/respond/{new.token}/", params)


def _patch(api, new, answers):
    return api.patch(f"/api/v1/respond/{new.token}/answers/", {"answers": answers}, format="json")


def _submit(api, new):
    return api.post(f"/api/v1/respond/{new.token}/submit/")


def test_questionnaire_shape(api, new_invitation, assessment):
    body = _get(api, new_invitation).json()
    assert body["assessment"] == {"title": assessment.title, "deadline": None}
    assert body["status"] == "invited"
    assert body["answers"] == {}
    assert [area["code"] for area in body["areas"]] == ["organization", "staff", "processes", "technology"]
    indicator = body["areas"][0]["indicators"][0]
    assert indicator["code"] == "ORG-01"
    assert len(indicator["levels"]) == 5


def test_questionnaire_in_the_requested_or_preferred_language(api, assessment):
    from tests.surveys.conftest import invite

    new = invite(assessment, email="ru@bank.kz", language="ru")
    assert _get(api, new).json()["areas"][1]["name"] == "Персонал"
    assert _get(api, new, lang="en").json()["areas"][1]["name"] == "Staff"


def test_partial_save_then_resume(api, new_invitation):
    response = _patch(
        api,
        new_invitation,
        [
            {"indicator": "ORG-01", "level": 4, "comment": "Strategy mentions CX"},
            {"indicator": "ORG-02", "level": None},
        ],
    )
    assert response.status_code == 200
    assert response.json() == {"saved": 2}
    body = _get(api, new_invitation).json()
    assert body["status"] == "started"
    assert body["answers"] == {
        "ORG-01": {"level": 4, "answered": True, "comment": "Strategy mentions CX"},
        "ORG-02": {"level": None, "answered": True, "comment": ""},
    }


def test_a_comment_before_its_level_is_kept_and_the_question_stays_unanswered(api, new_invitation):
    assert _patch(api, new_invitation, [{"indicator": "ORG-01", "comment": "Board reviews CX"}]).json() == {
        "saved": 1
    }
    assert _get(api, new_invitation).json()["answers"] == {
        "ORG-01": {"level": None, "answered": False, "comment": "Board reviews CX"}
    }
    # A comment alone is not an answer, not even don't know: nothing to submit yet.
    refused = _submit(api, new_invitation)
    assert refused.status_code == 400
    assert refused.json()["answers"] == ["Answer at least one question before submitting."]

    _patch(api, new_invitation, [{"indicator": "ORG-01", "level": 4, "comment": "Board reviews CX twice"}])
    assert _get(api, new_invitation).json()["answers"] == {
        "ORG-01": {"level": 4, "answered": True, "comment": "Board reviews CX twice"}
    }


def test_a_comment_alone_on_an_answered_question_keeps_its_level(api, new_invitation):
    _patch(api, new_invitation, [{"indicator": "ORG-01", "level": 2}, {"indicator": "ORG-02", "level": None}])
    _patch(
        api,
        new_invitation,
        [{"indicator": "ORG-01", "comment": "edited later"}, {"indicator": "ORG-02", "comment": "no idea"}],
    )
    assert _get(api, new_invitation).json()["answers"] == {
        "ORG-01": {"level": 2, "answered": True, "comment": "edited later"},
        "ORG-02": {"level": None, "answered": True, "comment": "no idea"},
    }


def test_saving_again_is_idempotent_and_updates_in_place(api, new_invitation):
    for level in (2, 2, 5):
        assert _patch(api, new_invitation, [{"indicator": "PRC-03", "level": level}]).status_code == 200
    assert list(Answer.objects.values_list("indicator__code", "level")) == [("PRC-03", 5)]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"indicator": "ORG-01", "level": 6}, "level"),
        ({"indicator": "ORG-01", "level": 0}, "level"),
        ({"indicator": "ORG-01", "level": "four"}, "level"),
        ({"indicator": "ORG-01", "level": True}, "level"),
        ({"indicator": "XYZ-99", "level": 3}, "indicator"),
        ({"level": 3}, "indicator"),
        ({"indicator": "ORG-01", "level": 3, "comment": "x" * 2001}, "comment"),
    ],
)
def test_invalid_item_is_400_per_item_and_nothing_is_saved(api, new_invitation, item, field):
    response = _patch(api, new_invitation, [{"indicator": "TEC-01", "level": 3}, item])
    assert response.status_code == 400
    [error] = response.json()["answers"]
    assert error["index"] == 1
    assert field in error
    assert not Answer.objects.exists()


def test_same_indicator_twice_in_one_request_is_400(api, new_invitation):
    response = _patch(
        api, new_invitation, [{"indicator": "ORG-01", "level": 3}, {"indicator": "ORG-01", "level": 4}]
    )
    assert response.status_code == 400
    assert response.json() == {
        "answers": [{"index": 1, "indicator": ["ORG-01 appears twice in this request."]}]
    }


@pytest.mark.parametrize("body", [{}, {"answers": []}, {"answers": "ORG-01"}, {"answers": [1, 2]}, []])
def test_malformed_body_is_400(api, new_invitation, body):
    response = api.patch(f"/api/v1/respond/{new_invitation.token}/answers/", body, format="json")
    assert response.status_code == 400
    assert not Answer.objects.exists()


def test_submit_locks_answers(api, new_invitation):
    _patch(api, new_invitation, [{"indicator": "ORG-01", "level": 3}])
    response = _submit(api, new_invitation)
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    locked = _patch(api, new_invitation, [{"indicator": "ORG-01", "level": 5}])
    assert locked.status_code == 409
    assert locked.json()["code"] == "submitted"
    assert Answer.objects.get().level == 3
    assert _get(api, new_invitation).json()["status"] == "submitted"


def test_submitting_twice_is_harmless(api, new_invitation):
    _patch(api, new_invitation, [{"indicator": "ORG-01", "level": 3}])
    first = _submit(api, new_invitation).json()
    second = _submit(api, new_invitation)
    assert second.status_code == 200
    assert second.json()["submitted_at"] == first["submitted_at"]


def test_empty_questionnaire_cannot_be_submitted(api, new_invitation):
    response = _submit(api, new_invitation)
    assert response.status_code == 400
    assert response.json() == {"answers": ["Answer at least one question before submitting."]}
    assert not Response.objects.filter(submitted_at__isnull=False).exists()


def test_unknown_token_is_404(api, catalog):
    assert api.get("/api/v1/respond/not-a-token/").status_code == 404
    assert api.patch("/api/v1/respond/nope/answers/", {"answers": []}, format="json").status_code == 404
    assert api.post("/api/v1/respond/nope/submit/").status_code == 404


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SCORING, Status.PUBLISHED])
def test_assessment_not_collecting_is_409_with_a_message(api, new_invitation, assessment, status):
    assessment.status = status
    assessment.save()
    response = _patch(api, new_invitation, [{"indicator": "ORG-01", "level": 3}])
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This questionnaire is not open: the assessment is not collecting answers.",
        "code": "assessment_not_collecting",
    }
    assert _submit(api, new_invitation).status_code == 409


def test_any_link_sent_to_the_respondent_works(api, new_invitation):
    from surveys.services import invitation_link_create

    second_token = invitation_link_create(invitation=new_invitation.invitation)
    api.patch(
        f"/api/v1/respond/{second_token}/answers/",
        {"answers": [{"indicator": "STF-02", "level": 2}]},
        format="json",
    )
    assert _get(api, new_invitation).json()["answers"] == {
        "STF-02": {"level": 2, "answered": True, "comment": ""}
    }


def test_token_endpoints_are_throttled_per_token(api, new_invitation, settings):
    from surveys.throttles import RespondTokenThrottle

    RespondTokenThrottle.THROTTLE_RATES = {**RespondTokenThrottle.THROTTLE_RATES, "respond_token": "3/min"}
    try:
        statuses = [_get(api, new_invitation).status_code for _ in range(4)]
    finally:
        RespondTokenThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert statuses == [200, 200, 200, 429]


def test_token_endpoints_are_throttled_per_ip(api, assessment, settings):
    from surveys.throttles import RespondIpThrottle
    from tests.surveys.conftest import invite

    links = [invite(assessment, email=f"ip{n}@bank.kz") for n in range(3)]
    RespondIpThrottle.THROTTLE_RATES = {**RespondIpThrottle.THROTTLE_RATES, "respond_ip": "2/min"}
    try:
        statuses = [_get(api, new).status_code for new in links]
    finally:
        RespondIpThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert statuses == [200, 200, 429]


def test_token_throttle_counts_per_window_and_says_when_to_retry(api, new_invitation, settings, monkeypatch):
    from django.core.cache import cache

    from config.tokens import token_hash
    from surveys.throttles import RespondTokenThrottle

    clock = [1_800_000_020.0]  # 20 s into a minute
    monkeypatch.setattr(RespondTokenThrottle, "timer", staticmethod(lambda: clock[0]))
    rates = {**RespondTokenThrottle.THROTTLE_RATES, "respond_token": "3/min"}
    monkeypatch.setattr(RespondTokenThrottle, "THROTTLE_RATES", rates)
    statuses = [_get(api, new_invitation).status_code for _ in range(3)]
    refused = _get(api, new_invitation)
    counter = cache.get(f"throttle_respond_token_{token_hash(new_invitation.token)}:{1_800_000_020 // 60}")
    clock[0] = 1_800_000_060.0
    next_window = _get(api, new_invitation).status_code

    assert statuses == [200, 200, 200]
    assert (refused.status_code, refused["Retry-After"]) == (429, "40")
    assert counter == 4  # one integer per window, not a list of every request's time
    assert next_window == 200
