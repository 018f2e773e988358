"""Reads, scoped by tenancy. Every query about client data starts here.

A client executive sees only their own organization, and of it only published
(or closed) assessments; a consultant sees the organizations assigned to them;
an admin (superuser) sees everything. Anything else does not exist for the user,
so views answer 404, never 403, outside the scope.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from assessment.models import CLIENT_VISIBLE_STATUSES, Assessment, Membership, Organization, Role

User = AbstractBaseUser | AnonymousUser


def _organization_ids(*, user: User, role: str) -> QuerySet:
    return Membership.objects.filter(user_id=user.pk, role=role).values("organization_id")


def organization_scope(*, user: User) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(memberships__user_id=user.pk)


def assessment_scope(*, user: User) -> QuerySet[Assessment]:
    """Assessments the user may read."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    if user.is_superuser:
        return Assessment.objects.all()
    return Assessment.objects.filter(
        Q(organization_id__in=_organization_ids(user=user, role=Role.CONSULTANT))
        | Q(
            organization_id__in=_organization_ids(user=user, role=Role.EXECUTIVE),
            status__in=CLIENT_VISIBLE_STATUSES,
        )
    )


def managed_organization_scope(*, user: User) -> QuerySet[Organization]:
    """Organizations whose audits the user runs (consultants assigned, admins)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(id__in=_organization_ids(user=user, role=Role.CONSULTANT))


def managed_assessment_scope(*, user: User) -> QuerySet[Assessment]:
    """Assessments the user may change."""
    return Assessment.objects.filter(organization__in=managed_organization_scope(user=user))


def user_is_consultant(*, user: User) -> bool:
    """Consultants of the firm (and admins) may set up organizations."""
    return user.is_authenticated and user.has_perm("assessment.add_organization")
