"""The reminder to re-assess (docs/methods.md §10.5): due when the action plan's last initiative
is, or REASSESSMENT_AFTER_MONTHS after publishing, whichever comes first; each consultant of the
organization gets one e-mail in their language, never twice, none once the re-assessment has
started; the link starts it with the baseline filled in."""

import datetime
import smtplib
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time

from assessment.models import Assessment, UserInvitation
from reports.models import InitiativeStatus, ReassessmentReminder
from reports.plan import reassessment_due_on
from reports.reassessment import reassessment_reminder_deliver, reassessment_reminders_queue
from tests.factories import AssessmentFactory, consultant_of

PUBLISHED = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
LAST_DUE = datetime.date(2026, 6, 30)


@pytest.mark.parametrize(
    ("published_on", "last_due_on", "months", "due_on"),
    [
        (datetime.date(2026, 1, 31), None, 9, datetime.date(2026, 10, 31)),
        (datetime.date(2026, 1, 31), datetime.date(2026, 6, 30), 9, datetime.date(2026, 6, 30)),
        (datetime.date(2026, 1, 31), datetime.date(2027, 1, 1), 9, datetime.date(2026, 10, 31)),
        (datetime.date(2026, 5, 31), None, 9, datetime.date(2027, 2, 28)),  # the month's last day
        (datetime.date(2026, 1, 31), None, 6, datetime.date(2026, 7, 31)),
    ],
)
def test_the_re_assessment_is_due_at_the_last_initiative_or_after_the_months(
    published_on, last_due_on, months, due_on
):
    assert reassessment_due_on(published_on=published_on, last_due_on=last_due_on, months=months) == due_on


@pytest.fixture
def awaiting(audit, settings):
    """The published baseline without its re-assessment, published on 5 January 2026, its
    plan's last initiative (not dropped) due on 30 June; a second consultant reads Russian."""
    settings.SITE_URL = "https://cx.example.com"
    settings.REASSESSMENT_AFTER_MONTHS = 9
    audit.current.delete()
    Assessment.objects.filter(pk=audit.baseline.pk).update(published_at=PUBLISHED)
    initiatives = list(audit.baseline.initiatives.order_by("position"))
    assert len(initiatives) >= 3
    for number, initiative in enumerate(initiatives):
        initiative.start_on = None
        initiative.due_on = LAST_DUE - datetime.timedelta(days=10 * number)
        initiative.save()
    # A dropped initiative due later does not hold the re-assessment back.
    initiatives[-1].status, initiatives[-1].due_on = InitiativeStatus.DROPPED, datetime.date(2027, 3, 1)
    initiatives[-1].save()
    audit.ruslan = consultant_of(audit.organization, first_name="Руслан", email="ruslan@firm.example")
    UserInvitation.objects.create(user=audit.ruslan, organization=audit.organization, language="ru")
    return audit


def _run(day: datetime.date, callbacks) -> int:
    now = datetime.datetime.combine(day, datetime.time(8), tzinfo=datetime.UTC)
    with freeze_time(now), callbacks(execute=True):
        return reassessment_reminders_queue(now=now)


def test_each_consultant_is_reminded_once_when_the_last_initiative_is_due(
    awaiting, django_capture_on_commit_callbacks
):
    assert _run(LAST_DUE - datetime.timedelta(days=1), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []
    assert _run(LAST_DUE, django_capture_on_commit_callbacks) == 2
    messages = {message.to[0]: message for message in mail.outbox}
    assert set(messages) == {awaiting.consultant.email, "ruslan@firm.example"}
    russian = messages["ruslan@firm.example"]
    assert russian.subject == "Пора провести повторный аудит: Acme Bank"
    start = f"https://cx.example.com/organizations/{awaiting.organization.pk}/assessments/new/?baseline={awaiting.baseline.pk}"
    assert start in russian.body and start in messages[awaiting.consultant.email].body
    assert "30 июня 2026" in russian.body  # the due date, in Russian
    assert messages[awaiting.consultant.email].subject == "Time to re-assess Acme Bank"
    # Later runs send nothing more.
    assert _run(LAST_DUE + datetime.timedelta(days=1), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 2
    assert ReassessmentReminder.objects.filter(sent_at__isnull=False).count() == 2


def test_without_a_plan_the_reminder_comes_after_the_months(awaiting, django_capture_on_commit_callbacks):
    awaiting.baseline.initiatives.all().delete()
    assert _run(datetime.date(2026, 10, 4), django_capture_on_commit_callbacks) == 0
    assert _run(datetime.date(2026, 10, 5), django_capture_on_commit_callbacks) == 2


def test_a_started_re_assessment_stops_the_reminder_and_a_failed_send_goes_out_once_later(
    awaiting, django_capture_on_commit_callbacks
):
    with (
        mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=smtplib.SMTPException("down")),
        pytest.raises(Retry),
    ):
        _run(LAST_DUE, django_capture_on_commit_callbacks)
    assert mail.outbox == [] and not ReassessmentReminder.objects.filter(sent_at__isnull=False).exists()
    _run(LAST_DUE + datetime.timedelta(hours=1), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    for reminder in ReassessmentReminder.objects.all():
        assert reassessment_reminder_deliver(reminder_id=reminder.pk) is False
    assert len(mail.outbox) == 2

    # A new assessment of another consultant's making, once started, silences what is left.
    ReassessmentReminder.objects.update(sent_at=None)
    AssessmentFactory(organization=awaiting.organization, baseline=awaiting.baseline)
    assert _run(LAST_DUE + datetime.timedelta(days=2), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 2 and not ReassessmentReminder.objects.filter(sent_at__isnull=True).exists()


def test_the_consultant_sees_it_due_and_starts_it_with_the_baseline_filled_in(awaiting, client):
    client.force_login(awaiting.consultant)
    scores = reverse("workspace:scores", args=[awaiting.baseline.pk])
    with freeze_time(LAST_DUE - datetime.timedelta(days=1)):
        assert "reassessment-due" not in client.get(scores).content.decode()
    with freeze_time(LAST_DUE):
        page = client.get(scores).content.decode()
    assert "The re-assessment is due since 06/30/2026" in page
    start = (
        reverse("workspace:assessment-new", args=[awaiting.organization.pk])
        + f"?baseline={awaiting.baseline.pk}"
    )
    assert f'href="{start}"' in page
    form = client.get(start).context["form"]
    assert form.initial["baseline"] == awaiting.baseline.pk
    assert form.initial["title"] == "Re-assessment of Audit 2025" and form.initial["copy_invitations"] is True
    # The executive is not the one to start it.
    client.force_login(awaiting.executive)
    with freeze_time(LAST_DUE):
        assert "reassessment-due" not in client.get(scores).content.decode()
