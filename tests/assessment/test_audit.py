"""The audit log: every change to what a score or a published report is made of leaves one event
(who, when, what, before → after) in the change's own transaction; nothing else does."""

import itertools
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from assessment import services
from assessment.audit import audit_events
from assessment.models import AuditEvent, InterviewScore, Status
from assessment.services import assessment_update, interview_scores_set
from config.exceptions import ItemErrors, StateConflict
from reports.models import RecommendationItem
from surveys.models import Indicator
from tests.assessment.test_customer_data import CUSTOMERS, SURVEY, upload
from tests.conftest import require_service
from tests.factories import (
    OVERRIDE_REASON,
    AssessmentFactory,
    OrganizationFactory,
    assessment_published,
    consultant_of,
    executive_of,
)

Action = AuditEvent.Action


def _events(assessment, action=None) -> list[tuple]:
    """(actor, target, before, after) oldest first."""
    return [
        (event.actor_label, event.target, event.before, event.after)
        for event in reversed(audit_events(assessment=assessment, action=action))
    ]


@pytest.fixture
def consultant(audit):
    return consultant_of(audit.organization, username="ann")


@pytest.fixture
def api_as(api, consultant):
    api.force_authenticate(consultant)
    return api


# --- Interview scores -----------------------------------------------------------------------------


def test_interview_scores_record_each_changed_indicator_only(audit, consultant):
    interview_scores_set(
        assessment=audit,
        user=consultant,
        items=[{"indicator": "ORG-01", "level": 3, "note": "CEO"}, {"indicator": "ORG-02", "level": 2}],
    )
    assert _events(audit) == [
        ("ann", "ORG-01", None, {"level": 3, "note": "CEO"}),
        ("ann", "ORG-02", None, {"level": 2, "note": ""}),
    ]
    event = audit_events(assessment=audit).first()
    assert event.actor == consultant and event.action == Action.INTERVIEW_SCORE

    other = consultant_of(audit.organization, username="bob")
    interview_scores_set(
        assessment=audit,
        user=other,
        items=[
            {"indicator": "ORG-01", "level": 3, "note": "CEO"},  # unchanged
            {"indicator": "ORG-02", "level": 4, "note": ""},
            {"indicator": "ORG-03", "level": None},  # was not set: unchanged
        ],
    )
    assert _events(audit)[2:] == [("bob", "ORG-02", {"level": 2, "note": ""}, {"level": 4, "note": ""})]
    # The unchanged score keeps its author.
    assert InterviewScore.objects.get(assessment=audit, indicator__code="ORG-01").updated_by == consultant

    interview_scores_set(assessment=audit, user=other, items=[{"indicator": "ORG-01", "level": None}])
    assert _events(audit)[3:] == [("bob", "ORG-01", {"level": 3, "note": "CEO"}, None)]
    assert audit_events(assessment=audit).count() == 4


def test_an_indicator_listed_twice_counts_once_its_last_item(audit, consultant):
    interview_scores_set(
        assessment=audit,
        user=consultant,
        items=[{"indicator": "ORG-01", "level": 2}, {"indicator": "ORG-01", "level": 5, "note": "final"}],
    )
    assert _events(audit) == [("ann", "ORG-01", None, {"level": 5, "note": "final"})]
    assert InterviewScore.objects.get(assessment=audit).level == 5


def test_refused_interview_changes_record_nothing(audit, consultant):
    with pytest.raises(ItemErrors):
        interview_scores_set(
            assessment=audit,
            user=consultant,
            items=[{"indicator": "ORG-01", "level": 3}, {"indicator": "NOPE-99", "level": 2}],
        )
    published = AssessmentFactory(organization=audit.organization, status=Status.PUBLISHED)
    with pytest.raises(StateConflict):
        interview_scores_set(
            assessment=published, user=consultant, items=[{"indicator": "ORG-01", "level": 3}]
        )
    assert AuditEvent.objects.count() == 0
    assert InterviewScore.objects.count() == 0


def test_the_interview_api_records_the_requesting_consultant(api_as, audit, consultant):
    response = api_as.put(
        f"/api/v1/assessments/{audit.pk}/interview-scores/",
        {"scores": [{"indicator": "TEC-01", "level": 4, "note": "CTO"}]},
        format="json",
    )
    assert response.status_code == 200
    assert _events(audit) == [("ann", "TEC-01", None, {"level": 4, "note": "CTO"})]
    bad = api_as.put(
        f"/api/v1/assessments/{audit.pk}/interview-scores/",
        {"scores": [{"indicator": "TEC-01", "level": 9}]},
        format="json",
    )
    assert bad.status_code == 400
    assert audit_events(assessment=audit).count() == 1


# --- Two consultants at once ----------------------------------------------------------------------

ROUNDS = 8


def _edit_rounds(assessment, user, level: int, name: str) -> None:
    # Every round changes the note, so every write is a change with its event.
    for round_ in range(ROUNDS):
        interview_scores_set(
            assessment=assessment,
            user=user,
            items=[
                {"indicator": code, "level": level, "note": f"{name} {round_}"}
                for code in ("ORG-01", "ORG-02")
            ],
        )


def _assert_log_matches_scores(assessment) -> None:
    """One row per indicator; per indicator the events form one chain (each event's before is
    the previous one's after) whose last after, and author, are the stored score's."""
    scores = {
        score.indicator.code: score
        for score in InterviewScore.objects.filter(assessment=assessment).select_related(
            "indicator", "updated_by"
        )
    }
    assert sorted(scores) == ["ORG-01", "ORG-02"]
    assert InterviewScore.objects.filter(assessment=assessment).count() == 2
    for code, score in scores.items():
        chain = [event for event in reversed(audit_events(assessment=assessment)) if event.target == code]
        assert len(chain) == 2 * ROUNDS
        assert chain[0].before is None
        for previous, event in itertools.pairwise(chain):
            assert event.before == previous.after
        assert chain[-1].after == {"level": score.level, "note": score.note}
        assert chain[-1].actor == score.updated_by


@pytest.mark.django_db(transaction=True)
def test_two_consultants_editing_at_once_the_last_event_is_the_stored_score():
    require_service(connection.vendor == "postgresql", "concurrent writers need PostgreSQL (DATABASE_URL)")
    from surveys.services import catalog_load

    catalog_load()
    assessment = AssessmentFactory(status=Status.SCORING)
    ann = consultant_of(assessment.organization, username="ann")
    bob = consultant_of(assessment.organization, username="bob")
    barrier = threading.Barrier(2)
    errors = []

    def consultant_edits(user, level, name):
        try:
            barrier.wait()
            _edit_rounds(assessment, user, level, name)
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=consultant_edits, args=(ann, 2, "ann")),
        threading.Thread(target=consultant_edits, args=(bob, 4, "bob")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    _assert_log_matches_scores(assessment)


def test_two_consultants_editing_in_turns_the_last_event_is_the_stored_score(audit):
    ann = consultant_of(audit.organization, username="ann")
    bob = consultant_of(audit.organization, username="bob")
    for round_ in range(ROUNDS):
        for user, level in ((ann, 2), (bob, 4)):
            interview_scores_set(
                assessment=audit,
                user=user,
                items=[
                    {"indicator": code, "level": level, "note": f"{user.username} {round_}"}
                    for code in ("ORG-01", "ORG-02")
                ],
            )
    _assert_log_matches_scores(audit)
    assert InterviewScore.objects.get(assessment=audit, indicator__code="ORG-01").level == 4


# --- The assessment's settings and status -----------------------------------------------------------


def test_assessment_changes_record_weights_thresholds_settings_and_status(api_as, audit):
    url = f"/api/v1/assessments/{audit.pk}/"
    response = api_as.patch(
        url,
        {
            "weight_survey": "0.6",
            "weight_interview": "0.2",
            "data_thresholds": {"nps": [-10, 0, 10, 40]},
            "title": "Renamed",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert sorted(_events(audit), key=lambda event: event[1]) == [
        (
            "ann",
            "",
            {"survey": 0.5, "interview": 0.3, "data": 0.2},
            {"survey": 0.6, "interview": 0.2, "data": 0.2},
        ),
        ("ann", "", {}, {"nps": [-10.0, 0.0, 10.0, 40.0]}),
        ("ann", "title", audit.title, "Renamed"),
    ]
    assert set(audit_events(assessment=audit).values_list("action", flat=True)) == {
        Action.WEIGHTS,
        Action.THRESHOLDS,
        Action.SETTINGS,
    }
    # The same values again change nothing and record nothing.
    assert api_as.patch(url, {"weight_survey": "0.6", "title": "Renamed"}, format="json").status_code == 200
    assert audit_events(assessment=audit).count() == 3
    # A refused change records nothing.
    assert api_as.patch(url, {"status": "published", "title": "Skipped"}, format="json").status_code == 400
    assert audit_events(assessment=audit).count() == 3
    assert api_as.patch(url, {"status": "scoring"}, format="json").status_code == 200
    assert _events(audit, Action.STATUS) == [("ann", "", "collecting", "scoring")]


def test_reminder_days_anonymity_and_publication_by_a_service_caller(audit, consultant):
    assessment_update(assessment=audit, actor=consultant, reminder_days=[5, 2], anonymity_k=7)
    assert _events(audit, Action.SETTINGS) == [("ann", "reminder_days", [3, 7], [2, 5])]
    assert _events(audit, Action.ANONYMITY) == [("ann", "", 5, 7)]
    assessment_update(assessment=audit, status=Status.SCORING)  # no actor: the system
    assessment_published(assessment=audit, actor=consultant, override_reason=OVERRIDE_REASON)
    assert _events(audit, Action.STATUS) == [
        ("", "", "collecting", "scoring"),
        ("ann", "", "scoring", "published"),
    ]
    # Published without sufficient evidence: the reason is logged too (docs/methods.md §3.4).
    assert _events(audit, Action.SUFFICIENCY) == [
        (
            "ann",
            "publish_override",
            None,
            {"override_reason": OVERRIDE_REASON, "reasons": ["too_few_responses", *["area_coverage"] * 4]},
        )
    ]
    with pytest.raises(ValidationError):
        assessment_update(assessment=audit, actor=consultant, reminder_days=[0])
    assert audit_events(assessment=audit).count() == 5


def test_a_change_that_fails_after_its_event_rolls_the_event_back(audit, consultant, monkeypatch):
    assessment_update(assessment=audit, actor=consultant, status=Status.SCORING)

    def snapshot_fails(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "score_snapshot_take", snapshot_fails)
    with pytest.raises(RuntimeError):
        assessment_published(assessment=audit, actor=consultant, override_reason=OVERRIDE_REASON)
    audit.refresh_from_db()
    assert audit.status == Status.SCORING
    assert _events(audit, Action.STATUS) == [("ann", "", "collecting", "scoring")]


# --- KPIs and customer data --------------------------------------------------------------------------


def test_kpi_changes_record_the_changed_codes(api_as, audit):
    url = f"/api/v1/assessments/{audit.pk}/kpis/"
    assert api_as.put(url, {"kpis": {"nps": 30, "average_deposit": 1200}}, format="json").status_code == 200
    assert api_as.put(url, {"kpis": {"nps": None, "average_deposit": 1200}}, format="json").status_code == 200
    assert api_as.put(url, {"kpis": {"bogus": 1}}, format="json").status_code == 400
    assert _events(audit, Action.KPIS) == [
        ("ann", "", {"average_deposit": None, "nps": None}, {"average_deposit": 1200.0, "nps": 30.0}),
        ("ann", "", {"nps": 30.0}, {"nps": None}),
    ]


def test_customer_data_records_files_and_key_metrics(api_as, audit):
    url = f"/api/v1/assessments/{audit.pk}/customer-data/"
    first = api_as.post(
        url,
        {"customers": upload("customers.csv", CUSTOMERS), "survey": upload("survey.csv", SURVEY)},
        format="multipart",
    )
    assert first.status_code == 201, first.json()
    three_clients = "\n".join(CUSTOMERS.splitlines()[:4]) + "\n"
    second = api_as.post(url, {"customers": upload("fewer.csv", three_clients)}, format="multipart")
    assert second.status_code == 201, second.json()
    refused = api_as.post(url, {"customers": upload("bad.csv", "nothing,useful\n1,2\n")}, format="multipart")
    assert refused.status_code == 400
    events = _events(audit, Action.CUSTOMER_DATA)
    assert len(events) == 2
    actor, target, before, after = events[0]
    assert (actor, target, before) == ("ann", "customers,survey", None)
    assert after["files"] == {
        "customers": {"name": "customers.csv", "rows": 4},
        "survey": {"name": "survey.csv", "rows": 12},
    }
    assert after["period"] == ["2025-07-01", "2026-06-30"]
    assert after["nps"] == pytest.approx(10)
    assert after["churn_basis"] == "both"
    assert after["churn_rate"] == pytest.approx(50)  # of four, C3 closed and C4 never active
    actor, target, before, after = events[1]
    assert (actor, target) == ("ann", "customers")
    assert before["files"] == {"customers": {"name": "customers.csv", "rows": 4}}
    assert after["files"] == {"customers": {"name": "fewer.csv", "rows": 3}}
    assert before["churn_rate"] == pytest.approx(50) and after["churn_rate"] == pytest.approx(100 / 3)


def test_a_background_import_records_its_uploader(api_as, audit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as.post(
            f"/api/v1/assessments/{audit.pk}/customer-data/?background=1",
            {"customers": upload("customers.csv", CUSTOMERS)},
            format="multipart",
        )
    assert response.status_code == 202
    [(actor, target, before, after)] = _events(audit, Action.CUSTOMER_DATA)
    assert (actor, target, before) == ("ann", "customers", None)
    assert after["files"]["customers"] == {"name": "customers.csv", "rows": 4}


# --- The roadmap ---------------------------------------------------------------------------------------


@pytest.fixture
def scored(audit):
    """Interview levels of 2 everywhere, so the engine proposes a roadmap."""
    codes = Indicator.objects.filter(version=audit.catalog_version).values_list("code", flat=True)
    interview_scores_set(
        assessment=audit,
        user=consultant_of(audit.organization, username="setup"),
        items=[{"indicator": code, "level": 2} for code in codes],
    )
    return audit


def test_roadmap_proposal_and_review_are_recorded(api_as, scored):
    url = f"/api/v1/assessments/{scored.pk}/recommendations/"
    items = api_as.get(url).json()["items"]
    assert len(items) >= 3
    codes = [item["code"] for item in items]
    assert _events(scored, Action.ROADMAP) == [("ann", "generate", [], codes)]
    api_as.get(url)  # looking again changes nothing
    assert len(_events(scored, Action.ROADMAP)) == 1

    first, second, third = items[:3]
    response = api_as.patch(
        url,
        {
            "items": [
                {"id": first["id"], "status": "rejected"},
                {"id": second["id"], "status": "proposed", "title": {"en": "Our own words"}},
                {"title": {"en": "Hire a CX lead"}, "horizon": "0-3", "effort": "S", "status": "accepted"},
            ],
            "order": [third["id"]],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    custom = RecommendationItem.objects.get(assessment=scored, code="")
    assert _events(scored, Action.RECOMMENDATION) == [
        ("ann", first["code"], {"status": "proposed"}, {"status": "rejected"}),
        # The status did not change.
        ("ann", second["code"], {"title": {}}, {"title": {"en": "Our own words"}}),
        (
            "ann",
            f"#{custom.pk}",
            None,
            {"title": {"en": "Hire a CX lead"}, "status": "accepted", "horizon": "0-3", "effort": "S"},
        ),
    ]
    [(_actor, target, before, after)] = _events(scored, Action.ROADMAP)[1:]
    assert target == "order"
    assert before == [*codes, f"#{custom.pk}"]
    assert after == [third["code"], *(code for code in before if code != third["code"])]

    count = AuditEvent.objects.count()
    refused = api_as.patch(
        url, {"items": [{"id": first["id"], "status": "accepted"}, {"id": 999999}]}, format="json"
    )
    assert refused.status_code == 400
    assert AuditEvent.objects.count() == count


# --- Who may read the log ------------------------------------------------------------------------------


def test_the_api_lists_the_log_newest_first_for_consultants_only(api, api_as, audit, consultant):
    for level in (1, 2, 3):
        interview_scores_set(
            assessment=audit, user=consultant, items=[{"indicator": "ORG-01", "level": level}]
        )
    assessment_update(assessment=audit, actor=consultant, title="Renamed")
    url = f"/api/v1/assessments/{audit.pk}/audit-log/"
    body = api_as.get(url).json()
    assert body["count"] == 4
    newest = body["results"][0]
    assert newest == {
        "id": newest["id"],
        "created_at": newest["created_at"],
        "actor": "ann",
        "action": "settings",
        "target": "title",
        "before": audit.title,
        "after": "Renamed",
    }
    scores = api_as.get(url, {"action": "interview_score", "limit": 2, "offset": 1}).json()
    assert scores["count"] == 3
    assert [(event["before"], event["after"]) for event in scores["results"]] == [
        ({"level": 1, "note": ""}, {"level": 2, "note": ""}),
        (None, {"level": 1, "note": ""}),
    ]
    assert api_as.get(url, {"limit": 0}).status_code == 400
    assert api_as.get(url, {"action": "nonsense"}).status_code == 400

    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)
    api.force_authenticate(executive_of(audit.organization))
    assert api.get(url).status_code == 403  # may read the published assessment, not run the audit
    api.force_authenticate(consultant_of(OrganizationFactory(), username="stranger"))
    assert api.get(url).status_code == 404
    api.force_authenticate(None)
    assert api.get(url).status_code in (401, 403)
