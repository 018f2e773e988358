"""The Celery broker is away (a closed port): whoever enqueues work gets a prompt 503 with a
clear message and nothing is left half-created, so asking again later just works; the
respondents, who enqueue nothing, keep being served."""

import io

import pytest
from django.utils import translation

from assessment.models import CustomerDataImport, Status
from config.celery import app as celery_app
from reports.models import Report
from surveys.services import invitation_create_many
from tests.factories import AssessmentFactory, OrganizationFactory, consultant_of

CLOSED_PORT = "redis://127.0.0.1:1/0"
pytestmark = pytest.mark.django_db(transaction=True)  # autocommit, as requests run: enqueueing is immediate


@pytest.fixture
def broker_down():
    """Tasks go to a broker on a closed port instead of running in-process."""
    conf = celery_app.conf
    # The write URL, not broker_url: Celery reads CELERY_BROKER_URL from the environment
    # (set in CI) before any assignment to broker_url.
    previous = conf.task_always_eager, conf.broker_write_url
    conf.task_always_eager, conf.broker_write_url = False, CLOSED_PORT
    celery_app._after_fork()  # drop any pooled connection to the former broker
    yield
    conf.task_always_eager, conf.broker_write_url = previous
    celery_app._after_fork()


@pytest.fixture
def audit(catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assessment = AssessmentFactory(
        organization=OrganizationFactory(name="Queue Bank"), status=Status.COLLECTING
    )
    [new] = invitation_create_many(
        assessment=assessment,
        rows=[{"email": "aida@bank.kz", "role": "frontline", "department": "Retail", "language": "en"}],
    )
    return assessment, consultant_of(assessment.organization), new.token


def test_report_request_answers_503_and_leaves_no_report(api, audit, broker_down):
    assessment, consultant, _token = audit
    api.force_authenticate(consultant)

    response = api.post(
        f"/api/v1/assessments/{assessment.pk}/reports/",
        {"kind": "full", "language": "ru"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert response.status_code == 503
    with translation.override("ru"):  # the message speaks the request's language
        assert response.json()["detail"] == translation.gettext(
            "The task queue is not reachable right now; nothing was queued. Please try again later."
        )
    assert Report.objects.count() == 0


def test_a_retry_once_the_broker_is_back_queues_the_report(api, audit, broker_down):
    assessment, consultant, _token = audit
    api.force_authenticate(consultant)
    url = f"/api/v1/assessments/{assessment.pk}/reports/"
    assert api.post(url, {"kind": "full", "language": "en"}, format="json").status_code == 503

    celery_app.conf.broker_write_url = "memory://"  # the broker is back (an in-memory one)
    celery_app._after_fork()
    response = api.post(url, {"kind": "full", "language": "en"}, format="json")

    assert response.status_code == 202
    assert list(Report.objects.values_list("pk", "status")) == [(response.json()["id"], "queued")]


def test_workspace_report_form_shows_the_message_with_503(client, audit, broker_down):
    assessment, consultant, _token = audit
    client.force_login(consultant)

    response = client.post(
        f"/assessments/{assessment.pk}/reports/", {"kind": "full", "language": "en"}, secure=True
    )

    assert response.status_code == 503
    assert "The task queue is not reachable right now" in response.content.decode()
    assert Report.objects.count() == 0


def test_background_customer_import_answers_503_and_keeps_nothing(api, audit, broker_down, tmp_path):
    assessment, consultant, _token = audit
    api.force_authenticate(consultant)
    upload = io.BytesIO(b"client_id,segment,product_count,opened_on,closed_on,last_activity_on\n")
    upload.name = "customers.csv"

    response = api.post(
        f"/api/v1/assessments/{assessment.pk}/customer-data/?background=1",
        {"customers": upload},
        format="multipart",
    )

    assert response.status_code == 503
    assert "task queue" in response.json()["detail"]
    assert CustomerDataImport.objects.count() == 0
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []  # the staged upload is gone


def test_respondents_keep_autosaving(api, audit, broker_down):
    _assessment, _consultant, token = audit

    response = api.patch(
        f"/api/v1/respond/{token}/answers/", {"answers": [{"indicator": "PRC-03", "level": 3}]}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"saved": 1}
    assert api.get(f"/api/v1/respond/{token}/").json()["answers"]["PRC-03"]["level"] == 3
