"""The demo organization `make run` sets up, so a new user has something to click on."""

import datetime
from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction

from assessment.models import Assessment, Membership, Organization, Role, Status
from assessment.services import assessment_create, assessment_update, consultant_grant, interview_scores_set
from surveys.models import Indicator, Invitation
from surveys.services import answers_save, invitation_create_many, invitation_link_create, response_submit

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
        assessment = assessment_update(assessment=assessment, status=Status.COLLECTING)
        demo_responses_seed(assessment=assessment)
        demo_interviews_seed(assessment=assessment, consultant=consultant)
    return assessment


DEMO_RESPONDENT = "demo.respondent@demobank.example"
# Department, role, head count: 40 submitted respondents across the bank.
DEMO_STAFF = (
    ("Management board", "executive", 4),
    ("Retail banking", "manager", 5),
    ("Retail banking", "frontline", 9),
    ("Contact centre", "manager", 2),
    ("Contact centre", "frontline", 8),
    ("Digital channels", "manager", 2),
    ("Digital channels", "back_office", 4),
    ("Operations", "back_office", 6),
)
# How favourably each role tends to see the company (management sees it rosier).
ROLE_OPTIMISM = {"executive": 0.7, "manager": 0.4, "frontline": -0.2, "back_office": 0.0}
DEMO_COMMENTS = {
    "ORG-05": "CX targets exist for the contact centre only.",
    "PRC-01": "Complaints are logged in three different systems.",
    "PRC-10": "Нет регулярного мониторинга оттока, только разовые отчёты.",
    "TEC-01": "CRM does not show the client's app and branch history together.",
    "TEC-07": "Голосовой бот отвечает только на вопросы по балансу.",
}


def demo_responses_seed(*, assessment: Assessment, seed: int = 2026) -> None:
    """40 submitted respondents whose answers sketch a Customer-Aware bank: solid on
    strategy and standards, weak on analytics and technology, management more upbeat
    than the front line. Deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    codes = list(
        Indicator.objects.filter(version=assessment.catalog_version)
        .order_by("position")
        .values_list("code", flat=True)
    )
    area_base = {"ORG": 3.6, "STF": 3.4, "PRC": 3.1, "TEC": 2.8}
    truth = np.array([area_base[code[:3]] for code in codes]) + rng.normal(0, 0.45, len(codes))
    rows = [
        {
            "email": f"{department.split()[0].lower()}.{role}.{n}@demobank.example",
            "name": f"{department} {role.replace('_', ' ')} {n}",
            "department": department,
            "role": role,
            "language": "ru" if n % 3 == 0 else "en",
        }
        for department, role, count in DEMO_STAFF
        for n in range(1, count + 1)
    ]
    created = invitation_create_many(assessment=assessment, rows=rows)
    for new in created:
        levels = truth + ROLE_OPTIMISM[new.invitation.role] + rng.normal(0, 0.7, len(codes))
        levels = np.clip(np.rint(levels), 1, 5).astype(int)
        dont_know = rng.random(len(codes)) < 0.06
        items = [
            {
                "indicator": code,
                "level": None if unknown else int(level),
                "comment": DEMO_COMMENTS.get(code, "") if rng.random() < 0.15 else "",
            }
            for code, level, unknown in zip(codes, levels, dont_know, strict=True)
        ]
        answers_save(invitation=new.invitation, items=items)
        response_submit(invitation=new.invitation)
    invitation_create_many(
        assessment=assessment,
        rows=[
            {
                "email": DEMO_RESPONDENT,
                "name": "Demo Respondent",
                "department": "Retail banking",
                "role": "frontline",
                "language": "en",
            }
        ],
    )


# Leadership interviews: the consultant's levels where they heard clear evidence.
DEMO_INTERVIEWS = {
    "ORG-01": (4, "Strategy 2025–2027 names CX as one of three priorities."),
    "ORG-02": (3, "The board reviews NPS quarterly; no board member owns CX."),
    "ORG-05": (3, "NPS targets exist for retail only."),
    "ORG-06": (2, "Bonuses depend on sales volume alone."),
    "STF-02": (3, "Induction training on standards; no refreshers."),
    "STF-08": (2, "Employee engagement is not measured."),
    "PRC-01": (3, "One complaint register, but three intake channels."),
    "PRC-07": (2, "Ad hoc CX reports; no analytics team."),
    "PRC-10": (2, "Churn is reported monthly, without win-back actions."),
    "TEC-01": (2, "CRM lacks app and branch interaction history."),
    "TEC-02": (2, "The app, contact centre and branches run separate systems."),
    "TEC-04": (1, "No predictive models in production."),
    "TEC-06": (3, "IVR routing by product; no skill-based routing."),
}


def demo_interviews_seed(*, assessment: Assessment, consultant) -> None:
    interview_scores_set(
        assessment=assessment,
        user=consultant,
        items=[
            {"indicator": code, "level": level, "note": note}
            for code, (level, note) in DEMO_INTERVIEWS.items()
        ],
    )


def demo_respondent_link(*, assessment: Assessment) -> str | None:
    """A fresh personal link for the demo respondent (earlier links keep working)."""
    invitation = Invitation.objects.filter(assessment=assessment, email=DEMO_RESPONDENT).first()
    return invitation_link_create(invitation=invitation) if invitation else None
