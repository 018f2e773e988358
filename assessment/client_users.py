"""Client users: the people of a client organization who sign in (executives and client
managers). A consultant
invites them by e-mail; the e-mail carries a one-time link to set a password, which expires
(settings.INVITATION_LINK_DAYS); the consultant can send it again, deactivate and reactivate
the account. Every step is recorded in the organization's audit log."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessment.audit import audit_record
from assessment.models import CLIENT_ROLES, AuditEvent, Membership, Organization, Role, UserInvitation
from config.celery import task_enqueue_on_commit_or_defer
from config.exceptions import StateConflict
from config.tokens import token_hash, token_new


class ClientUserStatus:
    INVITED = "invited"
    EXPIRED = "expired"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


@dataclass(frozen=True)
class ClientUser:
    user: AbstractBaseUser
    role: str
    status: str
    invitation: UserInvitation | None

    @property
    def role_label(self) -> str:
        return Role(self.role).label


def _link_expires_at(invitation: UserInvitation) -> datetime.datetime | None:
    if invitation.sent_at is None:
        return None
    return invitation.sent_at + datetime.timedelta(days=settings.INVITATION_LINK_DAYS)


def _status(user: AbstractBaseUser, invitation: UserInvitation | None, now: datetime.datetime) -> str:
    if not user.is_active:
        return ClientUserStatus.DEACTIVATED
    if invitation is None or invitation.accepted_at is not None:
        return ClientUserStatus.ACTIVE
    expires_at = _link_expires_at(invitation)
    return (
        ClientUserStatus.EXPIRED if expires_at is not None and expires_at <= now else ClientUserStatus.INVITED
    )


def client_users_list(*, organization: Organization, now: datetime.datetime) -> list[ClientUser]:
    """The organization's client users, with where each stands, by name."""
    memberships = (
        Membership.objects.filter(organization=organization)
        .exclude(role=Role.CONSULTANT)
        .select_related("user", "user__invitation")
        .order_by("user__first_name", "user__email")
    )
    users = []
    for membership in memberships:
        # Executives set up before invitations existed (the demo's) have none.
        invitation = getattr(membership.user, "invitation", None)
        users.append(
            ClientUser(
                user=membership.user,
                role=membership.role,
                status=_status(membership.user, invitation, now),
                invitation=invitation,
            )
        )
    return users


def _client_user(*, organization: Organization, user_id: int) -> AbstractBaseUser:
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(organization=organization, user_id=user_id)
        .exclude(role=Role.CONSULTANT)
        .first()
    )
    if membership is None:
        raise StateConflict(
            _("This person is not a client user of the organization."), code="not_a_client_user"
        )
    return membership.user


def _record(
    *, organization: Organization, actor: AbstractBaseUser, user: AbstractBaseUser, after: str
) -> None:
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditEvent.Action.CLIENT_USER,
        target=user.email,
        after=after,
    )


@transaction.atomic
def client_user_invite(
    *,
    organization: Organization,
    actor: AbstractBaseUser,
    email: str,
    name: str = "",
    language: str = "en",
    role: str = Role.EXECUTIVE,
) -> AbstractBaseUser:
    """Create the account of a client user (an executive or a client manager), without a
    password, and e-mail them a link to set one. Their e-mail address is their username."""
    if role not in CLIENT_ROLES:
        raise ValidationError({"role": _("Invite an executive or a client manager.")})
    email = email.strip().lower()
    User = get_user_model()
    if (
        User.objects.filter(username__iexact=email).exists()
        or User.objects.filter(email__iexact=email).exists()
    ):
        raise ValidationError(
            {
                "email": _(
                    "An account with this e-mail address exists already; an administrator can give it access."
                )
            }
        )
    user = User(username=email, email=email, first_name=name.strip()[:150])
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    Membership.objects.create(user=user, organization=organization, role=role)
    invitation = UserInvitation.objects.create(
        user=user, organization=organization, language=language, invited_by=actor
    )
    _record(organization=organization, actor=actor, user=user, after="invited")
    _send_later(invitation)
    return user


@transaction.atomic
def client_user_invitation_resend(
    *, organization: Organization, actor: AbstractBaseUser, user_id: int
) -> None:
    """E-mail a new link (the one before stops working) to someone who has not set a password."""
    user = _client_user(organization=organization, user_id=user_id)
    invitation = UserInvitation.objects.select_for_update().filter(user=user).first()
    if invitation is None or invitation.accepted_at is not None:
        raise StateConflict(_("This person has set a password already."), code="invitation_accepted")
    if not user.is_active:
        raise StateConflict(_("The account is deactivated: reactivate it first."), code="user_deactivated")
    invitation.emails_requested += 1
    invitation.save(update_fields=["emails_requested"])
    _record(organization=organization, actor=actor, user=user, after="invitation resent")
    _send_later(invitation)


@transaction.atomic
def client_user_active_set(
    *, organization: Organization, actor: AbstractBaseUser, user_id: int, active: bool
) -> None:
    """Deactivate an account (its sessions, API tokens and invitation link stop working at once)
    or reactivate it."""
    user = _client_user(organization=organization, user_id=user_id)
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        UserInvitation.objects.filter(user=user).update(token_hash="")
    _record(
        organization=organization, actor=actor, user=user, after="reactivated" if active else "deactivated"
    )


def _send_later(invitation: UserInvitation) -> None:
    from assessment.tasks import client_invitation_send  # the tasks call these services

    task_enqueue_on_commit_or_defer(client_invitation_send, invitation.pk)


def client_invitations_lost_queue(*, now: datetime.datetime, lost_after: datetime.timedelta) -> int:
    """Send the invitation e-mails asked for more than `lost_after` ago and not sent (their task
    never reached a worker); sending twice sends once (client_invitation_deliver)."""
    lost = list(
        UserInvitation.objects.filter(
            emails_sent__lt=F("emails_requested"), accepted_at__isnull=True, user__is_active=True
        )
        .filter(Q(sent_at__lt=now - lost_after) | Q(sent_at__isnull=True, created_at__lt=now - lost_after))
        .values_list("pk", flat=True)
    )
    for invitation_id in lost:
        _send_later(UserInvitation(pk=invitation_id))
    return len(lost)


def client_invitation_deliver(*, invitation_id: int) -> bool:
    """Send the e-mail asked for, with a new link; False when there is nothing to send (sent
    already, accepted, or the account deactivated). Sending twice sends once."""
    with transaction.atomic():
        invitation = (
            UserInvitation.objects.select_for_update()
            .select_related("user", "organization")
            .filter(pk=invitation_id)
            .first()
        )
        if (
            invitation is None
            or invitation.accepted_at is not None
            or not invitation.user.is_active
            or invitation.emails_sent >= invitation.emails_requested
        ):
            return False
        token, invitation.token_hash = token_new()
        invitation.sent_at, invitation.emails_sent = timezone.now(), invitation.emails_requested
        invitation.save(update_fields=["token_hash", "sent_at", "emails_sent"])
        _invitation_email(invitation, token=token).send()
    return True


def _invitation_email(invitation: UserInvitation, *, token: str) -> EmailMultiAlternatives:
    with translation.override(invitation.language):
        context = {
            "name": invitation.user.first_name,
            "organization": invitation.organization,
            "url": f"{settings.SITE_URL}{reverse('client-invitation', kwargs={'token': token})}",
            "username": invitation.user.get_username(),
            "days": settings.INVITATION_LINK_DAYS,
            "manager": Membership.objects.filter(
                user=invitation.user, organization=invitation.organization, role=Role.CLIENT_MANAGER
            ).exists(),
        }
        subject = " ".join(
            render_to_string("assessment/email/client_invitation_subject.txt", context).split()
        )
        text = render_to_string("assessment/email/client_invitation_body.txt", context)
        html = render_to_string("assessment/email/client_invitation_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[invitation.user.email])
    message.attach_alternative(html, "text/html")
    return message


def client_invitation_by_token(*, token: str, now: datetime.datetime) -> UserInvitation | None:
    """The invitation whose link this is, while the link works: not replaced, not used, not
    expired, the account active."""
    invitation = (
        UserInvitation.objects.select_related("user", "organization")
        .filter(token_hash=token_hash(token), accepted_at__isnull=True, user__is_active=True)
        .exclude(token_hash="")
        .first()
    )
    if invitation is None or _link_expires_at(invitation) <= now:
        return None
    return invitation


@transaction.atomic
def client_invitation_accept(*, invitation: UserInvitation, password: str) -> AbstractBaseUser:
    """Set the password (validated by the caller's form) and spend the link."""
    invitation = (
        UserInvitation.objects.select_for_update()
        .select_related("user", "organization")
        .get(pk=invitation.pk)
    )
    if invitation.accepted_at is not None or not invitation.token_hash:
        raise StateConflict(_("This link has been used already."), code="invitation_accepted")
    user = invitation.user
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.accepted_at, invitation.token_hash = timezone.now(), ""
    invitation.save(update_fields=["accepted_at", "token_hash"])
    _record(organization=invitation.organization, actor=user, user=user, after="password set")
    return user
