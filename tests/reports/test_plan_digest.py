"""The weekly digest of the action plan: one e-mail per owner and week, about their initiatives
due within 14 days or overdue, in their language; a retried or repeated task sends nothing
twice, and a failed send is sent by the next run."""

import datetime
import smtplib
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from freezegun import freeze_time

from assessment.models import UserInvitation
from reports.models import Initiative, InitiativeStatus, PlanDigest
from reports.plan_digest import plan_digest_deliver, plan_digests_queue, week_of
from tests.factories import client_manager_of

MONDAY = datetime.datetime(2026, 3, 2, 7, 0, tzinfo=datetime.UTC)  # a Monday


@pytest.fixture
def owned(audit, settings):
    """Two client managers of the published baseline: Dana (Russian) owns one initiative due in
    10 days and one overdue; Erlan owns one due in 30 days (not yet worth a word)."""
    settings.SITE_URL = "https://cx.example.com"
    dana = client_manager_of(audit.organization, first_name="Dana", email="dana@acme.kz")
    UserInvitation.objects.create(user=dana, organization=audit.organization, language="ru")
    erlan = client_manager_of(audit.organization, first_name="Erlan", email="erlan@acme.kz")
    first, second, third, *_rest = audit.baseline.initiatives.order_by("position")
    today = MONDAY.date()
    for initiative, owner, due in (
        (first, dana, today + datetime.timedelta(days=10)),
        (second, dana, today - datetime.timedelta(days=3)),
        (third, erlan, today + datetime.timedelta(days=30)),
    ):
        Initiative.objects.filter(pk=initiative.pk).update(owner=owner, due_on=due, start_on=None)
    audit.dana, audit.erlan, audit.due = dana, erlan, (first, second)
    return audit


def _run(now, callbacks):
    with freeze_time(now), callbacks(execute=True):
        return plan_digests_queue(now=now)


def test_one_digest_a_week_to_the_owners_of_what_is_due_in_their_language(
    owned, django_capture_on_commit_callbacks
):
    assert _run(MONDAY, django_capture_on_commit_callbacks) == 1
    (message,) = mail.outbox
    assert message.to == ["dana@acme.kz"]
    assert message.subject == "План действий: 2 инициативы скоро к сроку или просрочены"
    first, second = owned.due
    assert first.title["ru"] in message.body and second.title["ru"] in message.body
    assert "просрочена с 27.02.2026" in message.body
    assert (
        f"https://cx.example.com/assessments/{owned.baseline.pk}/action-plan/#initiative-{first.pk}"
        in message.body
    )
    # Later the same week: nothing more; the next Monday: again.
    assert _run(MONDAY + datetime.timedelta(days=3), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1
    assert _run(MONDAY + datetime.timedelta(days=7), django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 2
    assert PlanDigest.objects.filter(user=owned.dana).count() == 2
    assert not PlanDigest.objects.filter(user=owned.erlan).exists()


def test_sending_twice_sends_once_and_a_failed_send_goes_out_with_the_next_run(
    owned, django_capture_on_commit_callbacks
):
    with (
        mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=smtplib.SMTPException("down")),
        pytest.raises(Retry),  # the task retries later,
    ):
        _run(MONDAY, django_capture_on_commit_callbacks)
    digest = PlanDigest.objects.get(user=owned.dana)
    assert digest.sent_at is None and mail.outbox == []  # rolled back: still to send
    assert _run(MONDAY + datetime.timedelta(hours=1), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1
    with freeze_time(MONDAY):
        assert plan_digest_deliver(digest_id=digest.pk) is False
    assert len(mail.outbox) == 1


def test_nothing_due_nothing_sent(owned, django_capture_on_commit_callbacks):
    Initiative.objects.filter(owner=owned.dana).update(status=InitiativeStatus.DONE, percent_complete=100)
    assert _run(MONDAY, django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_the_week_starts_on_monday():
    assert week_of(datetime.date(2026, 3, 8)) == datetime.date(2026, 3, 2)
    assert week_of(datetime.date(2026, 3, 2)) == datetime.date(2026, 3, 2)
