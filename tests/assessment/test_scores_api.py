import pandas as pd
import pytest

from assessment.models import ScoreSnapshot, Status
from assessment.selectors import answer_counts_frame, submitted_respondents_frame
from assessment.services import assessment_update, interview_scores_set
from config.exceptions import StateConflict
from surveys.services import answers_save, invitation_create_many, response_submit
from tests.factories import (
    OVERRIDE_REASON,
    AssessmentFactory,
    OrganizationFactory,
    UserFactory,
    assessment_published,
    consultant_of,
    executive_of,
)


def respond(assessment, email, role, levels, submit=True, department="Retail"):
    [new] = invitation_create_many(
        assessment=assessment, rows=[{"email": email, "role": role, "department": department}]
    )
    answers_save(
        invitation=new.invitation,
        items=[{"indicator": code, "level": level} for code, level in levels.items()],
    )
    if submit:
        response_submit(invitation=new.invitation)
    return new


@pytest.fixture
def audit(catalog):
    assessment = AssessmentFactory(
        organization=OrganizationFactory(name="Kazakh Bank", industry="banking"), status=Status.COLLECTING
    )
    # ORG-01 answers 4, 3, 5, don't know, 3 (docs/methods.md §3.2 example); STF-01 all 2.
    for n, level in enumerate([4, 3, 5, None, 3]):
        respond(assessment, f"r{n}@bank.kz", "frontline", {"ORG-01": level, "STF-01": 2})
    # Started but not submitted: must not count.
    respond(assessment, "late@bank.kz", "frontline", {"ORG-01": 1, "STF-01": 1}, submit=False)
    return assessment


@pytest.fixture
def consultant(api, audit):
    user = consultant_of(audit.organization)
    api.force_authenticate(user)
    return user


def _scores(api, assessment, **params):
    response = api.get(f"/api/v1/assessments/{assessment.pk}/scores/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_answer_counts_hold_only_submitted_answers(audit):
    frame = answer_counts_frame(assessment=audit)
    counts = {(row.indicator, row.level): row.count for row in frame.fillna({"level": 0}).itertuples()}
    # ORG-01: 4, 3, 5, don't know, 3; STF-01: five times 2. The unsubmitted 1s are absent.
    assert counts == {
        ("ORG-01", 3.0): 2,
        ("ORG-01", 4.0): 1,
        ("ORG-01", 5.0): 1,
        ("ORG-01", 0): 1,
        ("STF-01", 2.0): 5,
    }
    assert set(frame["role"]) == {"frontline"}
    assert set(frame["department"]) == {"Retail"}
    assert submitted_respondents_frame(assessment=audit).to_dict("records") == [
        {"role": "frontline", "department": "Retail", "count": 5}
    ]


def test_a_question_with_only_a_comment_is_no_answer_in_the_scores_nor_in_the_export(audit):
    from assessment.exports import answers_export_frame

    new = respond(audit, "commenter@bank.kz", "frontline", {"STF-01": 2}, submit=False)
    answers_save(
        invitation=new.invitation, items=[{"indicator": "ORG-01", "comment": "Unsure", "answered": False}]
    )
    response_submit(invitation=new.invitation)

    frame = answer_counts_frame(assessment=audit)
    assert frame.loc[frame["indicator"] == "ORG-01", "count"].sum() == 5  # as before: no don't know added
    assert frame.loc[frame["indicator"] == "STF-01", "count"].sum() == 6
    export = answers_export_frame(assessment=audit)
    commented = export[export["comment"] == "Unsure"].iloc[0]
    assert (commented["indicator"], pd.isna(commented["level"]), commented["dont_know"]) == (
        "ORG-01",
        True,
        False,
    )
    assert export["dont_know"].sum() == 1  # the one real don't know of the fixture


def test_scores_of_the_methods_example_through_the_api(api, consultant, audit):
    interview_scores_set(assessment=audit, user=consultant, items=[{"indicator": "ORG-01", "level": 3}])
    body = _scores(api, audit)
    org01 = next(i for i in body["indicators"] if i["code"] == "ORG-01")
    assert org01["score"] == 61.72  # 61.71875, rounded to 2 decimals
    assert org01["level"] == 3  # method 2: Centric from 62.5
    assert org01["level_name"] == "Customer-Aware"
    assert org01["evidence"] == {"survey": 68.75, "interview": 50.0, "data": None}
    assert org01["mean_level"] == org01["raw_mean_level"] == 3.75  # one role: nothing to balance
    assert body["method_version"] == 2
    assert org01["n"] == 4
    assert org01["dont_know_share"] == 0.2
    # organization: only ORG-01 scored → 61.71875; staff: STF-01 all level 2 → 25.
    assert [(a["code"], a["score"]) for a in body["areas"]] == [
        ("organization", 61.72),
        ("staff", 25.0),
        ("processes", None),
        ("technology", None),
    ]
    # One indicator of 14 covered per area falls short of 70 %: the scores are preliminary, so
    # no area and not the overall score claims a level (docs/methods.md §3.4).
    assert body["overall"] == {
        "score": round((61.71875 + 25) / 2, 2),
        "level": None,
        "level_code": None,
        "level_name": None,
        "gated": None,
    }
    assert (body["outcomes"], body["reality_gap"]) == (None, None)  # no customer data
    assert body["sufficiency"]["status"] == "preliminary"
    assert [reason["code"] for reason in body["sufficiency"]["reasons"]] == ["area_coverage"] * 4
    assert body["coverage"]["scored"] == 2
    assert body["coverage"]["total"] == 59
    assert len(body["coverage"]["missing"]) == 57
    assert body["respondents"] == {"invited": 6, "submitted": 5}
    assert body["benchmark"] is None
    assert body["published"] is False


def test_level_names_in_russian(api, consultant, audit):
    audit.sufficiency = {"min_area_coverage": 0}  # levels on the thin evidence of this example
    audit.save()
    body = _scores(api, audit, lang="ru")
    assert body["overall"]["level_name"] == "Клиентоориентированная компания"  # 46.88 → level 3
    assert body["areas"][0]["level_name"] == "Клиентоцентричная компания"  # 68.75 → level 4


def test_interview_scores_put_get_and_clear(api, consultant, audit):
    url = f"/api/v1/assessments/{audit.pk}/interview-scores/"
    put = api.put(
        url,
        {
            "scores": [
                {"indicator": "ORG-01", "level": 3, "note": "CEO interview"},
                {"indicator": "TEC-02", "level": 2},
            ]
        },
        format="json",
    )
    assert put.json() == {"saved": 2}
    listed = api.get(url).json()["scores"]
    assert [(s["indicator"], s["level"], s["note"], s["updated_by"]) for s in listed] == [
        ("ORG-01", 3, "CEO interview", consultant.username),
        ("TEC-02", 2, "", consultant.username),
    ]
    api.put(
        url,
        {"scores": [{"indicator": "ORG-01", "level": None}, {"indicator": "TEC-02", "level": 4}]},
        format="json",
    )
    assert [(s["indicator"], s["level"]) for s in api.get(url).json()["scores"]] == [("TEC-02", 4)]
    # TEC-02 scored from the interview alone.
    tec02 = next(i for i in _scores(api, audit)["indicators"] if i["code"] == "TEC-02")
    assert tec02["score"] == 75.0
    assert tec02["confidence"] == "low"


def test_interview_scores_are_validated_per_item_and_atomic(api, consultant, audit):
    url = f"/api/v1/assessments/{audit.pk}/interview-scores/"
    bad = api.put(
        url,
        {"scores": [{"indicator": "ORG-01", "level": 3}, {"indicator": "NOPE-1", "level": 2}]},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json() == {"scores": [{"index": 1, "indicator": ["Unknown indicator NOPE-1."]}]}
    assert api.get(url).json()["scores"] == []
    out_of_range = api.put(url, {"scores": [{"indicator": "ORG-01", "level": 6}]}, format="json")
    assert out_of_range.status_code == 400


def test_publishing_freezes_the_scores(api, consultant, audit):
    interview_scores_set(assessment=audit, user=consultant, items=[{"indicator": "ORG-01", "level": 3}])
    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)
    frozen = _scores(api, audit)
    assert frozen["published"] is True
    # The weights of what the client has seen no longer change.
    with pytest.raises(StateConflict):
        assessment_update(assessment=audit, weight_survey=0)
    assert _scores(api, audit)["overall"] == frozen["overall"]
    # And interview scores of a published assessment are locked.
    put = api.put(
        f"/api/v1/assessments/{audit.pk}/interview-scores/",
        {"scores": [{"indicator": "ORG-01", "level": 5}]},
        format="json",
    )
    assert put.status_code == 409
    assert ScoreSnapshot.objects.get(assessment=audit).overall == pytest.approx((61.71875 + 25) / 2)


def test_executive_sees_published_scores_of_own_organization_only(api, audit, catalog):
    executive = executive_of(audit.organization)
    api.force_authenticate(executive)
    assert api.get(f"/api/v1/assessments/{audit.pk}/scores/").status_code == 404  # not yet published
    audit.sufficiency = {"min_area_coverage": 0}  # levels on the thin evidence of this example
    audit.save()
    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_published(assessment=audit)
    assert _scores(api, audit)["overall"]["level"] == 3
    assert api.get(f"/api/v1/assessments/{audit.pk}/interview-scores/").status_code == 403
    other = AssessmentFactory(status=Status.PUBLISHED)
    assert api.get(f"/api/v1/assessments/{other.pk}/scores/").status_code == 404


def test_stranger_gets_404(api, audit):
    api.force_authenticate(UserFactory())
    assert api.get(f"/api/v1/assessments/{audit.pk}/scores/").status_code == 404
    assert (
        api.put(
            f"/api/v1/assessments/{audit.pk}/interview-scores/", {"scores": []}, format="json"
        ).status_code
        == 404
    )


def _published_peer(industry, overall_level, n):
    peer = AssessmentFactory(
        organization=OrganizationFactory(industry=industry),
        status=Status.COLLECTING,
        sufficiency={"min_area_coverage": 0},  # two indicators answered: enough for these peers
    )
    for r in range(5):
        respond(peer, f"peer{n}-{r}@bank.kz", "frontline", {"ORG-01": overall_level, "STF-01": overall_level})
    assessment_update(assessment=peer, status=Status.SCORING)
    assessment_published(assessment=peer)
    return peer


def test_benchmark_needs_five_peers_and_names_none(api, consultant, audit):
    for n, level in enumerate([1, 2, 4, 5]):
        _published_peer("banking", level, n)
    _published_peer("retail", 1, 99)  # another industry: not a peer
    assert _scores(api, audit)["benchmark"] is None
    _published_peer("banking", 3, 5)
    benchmark = _scores(api, audit)["benchmark"]
    # Overall 43.36 vs peers 0, 25, 75, 100, 50: 2 of 5 below → 40. Staff 25 vs the same:
    # one below and one tie (counted half) → 30. Organization 61.72: 3 below → 60.
    assert benchmark == {
        "industry": "banking",
        "peers": 5,
        "overall": 40.0,
        "areas": {"organization": 60.0, "staff": 30.0, "processes": None, "technology": None},
    }
    assert "Bank" not in str(benchmark)


def test_other_is_no_industry_to_compare_with(api, consultant, audit):
    """Organizations filed under "other" have nothing in common: no benchmark among them."""
    for n, level in enumerate([1, 2, 3, 4, 5]):
        _published_peer("other", level, n)
    audit.organization.industry = "other"
    audit.organization.save()
    assert _scores(api, audit)["benchmark"] is None
    audit.organization.industry = "banking"
    audit.organization.save()
    for n, level in enumerate([1, 2, 3, 4, 5], 10):
        _published_peer("banking", level, n)
    assert _scores(api, audit)["benchmark"]["peers"] == 5


def test_the_api_shows_the_balanced_and_the_raw_mean(api, consultant, audit):
    # Five executives answer 5 on ORG-01 beside the five tellers' 4, 3, 5, don't know, 3.
    for n in range(5):
        respond(audit, f"board{n}@bank.kz", "executive", {"ORG-01": 5}, department="Board")
    org01 = next(i for i in _scores(api, audit)["indicators"] if i["code"] == "ORG-01")
    assert org01["mean_level"] == 4.38  # (3.75 + 5) / 2 = 4.375
    assert org01["raw_mean_level"] == 4.44  # (15 + 25) / 9
    assert org01["evidence"]["survey"] == 84.38  # 25 · (4.375 − 1)


def test_an_assessment_of_method_1_keeps_its_bands_and_says_so(api, consultant, audit):
    interview_scores_set(assessment=audit, user=consultant, items=[{"indicator": "ORG-01", "level": 3}])
    audit.method_version = 1
    audit.save()
    body = _scores(api, audit)
    org01 = next(i for i in body["indicators"] if i["code"] == "ORG-01")
    assert body["method_version"] == 1
    assert (org01["score"], org01["level_code"]) == (61.72, "centric")  # Aware under method 2
    assert org01["raw_mean_level"] == org01["mean_level"] == 3.75
