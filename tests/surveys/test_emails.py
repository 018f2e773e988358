import datetime
import re

import pytest
from celery.exceptions import Retry
from django.core import mail
from freezegun import freeze_time
from rest_framework.test import APIClient

from assessment.models import Status
from assessment.services import assessment_update, reminders_queue
from surveys.models import InvitationEmail
from surveys.services import invitation_resend
from tests.surveys.conftest import invite

LINK = re.compile(r"https://cx\.example\.com/r/([\w-]{43,})/")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://cx.example.com"


def _link(message) -> str:
    return LINK.search(message.body).group(1)


def test_invitation_email_is_sent_after_commit_with_a_working_personal_link(
    assessment, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invite(assessment, email="aida@bank.kz", name="Aida")
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    [message] = mail.outbox
    assert message.to == ["aida@bank.kz"]
    assert message.subject == "Alatau Bank: your view on how we serve customers"
    assert message.body.startswith("Dear Aida,")
    html = message.alternatives[0][0]
    token = _link(message)
    assert f"https://cx.example.com/r/{token}/" in html
    assert api.get(f"/api/v1/respond/{token}/").status_code == 200
    email = InvitationEmail.objects.get()
    assert email.state == InvitationEmail.State.SENT
    assert email.invitation.sent_at == email.sent_at


def test_invitation_email_in_russian(assessment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(assessment, email="ivan@bank.kz", name="Иван", language="ru")
    [message] = mail.outbox
    assert message.subject == "Alatau Bank: ваше мнение о том, как мы обслуживаем клиентов"
    assert message.body.startswith("Здравствуйте, Иван!")
    assert "Ваша персональная ссылка:" in message.body


def test_names_are_escaped_in_the_html_email(assessment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(assessment, email="x@bank.kz", name="<script>alert(1)</script>")
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_delivering_the_same_email_twice_sends_once(assessment, django_capture_on_commit_callbacks):
    from surveys.tasks import invitation_email_send

    with django_capture_on_commit_callbacks(execute=True):
        invite(assessment)
    email = InvitationEmail.objects.get()
    assert invitation_email_send(email.pk) is False
    assert len(mail.outbox) == 1


def test_draft_invitations_are_sent_when_collection_starts(catalog, django_capture_on_commit_callbacks):
    from tests.factories import AssessmentFactory

    draft = AssessmentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        invite(draft, email="early@bank.kz")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assessment_update(assessment=draft, status=Status.COLLECTING)
    assert [m.to for m in mail.outbox] == [["early@bank.kz"]]


def test_resend_sends_a_new_link_and_the_old_one_still_works(
    assessment, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = invite(assessment)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(invitation=new.invitation)
    first, second = (_link(m) for m in mail.outbox)
    assert first != second
    for token in (first, second, new.token):
        assert api.get(f"/api/v1/respond/{token}/").status_code == 200


def test_resend_api_is_refused_after_submission(assessment, api, django_capture_on_commit_callbacks):
    from surveys.services import answers_save, response_submit
    from tests.factories import consultant_of

    new = invite(assessment)
    answers_save(invitation=new.invitation, items=[{"indicator": "ORG-01", "level": 3}])
    response_submit(invitation=new.invitation)
    api.force_authenticate(consultant_of(assessment.organization))
    url = f"/api/v1/assessments/{assessment.pk}/invitations/{new.invitation.pk}/resend/"
    response = api.post(url)
    assert response.status_code == 409
    assert response.json()["code"] == "already_submitted"


def test_transport_error_keeps_no_link_and_is_retried(
    assessment, monkeypatch, django_capture_on_commit_callbacks
):
    import smtplib

    from surveys.models import InvitationToken

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    # Eagerly, the task's automatic retry surfaces as Retry; a worker would schedule it.
    with (
        pytest.raises(Retry, match="SMTPServerDisconnected"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        new = invite(assessment)
    # The failed attempt left only the creation link, no half-sent one.
    assert InvitationToken.objects.filter(invitation=new.invitation).count() == 1
    assert InvitationEmail.objects.get().state in {
        InvitationEmail.State.PENDING,
        InvitationEmail.State.FAILED,
    }


class TestReminders:
    START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)

    def _invite_at_start(self, assessment, callbacks, **row):
        with freeze_time(self.START), callbacks(execute=True):
            return invite(assessment, **row)

    def _run(self, when, callbacks):
        with freeze_time(when), callbacks(execute=True):
            return reminders_queue(now=when)

    def test_reminders_on_day_3_and_day_7_only_to_those_not_submitted(
        self, assessment, django_capture_on_commit_callbacks
    ):
        from surveys.services import answers_save, response_submit

        cb = django_capture_on_commit_callbacks
        waiting = self._invite_at_start(assessment, cb, email="waiting@bank.kz")
        done = self._invite_at_start(assessment, cb, email="done@bank.kz")
        answers_save(invitation=done.invitation, items=[{"indicator": "ORG-01", "level": 4}])
        response_submit(invitation=done.invitation)
        mail.outbox.clear()

        day = datetime.timedelta(days=1)
        assert self._run(self.START + 2 * day, cb) == 0
        assert self._run(self.START + 3 * day, cb) == 1
        assert self._run(self.START + 3 * day + datetime.timedelta(hours=1), cb) == 0  # once per day
        assert self._run(self.START + 6 * day, cb) == 0
        assert self._run(self.START + 7 * day, cb) == 1
        assert self._run(self.START + 30 * day, cb) == 0
        assert [m.to for m in mail.outbox] == [["waiting@bank.kz"], ["waiting@bank.kz"]]
        assert mail.outbox[0].subject == "Reminder: Alatau Bank customer-experience survey"
        assert list(
            InvitationEmail.objects.filter(invitation=waiting.invitation, kind="reminder").values_list(
                "reminder_day", flat=True
            )
        ) == [3, 7]

    def test_overdue_days_at_once_send_only_the_latest_reminder(
        self, assessment, django_capture_on_commit_callbacks
    ):
        cb = django_capture_on_commit_callbacks
        self._invite_at_start(assessment, cb)
        mail.outbox.clear()
        assert self._run(self.START + datetime.timedelta(days=8), cb) == 1
        assert len(mail.outbox) == 1

    def test_reminders_stop_when_collection_ends(self, assessment, django_capture_on_commit_callbacks):
        cb = django_capture_on_commit_callbacks
        self._invite_at_start(assessment, cb)
        assessment_update(assessment=assessment, status=Status.SCORING)
        mail.outbox.clear()
        assert self._run(self.START + datetime.timedelta(days=3), cb) == 0
        assert mail.outbox == []

    def test_reminder_days_are_set_per_assessment(self, assessment, django_capture_on_commit_callbacks):
        cb = django_capture_on_commit_callbacks
        assessment.reminder_days = [1]
        assessment.save()
        self._invite_at_start(assessment, cb)
        assert self._run(self.START + datetime.timedelta(days=1), cb) == 1


def test_beat_schedule_runs_reminders(settings):
    from config.celery import app

    assert app.conf.beat_schedule["reminders"]["task"] == "assessment.reminders_send"
    assert "assessment.reminders_send" in app.tasks


class TestRemindEveryone:
    """The consultant's "remind everyone who has not submitted": now, once a day at most, audited."""

    START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)

    def _remind(self, consultant_api, assessment, when, callbacks):
        with freeze_time(when), callbacks(execute=True):
            return consultant_api.post(f"/api/v1/assessments/{assessment.pk}/invitations/remind/")

    def test_everyone_not_submitted_is_reminded_once_a_day_at_most(
        self, assessment, consultant_api, django_capture_on_commit_callbacks
    ):
        from surveys.services import answers_save, response_submit

        cb = django_capture_on_commit_callbacks
        with freeze_time(self.START), cb(execute=True):
            invite(assessment, email="waiting@bank.kz")
            invite(assessment, email="also@bank.kz", language="ru")
            done = invite(assessment, email="done@bank.kz")
        answers_save(invitation=done.invitation, items=[{"indicator": "ORG-01", "level": 4}])
        response_submit(invitation=done.invitation)
        mail.outbox.clear()

        response = self._remind(consultant_api, assessment, self.START + datetime.timedelta(hours=1), cb)
        assert (response.status_code, response.json()) == (202, {"reminded": 2})
        assert sorted(m.to[0] for m in mail.outbox) == ["also@bank.kz", "waiting@bank.kz"]
        subjects = {m.to[0]: m.subject for m in mail.outbox}
        assert subjects["waiting@bank.kz"] == "Reminder: Alatau Bank customer-experience survey"
        assert subjects["also@bank.kz"].startswith("Напоминание")
        [event] = assessment.audit_events.filter(action="reminders")
        assert event.after == 2 and event.actor.memberships.get().role == "consultant"

        # Again within the day: refused, nothing sent, and the answer says from when.
        mail.outbox.clear()
        again = self._remind(
            consultant_api, assessment, self.START + datetime.timedelta(hours=24, minutes=59), cb
        )
        assert again.status_code == 409
        assert again.json()["code"] == "reminded_recently"
        assert again.json()["next_at"] == "2026-03-03T10:00:00+00:00"
        assert mail.outbox == [] and assessment.audit_events.filter(action="reminders").count() == 1
        # A day after: allowed again; the scheduled reminder days are unaffected.
        later = self._remind(consultant_api, assessment, self.START + datetime.timedelta(hours=25), cb)
        assert later.json() == {"reminded": 2} and len(mail.outbox) == 2

    def test_only_while_collecting_and_only_by_its_consultants(
        self, assessment, consultant_api, api, django_capture_on_commit_callbacks
    ):
        from tests.factories import OrganizationFactory, consultant_of, executive_of

        with django_capture_on_commit_callbacks(execute=True):
            invite(assessment)
        url = f"/api/v1/assessments/{assessment.pk}/invitations/remind/"
        other = APIClient()
        other.force_authenticate(executive_of(assessment.organization))
        assert other.post(url).status_code == 404  # executives do not see an audit still collecting
        other.force_authenticate(consultant_of(OrganizationFactory()))
        assert other.post(url).status_code == 404
        assessment_update(assessment=assessment, status=Status.SCORING)
        mail.outbox.clear()
        refused = consultant_api.post(url)
        assert (refused.status_code, refused.json()["code"]) == (409, "assessment_not_collecting")
        assert mail.outbox == []
