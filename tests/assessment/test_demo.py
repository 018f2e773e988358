import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from assessment.demo import DEMO_LOGINS
from assessment.kpis import assessment_kpis
from assessment.method import CURRENT_METHOD_VERSION, level_of, result_method
from assessment.models import Assessment, Membership, Organization, Role, Status
from assessment.selectors import assessment_scope, assessment_scores, user_is_consultant
from reports.models import InitiativeStatus
from reports.plan_selectors import initiatives_list, kpi_tracks
from reports.selectors import assessment_comparison


@pytest.fixture(autouse=True)
def _development(settings):
    # The demo is for development servers (DEBUG on); pytest-django turns DEBUG off.
    settings.DEBUG = True


def test_seed_demo_is_idempotent_and_logins_work(catalog_v2, capsys, settings):
    settings.SITE_URL = "http://127.0.0.1:8611"  # `make run PORT=8611`
    call_command("seed_demo", "--no-reports")
    call_command("seed_demo", "--no-reports")
    assert Organization.objects.filter(name="Demo Bank").count() == 1
    assert Assessment.objects.count() == 2
    out = capsys.readouterr().out
    # The links printed lead where the server runs.
    assert "Open http://127.0.0.1:8611/ and sign in" in out
    assert "Demo respondent questionnaire: http://127.0.0.1:8611/r/" in out
    for login in DEMO_LOGINS:
        assert f"{login.username} / {login.password}" in out
        assert authenticate(username=login.username, password=login.password) is not None

    consultant = authenticate(username="consultant", password="consultant-demo-2026")
    executive = authenticate(username="executive", password="executive-demo-2026")
    assert user_is_consultant(user=consultant)
    assert not user_is_consultant(user=executive)
    assert Membership.objects.get(user=executive).role == Role.EXECUTIVE
    assert assessment_scope(user=consultant).count() == 2
    # The executive sees the published baseline only, not the re-assessment still collecting.
    assert list(assessment_scope(user=executive).values_list("status", flat=True)) == [Status.PUBLISHED]


def test_demo_tells_the_seeds_re_assessment_story(catalog_v2):
    """Like the seed's bank: about 57 (Customer-Aware), nine months later about 72
    (Customer-Centric), with churn (closed or inactive) down by a tenth or more and NPS up about
    12 points."""
    call_command("seed_demo", "--no-reports")
    reassessment = Assessment.objects.get(baseline__isnull=False)
    baseline = reassessment.baseline
    assert baseline.status == Status.PUBLISHED and reassessment.status == Status.COLLECTING
    before = assessment_scores(assessment=baseline)
    after = assessment_scores(assessment=reassessment)
    assert 55 <= before["overall"]["score"] < 60 and before["overall"]["level"] == 3
    # The audit is published on sufficient evidence, with no reason needed.
    assert before["sufficiency"]["status"] == "sufficient" and not baseline.publish_override_reason
    assert baseline.published_at is not None
    # The re-assessment, still collecting, waits for its 41st respondent (the printed link):
    # its score stands, its level is preliminary (docs/methods.md §3.4).
    assert 70 <= after["overall"]["score"] < 75 and after["overall"]["level"] is None
    assert after["sufficiency"]["status"] == "preliminary"
    reasons = after["sufficiency"]["reasons"]
    assert reasons[0] == {"code": "too_few_responses", "submitted": 40, "minimum": 41}
    # A year of complaints of a bank this size is too few to judge how they are closed: shown, noted,
    # not evidence (docs/methods.md §3.4).
    assert {(reason["code"], reason["metric"]) for reason in reasons[1:]} == {
        ("small_customer_sample", "complaint_resolution_days"),
        ("small_customer_sample", "complaints_regulator_share"),
    }
    assert level_of(after["overall"]["score"], result_method(after).level_edges) == 4
    assert result_method(before).version == result_method(after).version == CURRENT_METHOD_VERSION
    # The customers' own metrics tell the same story (docs/methods.md §8.1): Aware → Centric.
    assert (before["outcomes"]["level"], after["outcomes"]["level"]) == (3, 4)
    assert {row["key"] for row in before["outcomes"]["metrics"]} >= {"nps", "churn_rate", "loyal_share"}
    assert 0 < before["reality_gap"] < 20 and before["overall"]["gated"] is None
    kpis_before = assessment_kpis(assessment=baseline)
    kpis_after = assessment_kpis(assessment=reassessment)
    churn_change = kpis_after["churn_rate"]["value"] / kpis_before["churn_rate"]["value"] - 1
    assert -0.3 < churn_change < -0.1
    assert 6 <= kpis_after["nps"]["value"] - kpis_before["nps"]["value"] <= 18

    # Between the two, the client carried out the audit's action plan (reports.demo): every
    # status and every health, the manager's own initiatives, interim values, and the
    # re-assessment's comparison says what became of it.
    plan = initiatives_list(assessment=baseline, today=timezone.localdate())
    assert {item["status"] for item in plan} == set(InitiativeStatus.values)
    assert {item["health"] for item in plan} == {"on_track", "at_risk", "overdue", "done", "dropped"}
    manager = authenticate(username="manager", password="manager-demo-2026")
    assert Membership.objects.get(user=manager).role == Role.CLIENT_MANAGER
    assert sum((item["owner"] or {}).get("id") == manager.pk for item in plan) == 3
    tracks = {track["metric"]: track for track in kpi_tracks(assessment=baseline)}
    assert [value["value"] for value in tracks["churn_rate"]["values"]] == [16.6, 15.5, 14.6]
    assert [target["value"] for target in tracks["churn_rate"]["targets"]] == [13.5, 14.0]
    results = assessment_comparison(assessment=reassessment, baseline=baseline, language="en")["action_plan"]
    assert [item["status"] for item in results["initiatives"]] == [item["status"] for item in plan]
    assert sum(group["indicators"] for group in results["groups"]) == 59
