import datetime

import factory
from django.contrib.auth import get_user_model

from assessment.models import Assessment, Membership, Organization, Role, Status
from assessment.services import assessment_update, consultant_grant
from reports.models import RecommendationStatus
from reports.services import recommendations_ensure
from surveys.selectors import catalog_version_current


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("pass-word-123")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Bank {n}")
    industry = "banking"
    country = "Kazakhstan"
    segment = Organization.Size.LARGE


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"CX audit {n}")
    reference_date = datetime.date(2026, 6, 30)
    catalog_version = factory.LazyFunction(catalog_version_current)


def consultant_of(*organizations: Organization, **kwargs):
    user = UserFactory(**kwargs)
    consultant_grant(user=user)
    for organization in organizations:
        Membership.objects.create(user=user, organization=organization, role=Role.CONSULTANT)
    return user


def executive_of(organization: Organization, **kwargs):
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, organization=organization, role=Role.EXECUTIVE)
    return user


def client_manager_of(organization: Organization, **kwargs):
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, organization=organization, role=Role.CLIENT_MANAGER)
    return user


# Why a test publishes scores whose evidence does not suffice (assessment.services: at least
# OVERRIDE_REASON_MIN_LENGTH characters); the test is about something else than the evidence.
OVERRIDE_REASON = "Published on the evidence at hand, for this test."


def roadmap_accepted(assessment: Assessment) -> None:
    """The consultant's review of the roadmap, every proposal accepted: a client's report shows
    only accepted recommendations and waits for none to be undecided (docs/methods.md §10.3)."""
    recommendations_ensure(assessment=assessment)
    assessment.recommendations.filter(status=RecommendationStatus.PROPOSED).update(
        status=RecommendationStatus.ACCEPTED
    )


def assessment_published(*, assessment: Assessment, **changes) -> Assessment:
    """Publish `assessment` (assessment_update with `changes`) after accepting its roadmap."""
    roadmap_accepted(assessment)
    return assessment_update(assessment=assessment, status=Status.PUBLISHED, **changes)
