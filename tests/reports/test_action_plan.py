"""The action plan between an assessment and its re-assessment: publishing turns the accepted
recommendations into initiatives; who may read and change what (consultants everything, a
client manager the initiatives they own, executives read); progress updates; where each
initiative stands; interim KPI values. Every change audited."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from assessment.client_users import client_user_invite
from assessment.models import AuditEvent, Membership, Role
from reports.models import Initiative, InitiativeStatus, RecommendationStatus
from reports.plan import initiative_health, months_later, plan_health
from reports.plan_services import action_plan_from_roadmap
from reports.selectors import recommendations_list, report_scope
from tests.factories import OrganizationFactory, client_manager_of, consultant_of, roadmap_accepted

TODAY = datetime.date(2026, 3, 1)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _patch(client, initiative, **body):
    return client.patch(f"/api/v1/initiatives/{initiative.pk}/", body, content_type="application/json")


def _post(client, url, **body):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def plan(audit):
    """The published baseline's plan, its first initiative owned by a client manager."""
    manager = client_manager_of(audit.organization, first_name="Dana")
    initiatives = list(audit.baseline.initiatives.order_by("position"))
    Initiative.objects.filter(pk=initiatives[0].pk).update(owner=manager)
    audit.manager, audit.initiatives = manager, initiatives
    return audit


# --- from the roadmap ------------------------------------------------------------------------------


def test_publishing_turns_the_accepted_recommendations_into_initiatives(audit):
    baseline = audit.baseline
    roadmap = recommendations_list(assessment=baseline, language="en", accepted_only=True)
    initiatives = list(baseline.initiatives.order_by("position"))
    # The roadmap's 12; the accepted ones past its limit wait for the next cycle.
    assert len(roadmap) == 30 and len(initiatives) == 12
    assert [initiative.recommendation_id for initiative in initiatives] == [
        item["id"] for item in roadmap if not item["later"]
    ]
    assert {initiative.recommendation.status for initiative in initiatives} == {RecommendationStatus.ACCEPTED}
    first = initiatives[0]
    assert set(first.title) == {"en", "ru", "kk", "uz"} and all(first.title.values())
    assert set(first.description) == {"en", "ru", "kk", "uz"}
    assert first.indicators and first.status == InitiativeStatus.PLANNED and first.percent_complete == 0
    # Dates from the horizon, counted from the day of publishing.
    published = first.created_at.date()
    start, due = {"0-3": (0, 3), "3-6": (3, 6), "6-12": (6, 12), "12+": (12, 18)}[
        first.recommendation.horizon
    ]
    assert (first.start_on, first.due_on) == (months_later(published, start), months_later(published, due))
    events = AuditEvent.objects.filter(assessment=baseline, action=AuditEvent.Action.INITIATIVE)
    assert events.count() == len(initiatives)
    # Again: nothing twice.
    assert action_plan_from_roadmap(assessment=baseline) == []
    assert baseline.initiatives.count() == len(initiatives)


def test_recommendations_past_the_roadmaps_limit_wait_for_the_next_cycle(audit):
    """With a limit of 2, only the first two accepted recommendations become initiatives."""
    current = audit.current
    current.roadmap_limit = 2
    current.save(update_fields=["roadmap_limit"])
    roadmap_accepted(current)
    items = recommendations_list(assessment=current, language="en", accepted_only=True)
    assert len(items) > 2 and [item["later"] for item in items[:3]] == [False, False, True]
    created = action_plan_from_roadmap(assessment=current, today=TODAY)
    assert [initiative.recommendation_id for initiative in created] == [item["id"] for item in items[:2]]


def test_months_later_keeps_the_day_or_takes_the_months_last():
    assert months_later(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert months_later(datetime.date(2026, 11, 15), 3) == datetime.date(2027, 2, 15)
    assert months_later(datetime.date(2026, 3, 1), 0) == datetime.date(2026, 3, 1)


# --- where an initiative stands ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "percent", "start", "due", "health"),
    [
        # 59 of 120 days gone: 49 % expected; 20 + 20 < 49 is behind, 30 + 20 is not.
        ("in_progress", 20, datetime.date(2026, 1, 1), datetime.date(2026, 5, 1), "at_risk"),
        ("in_progress", 30, datetime.date(2026, 1, 1), datetime.date(2026, 5, 1), "on_track"),
        # Due in 9 days: under 80 % is at risk.
        ("in_progress", 70, datetime.date(2026, 2, 1), datetime.date(2026, 3, 10), "at_risk"),
        ("in_progress", 85, datetime.date(2026, 2, 1), datetime.date(2026, 3, 10), "on_track"),
        ("planned", 0, None, datetime.date(2026, 2, 28), "overdue"),
        ("planned", 0, None, None, "on_track"),
        ("planned", 0, datetime.date(2026, 4, 1), datetime.date(2026, 9, 1), "on_track"),
        ("done", 100, None, datetime.date(2026, 2, 1), "done"),
        ("dropped", 10, None, datetime.date(2026, 2, 1), "dropped"),
    ],
)
def test_where_an_initiative_stands(status, percent, start, due, health):
    assert (
        initiative_health(status=status, percent_complete=percent, start_on=start, due_on=due, today=TODAY)
        == health
    )


def test_the_plans_health_counts_each_standing():
    assert plan_health(["on_track", "overdue", "overdue", "done"]) == {
        "on_track": 1,
        "at_risk": 0,
        "overdue": 2,
        "done": 1,
        "dropped": 0,
    }


# --- who may do what -----------------------------------------------------------------------------


def test_everyone_of_the_organization_reads_the_plan_and_no_one_else(plan):
    url = f"/api/v1/assessments/{plan.baseline.pk}/initiatives/"
    stranger = client_manager_of(OrganizationFactory(name="Other Bank"))
    for user in (plan.consultant, plan.executive, plan.manager):
        body = _client(user).get(url).json()
        assert [item["id"] for item in body] == [initiative.pk for initiative in plan.initiatives]
    assert body[0]["owner"] == {"id": plan.manager.pk, "name": "Dana", "email": plan.manager.email}
    assert body[0]["health"] in {"on_track", "at_risk"}
    assert _client(stranger).get(url).status_code == 404
    assert _client(stranger).get(f"/api/v1/initiatives/{plan.initiatives[0].pk}/").status_code == 404
    # The re-assessment is not published: its plan is not the client's to see yet.
    unpublished = f"/api/v1/assessments/{plan.current.pk}/initiatives/"
    assert _client(plan.manager).get(unpublished).status_code == 404
    assert _client(plan.consultant).get(unpublished).json() == []


def test_a_client_manager_carries_out_their_own_initiatives_only(plan):
    mine, other = plan.initiatives[0], plan.initiatives[1]
    manager = _client(plan.manager)
    response = _patch(manager, mine, status="in_progress", percent_complete=40)
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["percent_complete"]) == ("in_progress", 40)
    refused = _patch(manager, mine, title={"en": "Something else"})
    assert refused.status_code == 403
    assert "title" in refused.json()["detail"]
    assert _patch(manager, other, percent_complete=10).status_code == 403
    assert _patch(_client(plan.executive), mine, percent_complete=50).status_code == 403
    assert (
        _post(manager, f"/api/v1/assessments/{plan.baseline.pk}/initiatives/", title={"en": "x"}).status_code
        == 403
    )
    mine.refresh_from_db()
    assert mine.percent_complete == 40
    (event,) = AuditEvent.objects.filter(
        action=AuditEvent.Action.INITIATIVE, target=f"initiative #{mine.pk}", actor=plan.manager
    )
    assert (event.before["percent_complete"], event.after["percent_complete"]) == (0, 40)
    assert (event.before["status"], event.after["status"]) == ("planned", "in_progress")


def test_the_consultant_adds_and_changes_initiatives_and_checks_what_they_name(plan):
    consultant = _client(plan.consultant)
    url = f"/api/v1/assessments/{plan.baseline.pk}/initiatives/"
    response = _post(
        consultant,
        url,
        title={
            "en": "Call back every complaint within a day",
            "ru": "Перезванивать по каждой жалобе в течение дня",
        },
        indicators=["PRC-01"],
        outcomes=["churn_rate"],
        targets={"churn_rate": {"op": "<=", "value": 9.5}},
        owner=plan.manager.pk,
        start_on="2026-04-01",
        due_on="2026-09-30",
        budget="25000.00",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["targets"] == {"churn_rate": {"op": "<=", "value": 9.5}}
    assert (created["budget"], created["currency"]) == ("25000.00", plan.baseline.currency)
    assert Initiative.objects.get(pk=created["id"]).position == len(plan.initiatives) + 1
    stranger = consultant_of(OrganizationFactory(name="Other Bank"))
    for body, field in (
        ({"title": {"en": "x"}, "owner": stranger.pk}, "owner"),
        ({"title": {"en": "x"}, "owner": plan.consultant.pk}, "owner"),
        ({"title": {"en": "x"}, "indicators": ["XYZ-99"]}, "indicators"),
        ({"title": {"en": "x"}, "outcomes": ["happiness"]}, "outcomes"),
        (
            {"title": {"en": "x"}, "outcomes": ["nps"], "targets": {"churn_rate": {"op": "<=", "value": 9}}},
            "targets",
        ),
        (
            {
                "title": {"en": "x"},
                "outcomes": ["churn_rate"],
                "targets": {"churn_rate": {"op": "<=", "value": 140}},
            },
            "targets",
        ),
        ({"title": {"en": "x"}, "start_on": "2026-05-01", "due_on": "2026-04-01"}, "due_on"),
        ({"title": {"en": "x"}, "status": "dropped"}, "dropped_reason"),
        ({}, "title"),
    ):
        refused = _post(consultant, url, **body)
        assert refused.status_code == 400, body
        assert field in refused.json(), (body, refused.json())
    assert Initiative.objects.filter(assessment=plan.baseline).count() == len(plan.initiatives) + 1
    # Done is 100 %; dropped keeps its reason, and loses it when taken up again.
    initiative = plan.initiatives[1]
    assert _patch(consultant, initiative, status="done").json()["percent_complete"] == 100
    dropped = _patch(consultant, initiative, status="dropped", dropped_reason="Budget moved to the app")
    assert dropped.json()["dropped_reason"] == "Budget moved to the app"
    assert _patch(consultant, initiative, status="in_progress").json()["dropped_reason"] == ""


def test_a_progress_update_sets_the_progress_with_a_dated_note(plan):
    mine = plan.initiatives[0]
    manager = _client(plan.manager)
    url = f"/api/v1/initiatives/{mine.pk}/updates/"
    assert _post(manager, url).status_code == 400  # neither a note nor a change
    response = _post(manager, url, percent_complete=60, status="in_progress", note="Pilot in two branches")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["percent_complete"], body["status"]) == (60, "in_progress")
    (update,) = body["updates"]
    assert (update["percent_complete"], update["note"], update["author"]) == (
        60,
        "Pilot in two branches",
        "Dana",
    )
    _post(manager, url, note="Third branch next week")
    updates = _client(plan.executive).get(f"/api/v1/initiatives/{mine.pk}/").json()["updates"]
    assert [item["note"] for item in updates] == ["Third branch next week", "Pilot in two branches"]
    assert _post(_client(plan.executive), url, note="Looks good").status_code == 403
    assert (
        _post(manager, f"/api/v1/initiatives/{plan.initiatives[1].pk}/updates/", note="x").status_code == 403
    )


# --- interim KPI values --------------------------------------------------------------------------


def test_interim_kpi_values_by_the_consultant_or_a_client_manager(plan):
    url = f"/api/v1/assessments/{plan.baseline.pk}/kpi-values/"
    Initiative.objects.filter(pk=plan.initiatives[0].pk).update(
        outcomes=["churn_rate"], targets={"churn_rate": {"op": "<=", "value": 9.5}}
    )
    manager, consultant = _client(plan.manager), _client(plan.consultant)
    response = _post(manager, url, metric="churn_rate", measured_on="2026-02-28", value=11.2, source="CRM")
    assert response.status_code == 201, response.json()
    _post(consultant, url, metric="churn_rate", measured_on="2026-01-31", value=12.0, source="CRM")
    (track,) = [item for item in _client(plan.executive).get(url).json() if item["metric"] == "churn_rate"]
    assert [(value["measured_on"], value["value"]) for value in track["values"]] == [
        ("2026-01-31", 12.0),
        ("2026-02-28", 11.2),
    ]
    assert track["targets"] == [{"initiative": plan.initiatives[0].pk, "op": "<=", "value": 9.5}]
    assert track["baseline"]["measured_on"] == "2025-12-31"
    assert track["higher_is_better"] is False
    assert (
        _post(
            _client(plan.executive), url, metric="churn_rate", measured_on="2026-02-28", value=11
        ).status_code
        == 403
    )
    for body, field in (
        ({"metric": "happiness", "measured_on": "2026-02-28", "value": 1}, "metric"),
        ({"metric": "churn_rate", "measured_on": "2026-02-28", "value": 140}, "value"),
        ({"metric": "churn_rate", "measured_on": "2999-01-01", "value": 10}, "measured_on"),
    ):
        refused = _post(consultant, url, **body)
        assert refused.status_code == 400 and field in refused.json(), refused.json()
    events = AuditEvent.objects.filter(action=AuditEvent.Action.KPI_VALUE, assessment=plan.baseline)
    assert sorted(event.after["value"] for event in events) == [11.2, 12.0]


# --- client managers ---------------------------------------------------------------------------


def test_a_client_manager_is_invited_and_reads_no_report(plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = client_user_invite(
            organization=plan.organization,
            actor=plan.consultant,
            email="ops@acme.kz",
            role=Role.CLIENT_MANAGER,
        )
    assert Membership.objects.get(user=user).role == Role.CLIENT_MANAGER
    (message,) = mail.outbox
    assert (
        "its scores and its action plan, where you record the progress of the initiatives you own"
        in message.body
    )
    assert "reports" not in message.body
    assert not report_scope(user=plan.manager).exists()
    # One organization per client user, whatever their role.
    second = OrganizationFactory(name="Second")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, organization=second, role=Role.EXECUTIVE)


def test_only_client_roles_are_invited(plan):
    with pytest.raises(ValidationError, match="executive or a client manager"):
        client_user_invite(
            organization=plan.organization, actor=plan.consultant, email="x@acme.kz", role="consultant"
        )
