"""All of Redis gone at once (the broker, the result backend and the cache on a closed port):
whoever enqueues work gets an answer within seconds, either 503 with Retry-After and nothing
kept, or the work kept for the sweep to do once Redis is back; respondents keep answering and
people keep signing in, the request limits counting in each process meanwhile."""

import datetime
import io
import logging
import re
import socket
import time

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessment.models import CustomerDataImport, Status
from config import throttling
from config.celery import app as celery_app
from config.jobs import JOB_LOST_AFTER
from reports.models import Report
from reports.services import outbox_sweep
from surveys.models import Answer, Invitation, InvitationEmail
from surveys.services import EMAILS_DEFERRED, invitation_create_many
from surveys.throttles import CountingRateThrottle, RespondTokenThrottle
from tests.factories import AssessmentFactory, OrganizationFactory, UserFactory, consultant_of

DEAD_PORT = 6390
DEAD_REDIS = f"redis://127.0.0.1:{DEAD_PORT}/0"
ANSWER_WITHIN = 5  # seconds
QUEUE_AWAY = "The task queue is not reachable right now; nothing was queued. Please try again later."
LINK = re.compile(r"https://cx\.example\.com/r/([\w-]{43,})/")

# Autocommit, as requests run: what a request enqueues is sent the moment it commits.
pytestmark = pytest.mark.django_db(transaction=True)


def _port_closed(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def fresh_limits(monkeypatch):
    """A fail-open cache of the test's own (the shared one remembers an outage for seconds)."""
    cache = throttling.FailOpenCache()
    cache.local.clear()
    monkeypatch.setattr(CountingRateThrottle, "cache", cache)
    monkeypatch.setattr(throttling.FailOpenScopedRateThrottle, "cache", cache)
    return cache


@pytest.fixture
def redis_gone(settings, fresh_limits):
    """Broker, result backend and cache all point at a closed port; the queue is no longer
    run in-process."""
    assert _port_closed(DEAD_PORT), f"something listens on {DEAD_PORT}; the test needs it closed"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}
    }
    conf = celery_app.conf
    kept = {
        name: conf[name]
        for name in ("task_always_eager", "broker_write_url", "broker_read_url", "result_backend")
    }
    # The write and read URLs, not broker_url: Celery reads CELERY_BROKER_URL from the
    # environment (set in CI) before any assignment to broker_url.
    conf.update(task_always_eager=False, broker_write_url=DEAD_REDIS, broker_read_url=DEAD_REDIS)
    conf.result_backend = DEAD_REDIS

    def reconnect():
        celery_app._after_fork()  # drop pooled broker connections
        celery_app._backend_cache = None  # and the result backend built from the former URL
        vars(celery_app._local).pop("backend", None)

    reconnect()

    def redis_back():
        """Redis is back: in tests, the queue runs in-process again."""
        conf.update(kept)
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        reconnect()

    yield redis_back
    redis_back()


@pytest.fixture
def audit(catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://cx.example.com"
    assessment = AssessmentFactory(
        organization=OrganizationFactory(name="Queue Bank"), status=Status.COLLECTING
    )
    return assessment, consultant_of(assessment.organization)


def _timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def _sweep_later():
    """The sweep, run once the time after which a task counts as lost has passed."""
    return outbox_sweep(now=timezone.now() + JOB_LOST_AFTER + datetime.timedelta(minutes=1))


def _file(name: str, content: bytes) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


# --- 503 with nothing kept --------------------------------------------------------------------


def test_a_report_request_answers_503_with_retry_after_at_once_and_keeps_nothing(api, audit, redis_gone):
    assessment, consultant = audit
    api.force_authenticate(consultant)

    response, seconds = _timed(
        lambda: api.post(
            f"/api/v1/assessments/{assessment.pk}/reports/",
            {"kind": "executive", "language": "en"},
            format="json",
        )
    )

    assert seconds < ANSWER_WITHIN
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"detail": QUEUE_AWAY}
    assert Report.objects.count() == 0

    redis_gone()  # asked again once Redis is back, it is queued and rendered
    again = api.post(
        f"/api/v1/assessments/{assessment.pk}/reports/",
        {"kind": "executive", "language": "en"},
        format="json",
    )
    assert again.status_code == 202
    assert Report.objects.get().status == "ready"


def test_the_workspace_report_form_answers_503_with_retry_after(client, audit, redis_gone):
    assessment, consultant = audit
    client.force_login(consultant)

    response, seconds = _timed(
        lambda: client.post(
            f"/assessments/{assessment.pk}/reports/", {"kind": "executive", "language": "en"}, secure=True
        )
    )

    assert seconds < ANSWER_WITHIN
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert QUEUE_AWAY in response.content.decode()
    assert Report.objects.count() == 0


def test_a_background_import_answers_503_with_retry_after_and_stages_nothing(
    api, audit, redis_gone, tmp_path
):
    assessment, consultant = audit
    api.force_authenticate(consultant)
    header = b"client_id,segment,product_count,opened_on,closed_on,last_activity_on\n"

    response, seconds = _timed(
        lambda: api.post(
            f"/api/v1/assessments/{assessment.pk}/customer-data/?background=1",
            {"customers": _file("customers.csv", header)},
            format="multipart",
        )
    )

    assert seconds < ANSWER_WITHIN
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"detail": QUEUE_AWAY}
    assert CustomerDataImport.objects.count() == 0
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


# --- kept, and sent by the sweep once Redis is back -------------------------------------------


def test_inviting_while_collecting_keeps_the_invitation_and_the_sweep_sends_its_email(api, audit, redis_gone):
    assessment, consultant = audit
    api.force_authenticate(consultant)

    response, seconds = _timed(
        lambda: api.post(
            f"/api/v1/assessments/{assessment.pk}/invitations/",
            [{"email": "aida@bank.kz", "role": "frontline", "department": "Retail", "language": "en"}],
            format="json",
        )
    )

    assert seconds < ANSWER_WITHIN
    assert response.status_code == 201
    [created] = response.json()
    email = InvitationEmail.objects.get()
    assert (email.invitation.email, email.state, email.sent_at, email.error) == (
        "aida@bank.kz",
        InvitationEmail.State.PENDING,
        None,
        "",
    )
    assert mail.outbox == []

    redis_gone()
    assert _sweep_later()["emails"] == {"requeued": 1}
    [message] = mail.outbox
    assert message.to == ["aida@bank.kz"]
    email.refresh_from_db()
    assert email.state == InvitationEmail.State.SENT
    # Both links work: the one shown when inviting and the one the e-mail carries.
    for token in (created["token"], LINK.search(message.body).group(1)):
        assert api.get(f"/api/v1/respond/{token}/").status_code == 200
    assert _sweep_later()["emails"] == {"requeued": 0}  # sent once
    assert len(mail.outbox) == 1


def test_a_resend_is_accepted_and_the_sweep_sends_the_new_link(api, audit, redis_gone):
    assessment, consultant = audit
    [new] = invitation_create_many(
        assessment=assessment,
        rows=[{"email": "aida@bank.kz", "role": "frontline", "department": "Retail", "language": "en"}],
    )
    InvitationEmail.objects.update(state=InvitationEmail.State.SENT)  # the first e-mail went out
    api.force_authenticate(consultant)

    response, seconds = _timed(
        lambda: api.post(f"/api/v1/assessments/{assessment.pk}/invitations/{new.invitation.pk}/resend/")
    )

    assert seconds < ANSWER_WITHIN
    assert response.status_code == 202
    resend = InvitationEmail.objects.get(state=InvitationEmail.State.PENDING)
    redis_gone()
    assert _sweep_later()["emails"] == {"requeued": 1}
    [message] = mail.outbox
    assert api.get(f"/api/v1/respond/{LINK.search(message.body).group(1)}/").status_code == 200
    resend.refresh_from_db()
    assert resend.state == InvitationEmail.State.SENT


def test_moving_to_collecting_keeps_the_status_and_the_sweep_sends_the_invitations(api, audit, redis_gone):
    assessment, consultant = audit
    assessment.status = Status.DRAFT
    assessment.save()
    invitation_create_many(
        assessment=assessment,
        rows=[
            {"email": f"person{n}@bank.kz", "role": "manager", "department": "Retail", "language": "en"}
            for n in range(3)
        ],
    )
    api.force_authenticate(consultant)

    response, seconds = _timed(
        lambda: api.patch(f"/api/v1/assessments/{assessment.pk}/", {"status": "collecting"}, format="json")
    )

    assert seconds < ANSWER_WITHIN
    assert response.status_code == 200
    assert response.json()["status"] == "collecting"
    assert sorted(InvitationEmail.objects.values_list("state", flat=True)) == ["pending"] * 3
    assert mail.outbox == []

    redis_gone()
    assert _sweep_later()["emails"] == {"requeued": 3}
    assert sorted(message.to[0] for message in mail.outbox) == [f"person{n}@bank.kz" for n in range(3)]
    assert set(Invitation.objects.values_list("sent_at", flat=True)) != {None}


def test_the_workspace_says_the_emails_follow_once_the_queue_is_back(client, audit, redis_gone):
    assessment, consultant = audit
    client.force_login(consultant)

    response, seconds = _timed(
        lambda: client.post(
            f"/assessments/{assessment.pk}/respondents/",
            {"action": "add", "email": "ivan@bank.kz", "role": "frontline", "language": "en"},
            secure=True,
        )
    )

    assert seconds < ANSWER_WITHIN
    assert response.status_code == 200
    page = response.content.decode()
    assert "https://cx.example.com/r/" in page  # the new personal link is shown once, as always
    assert str(EMAILS_DEFERRED) in page
    assert InvitationEmail.objects.get().state == InvitationEmail.State.PENDING


def test_the_workspace_status_button_says_the_invitations_follow(client, audit, redis_gone):
    assessment, consultant = audit
    assessment.status = Status.DRAFT
    assessment.save()
    invitation_create_many(
        assessment=assessment,
        rows=[{"email": "ivan@bank.kz", "role": "manager", "department": "", "language": "en"}],
    )
    client.force_login(consultant)

    response, seconds = _timed(
        lambda: client.post(
            reverse("workspace:assessment-advance", args=[assessment.pk]),
            {"from": "draft"},
            secure=True,
        )
    )

    assert seconds < ANSWER_WITHIN
    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "The assessment is now “Collecting answers”.",
        str(EMAILS_DEFERRED),
    ]
    assessment.refresh_from_db()
    assert assessment.status == Status.COLLECTING


# --- request limits without the cache ---------------------------------------------------------


def test_respondents_keep_autosaving_and_the_limit_counts_in_the_process(
    api, audit, settings, fresh_limits, monkeypatch, caplog
):
    assessment, _consultant = audit
    [new] = invitation_create_many(
        assessment=assessment,
        rows=[{"email": "aida@bank.kz", "role": "frontline", "department": "Retail", "language": "en"}],
    )
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}
    }
    rates = {**RespondTokenThrottle.THROTTLE_RATES, "respond_token": "3/min"}
    monkeypatch.setattr(RespondTokenThrottle, "THROTTLE_RATES", rates)
    url = f"/api/v1/respond/{new.token}/answers/"

    with caplog.at_level(logging.WARNING, logger="config.throttling"):
        statuses = [
            api.patch(url, {"answers": [{"indicator": "PRC-03", "level": level}]}, format="json").status_code
            for level in (1, 2, 3, 4)
        ]

    assert statuses == [200, 200, 200, 429]
    assert Answer.objects.get(response__invitation=new.invitation).level == 3
    assert [
        record.getMessage().split(":")[0] for record in caplog.records if record.name == "config.throttling"
    ] == ["Cache unreachable; request limits count in each process"]


def test_signing_in_works_without_the_cache_and_wrong_passwords_are_still_refused(
    client, api, catalog, settings, fresh_limits, monkeypatch
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}
    }
    UserFactory(username="carol")

    assert (
        api.post("/api/v1/auth/token/", {"username": "carol", "password": "pass-word-123"}).status_code == 200
    )
    response = client.post(
        "/accounts/login/", {"username": "carol", "password": "pass-word-123"}, secure=True
    )
    assert response.status_code == 302
    client.logout()

    wrong = [
        client.post("/accounts/login/", {"username": "carol", "password": "guess"}, secure=True).status_code
        for _ in range(6)
    ]
    assert wrong == [200] * 5 + [429]


def test_the_token_endpoints_rate_limit_counts_in_the_process_without_the_cache(
    api, catalog, settings, fresh_limits, monkeypatch
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}
    }
    rates = {**throttling.FailOpenScopedRateThrottle.THROTTLE_RATES, "auth": "2/min"}
    monkeypatch.setattr(throttling.FailOpenScopedRateThrottle, "THROTTLE_RATES", rates)
    UserFactory(username="dave")

    statuses = [
        api.post("/api/v1/auth/token/", {"username": "dave", "password": "pass-word-123"}).status_code
        for _ in range(3)
    ]

    assert statuses == [200, 200, 429]
