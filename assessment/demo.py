"""The demo organization `make run` sets up, so a new user has something to click on."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from assessment.models import Assessment, Membership, Organization, Role
from assessment.services import assessment_create, consultant_grant

DEMO_ORGANIZATION = "Demo Bank"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str


DEMO_LOGINS = (
    DemoLogin("admin", "admin", "admin-demo-2026"),
    DemoLogin("consultant", "consultant", "consultant-demo-2026"),
    DemoLogin("client executive", "executive", "executive-demo-2026"),
)


def _user(login: DemoLogin, **fields):
    user, created = get_user_model().objects.get_or_create(username=login.username, defaults=fields)
    if created:
        user.set_password(login.password)
        user.save()
    return user


@transaction.atomic
def demo_seed() -> Assessment:
    """Create (once) the demo logins, organization and assessment; return the assessment."""
    admin_login, consultant_login, executive_login = DEMO_LOGINS
    _user(admin_login, is_staff=True, is_superuser=True, email="admin@example.com")
    consultant = _user(consultant_login, email="consultant@example.com", first_name="Aigerim")
    consultant_grant(user=consultant)
    executive = _user(executive_login, email="executive@example.com", first_name="Daniyar")

    organization, _ = Organization.objects.get_or_create(
        name=DEMO_ORGANIZATION,
        defaults={"industry": "banking", "country": "Kazakhstan", "segment": Organization.Size.ENTERPRISE},
    )
    Membership.objects.get_or_create(
        user=consultant, organization=organization, defaults={"role": Role.CONSULTANT}
    )
    Membership.objects.get_or_create(
        user=executive, organization=organization, defaults={"role": Role.EXECUTIVE}
    )

    assessment = organization.assessments.order_by("id").first()
    if assessment is None:
        assessment = assessment_create(
            user=consultant,
            organization=organization,
            title="CX maturity audit 2026",
            reference_date=datetime.date(2026, 9, 30),
        )
    return assessment
