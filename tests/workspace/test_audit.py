"""The audit log tab and its export: the assessment's consultants see and download every change
the workspace made (with who made it); nobody else finds the page."""

import pandas as pd
import pytest
from django.db import transaction
from django.urls import reverse

from assessment.audit import audit_events, audit_record_many
from assessment.kpis import assessment_kpis_set
from assessment.models import AuditEvent, Status
from assessment.services import assessment_update, interview_scores_set
from tests.factories import OVERRIDE_REASON, assessment_published, consultant_of
from tests.workspace.test_exports import read

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


def _url(assessment) -> str:
    return reverse("workspace:audit", args=[assessment.pk])


def _export(assessment, file_format) -> str:
    return reverse("workspace:export", args=[assessment.pk, "audit", file_format])


def _latest(assessment, action) -> tuple:
    event = audit_events(assessment=assessment, action=action).first()
    return (event.actor_label, event.target, event.before, event.after)


def test_workspace_changes_are_recorded_with_their_consultant(consultant_client, audit):
    interviews = reverse("workspace:interviews", args=[audit.pk])
    response = consultant_client.post(
        interviews, {"area": "organization", "ORG-01-level": "4", "ORG-01-note": "COO"}
    )
    assert response.status_code == 302
    assert _latest(audit, Action.INTERVIEW_SCORE) == (
        "alpha-consultant",
        "ORG-01",
        None,
        {"level": 4, "note": "COO"},
    )
    settings_page = reverse("workspace:settings", args=[audit.pk])
    response = consultant_client.post(settings_page, {"section": "collection", "reminder_days": "2, 9"})
    assert response.status_code == 302
    assert _latest(audit, Action.SETTINGS) == ("alpha-consultant", "reminder_days", [3, 7], [2, 9])
    advance = reverse("workspace:assessment-advance", args=[audit.pk])
    assert consultant_client.post(advance, {"from": "collecting"}).status_code == 302
    assert _latest(audit, Action.STATUS) == ("alpha-consultant", "", "collecting", "scoring")


def test_roadmap_changes_in_the_workspace_are_recorded(consultant_client, reassessment):
    current = reassessment.current
    page = reverse("workspace:recommendations", args=[current.pk])
    assert consultant_client.get(page).status_code == 200  # the first look proposes the roadmap
    actor, target, before, after = _latest(current, Action.ROADMAP)
    assert (actor, target, before) == ("alpha-consultant", "generate", [])
    assert after == list(current.recommendations.order_by("position").values_list("code", flat=True))
    item = current.recommendations.order_by("position").first()
    assert consultant_client.post(page, {"action": "accept", "item": item.pk}).status_code == 302
    assert _latest(current, Action.RECOMMENDATION) == (
        "alpha-consultant",
        item.code,
        {"status": "proposed"},
        {"status": "accepted"},
    )


def test_the_tab_lists_the_changes_with_before_and_after(consultant_client, consultant, audit):
    interview_scores_set(
        assessment=audit, user=consultant, items=[{"indicator": "ORG-01", "level": 2, "note": "<b>CEO</b>"}]
    )
    interview_scores_set(assessment=audit, user=consultant, items=[{"indicator": "ORG-01", "level": 3}])
    assessment_update(assessment=audit, actor=consultant, weight_survey=0.4)
    assessment_update(assessment=audit, status=Status.SCORING)  # the system's change
    response = consultant_client.get(_url(audit))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/assessments/{audit.pk}/audit/" aria-current="page">Audit log</a>' in html
    assert "4 changes" in html
    assert "level: 2; note: &lt;b&gt;CEO&lt;/b&gt;" in html and "<b>CEO</b>" not in html
    assert "level: 3; note: —" in html
    assert (
        "data: 0.2; interview: 0.3; survey: 0.5" in html and "data: 0.2; interview: 0.3; survey: 0.4" in html
    )
    assert ">system</td>" in html
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert ["Status</th>" in rows[0], "Evidence weights</th>" in rows[1]] == [True, True]  # newest first
    assert "level: 2; note: &lt;b&gt;CEO&lt;/b&gt;</td>" in rows[2] and "level: 3; note: —</td>" in rows[2]
    assert '<td title="—">—</td>' in rows[3] and "level: 2" in rows[3]
    assert f'href="{_export(audit, "xlsx")}"' in html and f'href="{_export(audit, "csv")}"' in html

    only_scores = consultant_client.get(_url(audit), {"action": "interview_score"}).content.decode()
    assert "2 changes" in only_scores and "Evidence weights</th>" not in only_scores
    assert '<option value="interview_score" selected>' in only_scores
    nothing = consultant_client.get(_url(audit), {"action": "kpis"}).content.decode()
    assert "No changes of this kind yet." in nothing
    # An unknown filter shows everything.
    assert "4 changes" in consultant_client.get(_url(audit), {"action": "bogus"}).content.decode()


def test_the_tab_shows_100_changes_a_page(consultant_client, consultant, audit):
    with transaction.atomic():
        audit_record_many(
            assessment=audit,
            actor=consultant,
            action=Action.KPIS,
            changes=[("", {"nps": n}, {"nps": n + 1}) for n in range(130)],
        )
    first = consultant_client.get(_url(audit)).content.decode()
    assert "130 changes · showing 1–100" in first
    assert first.split("<tbody>")[1].count("<tr>") == 100
    second = consultant_client.get(_url(audit), {"page": 2}).content.decode()
    assert second.split("<tbody>")[1].count("<tr>") == 30
    assert "Page 2 of 2" in second


def test_only_the_assessments_consultants_find_the_tab(
    executive_client, stranger_consultant_client, stranger_executive_client, audit
):
    assessment_update(assessment=audit, status=Status.SCORING)
    # The executive may read it (published on thin evidence, with a reason).
    assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)
    for client in (executive_client, stranger_consultant_client, stranger_executive_client):
        assert client.get(_url(audit)).status_code == 404
        assert client.get(_export(audit, "csv")).status_code == 404
    scores = executive_client.get(reverse("workspace:scores", args=[audit.pk])).content.decode()
    assert "Audit log" not in scores


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_export_has_every_event_with_formulas_neutralized(consultant_client, audit, file_format):
    formula_name = consultant_of(audit.organization, username="@evil")
    interview_scores_set(
        assessment=audit, user=formula_name, items=[{"indicator": "ORG-01", "level": 2, "note": "=1+1"}]
    )
    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_kpis_set(assessment=audit, values={"nps": 12.5}, actor=formula_name)
    response = consultant_client.get(_export(audit, file_format))
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == f'attachment; filename="alpha-bank-audit-2026-06-30.{file_format}"'
    )
    frame = read(response, file_format)
    assert list(frame.columns) == ["when", "who", "action", "target", "before", "after"]
    assert len(frame) == audit_events(assessment=audit).count() == 3
    rows = frame.to_dict("records")
    assert [row["action"] for row in rows] == ["kpis", "status", "interview_score"]
    kpis, status, interview = rows
    assert (kpis["who"], kpis["before"], kpis["after"]) == ("'@evil", '{"nps": null}', '{"nps": 12.5}')
    assert (status["before"], status["after"]) == ('"collecting"', '"scoring"')
    assert pd.isna(status["who"])  # the system
    assert (interview["who"], interview["target"]) == ("'@evil", "ORG-01")
    assert pd.isna(interview["before"])
    assert interview["after"] == '{"level": 2, "note": "=1+1"}'
    assert interview["when"].endswith("+00:00")
