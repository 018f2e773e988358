"""The action-plan tab: everyone of the organization reads where the plan stands; a client
manager updates the initiatives they own, and only those; the consultants update any, add
initiatives and edit them; the consultants and client managers record interim KPI values, drawn
as a chart per metric above the table; a client manager has no Reports tab."""

import datetime
import itertools
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from assessment.metrics import metric
from assessment.models import AuditEvent
from reports.models import Initiative, InitiativeUpdate, KpiValue
from reports.plan_selectors import kpi_tracks
from tests.factories import (
    OrganizationFactory,
    client_manager_of,
    executive_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(published_plan):
    organization = published_plan.organization
    consultant = published_plan.consultant
    assessment = published_plan.assessment
    manager = client_manager_of(organization, first_name="Dana")
    mine, other = assessment.initiatives.order_by("position")[:2]
    Initiative.objects.filter(pk=mine.pk).update(owner=manager)
    return {
        "assessment": assessment,
        "consultant": consultant,
        "manager": manager,
        "executive": executive_of(organization),
        "mine": mine,
        "other": other,
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(plan) -> str:
    return reverse("workspace:action-plan", args=[plan["assessment"].pk])


def _progress(plan, initiative, **fields) -> dict:
    prefix = f"initiative-{initiative.pk}"
    return {"initiative": initiative.pk, **{f"{prefix}-{key}": value for key, value in fields.items()}}


def test_a_client_manager_updates_their_initiative_and_only_theirs(plan):
    manager = _client(plan["manager"])
    page = manager.get(_url(plan)).content.decode()
    count = plan["assessment"].initiatives.count()
    assert f'<span class="badge badge--ok">{count}</span> on track' in page
    assert page.count("Update the progress") == 1  # only their own initiative
    assert ">Reports<" not in page and ">Action plan<" in page
    response = manager.post(
        _url(plan),
        _progress(plan, plan["mine"], percent_complete=60, status="in_progress", note="Pilot live"),
    )
    assert response.status_code == 302
    page = manager.get(response["Location"]).content.decode()
    assert "The progress is saved." in page and "Pilot live" in page
    plan["mine"].refresh_from_db()
    assert (plan["mine"].percent_complete, plan["mine"].status) == (60, "in_progress")
    # Another owner's initiative: refused, nothing stored.
    response = manager.post(
        _url(plan), _progress(plan, plan["other"], percent_complete=10, status="planned"), follow=True
    )
    assert (
        escape("Only the assessment's consultants and the initiative's owner change it.")
        in response.content.decode()
    )
    assert not InitiativeUpdate.objects.filter(initiative=plan["other"]).exists()
    # A bad value is a field error on the page.
    response = manager.post(_url(plan), _progress(plan, plan["mine"], percent_complete=140, status="planned"))
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 100." in response.content.decode()
    dropped = manager.post(_url(plan), _progress(plan, plan["mine"], percent_complete=60, status="dropped"))
    assert dropped.status_code == 400 and "Say why the initiative is dropped." in dropped.content.decode()


def test_executives_read_the_plan_and_consultants_update_any(plan):
    page = _client(plan["executive"]).get(_url(plan)).content.decode()
    assert "Update the progress" not in page and ">Reports<" in page
    assert "Owner: Dana" in page
    consultant = _client(plan["consultant"])
    assert (
        consultant.get(_url(plan)).content.decode().count("Update the progress")
        == plan["assessment"].initiatives.count()
    )
    consultant.post(_url(plan), _progress(plan, plan["other"], percent_complete=100, status="done"))
    plan["other"].refresh_from_db()
    assert plan["other"].status == "done"
    stranger = _client(client_manager_of(OrganizationFactory(name="Other Bank")))
    assert stranger.get(_url(plan)).status_code == 404


# --- the consultant adds and edits initiatives -----------------------------------------------------


def _initiative(prefix: str, **fields) -> dict:
    """An initiative form's fields (InitiativeForm and its outcome rows) under `prefix`."""
    values = {
        "title_en": "Call back every complaint within a day",
        "title_ru": "Перезванивать по каждой жалобе в течение дня",
        "description_en": "",
        "description_ru": "",
        "owner": "",
        "owner_name": "",
        "start_on": "2026-04-01",
        "due_on": "2026-09-30",
        "budget": "",
        "indicators": "",
        **fields,
    }
    return {f"{prefix}-{key}": value for key, value in values.items()}


def test_the_consultant_adds_an_initiative_which_is_audited(plan):
    consultant = _client(plan["consultant"])
    assert "Add an initiative" in consultant.get(_url(plan)).content.decode()
    count = plan["assessment"].initiatives.count()
    response = consultant.post(
        _url(plan),
        {
            "action": "initiative-add",
            **_initiative(
                "add",
                owner=plan["manager"].pk,
                budget="25000.00",
                indicators="prc-01, PRC-01",
                metric_1="churn_rate",
                op_1="<=",
                value_1="9.5",
                metric_2="nps",
                op_2=">=",
                value_2="",
            ),
        },
    )
    assert response.status_code == 302
    added = plan["assessment"].initiatives.get(title__en="Call back every complaint within a day")
    assert response["Location"].endswith(f"#initiative-{added.pk}")
    assert added.position == count + 1
    assert added.title["ru"] == "Перезванивать по каждой жалобе в течение дня"
    assert (added.owner, added.start_on, added.due_on) == (
        plan["manager"],
        datetime.date(2026, 4, 1),
        datetime.date(2026, 9, 30),
    )
    assert (added.budget, added.indicators) == (25000, ["PRC-01"])
    assert (added.outcomes, added.targets) == (
        ["churn_rate", "nps"],
        {"churn_rate": {"op": "<=", "value": 9.5}},
    )
    event = AuditEvent.objects.get(
        assessment=plan["assessment"],
        action=AuditEvent.Action.INITIATIVE,
        target=f"initiative #{added.pk}",
    )
    assert (event.actor, event.before) == (plan["consultant"], None)
    page = consultant.get(response["Location"]).content.decode()
    assert "The initiative is added." in page and "Call back every complaint within a day" in page
    assert "≤ 9.5" in page  # its target in the table of the metrics the plan aims at


def test_an_invalid_initiative_is_a_field_error_and_nothing_is_stored(plan):
    consultant = _client(plan["consultant"])
    count = plan["assessment"].initiatives.count()
    response = consultant.post(
        _url(plan),
        {"action": "initiative-add", **_initiative("add", start_on="2026-05-01", due_on="2026-04-01")},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        '<p class="field__error" id="id_add-due_on_error">The due date is on or after the start.</p>' in page
    )
    assert '<details class="plan-details" id="initiative-add" open>' in page  # shown open, as posted
    for fields, field, message in (
        ({"title_en": "", "title_ru": ""}, "title_en", "Give the initiative a title."),
        ({"indicators": "XYZ-99"}, "indicators", "Unknown indicators: XYZ-99."),
        ({"value_1": "9.5"}, "metric_1", "Choose the metric the target is for."),
        (
            {"owner": plan["manager"].pk, "owner_name": "Ivan"},
            "owner_name",
            "Choose a user or write a name, not both.",
        ),
    ):
        response = consultant.post(_url(plan), {"action": "initiative-add", **_initiative("add", **fields)})
        assert response.status_code == 400, fields
        assert f'id="id_add-{field}_error">{message}</p>' in response.content.decode(), fields
    # The service's check of a target's range, above the outcome rows.
    response = consultant.post(
        _url(plan),
        {"action": "initiative-add", **_initiative("add", metric_1="churn_rate", op_1="<=", value_1="140")},
    )
    assert response.status_code == 400
    assert escape("The target of “churn_rate” is a number from 0.0 to 100.0.") in response.content.decode()
    assert plan["assessment"].initiatives.count() == count


def test_the_consultant_edits_an_initiative(plan):
    consultant = _client(plan["consultant"])
    other = plan["other"]
    prefix = f"edit-{other.pk}"
    page = consultant.get(_url(plan)).content.decode()
    assert page.count("Edit the initiative") == plan["assessment"].initiatives.count()
    assert f'name="{prefix}-title_en" value="{escape(other.title["en"])}"' in page  # filled in
    response = consultant.post(
        _url(plan),
        {
            "action": "initiative-edit",
            "initiative": other.pk,
            **_initiative(
                prefix,
                title_en="Complaints desk",
                title_ru="",
                owner_name="Ivan from Operations",
                start_on="2026-02-01",
                due_on="2026-06-30",
                metric_1="csi",
                op_1=">=",
                value_1="80",
            ),
        },
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#initiative-{other.pk}")
    other.refresh_from_db()
    assert other.title == {"en": "Complaints desk"}  # a language left blank is removed
    assert (other.owner_name, other.due_on) == ("Ivan from Operations", datetime.date(2026, 6, 30))
    assert (other.outcomes, other.targets) == (["csi"], {"csi": {"op": ">=", "value": 80.0}})
    event = AuditEvent.objects.filter(target=f"initiative #{other.pk}").latest("id")
    assert (event.actor, event.after["title"]) == (plan["consultant"], {"en": "Complaints desk"})
    page = consultant.get(response["Location"]).content.decode()
    assert "The initiative is saved." in page and "Owner: Ivan from Operations" in page


def test_client_users_neither_see_nor_post_the_initiative_forms(plan):
    count = plan["assessment"].initiatives.count()
    for user in (plan["manager"], plan["executive"]):
        client = _client(user)
        page = client.get(_url(plan)).content.decode()
        assert "Add an initiative" not in page and "Edit the initiative" not in page
        response = client.post(_url(plan), {"action": "initiative-add", **_initiative("add")}, follow=True)
        assert escape("Only the assessment's consultants can do this.") in response.content.decode()
        mine = plan["mine"]
        client.post(
            _url(plan),
            {
                "action": "initiative-edit",
                "initiative": mine.pk,
                **_initiative(f"edit-{mine.pk}", title_en="Mine"),
            },
        )
        mine.refresh_from_db()
        assert mine.title["en"] != "Mine"
    assert plan["assessment"].initiatives.count() == count


# --- interim KPI values and their charts --------------------------------------------------------


def _tracked(plan) -> dict:
    """The first initiative aims at the churn rate (≤ 9.5) and the second at the CSI (≥ 80)."""
    Initiative.objects.filter(pk=plan["mine"].pk).update(
        outcomes=["churn_rate"], targets={"churn_rate": {"op": "<=", "value": 9.5}}
    )
    Initiative.objects.filter(pk=plan["other"].pk).update(
        outcomes=["csi"], targets={"csi": {"op": ">=", "value": 80}}
    )
    return plan


def _kpi(**fields) -> dict:
    return {"action": "kpi-value", **{f"kpi-{key}": value for key, value in fields.items()}}


def _charts(page: str) -> list[str]:
    return re.findall(
        r'<figure class="chart chart--wide" role="img" aria-label="[^"]+"><svg.*?</svg>\s*</figure>',
        page,
        re.S,
    )


def test_a_client_manager_records_a_kpi_value_shown_in_the_table_and_a_chart(plan):
    plan = _tracked(plan)
    manager = _client(plan["manager"])
    page = manager.get(_url(plan)).content.decode()
    assert "Record a measured value" in page
    # No customer data, so no baseline, and no value yet: targets alone, nothing drawn (and the
    # charts' box empty, which CSS hides).
    assert _charts(page) == [] and '<div class="kpi-charts"></div>' in page
    response = manager.post(
        _url(plan), _kpi(measured_on="2026-01-31", metric="churn_rate", value="11.2", source="CRM")
    )
    assert response.status_code == 302 and response["Location"].endswith("#kpi-tracks")
    page = manager.get(response["Location"]).content.decode()
    assert "The value is recorded." in page
    assert "01/31/2026: 11.2" in page  # in the table
    (churn,) = _charts(page)
    assert 'aria-label="Churn rate, % by date: the baseline' in churn
    assert len(re.findall(r'id="c[0-9a-f]{8}-target-\d+"', churn)) == 1  # its one target, ≤ 9.5
    assert AuditEvent.objects.filter(action=AuditEvent.Action.KPI_VALUE, actor=plan["manager"]).count() == 1
    # Two values of every metric the plan aims at: a chart each, in the order of the table.
    tracks = kpi_tracks(assessment=plan["assessment"])
    for track, day in itertools.product(tracks, ("2026-02-28", "2026-03-31")):
        low, high = metric(track["metric"]).entry_bounds
        manager.post(_url(plan), _kpi(measured_on=day, metric=track["metric"], value=(low + high) / 2))
    charts = _charts(manager.get(_url(plan)).content.decode())
    assert [re.search(r'aria-label="([^"]+) by date', chart).group(1) for chart in charts] == [
        track["label"] for track in tracks
    ]


def test_a_kpi_value_is_checked_and_recorded_by_those_who_may(plan):
    plan = _tracked(plan)
    consultant = _client(plan["consultant"])
    for fields, field, message in (
        ({"value": "140"}, "value", "Churn rate, % is a number from 0.0 to 100.0."),
        ({"measured_on": "2999-01-01"}, "measured_on", "A value is recorded once it is measured, not ahead."),
        (
            {"metric": "abandonment"},
            "metric",
            "Select a valid choice. abandonment is not one of the available choices.",
        ),
        ({"value": ""}, "value", "This field is required."),
    ):
        body = {"measured_on": "2026-01-31", "metric": "churn_rate", "value": "11.2", **fields}
        response = consultant.post(_url(plan), _kpi(**body))
        assert response.status_code == 400, fields
        assert f'id="id_kpi-{field}_error">{escape(message)}</p>' in response.content.decode(), fields
    executive = _client(plan["executive"])
    assert "Record a measured value" not in executive.get(_url(plan)).content.decode()
    response = executive.post(
        _url(plan), _kpi(measured_on="2026-01-31", metric="churn_rate", value="11.2"), follow=True
    )
    assert escape("The consultants and the client's managers record KPI values.") in response.content.decode()
    assert not KpiValue.objects.filter(assessment=plan["assessment"]).exists()
