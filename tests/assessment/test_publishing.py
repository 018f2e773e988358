"""Publishing (docs/methods.md §3.4): preliminary scores only with a reason, a re-assessment only
after its baseline, and what a published assessment keeps as the client received it."""

import pytest

from assessment.models import Assessment, AuditEvent, ScoreSnapshot, Status
from assessment.services import interview_scores_set
from reports.models import RecommendationItem, RecommendationStatus
from surveys.models import Indicator
from surveys.services import answers_save, invitation_create_many, response_submit
from tests.factories import AssessmentFactory, consultant_of, roadmap_accepted

REASON = "The board meets on Monday; the survey closes next week."  # 55 characters


def _respond(assessment, count: int) -> None:
    rows = [{"email": f"r{n}@bank.kz", "role": "frontline", "department": "Retail"} for n in range(count)]
    for new in invitation_create_many(assessment=assessment, rows=rows):
        answers_save(invitation=new.invitation, items=[{"indicator": "ORG-01", "level": 4}])
        response_submit(invitation=new.invitation)


def _interviews(assessment, consultant) -> None:
    """Every indicator covered by an interview at level 3 (50)."""
    codes = Indicator.objects.filter(version=assessment.catalog_version).values_list("code", flat=True)
    interview_scores_set(
        assessment=assessment, user=consultant, items=[{"indicator": code, "level": 3} for code in codes]
    )


@pytest.fixture
def consultant(audit):
    return consultant_of(audit.organization, username="ann")


@pytest.fixture
def as_consultant(api, consultant):
    api.force_authenticate(consultant)
    return api


def _scoring(assessment, *, responses: int, consultant, reviewed: bool = True) -> Assessment:
    """`assessment` with interviews on every indicator and `responses` submitted, collection
    closed, and (if `reviewed`) its roadmap accepted."""
    _interviews(assessment, consultant)
    _respond(assessment, responses)
    Assessment.objects.filter(pk=assessment.pk).update(status=Status.SCORING)
    assessment.refresh_from_db()
    if reviewed:
        roadmap_accepted(assessment)
    return assessment


def _patch(api, assessment, **payload):
    return api.patch(f"/api/v1/assessments/{assessment.pk}/", payload, format="json")


def test_preliminary_scores_are_refused_with_the_reasons_and_nothing_changes(
    as_consultant, audit, consultant
):
    audit = _scoring(audit, responses=4, consultant=consultant)
    events = AuditEvent.objects.filter(assessment=audit).count()
    response = _patch(as_consultant, audit, status="published")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_evidence"
    assert body["reasons"] == [
        {
            "code": "too_few_responses",
            "submitted": 4,
            "minimum": 5,
            "message": "4 responses are submitted; the overall maturity level needs at least 5.",
        }
    ]
    audit.refresh_from_db()
    assert (audit.status, audit.published_at, audit.publish_override_reason) == (Status.SCORING, None, "")
    assert AuditEvent.objects.filter(assessment=audit).count() == events
    assert not ScoreSnapshot.objects.filter(assessment=audit).exists()


def test_a_reason_shorter_than_twenty_characters_is_400(as_consultant, audit, consultant):
    audit = _scoring(audit, responses=4, consultant=consultant)
    response = _patch(as_consultant, audit, status="published", override_reason="  Board meets soon.  ")
    assert response.status_code == 400
    assert response.json() == {
        "override_reason": ["Say in at least 20 characters why the scores are published now."]
    }
    audit.refresh_from_db()
    assert audit.status == Status.SCORING


def test_a_reason_publishes_preliminary_scores_kept_and_audited(as_consultant, audit, consultant):
    audit = _scoring(audit, responses=4, consultant=consultant)
    reason = "Twenty characters ok"  # exactly 20
    response = _patch(as_consultant, audit, status="published", override_reason=reason)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["publish_override_reason"]) == ("published", reason)
    assert body["published_at"] is not None
    audit.refresh_from_db()
    assert audit.publish_override_reason == reason and audit.published_at is not None
    event = AuditEvent.objects.get(assessment=audit, action=AuditEvent.Action.SUFFICIENCY)
    assert (event.actor_label, event.target, event.before) == ("ann", "publish_override", None)
    assert event.after == {"override_reason": reason, "reasons": ["too_few_responses"]}
    assert (
        AuditEvent.objects.filter(assessment=audit, action=AuditEvent.Action.STATUS).get().after
        == "published"
    )
    # The frozen scores say they are preliminary: the score without its level.
    snapshot = ScoreSnapshot.objects.get(assessment=audit).result
    assert snapshot["sufficiency"]["status"] == "preliminary"
    # ORG-01: (0.5 · 75 + 0.3 · 50) / 0.8 = 65.625; organization (65.625 + 13 · 50) / 14; the
    # other areas 50.
    assert snapshot["overall"]["score"] == pytest.approx(((65.625 + 13 * 50) / 14 + 3 * 50) / 4)
    assert snapshot["overall"]["level"] is None
    scores = as_consultant.get(f"/api/v1/assessments/{audit.pk}/scores/").json()
    assert scores["published"] is True
    assert scores["sufficiency"]["reasons"][0]["code"] == "too_few_responses"
    assert (scores["overall"]["level"], scores["overall"]["level_name"]) == (None, None)


def test_sufficient_scores_publish_without_a_reason_and_ignore_one(as_consultant, audit, consultant):
    audit = _scoring(audit, responses=5, consultant=consultant)
    response = _patch(as_consultant, audit, status="published", override_reason="short")
    assert response.status_code == 200, response.json()
    audit.refresh_from_db()
    assert audit.status == Status.PUBLISHED and audit.published_at is not None
    assert audit.publish_override_reason == ""  # evidence suffices: nothing to justify
    assert not AuditEvent.objects.filter(assessment=audit, action=AuditEvent.Action.SUFFICIENCY).exists()
    assert ScoreSnapshot.objects.get(assessment=audit).result["overall"]["level"] == 3


def test_a_reason_is_given_only_when_publishing(as_consultant, audit):
    response = _patch(as_consultant, audit, title="New", override_reason=REASON)
    assert response.status_code == 400
    assert response.json() == {"override_reason": ["A reason is given only when publishing."]}


def test_the_per_assessment_minimum_decides(as_consultant, audit, consultant):
    audit = _scoring(audit, responses=4, consultant=consultant)
    assert _patch(as_consultant, audit, sufficiency={"min_responses": 4}).status_code == 200
    assert _patch(as_consultant, audit, status="published").status_code == 200


# --- Frozen once published -----------------------------------------------------------------------------


def test_a_published_assessment_keeps_title_baseline_weights_thresholds_sufficiency_and_kpis(
    as_consultant, audit, consultant
):
    earlier = AssessmentFactory(organization=audit.organization, status=Status.PUBLISHED)
    audit = _scoring(audit, responses=5, consultant=consultant)
    assert _patch(as_consultant, audit, status="published").status_code == 200
    audit.refresh_from_db()
    kept = (audit.title, audit.baseline_id, audit.weight_survey, audit.data_thresholds, audit.sufficiency)
    events = AuditEvent.objects.filter(assessment=audit).count()

    for field, value in (
        ("title", "Renamed"),
        ("baseline", earlier.pk),
        ("weight_survey", "0.9"),
        ("weight_data", "0"),
        ("data_thresholds", {"nps": [-10, 0, 10, 40]}),
        ("sufficiency", {"min_responses": 3}),
    ):
        response = _patch(as_consultant, audit, **{field: value})
        assert response.status_code == 409, field
        assert response.json()["code"] == "assessment_published"
        assert response.json()["fields"] == [field]
        assert field in response.json()["detail"]
    both = _patch(as_consultant, audit, title="Renamed", weight_interview="0.1", anonymity_k=9)
    assert both.json()["fields"] == ["title", "weight_interview"]
    kpis = as_consultant.put(f"/api/v1/assessments/{audit.pk}/kpis/", {"kpis": {"nps": 40}}, format="json")
    assert (kpis.status_code, kpis.json()["code"]) == (409, "assessment_published")

    audit.refresh_from_db()
    assert (
        audit.title,
        audit.baseline_id,
        audit.weight_survey,
        audit.data_thresholds,
        audit.sufficiency,
    ) == kept
    assert audit.kpis == {}
    assert AuditEvent.objects.filter(assessment=audit).count() == events
    # The same values sent again change nothing and are no conflict; closing goes on.
    assert _patch(as_consultant, audit, title=audit.title, weight_survey="0.5").status_code == 200
    assert _patch(as_consultant, audit, status="closed").status_code == 200
    assert _patch(as_consultant, audit, title="After closing").status_code == 409


# --- A re-assessment after its baseline ----------------------------------------------------------------


def test_a_re_assessment_is_published_only_after_its_baseline(as_consultant, audit, consultant):
    baseline = AssessmentFactory(organization=audit.organization, status=Status.SCORING, title="Audit 2025")
    audit.baseline = baseline
    audit.save()
    audit = _scoring(audit, responses=5, consultant=consultant)
    response = _patch(as_consultant, audit, status="published")
    assert response.status_code == 409
    assert response.json() == {
        "code": "baseline_not_published",
        "detail": "Publish the baseline “Audit 2025” first: a re-assessment is published after its baseline.",
    }
    audit.refresh_from_db()
    assert audit.status == Status.SCORING
    Assessment.objects.filter(pk=baseline.pk).update(status=Status.CLOSED)
    assert _patch(as_consultant, audit, status="published").status_code == 200


def test_a_roadmap_awaiting_review_is_refused_naming_the_proposals_and_nothing_changes(
    as_consultant, audit, consultant
):
    # Every indicator at level 3 proposes the recommendations triggered below level 4 and 5.
    audit = _scoring(audit, responses=5, consultant=consultant, reviewed=False)
    events = AuditEvent.objects.filter(assessment=audit).count()
    response = _patch(as_consultant, audit, status="published")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "roadmap_not_reviewed"
    pending = body["pending"]
    assert len(pending) >= 10 and all(
        code[:3] in {"STR", "SUP", "ANA", "OMN", "PER", "RET", "SMP"} for code in pending
    )
    assert body["detail"].startswith(
        f"{len(pending)} proposed recommendations await your review ({pending[0]}, "
    )
    audit.refresh_from_db()
    assert (audit.status, audit.published_at) == (Status.SCORING, None)
    assert AuditEvent.objects.filter(assessment=audit).count() == events
    assert not ScoreSnapshot.objects.filter(assessment=audit).exists()
    # The roadmap proposed for the check is rolled back with the refusal: proposed on next look.
    assert not RecommendationItem.objects.filter(assessment=audit).exists()

    roadmap_accepted(audit)
    one = RecommendationItem.objects.filter(assessment=audit).order_by("position").last()
    RecommendationItem.objects.filter(pk=one.pk).update(status=RecommendationStatus.PROPOSED)
    response = _patch(as_consultant, audit, status="published")
    assert (response.status_code, response.json()["pending"]) == (409, [one.code])
    assert response.json()["detail"] == (
        f"1 proposed recommendation awaits your review ({one.code}): "
        "accept or reject it on the roadmap first."
    )
    RecommendationItem.objects.filter(pk=one.pk).update(status=RecommendationStatus.REJECTED)
    assert _patch(as_consultant, audit, status="published").status_code == 200
