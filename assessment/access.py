"""Look-ups of one object within what the user may see, shared by the API and the workspace.

Outside the user's scope an object does not exist (404), including the consultant's side of
an assessment a client executive may read."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from assessment.models import Assessment, Organization
from assessment.selectors import (
    User,
    assessment_scope,
    managed_assessment_scope,
    managed_organization_scope,
    organization_scope,
)


def assessment_readable(*, user: User, assessment_id: int) -> Assessment:
    return get_object_or_404(
        assessment_scope(user=user).select_related("organization", "baseline"), pk=assessment_id
    )


def assessment_managed(*, user: User, assessment_id: int) -> Assessment:
    return get_object_or_404(
        managed_assessment_scope(user=user).select_related("organization", "baseline"), pk=assessment_id
    )


def baseline_readable(*, user: User, assessment: Assessment) -> Assessment | None:
    """The assessment's baseline if the user may open it, else None as if there were none: a
    re-assessment shows nothing of an assessment its reader could not open directly."""
    if assessment.baseline_id is None:
        return None
    return assessment_scope(user=user).filter(pk=assessment.baseline_id).first()


def assessment_for_consultant(*, user: User, assessment_id: int) -> Assessment:
    """The assessment to change: 404 outside the user's scope, 403 for those who may read it
    but not run the audit (client executives)."""
    assessment = assessment_readable(user=user, assessment_id=assessment_id)
    if not user_manages(user=user, assessment=assessment):
        raise PermissionDenied(_("Only the assessment's consultants can do this."))
    return assessment


def organization_readable(*, user: User, organization_id: int) -> Organization:
    return get_object_or_404(organization_scope(user=user).distinct(), pk=organization_id)


def organization_managed(*, user: User, organization_id: int) -> Organization:
    return get_object_or_404(managed_organization_scope(user=user), pk=organization_id)


def user_manages(*, user: User, assessment: Assessment) -> bool:
    return managed_assessment_scope(user=user).filter(pk=assessment.pk).exists()


def require(condition: bool) -> None:
    """A 404 for what the user may not do: the page does not exist for them."""
    if not condition:
        raise Http404
