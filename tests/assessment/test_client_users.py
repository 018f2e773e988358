"""Client users: invited by e-mail with a one-time link that sets a password and expires; sent a
new link (the old one dies), deactivated and reactivated; every step in the organization's log."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from assessment.client_users import (
    client_invitation_deliver,
    client_user_active_set,
    client_user_invitation_resend,
    client_user_invite,
    client_users_list,
)
from assessment.models import AuditEvent, Membership, Role, UserInvitation
from config.exceptions import StateConflict
from tests.factories import OrganizationFactory, consultant_of

LINK = re.compile(r"https://cx\.example\.com/accounts/invitation/([\w-]{43,})/")
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
PASSWORD = "a-long-board-password-2026"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://cx.example.com"
    settings.INVITATION_LINK_DAYS = 7


@pytest.fixture
def bank(catalog):
    return OrganizationFactory(name="Alatau Bank")


@pytest.fixture
def consultant(bank):
    return consultant_of(bank, username="lead-consultant")


def _invite(bank, consultant, callbacks, **fields):
    with freeze_time(START), callbacks(execute=True):
        return client_user_invite(
            organization=bank, actor=consultant, **{"email": "Dana@Alatau.example", **fields}
        )


def _link(message) -> str:
    return LINK.search(message.body).group(1)


def _accept(token, password=PASSWORD, when=START + datetime.timedelta(days=1)):
    client = Client()
    url = reverse("client-invitation", args=[token])
    with freeze_time(when):
        return client, client.post(url, {"new_password1": password, "new_password2": password})


def test_the_executive_sets_a_password_from_the_e_mail_and_is_signed_in(
    bank, consultant, django_capture_on_commit_callbacks
):
    user = _invite(bank, consultant, django_capture_on_commit_callbacks, name="Dana Ospanova", language="ru")
    assert (user.username, user.email, user.has_usable_password()) == (
        "dana@alatau.example",
        "dana@alatau.example",
        False,
    )
    assert (
        Membership.objects.get(user=user).role == Role.EXECUTIVE
        and user.memberships.get().organization == bank
    )
    [message] = mail.outbox
    assert message.to == ["dana@alatau.example"]
    assert message.subject == "Alatau Bank: доступ к аудиту клиентского опыта"
    assert "7 дней" in message.body and "dana@alatau.example" in message.body
    token = _link(message)
    assert UserInvitation.objects.get(user=user).token_hash not in message.body  # only its hash is kept

    with freeze_time(START):
        page = Client().get(reverse("client-invitation", args=[token]))
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    client, response = _accept(token)
    assert response["Location"] == reverse("workspace:home")
    with freeze_time(START + datetime.timedelta(days=1)):
        assert client.get(reverse("workspace:home")).status_code == 200  # signed in
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # The link works once.
    _client, again = _accept(token, password="another-long-password-1")
    assert again.status_code == 410
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert [event.after for event in AuditEvent.objects.filter(organization=bank).order_by("id")] == [
        "invited",
        "password set",
    ]


def test_a_weak_password_is_refused_and_the_link_still_works(
    bank, consultant, django_capture_on_commit_callbacks
):
    _invite(bank, consultant, django_capture_on_commit_callbacks)
    token = _link(mail.outbox[0])
    _client, response = _accept(token, password="12345")
    assert response.status_code == 400
    assert "new_password2" in response.context["form"].errors
    _client, response = _accept(token)
    assert response.status_code == 302


def test_the_link_expires(bank, consultant, django_capture_on_commit_callbacks):
    _invite(bank, consultant, django_capture_on_commit_callbacks)
    token = _link(mail.outbox[0])
    _client, late = _accept(token, when=START + datetime.timedelta(days=7))
    assert late.status_code == 410
    assert "This link no longer works" in late.content.decode()
    assert client_users_list(organization=bank, now=START + datetime.timedelta(days=7))[0].status == "expired"


def test_a_new_link_replaces_the_one_before(bank, consultant, django_capture_on_commit_callbacks):
    user = _invite(bank, consultant, django_capture_on_commit_callbacks)
    first = _link(mail.outbox[0])
    with freeze_time(START + datetime.timedelta(days=8)), django_capture_on_commit_callbacks(execute=True):
        client_user_invitation_resend(organization=bank, actor=consultant, user_id=user.pk)
    second = _link(mail.outbox[1])
    assert first != second
    assert _accept(first, when=START + datetime.timedelta(days=9))[1].status_code == 410
    assert _accept(second, when=START + datetime.timedelta(days=9))[1].status_code == 302
    # Once the password is set there is nothing to resend.
    with pytest.raises(StateConflict, match="set a password already"):
        client_user_invitation_resend(organization=bank, actor=consultant, user_id=user.pk)


def test_delivering_the_same_e_mail_twice_sends_once(bank, consultant, django_capture_on_commit_callbacks):
    user = _invite(bank, consultant, django_capture_on_commit_callbacks)
    assert client_invitation_deliver(invitation_id=user.invitation.pk) is False
    assert len(mail.outbox) == 1


def test_a_deactivated_account_cannot_sign_in_nor_use_its_link(
    bank, consultant, django_capture_on_commit_callbacks
):
    user = _invite(bank, consultant, django_capture_on_commit_callbacks)
    token = _link(mail.outbox[0])
    client_user_active_set(organization=bank, actor=consultant, user_id=user.pk, active=False)
    assert _accept(token)[1].status_code == 410
    assert client_users_list(organization=bank, now=START)[0].status == "deactivated"
    client_user_active_set(organization=bank, actor=consultant, user_id=user.pk, active=True)
    assert _accept(token)[1].status_code == 410  # the link died with the deactivation
    with freeze_time(START), django_capture_on_commit_callbacks(execute=True):
        client_user_invitation_resend(organization=bank, actor=consultant, user_id=user.pk)
    client, response = _accept(_link(mail.outbox[-1]))
    assert response.status_code == 302
    with freeze_time(START + datetime.timedelta(days=1)):
        assert client.get(reverse("workspace:home")).status_code == 200
        client_user_active_set(organization=bank, actor=consultant, user_id=user.pk, active=False)
        assert client.get(reverse("workspace:home"))["Location"].startswith("/accounts/login/")  # signed out
    assert [event.after for event in AuditEvent.objects.filter(organization=bank).order_by("id")] == [
        "invited",
        "deactivated",
        "reactivated",
        "invitation resent",
        "password set",
        "deactivated",
    ]


def test_an_existing_account_is_not_invited_again(bank, consultant, django_capture_on_commit_callbacks):
    _invite(bank, consultant, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as refused:
        _invite(bank, consultant, django_capture_on_commit_callbacks, email="dana@alatau.example")
    assert list(refused.value.message_dict) == ["email"]
    assert get_user_model().objects.filter(email="dana@alatau.example").count() == 1


def test_a_consultant_is_not_a_client_user(bank, consultant):
    with pytest.raises(StateConflict, match="not a client user"):
        client_user_active_set(organization=bank, actor=consultant, user_id=consultant.pk, active=False)
    consultant.refresh_from_db()
    assert consultant.is_active
