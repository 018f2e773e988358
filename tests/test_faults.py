"""Faults: a respondent submitting from two tabs at once, two consultants uploading customer
data at once, the database connection dropping in the middle of an autosave. They need real
concurrent transactions and a server backend to terminate: PostgreSQL, which CI uses."""

import http.client
import itertools
import json
import threading
import urllib.parse

import psycopg
import pytest
from django.db import connection
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from rest_framework.test import APIClient

from assessment import customer_data
from assessment.audit import audit_events
from assessment.customer_data import customer_data_replace, dataset_frames
from assessment.models import AuditEvent, CustomerDataset, Status
from surveys import services as surveys_services
from surveys.models import Answer, Response
from surveys.services import catalog_load, invitation_create_many
from tests.assessment.test_customer_data import CUSTOMERS, SURVEY, upload
from tests.conftest import require_service
from tests.factories import AssessmentFactory, consultant_of

pytestmark = pytest.mark.django_db(transaction=True)


def _require_postgresql() -> None:
    require_service(
        connection.vendor == "postgresql",
        "concurrent transactions and a backend to terminate need PostgreSQL (DATABASE_URL)",
    )


def _at_once(*calls):
    """Run each call on its own thread, so on its own database connection, all released
    together; their results in order of the calls."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    errors = []

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return results


def _respondent():
    catalog_load()
    assessment = AssessmentFactory(status=Status.COLLECTING)
    row = {"email": "tabs@bank.kz", "role": "executive"}  # asked ORG-01 and ORG-02 in every edition
    return invitation_create_many(assessment=assessment, rows=[row])[0].token


def _stored_answers() -> list[tuple]:
    return list(
        Answer.objects.order_by("indicator__code").values_list(
            "indicator__code", "level", "comment", "updated_at"
        )
    )


# --- A double submit ----------------------------------------------------------------------------


def test_submitting_from_two_tabs_at_once_submits_once():
    _require_postgresql()
    token = _respondent()
    answers = [
        {"indicator": "ORG-01", "level": 3, "comment": "Strategy"},
        {"indicator": "ORG-02", "level": None},
    ]
    assert APIClient().patch(
        f"/api/v1/respond/{token}/answers/", {"answers": answers}, format="json"
    ).json() == {"saved": 2}
    saved = _stored_answers()

    def submit():
        return APIClient().post(f"/api/v1/respond/{token}/submit/")

    replies = _at_once(submit, submit)
    assert [reply.status_code for reply in replies] == [200, 200]
    first, second = (reply.json() for reply in replies)
    assert first == second
    assert first["status"] == "submitted"
    response = Response.objects.get()
    assert parse_datetime(first["submitted_at"]) == response.submitted_at
    assert _stored_answers() == saved

    # Submitting once more, later, is as harmless; saving is refused.
    again = submit()
    assert (again.status_code, again.json()) == (200, first)
    refused = APIClient().patch(f"/api/v1/respond/{token}/answers/", {"answers": answers}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "submitted")
    assert Response.objects.get().submitted_at == response.submitted_at
    assert _stored_answers() == saved


# --- Two customer-data uploads at once ---------------------------------------------------------------

# The four clients of CUSTOMERS, one of them closed in the period (churn 25 %) or two (50 %),
# and their survey (NPS 10) or one of two promoters (NPS 100): each file changes one metric. C4
# was active lately, so that no client churns by inactivity (method 2) and only closures move churn.
ONE_CLOSED = CUSTOMERS.replace("C4,premium,3,2022-02-02,,,500", "C4,premium,3,2022-02-02,,2026-06-01,500")
TWO_CLOSED = CUSTOMERS.replace("C4,premium,3,2022-02-02,,,500", "C4,premium,3,2022-02-02,2026-03-01,,500")
PROMOTERS = "client_id,instrument,item,dimension,value\nC1,nps,recommend,,10\nC2,nps,recommend,,9\n"
CHURN_BY_CLOSED_CLIENTS = {1: 25.0, 2: 50.0}
NPS_BY_SURVEY_ROWS = {12: 10.0, 2: 100.0}


def _upload_call(assessment, user, **files):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        return client.post(
            f"/api/v1/assessments/{assessment.pk}/customer-data/",
            {kind: upload(name, text) for kind, (name, text) in files.items()},
            format="multipart",
        )

    return call


def _assert_stored_data_consistent(assessment, *, uploads: int) -> CustomerDataset:
    """The stored metrics are those of the stored files, and the customer-data events chain:
    each one's before is the previous one's after, the last one's after is what is stored."""
    dataset = CustomerDataset.objects.get(assessment=assessment)
    files = {kind: {"name": info["name"], "rows": info["rows"]} for kind, info in dataset.files.items()}
    frames = dataset_frames(dataset)
    assert (len(frames["customers"]), len(frames["survey"])) == (4, files["survey"]["rows"])
    churn = dataset.metrics["churn"]["rate"]
    nps = dataset.metrics["nps"]["score"]
    assert churn == pytest.approx(CHURN_BY_CLOSED_CLIENTS[frames["customers"]["closed_on"].notna().sum()])
    assert nps == pytest.approx(NPS_BY_SURVEY_ROWS[len(frames["survey"])])

    events = list(reversed(audit_events(assessment=assessment, action=AuditEvent.Action.CUSTOMER_DATA)))
    assert len(events) == uploads
    for previous, event in itertools.pairwise(events):
        # An event lists the files of its own kinds only.
        assert {**event.before, "files": None} == {**previous.after, "files": None}
        assert event.before["files"] == {
            kind: previous.after["files"][kind] for kind in event.before["files"]
        }
    last = events[-1]
    assert last.actor == dataset.updated_by
    assert last.after["files"] == {kind: files[kind] for kind in last.target.split(",")}
    assert (last.after["churn_rate"], last.after["nps"]) == (pytest.approx(churn), pytest.approx(nps))
    return dataset


def _customer_data_assessment(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    catalog_load()
    assessment = AssessmentFactory(status=Status.COLLECTING)
    return (
        assessment,
        consultant_of(assessment.organization, username="ann"),
        consultant_of(assessment.organization, username="bob"),
    )


def test_two_uploads_of_the_same_files_at_once_store_one_of_them_whole(settings, tmp_path):
    _require_postgresql()
    assessment, ann, bob = _customer_data_assessment(settings, tmp_path)
    replies = _at_once(
        _upload_call(
            assessment, ann, customers=("ann-customers.csv", ONE_CLOSED), survey=("ann-survey.csv", SURVEY)
        ),
        _upload_call(
            assessment,
            bob,
            customers=("bob-customers.csv", TWO_CLOSED),
            survey=("bob-survey.csv", PROMOTERS),
        ),
    )
    statuses = sorted(reply.status_code for reply in replies)
    assert statuses in ([201, 201], [201, 409])
    for reply in replies:
        if reply.status_code == 409:
            assert reply.json()["code"] == "customer_data_changed"
    dataset = _assert_stored_data_consistent(assessment, uploads=statuses.count(201))
    winner = dataset.updated_by.username
    assert {kind: info["name"] for kind, info in dataset.files.items()} == {
        "customers": f"{winner}-customers.csv",
        "survey": f"{winner}-survey.csv",
    }
    frames = dataset_frames(dataset)
    assert frames["customers"]["closed_on"].notna().sum() == {"ann": 1, "bob": 2}[winner]
    assert len(frames["survey"]) == {"ann": 12, "bob": 2}[winner]


def test_two_uploads_of_different_files_at_once_never_store_metrics_of_replaced_data(
    settings, tmp_path, monkeypatch
):
    """Ann replaces the customers while Bob replaces the survey: each upload computes the
    metrics from its own file and the stored other one, so the second to store has computed
    them from data the first has replaced."""
    _require_postgresql()
    assessment, ann, bob = _customer_data_assessment(settings, tmp_path)
    customer_data_replace(
        assessment=assessment,
        user=ann,
        uploads={"customers": upload("customers.csv", ONE_CLOSED), "survey": upload("survey.csv", SURVEY)},
    )
    # Both uploads have read the stored data before either stores its own.
    both_read = threading.Barrier(2)
    metrics = customer_data._metrics

    def metrics_once_both_have_read(*args, **kwargs):
        both_read.wait(timeout=10)
        return metrics(*args, **kwargs)

    monkeypatch.setattr(customer_data, "_metrics", metrics_once_both_have_read)
    replies = _at_once(
        _upload_call(assessment, ann, customers=("two-closed.csv", TWO_CLOSED)),
        _upload_call(assessment, bob, survey=("promoters.csv", PROMOTERS)),
    )
    statuses = sorted(reply.status_code for reply in replies)
    _assert_stored_data_consistent(assessment, uploads=1 + statuses.count(201))
    # Stored one after the other, the second would have been computed afresh: at once, the
    # second to store finds the data changed under it and stores nothing.
    assert statuses == [201, 409]
    [refused] = [reply for reply in replies if reply.status_code == 409]
    assert refused.json()["code"] == "customer_data_changed"


# --- The database connection drops during an autosave -------------------------------------------------


def _http(method: str, url: str, body: dict | None = None) -> tuple[int, dict, dict | bytes]:
    """(status, headers, body: parsed when JSON) of a real HTTP request to the live server,
    in Russian."""
    address = urllib.parse.urlsplit(url)
    client = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        client.request(
            method,
            address.path,
            body=json.dumps(body) if body is not None else None,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Accept-Language": "ru",
            },
        )
        reply = client.getresponse()
        content = reply.read()
        if reply.getheader("Content-Type") == "application/json":
            content = json.loads(content)
        return reply.status, dict(reply.getheaders()), content
    finally:
        client.close()


def _terminate_backend_of(database) -> bool:
    """Terminate the server process behind `database` from a separate connection, as a
    database restart or failover would, and wait until it is gone."""
    database.ensure_connection()
    pid = database.connection.info.backend_pid
    params = {
        "dbname": database.settings_dict["NAME"],
        "user": database.settings_dict["USER"],
        "password": database.settings_dict["PASSWORD"],
        "host": database.settings_dict["HOST"],
        "port": database.settings_dict["PORT"],
    }
    with psycopg.connect(**{key: value for key, value in params.items() if value}, autocommit=True) as admin:
        return admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]


def test_a_connection_dropped_during_an_autosave_is_a_retryable_503(live_server, monkeypatch):
    _require_postgresql()
    token = _respondent()
    url = f"{live_server.url}/api/v1/respond/{token}/answers/"
    assert _http("PATCH", url, {"answers": [{"indicator": "ORG-01", "level": 3}]})[0] == 200
    acknowledged = _stored_answers()
    started = Response.objects.get().updated_at

    # The connection drops as the answers' write is sent (the autosave's one statement).
    terminated = []
    answers_upsert_sql = surveys_services._answers_upsert_sql

    def drop_the_connection_then_write(**kwargs):
        if not terminated:
            terminated.append(_terminate_backend_of(connection))
        return answers_upsert_sql(**kwargs)

    monkeypatch.setattr(surveys_services, "_answers_upsert_sql", drop_the_connection_then_write)
    change = {"answers": [{"indicator": "ORG-01", "level": 5}, {"indicator": "ORG-02", "level": 4}]}
    status, headers, body = _http("PATCH", url, change)
    assert terminated == [True]
    assert status == 503
    assert headers["Content-Type"] == "application/json"
    assert int(headers["Retry-After"]) > 0
    assert headers["Content-Language"] == "ru"
    with translation.override("ru"):
        assert body == {
            "detail": gettext("The database is briefly unavailable. Please try again in a moment.")
        }
    # Nothing of the failed request was kept.
    assert _stored_answers() == acknowledged
    assert Response.objects.get().updated_at == started

    retried_status, _headers, retried_body = _http("PATCH", url, change)
    assert (retried_status, retried_body) == (200, {"saved": 2})
    assert terminated == [True]
    assert [(code, level) for code, level, _comment, _at in _stored_answers()] == [
        ("ORG-01", 5),
        ("ORG-02", 4),
    ]
    assert _http("GET", f"{live_server.url}/api/v1/respond/{token}/")[2]["answers"] == {
        "ORG-01": {"level": 5, "answered": True, "comment": ""},
        "ORG-02": {"level": 4, "answered": True, "comment": ""},
    }
