"""Look-ups for workspace views: everything outside the user's scope is a 404, including
the consultant's pages of an assessment an executive may read."""

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from assessment.models import Assessment, Organization
from assessment.selectors import (
    assessment_scope,
    managed_assessment_scope,
    managed_organization_scope,
    organization_scope,
)


def assessment_readable(request: HttpRequest, assessment_id: int) -> Assessment:
    return get_object_or_404(
        assessment_scope(user=request.user).select_related("organization", "baseline"), pk=assessment_id
    )


def assessment_managed(request: HttpRequest, assessment_id: int) -> Assessment:
    return get_object_or_404(
        managed_assessment_scope(user=request.user).select_related("organization", "baseline"),
        pk=assessment_id,
    )


def organization_readable(request: HttpRequest, organization_id: int) -> Organization:
    return get_object_or_404(organization_scope(user=request.user).distinct(), pk=organization_id)


def organization_managed(request: HttpRequest, organization_id: int) -> Organization:
    return get_object_or_404(managed_organization_scope(user=request.user), pk=organization_id)


def user_manages(request: HttpRequest, assessment: Assessment) -> bool:
    return managed_assessment_scope(user=request.user).filter(pk=assessment.pk).exists()


def require(condition: bool) -> None:
    """A 404 for what the user may not do: the page does not exist for them."""
    if not condition:
        raise Http404
