"""The collection deadline: shown to respondents and in the e-mails, a last reminder two days
before it, answers refused from it on, and the assessment moved on to scoring by the beat."""

import datetime

import pytest
from django.core import mail
from freezegun import freeze_time

from assessment.models import AuditEvent, Status
from assessment.services import assessment_update, collections_close, reminders_queue
from config.celery import app
from surveys.models import InvitationEmail
from surveys.services import answers_save, response_submit
from tests.surveys.conftest import invite

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
DEADLINE = START + datetime.timedelta(days=10)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://cx.example.com"


@pytest.fixture
def with_deadline(assessment):
    with freeze_time(START - DAY):
        assessment_update(assessment=assessment, collection_deadline=DEADLINE, reminder_days=[3])
    return assessment


def _invite_at(when, assessment, callbacks, **row):
    with freeze_time(when), callbacks(execute=True):
        return invite(assessment, **row)


def _remind_at(when, callbacks) -> int:
    with freeze_time(when), callbacks(execute=True):
        return reminders_queue(now=when)


def test_the_invitation_says_until_when_to_answer(with_deadline, django_capture_on_commit_callbacks):
    _invite_at(START, with_deadline, django_capture_on_commit_callbacks, email="ivan@bank.kz", language="ru")
    _invite_at(START, with_deadline, django_capture_on_commit_callbacks, email="aida@bank.kz")
    russian, english = mail.outbox
    assert "Please answer by March 12, 2026, 9 a.m.: the survey closes then." in english.body
    assert "Please answer by March 12, 2026, 9 a.m.: the survey closes then." in english.alternatives[0][0]
    assert "Пожалуйста, ответьте до 12 марта 2026 г. 9:00: тогда опрос закроется." in russian.body


def test_a_last_reminder_goes_two_days_before_the_deadline_once(
    with_deadline, django_capture_on_commit_callbacks
):
    cb = django_capture_on_commit_callbacks
    waiting = _invite_at(START, with_deadline, cb, email="waiting@bank.kz")
    done = _invite_at(START, with_deadline, cb, email="done@bank.kz")
    with freeze_time(START + DAY):
        answers_save(invitation=done.invitation, items=[{"indicator": "ORG-01", "level": 4}])
        response_submit(invitation=done.invitation)
    mail.outbox.clear()
    assert _remind_at(START + 3 * DAY, cb) == 1  # the day-3 reminder
    assert _remind_at(DEADLINE - 2 * DAY - datetime.timedelta(minutes=1), cb) == 0
    assert _remind_at(DEADLINE - 2 * DAY, cb) == 1
    assert _remind_at(DEADLINE - DAY, cb) == 0  # once
    assert _remind_at(DEADLINE + DAY, cb) == 0  # nothing after the deadline
    assert [message.to for message in mail.outbox] == [["waiting@bank.kz"], ["waiting@bank.kz"]]
    last = mail.outbox[1]
    assert last.subject == (
        "Last reminder: the Alatau Bank customer-experience survey closes on March 12, 2026"
    )
    assert (
        "closes on March 12, 2026, 9 a.m. — if you have not finished it yet, there is still time" in last.body
    )
    kinds = InvitationEmail.objects.filter(invitation=waiting.invitation).values_list("kind", flat=True)
    assert list(kinds) == ["invitation", "reminder", "deadline"]


def test_no_last_reminder_right_after_an_email_and_no_day_reminder_after_it(
    assessment, django_capture_on_commit_callbacks
):
    cb = django_capture_on_commit_callbacks
    with freeze_time(START - DAY):
        assessment_update(assessment=assessment, collection_deadline=START + DAY, reminder_days=[1])
    _invite_at(START - 2 * DAY, assessment, cb, email="early@bank.kz")
    late = _invite_at(START, assessment, cb, email="late@bank.kz")
    mail.outbox.clear()
    # Invited an hour ago: no last reminder yet; the early one gets it, and no day-1 reminder.
    assert _remind_at(START + datetime.timedelta(hours=1), cb) == 1
    assert [message.to for message in mail.outbox] == [["early@bank.kz"]]
    assert not InvitationEmail.objects.filter(invitation=late.invitation, kind="deadline").exists()


def test_answers_are_refused_from_the_deadline_and_the_beat_closes_collection(
    with_deadline, api, django_capture_on_commit_callbacks
):
    new = _invite_at(START, with_deadline, django_capture_on_commit_callbacks)
    url = f"/api/v1/respond/{new.token}/"
    with freeze_time(DEADLINE - datetime.timedelta(seconds=1)):
        assert api.get(url).json()["assessment"] == {
            "title": with_deadline.title,
            "deadline": "2026-03-12T09:00:00Z",
        }
        saved = api.patch(f"{url}answers/", {"answers": [{"indicator": "ORG-01", "level": 3}]}, format="json")
        assert saved.status_code == 200
    with freeze_time(DEADLINE):
        refused = api.patch(
            f"{url}answers/", {"answers": [{"indicator": "ORG-02", "level": 3}]}, format="json"
        )
        assert refused.status_code == 409
        with_deadline.refresh_from_db()
        assert with_deadline.status == Status.COLLECTING  # until the beat runs
        page = api.get(f"/r/{new.token}/")
        assert page.status_code == 409
        assert "The questionnaire closed on March 12, 2026, 9 a.m." in page.content.decode()
        assert collections_close(now=DEADLINE) == [with_deadline.pk]
        assert collections_close(now=DEADLINE) == []
    with_deadline.refresh_from_db()
    assert with_deadline.status == Status.SCORING
    event = AuditEvent.objects.get(assessment=with_deadline, action="status")
    assert (event.actor, event.before, event.after) == (None, "collecting", "scoring")


def test_collections_close_leaves_open_collections_alone(with_deadline, catalog):
    from tests.factories import AssessmentFactory

    without = AssessmentFactory(status=Status.COLLECTING)
    assert collections_close(now=DEADLINE - datetime.timedelta(seconds=1)) == []
    assert collections_close(now=DEADLINE + 400 * DAY) == [with_deadline.pk]
    without.refresh_from_db()
    assert without.status == Status.COLLECTING


def test_the_beat_closes_collections():
    assert app.conf.beat_schedule["collections_close"]["task"] == "assessment.collections_close"
    assert "assessment.collections_close" in app.tasks


def test_the_welcome_page_shows_the_deadline(with_deadline, client, django_capture_on_commit_callbacks):
    new = _invite_at(START, with_deadline, django_capture_on_commit_callbacks)
    with freeze_time(START):
        page = client.get(f"/r/{new.token}/").content.decode()
    assert "Open until March 12, 2026, 9 a.m." in page
