"""The consultants assigned to an organization. Its lead consultant (the one who set it up,
unless the lead was handed on) and the admins assign the firm's other consultants to it, take
them off, and hand the lead on; each step is recorded in the organization's audit log.
Assigned consultants run the organization's audits (assessment.selectors)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from assessment.audit import audit_record
from assessment.models import AuditEvent, Membership, Organization, Role
from config.exceptions import StateConflict

# How the audit log names a consultant's place in the organization.
ASSIGNED, LEAD = "consultant", "lead"


def consultants_manageable(*, user: AbstractBaseUser, organization: Organization) -> bool:
    """Whether `user` may assign the organization's consultants: an admin or its lead."""
    return (
        user.is_superuser
        or Membership.objects.filter(
            user_id=user.pk, organization=organization, role=Role.CONSULTANT, lead=True
        ).exists()
    )


def organization_consultants(*, organization: Organization) -> list[Membership]:
    """The consultants assigned, the lead first, then by name."""
    return list(
        Membership.objects.filter(organization=organization, role=Role.CONSULTANT)
        .select_related("user")
        .order_by("-lead", "user__first_name", "user__username")
    )


def consultants_assignable(*, organization: Organization) -> QuerySet:
    """The firm's active consultants not yet assigned to the organization, by name. Client
    executives, who belong to their own organization, are never among them."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__permissions__codename="add_organization")
        .exclude(memberships__organization=organization)
        .exclude(memberships__role=Role.EXECUTIVE)
        .distinct()
        .order_by("first_name", "username")
    )


def _manage_check(actor: AbstractBaseUser, organization: Organization) -> None:
    if not consultants_manageable(user=actor, organization=organization):
        raise PermissionDenied(
            _("Only an admin or the organization's lead consultant assigns its consultants.")
        )


def _consultant(organization: Organization, user_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(organization=organization, role=Role.CONSULTANT, user_id=user_id)
        .first()
    )
    if membership is None:
        raise StateConflict(
            _("This person is not a consultant of the organization."), code="not_a_consultant"
        )
    return membership


def _record(organization, actor, membership_user, before, after) -> None:
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditEvent.Action.CONSULTANT,
        target=membership_user.get_username(),
        before=before,
        after=after,
    )


@transaction.atomic
def consultant_assign(*, organization: Organization, actor: AbstractBaseUser, user_id: int) -> Membership:
    """Assign one of the firm's consultants; the first one assigned leads."""
    _manage_check(actor, organization)
    user = consultants_assignable(organization=organization).filter(pk=user_id).first()
    if user is None:
        raise ValidationError({"user": _("Choose a consultant of the firm who is not assigned yet.")})
    # Locks the organization's memberships, so that two assignments do not both take the lead.
    has_lead = Membership.objects.select_for_update().filter(organization=organization, lead=True).exists()
    membership = Membership.objects.create(
        user=user, organization=organization, role=Role.CONSULTANT, lead=not has_lead
    )
    _record(organization, actor, user, None, LEAD if membership.lead else ASSIGNED)
    return membership


@transaction.atomic
def consultant_unassign(*, organization: Organization, actor: AbstractBaseUser, user_id: int) -> None:
    """Take a consultant off the organization; the lead is handed on first (409)."""
    _manage_check(actor, organization)
    membership = _consultant(organization, user_id)
    if membership.lead:
        raise StateConflict(
            _("Hand the lead to another consultant before taking the lead consultant off."),
            code="lead_consultant",
        )
    membership.delete()
    _record(organization, actor, membership.user, ASSIGNED, None)


@transaction.atomic
def consultant_lead_set(*, organization: Organization, actor: AbstractBaseUser, user_id: int) -> None:
    """Hand the lead to another assigned consultant."""
    _manage_check(actor, organization)
    membership = _consultant(organization, user_id)
    if membership.lead:
        return
    for former in (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(organization=organization, lead=True)
    ):
        former.lead = False
        former.save(update_fields=["lead"])
        _record(organization, actor, former.user, LEAD, ASSIGNED)
    membership.lead = True
    membership.save(update_fields=["lead"])
    _record(organization, actor, membership.user, ASSIGNED, LEAD)
