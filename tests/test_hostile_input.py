"""Hostile input answered with a 400 rather than a 500, and bearer secrets (personal links) kept
out of logs, cookies and printed e-mails; the questionnaire's pages throttled like its API."""

import io
import json
import logging
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from assessment.models import Status
from config.redaction import MaskedConsoleEmailBackend, SecretsFilter, secrets_mask
from surveys.models import Answer
from surveys.services import invitation_create_many
from surveys.throttles import RespondIpThrottle, RespondTokenThrottle
from tests.factories import AssessmentFactory, OrganizationFactory, UserFactory, consultant_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(catalog):
    return AssessmentFactory(organization=OrganizationFactory(name="Gamma Bank"), status=Status.COLLECTING)


@pytest.fixture
def consultant(assessment):
    return consultant_of(assessment.organization, username="gamma-consultant")


@pytest.fixture
def link(assessment):
    [new] = invitation_create_many(assessment=assessment, rows=[{"email": "r@gamma.kz", "role": "frontline"}])
    return new


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- Deep JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 1500, 100_000])
def test_deep_json_is_a_400_on_the_anonymous_token_endpoint(api, depth):
    body = '{"username": ' + _nested(depth) + ', "password": "x"}'
    response = api.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - nested deeper than 32 levels."}


def test_deep_json_is_a_400_on_an_authenticated_endpoint(api, assessment, consultant):
    api.force_authenticate(consultant)
    body = '{"title": ' + _nested(2000) + "}"
    response = api.patch(f"/api/v1/assessments/{assessment.pk}/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than 32 levels" in response.json()["detail"]
    assessment.refresh_from_db()
    assert assessment.title.startswith("CX audit")


def test_json_within_the_depth_limit_reaches_the_serializer(api):
    body = json.dumps({"username": json.loads(_nested(31)), "password": "x"})
    response = api.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"username": ["Not a valid string."]}


# --- Digits that are not ASCII ----------------------------------------------------------------------


def test_reminder_days_in_superscript_digits_are_a_field_error(assessment, consultant):
    client = Client()
    client.force_login(consultant)
    url = reverse("workspace:settings", args=[assessment.pk])
    response = client.post(url, {"section": "collection", "reminder_days": "²"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_reminder_days_error"' in page
    assert "Write whole numbers of days separated by commas" in page
    assessment.refresh_from_db()
    assert assessment.reminder_days == [3, 7]


@pytest.mark.parametrize("value", ["²", "9" * 40])
def test_an_organization_filter_that_is_no_id_is_a_field_error(api, consultant, value):
    api.force_authenticate(consultant)
    response = api.get("/api/v1/assessments/", {"organization": value})
    assert response.status_code == 400
    assert response.json() == {"organization": ["Must be an organization id."]}


# --- NUL in a questionnaire comment without JavaScript ----------------------------------------------


def test_a_nul_in_a_comment_is_refused_at_its_question_keeping_what_was_typed(client, link):
    response = client.post(
        f"/r/{link.token}/area/organization/",
        {
            "level-ORG-01": "4",
            "comment-ORG-01": "before\x00after",
            "level-ORG-02": "2",
            "comment-ORG-02": "kept too",
            "go": "next",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="comment-error-ORG-01"' in page
    assert "This comment contains a character that cannot be saved (shown as �)." in page
    assert "comment-error-ORG-02" not in page
    # What the respondent chose and typed is on the page again, nothing of it saved.
    assert "before\ufffdafter</textarea>" in page and "kept too</textarea>" in page
    checked = re.findall(r'name="level-(ORG-0[12])" value="(\d)" checked', page)
    assert checked == [("ORG-01", "4"), ("ORG-02", "2")]
    assert not Answer.objects.exists()


def test_the_api_refuses_a_nul_in_a_comment_too(api, link):
    response = api.patch(
        f"/api/v1/respond/{link.token}/answers/",
        {"answers": [{"indicator": "ORG-01", "level": 4, "comment": "a\x00b"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"answers": [{"index": 0, "comment": ["Null characters are not allowed."]}]}
    assert not Answer.objects.exists()


# --- Secrets out of logs, cookies and printed e-mails -------------------------------------------------


def test_masking_covers_links_api_paths_and_token_shaped_strings(link):
    text = (
        f"Not Found: /r/{link.token}/area/staff/ · GET /api/v1/respond/{link.token}/answers/ · "
        f"http://host/r/short-guess/ · Token {link.token} · sha {'a' * 64}"
    )
    assert secrets_mask(text) == (
        "Not Found: /r/[token]/area/staff/ · GET /api/v1/respond/[token]/answers/ · "
        f"http://host/r/[token]/ · Token [token] · sha {'a' * 64}"
    )


def _stream_of(handler: logging.StreamHandler) -> io.StringIO:
    stream = io.StringIO()
    handler.setStream(stream)
    return stream


def test_request_logs_carry_no_token(client, caplog):
    token = "x" * 20 + "-secret-" + "y" * 15  # 43 characters, as a real link's
    [console] = [handler for handler in logging.getLogger().handlers if handler.name == "console"]
    previous = console.stream
    stream = _stream_of(console)
    try:
        with caplog.at_level(logging.WARNING, logger="django.request"):
            assert client.get(f"/r/{token}/").status_code == 404
            assert client.get(f"/api/v1/respond/{token}/").status_code == 404
    finally:
        console.setStream(previous)
    printed = stream.getvalue()
    assert "Not Found: /r/[token]/" in printed
    assert "Not Found: /api/v1/respond/[token]/" in printed
    assert "secret" not in printed
    assert [record.getMessage() for record in caplog.records if record.name == "django.request"] == [
        "Not Found: /r/[token]/",
        "Not Found: /api/v1/respond/[token]/",
    ]


def test_the_development_servers_access_lines_carry_no_token(link):
    server = logging.getLogger("django.server")
    [handler] = [handler for handler in server.handlers if handler.name == "django.server"]
    previous = handler.stream
    stream = _stream_of(handler)
    try:
        server.info('"%s" %s %s', f"GET /r/{link.token}/ HTTP/1.1", "200", "5120")
    finally:
        handler.setStream(previous)
    assert '"GET /r/[token]/ HTTP/1.1" 200 5120' in stream.getvalue()
    assert link.token not in stream.getvalue()


def test_every_log_handler_masks_secrets():
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in logging.root.manager.loggerDict)]
    # Libraries' NullHandlers print nothing; pytest's own capture its output.
    handlers = {
        handler
        for logger in loggers
        for handler in logger.handlers
        if not isinstance(handler, logging.NullHandler) and not type(handler).__module__.startswith("_pytest")
    }
    assert {handler.name for handler in handlers} == {"console", "django.server"}
    unmasked = [
        handler for handler in handlers if not any(isinstance(f, SecretsFilter) for f in handler.filters)
    ]
    assert unmasked == []


def test_the_console_e_mail_backend_prints_invitations_without_their_links(
    assessment, django_capture_on_commit_callbacks
):
    stream = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        [new] = invitation_create_many(
            assessment=assessment, rows=[{"email": "p@gamma.kz", "role": "manager"}]
        )
    [message] = mail.outbox
    # The respondent's e-mail itself carries a link of its own (every e-mail a new one).
    [token] = re.findall(r"/r/([\w-]{43})/", message.body)
    MaskedConsoleEmailBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert "To: p@gamma.kz" in printed
    assert "/r/[token]/" in printed
    assert token not in printed and new.token not in printed


def test_the_admins_personal_link_is_on_the_page_and_in_no_cookie(catalog, assessment):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/surveys/invitation/add/",
        {"assessment": assessment.pk, "email": "n@gamma.kz", "role": "manager", "language": "en"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    [token] = re.findall(r"Personal link \(shown only now\): http://[^/]+/r/([\w-]+)/", page)
    assert len(token) == 43
    assert response["Cache-Control"].count("no-store") == 1
    assert all(token not in morsel.value for morsel in response.cookies.values())
    assert token not in str(dict(client.session))
    # The next page shows no message with it either.
    assert token not in client.get("/admin/surveys/invitation/").content.decode()


# --- The questionnaire's pages throttled ---------------------------------------------------------------


def test_the_questionnaire_pages_are_throttled_per_address(client, assessment, monkeypatch):
    links = [
        new.token
        for new in invitation_create_many(
            assessment=assessment, rows=[{"email": f"t{n}@gamma.kz", "role": "frontline"} for n in range(3)]
        )
    ]
    monkeypatch.setattr(RespondIpThrottle, "THROTTLE_RATES", {"respond_ip": "3/min"})
    statuses = [client.get(f"/r/{token}/").status_code for token in links]
    statuses.append(client.get("/r/guessed-link/").status_code)
    assert statuses == [200, 200, 200, 429]
    refused = client.get(f"/r/{links[0]}/area/organization/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "Too many requests came in for this questionnaire." in refused.content.decode()
    # Another address is served.
    assert client.get(f"/r/{links[0]}/", REMOTE_ADDR="10.0.0.5").status_code == 200


def test_the_questionnaire_pages_are_throttled_per_link(client, link, monkeypatch):
    monkeypatch.setattr(RespondTokenThrottle, "THROTTLE_RATES", {"respond_token": "2/min"})
    statuses = [client.get(f"/r/{link.token}/", REMOTE_ADDR=f"10.0.0.{n}").status_code for n in range(1, 4)]
    assert statuses == [200, 200, 429]


def test_a_celery_workers_log_handlers_mask_secrets_too():
    from celery.signals import after_setup_logger

    worker_logger = logging.Logger("worker-root")
    worker_logger.addHandler(logging.StreamHandler(io.StringIO()))
    after_setup_logger.send(sender=None, logger=worker_logger, loglevel=logging.INFO, logfile=None, format="")
    [handler] = worker_logger.handlers
    assert any(isinstance(f, SecretsFilter) for f in handler.filters)
