"""The settings tab beyond evidence sufficiency: the assessment's title, date and baseline, the
evidence weights with their effect previewed before saving, the anonymity threshold; validated,
audited and frozen once published as through the API."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from freezegun import freeze_time

from assessment.models import AuditEvent, Status
from assessment.services import assessment_update, interview_scores_set
from tests.assessment.test_scores_api import respond
from tests.factories import OVERRIDE_REASON, AssessmentFactory, assessment_published

pytestmark = pytest.mark.django_db


def _url(assessment) -> str:
    return reverse("workspace:settings", args=[assessment.pk])


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def evidenced(audit, consultant):
    """ORG-01 only: a respondent says level 5 (score 100), the interview level 1 (score 0)."""
    respond(audit, "one@alpha.example", "frontline", {"ORG-01": 5})
    interview_scores_set(assessment=audit, user=consultant, items=[{"indicator": "ORG-01", "level": 1}])
    return audit


def test_the_effect_of_weights_is_previewed_then_saved(consultant_client, evidenced):
    weights = {"section": "weights", "weight_survey": "1", "weight_interview": "0", "weight_data": "0.2"}
    preview = consultant_client.post(_url(evidenced), {**weights, "preview": "1"})
    assert preview.status_code == 200
    # Now (0.5 · 100 + 0.3 · 0) / 0.8 = 62.5; with the survey alone, 100 (no level: one response
    # is preliminary evidence). Nothing saved.
    assert "Overall score: 62.5 → with these weights 100.0 . Not saved yet." in _text(preview)
    evidenced.refresh_from_db()
    assert (evidenced.weight_survey, evidenced.weight_interview) == (Decimal("0.5"), Decimal("0.3"))
    assert not AuditEvent.objects.filter(assessment=evidenced, action="weights").exists()

    saved = consultant_client.post(_url(evidenced), weights)
    assert saved["Location"] == _url(evidenced) + "#weights"
    evidenced.refresh_from_db()
    assert (evidenced.weight_survey, evidenced.weight_interview, evidenced.weight_data) == (
        1,
        0,
        Decimal("0.2"),
    )
    event = AuditEvent.objects.get(assessment=evidenced, action="weights")
    assert event.after == {"survey": 1.0, "interview": 0.0, "data": 0.2}


def test_weights_that_count_nothing_are_refused(consultant_client, api, consultant, evidenced):
    zero = {"section": "weights", "weight_survey": "0", "weight_interview": "0", "weight_data": "0"}
    for extra in ({"preview": "1"}, {}):
        response = consultant_client.post(_url(evidenced), {**zero, **extra})
        assert response.status_code == 400
        assert "At least one source of evidence needs a weight above zero." in _text(response)
    evidenced.refresh_from_db()
    assert evidenced.weight_survey == 0.5
    # The API refuses them the same way.
    api.force_authenticate(consultant)
    answer = api.patch(
        f"/api/v1/assessments/{evidenced.pk}/",
        {"weight_survey": 0, "weight_interview": 0, "weight_data": 0},
        format="json",
    )
    assert answer.status_code == 400 and list(answer.json()) == ["weights"]


def test_title_date_and_baseline_are_saved_and_audited(consultant_client, audit, organization):
    earlier = AssessmentFactory(organization=organization, title="Alpha 2025", status=Status.PUBLISHED)
    response = consultant_client.post(
        _url(audit),
        {
            "section": "general",
            "title": "Alpha audit 2026",
            "reference_date": "2026-09-30",
            "baseline": earlier.pk,
        },
    )
    assert response.status_code == 302
    audit.refresh_from_db()
    assert (audit.title, audit.reference_date, audit.baseline) == (
        "Alpha audit 2026",
        datetime.date(2026, 9, 30),
        earlier,
    )
    targets = set(
        AuditEvent.objects.filter(assessment=audit, action="settings").values_list("target", flat=True)
    )
    assert targets == {"title", "reference_date", "baseline"}
    page = consultant_client.get(_url(audit)).content.decode()
    assert f'<option value="{audit.pk}"' not in page  # not its own baseline

    bad = consultant_client.post(_url(audit), {"section": "general", "title": "", "reference_date": "soon"})
    assert bad.status_code == 400
    assert set(bad.context["general_form"].errors) == {"title", "reference_date"}


def test_the_anonymity_threshold_may_only_rise_once_published(consultant_client, api, consultant, audit):
    assert (
        consultant_client.post(_url(audit), {"section": "anonymity", "anonymity_k": "1"}).status_code == 400
    )
    assert (
        consultant_client.post(_url(audit), {"section": "anonymity", "anonymity_k": "3"}).status_code == 302
    )
    audit.refresh_from_db()
    assert audit.anonymity_k == 3
    assert AuditEvent.objects.get(assessment=audit, action="anonymity").after == 3

    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)
    lower = consultant_client.post(_url(audit), {"section": "anonymity", "anonymity_k": "2"})
    assert lower.status_code == 400
    assert "its anonymity threshold can rise but not fall below 3." in _text(lower)
    api.force_authenticate(consultant)
    answer = api.patch(f"/api/v1/assessments/{audit.pk}/", {"anonymity_k": 2}, format="json")
    assert (answer.status_code, answer.json()["code"]) == (409, "assessment_published")
    assert (
        consultant_client.post(_url(audit), {"section": "anonymity", "anonymity_k": "6"}).status_code == 302
    )
    audit.refresh_from_db()
    assert audit.anonymity_k == 6
    # The title is frozen with the published scores.
    frozen = consultant_client.post(
        _url(audit), {"section": "general", "title": "Renamed", "reference_date": "2026-06-30"}
    )
    assert frozen.status_code == 400
    assert "these cannot change any more: title" in _text(frozen)


def test_dates_reach_the_date_picker_in_every_language(consultant_client, audit, organization):
    """A date field shows its value in ISO form, which the browser's picker reads, not as the
    language writes dates (30.06.2026 would leave the Russian picker empty)."""
    for language in ("en", "ru"):
        consultant_client.cookies["django_language"] = language
        settings_page = consultant_client.get(_url(audit)).content.decode()
        assert 'type="date" name="reference_date" value="2026-06-30"' in settings_page, language
        new_assessment = reverse("workspace:assessment-new", args=[organization.pk])
        new = consultant_client.get(new_assessment).content.decode()
        assert re.search(r'type="date" name="reference_date" value="\d{4}-\d{2}-\d{2}"', new), language


# --- Collection: deadline and reminder days ------------------------------------------------------


def _collection(client, assessment, **values):
    return client.post(_url(assessment), {"section": "collection", "reminder_days": "3, 7", **values})


def test_reminder_days_are_saved_sorted_and_without_repeats(consultant_client, audit):
    response = _collection(consultant_client, audit, reminder_days="7, 3 3;14")
    assert response["Location"] == _url(audit) + "#collection"
    audit.refresh_from_db()
    assert audit.reminder_days == [3, 7, 14]
    page = consultant_client.get(_url(audit)).content.decode()
    assert "Collection settings saved." in page
    assert 'value="3, 7, 14"' in page
    _collection(consultant_client, audit, reminder_days="")
    audit.refresh_from_db()
    assert audit.reminder_days == []
    respondents = consultant_client.get(reverse("workspace:respondents", args=[audit.pk]))
    assert "No collection deadline. No reminders on set days. Change" in _text(respondents)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("0, 7", "Each reminder day must be a whole number from 1 to 60."),
        ("3, 61", "Each reminder day must be a whole number from 1 to 60."),
        ("three", "Write whole numbers of days separated by commas"),
        ("-2", "Write whole numbers of days separated by commas"),
        ("1.5", "Write whole numbers of days separated by commas"),
        (", ".join(str(d) for d in range(1, 12)), "At most 10 reminder days."),
    ],
)
def test_bad_reminder_days_are_field_errors_and_change_nothing(consultant_client, audit, value, error):
    response = _collection(consultant_client, audit, reminder_days=value)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_reminder_days_error"' in page
    assert error in page
    audit.refresh_from_db()
    assert audit.reminder_days == [3, 7]


def test_the_deadline_is_saved_in_the_sites_time_zone_and_audited(consultant_client, audit, settings):
    settings.TIME_ZONE = "Asia/Almaty"  # UTC+5
    with freeze_time("2026-03-01 09:00Z"):
        response = _collection(consultant_client, audit, collection_deadline="2026-03-20T18:00")
        assert response.status_code == 302
        audit.refresh_from_db()
        assert audit.collection_deadline == datetime.datetime(2026, 3, 20, 13, 0, tzinfo=datetime.UTC)
        page = consultant_client.get(_url(audit)).content.decode()
        assert 'value="2026-03-20T18:00"' in page
        assert "Times are in the Asia/Almaty time zone." in page
        # The form sent back unchanged is no change, and no new audit event.
        _collection(consultant_client, audit, collection_deadline="2026-03-20T18:00")
        respondents = consultant_client.get(reverse("workspace:respondents", args=[audit.pk]))
    events = AuditEvent.objects.filter(assessment=audit, action="settings", target="collection_deadline")
    assert [(event.before, event.after) for event in events] == [(None, "2026-03-20T13:00:00+00:00")]
    assert "Collection closes on March 20, 2026, 6 p.m.; a last reminder goes out two days before." in _text(
        respondents
    )
    preview = consultant_client.get(reverse("workspace:email-preview", args=[audit.pk, "deadline", "en"]))
    assert preview.status_code == 200


def test_a_past_deadline_is_a_field_error(consultant_client, audit):
    with freeze_time("2026-03-01 09:00Z"):
        response = _collection(consultant_client, audit, collection_deadline="2026-03-01T08:59")
    assert response.status_code == 400
    assert "The deadline must lie in the future." in response.content.decode()
    audit.refresh_from_db()
    assert audit.collection_deadline is None


def test_without_a_deadline_there_is_no_last_reminder_to_preview(consultant_client, audit):
    assert audit.collection_deadline is None
    url = reverse("workspace:email-preview", args=[audit.pk, "deadline", "en"])
    assert consultant_client.get(url).status_code == 404


@pytest.mark.parametrize("status", [Status.SCORING, Status.PUBLISHED, Status.CLOSED])
def test_collection_settings_do_not_change_once_collection_is_over(
    consultant_client, api, consultant, organization, status
):
    over = AssessmentFactory(organization=organization, status=status)
    response = _collection(consultant_client, over, reminder_days="1", collection_deadline="2099-01-01T00:00")
    assert response.status_code == 400
    assert "Collection is over: its deadline no longer changes." in response.content.decode()
    api.force_authenticate(consultant)
    patched = api.patch(
        f"/api/v1/assessments/{over.pk}/", {"collection_deadline": "2099-01-01T00:00:00Z"}, format="json"
    )
    assert (patched.status_code, patched.json()["code"]) == (409, "collection_over")
    over.refresh_from_db()
    assert (over.collection_deadline, over.reminder_days) == (None, [3, 7])


def test_the_api_sets_and_removes_the_deadline(api, consultant, audit):
    api.force_authenticate(consultant)
    url = f"/api/v1/assessments/{audit.pk}/"
    with freeze_time("2026-03-01 09:00Z"):
        past = api.patch(url, {"collection_deadline": "2026-03-01T08:00:00Z"}, format="json")
        assert past.status_code == 400
        assert past.json()["collection_deadline"] == ["The deadline must lie in the future."]
        body = api.patch(
            url, {"collection_deadline": "2026-03-10T12:00:00Z", "reminder_days": [2]}, format="json"
        )
        assert body.status_code == 200
        assert (body.json()["collection_deadline"], body.json()["reminder_days"]) == (
            "2026-03-10T12:00:00Z",
            [2],
        )
        assert (
            api.patch(url, {"collection_deadline": None}, format="json").json()["collection_deadline"] is None
        )


def test_collection_does_not_open_with_a_past_deadline(api, consultant, organization):
    draft = AssessmentFactory(organization=organization, status=Status.DRAFT)
    with freeze_time("2026-03-01 09:00Z"):
        draft.collection_deadline = datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)
        draft.save()
        api.force_authenticate(consultant)
        response = api.patch(f"/api/v1/assessments/{draft.pk}/", {"status": "collecting"}, format="json")
    assert response.status_code == 400
    assert response.json()["collection_deadline"] == ["The deadline must lie in the future."]
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


# --- Data-evidence thresholds and business KPIs --------------------------------------------------


def _thresholds(**changed) -> dict:
    """The thresholds form with the method's defaults, some changed ({"nps_2": -10, …})."""
    from assessment.method import CURRENT_METHOD_VERSION
    from assessment.metrics import evidence_metrics, registry_of

    values = {
        f"{entry.key}_{level}": edge
        for entry in evidence_metrics(registry_of(CURRENT_METHOD_VERSION))
        for level, edge in zip((2, 3, 4, 5), entry.thresholds, strict=True)
    }
    return {"section": "thresholds", **values, **changed}


def test_thresholds_keep_only_what_differs_from_the_defaults_and_are_audited(consultant_client, audit):
    page = consultant_client.get(_url(audit)).content.decode()
    assert 'name="nps_2" value="-20.0"' in page and 'name="mystery_shopping_5" value="95.0"' in page
    response = consultant_client.post(_url(audit), _thresholds(nps_2=-10, nps_5="60"))
    assert response["Location"] == _url(audit) + "#thresholds"
    audit.refresh_from_db()
    assert audit.data_thresholds == {"nps": [-10.0, 0.0, 20.0, 60.0]}
    event = AuditEvent.objects.get(assessment=audit, action="thresholds")
    assert (event.before, event.after) == ({}, {"nps": [-10.0, 0.0, 20.0, 60.0]})
    assert 'name="nps_2" value="-10.0"' in consultant_client.get(_url(audit)).content.decode()
    consultant_client.post(_url(audit), _thresholds())  # back to the defaults
    audit.refresh_from_db()
    assert audit.data_thresholds == {}


@pytest.mark.parametrize(
    ("changed", "error"),
    [
        ({"nps_3": "-30"}, "Each value must be higher than the one before."),
        ({"servqual_gap_5": "-6"}, "Each value must be higher than the one before."),
        ({"csi_2": "lots"}, "Enter a number."),
        ({"csi_2": ""}, "This field is required."),
    ],
)
def test_bad_thresholds_are_shown_on_their_metric_and_change_nothing(
    consultant_client, audit, changed, error
):
    response = consultant_client.post(_url(audit), _thresholds(**changed))
    assert response.status_code == 400
    assert error in response.content.decode()
    audit.refresh_from_db()
    assert audit.data_thresholds == {}


def test_the_service_refuses_thresholds_out_of_order(audit):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        assessment_update(assessment=audit, data_thresholds={"nps": [50, 20, 0, -20]})
    assert error.value.message_dict == {"data_thresholds": ["Thresholds must rise strictly: nps."]}


def test_thresholds_are_frozen_once_published(consultant_client, audit):
    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)
    response = consultant_client.post(_url(audit), _thresholds(nps_2=-10))
    assert response.status_code == 400
    assert "these cannot change any more: data_thresholds" in response.content.decode()
    audit.refresh_from_db()
    assert audit.data_thresholds == {}


def test_kpis_are_entered_removed_and_audited(consultant_client, audit):
    from assessment.models import CustomerDataset

    CustomerDataset.objects.create(
        assessment=audit, period_start="2025-01-01", period_end="2025-12-31", metrics={"nps": {"score": 12.4}}
    )
    page = _text(consultant_client.get(_url(audit)))
    assert "NPS (relationship) From the customer data: 12 " in page  # NPS is shown without decimals
    response = consultant_client.post(_url(audit), {"section": "kpis", "nps": "20", "churn_rate": "9.5"})
    assert response["Location"] == _url(audit) + "#kpis"
    audit.refresh_from_db()
    assert audit.kpis == {"nps": 20.0, "churn_rate": 9.5}
    event = AuditEvent.objects.get(assessment=audit, action="kpis")
    assert (event.before, event.after) == (
        {"churn_rate": None, "nps": None},
        {"churn_rate": 9.5, "nps": 20.0},
    )
    consultant_client.post(_url(audit), {"section": "kpis", "churn_rate": "9.5"})  # NPS back to the data's
    audit.refresh_from_db()
    assert audit.kpis == {"churn_rate": 9.5}


def test_a_kpi_out_of_bounds_is_a_field_error(consultant_client, audit):
    response = consultant_client.post(_url(audit), {"section": "kpis", "churn_rate": "140"})
    assert response.status_code == 400
    assert 'id="id_churn_rate_error">Enter a number from 0 to 100.' in response.content.decode()
    audit.refresh_from_db()
    assert audit.kpis == {}


def test_kpis_are_frozen_once_published(consultant_client, audit):
    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)
    response = consultant_client.post(_url(audit), {"section": "kpis", "nps": "20"})
    assert response.status_code == 400
    assert "The assessment is published; its KPIs cannot change any more." in response.content.decode()
    audit.refresh_from_db()
    assert audit.kpis == {}


def test_where_lower_is_better_thresholds_must_fall(monkeypatch):
    import dataclasses
    from types import SimpleNamespace

    from assessment import metrics
    from workspace.settings_metrics import ThresholdsForm

    churn = dataclasses.replace(metrics.metric("churn_rate"), thresholds=(30.0, 20.0, 10.0, 5.0))
    monkeypatch.setattr(metrics, "METRICS", (churn,))
    audit = SimpleNamespace(method_version=2)
    form = ThresholdsForm(
        {"churn_rate_2": 30, "churn_rate_3": 20, "churn_rate_4": 25, "churn_rate_5": 5}, assessment=audit
    )
    assert not form.is_valid()
    assert form.errors == {
        "churn_rate_5": ["Each value must be lower than the one before: lower is better here."]
    }
    falling = ThresholdsForm(
        {"churn_rate_2": 30, "churn_rate_3": 15, "churn_rate_4": 10, "churn_rate_5": 5}, assessment=audit
    )
    assert falling.is_valid()
    assert falling.overrides() == {"churn_rate": [30.0, 15.0, 10.0, 5.0]}


def test_the_currency_is_saved_audited_frozen_once_published_and_labels_amounts(consultant_client, audit):
    general = {"section": "general", "title": audit.title, "reference_date": "2026-06-30"}
    assert consultant_client.post(_url(audit), {**general, "currency": "KZT"}).status_code == 302
    audit.refresh_from_db()
    assert audit.currency == "KZT"
    event = AuditEvent.objects.get(assessment=audit, action="settings", target="currency")
    assert (event.before, event.after) == ("", "KZT")
    assert consultant_client.post(_url(audit), {**general, "currency": "XXX"}).status_code == 400
    page = _text(consultant_client.get(_url(audit)))
    assert "Average deposit, KZT" in page  # the KPI field of an amount of money
    assert "NPS, KZT" not in page
    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)
    frozen = consultant_client.post(_url(audit), {**general, "currency": "USD"})
    assert "these cannot change any more: currency" in frozen.content.decode()
    audit.refresh_from_db()
    assert audit.currency == "KZT"


def test_the_roadmap_limit_is_set_on_the_general_card_under_method_2_only(consultant_client, audit):
    general = {"section": "general", "title": audit.title, "reference_date": "2026-06-30"}
    page = consultant_client.get(_url(audit)).content.decode()
    assert 'name="roadmap_limit"' in page and "Empty: the method&#x27;s 12." in page
    assert consultant_client.post(_url(audit), {**general, "roadmap_limit": "8"}).status_code == 302
    audit.refresh_from_db()
    assert (audit.roadmap_limit, audit.roadmap_limit_in_force) == (8, 8)
    refused = consultant_client.post(_url(audit), {**general, "roadmap_limit": "41"})
    assert refused.status_code == 400 and "less than or equal to 40" in refused.content.decode()
    audit.refresh_from_db()
    assert audit.roadmap_limit == 8
    type(audit).objects.filter(pk=audit.pk).update(method_version=1)
    assert 'name="roadmap_limit"' not in consultant_client.get(_url(audit)).content.decode()
