"""Full scores of a 5,000-respondent assessment (selector + computation) vs the floor of a
bare SQL aggregate of the same answers. Target: ≤ 3× the floor and under 1 s."""

import numpy as np
from django.db import connection
from django.utils import timezone

from assessment.models import InterviewScore, Status
from assessment.selectors import assessment_scores_compute
from bench.harness import Result, median_seconds, ratio_result
from surveys.models import Indicator, Invitation, InvitationToken, Response
from surveys.services import catalog_load
from tests.factories import AssessmentFactory, OrganizationFactory

RESPONDENTS = 5_000
ROLES = np.array(["executive", "manager", "frontline", "back_office"])
DEPARTMENTS = np.array(
    ["Retail", "Contact centre", "Digital", "Operations", "Risk", "IT", "Marketing", "Board"]
)


def assessment_with_answers(respondents: int = RESPONDENTS):
    """A collected assessment: `respondents` submitted responses to every indicator (5 % "don't
    know", levels spread over 1–5) and the consultant's interview scores."""
    version = catalog_load().version
    assessment = AssessmentFactory(
        organization=OrganizationFactory(industry="banking"), status=Status.COLLECTING
    )
    rng = np.random.default_rng(7)
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                assessment=assessment,
                email=f"r{n}@bench.example",
                role=ROLES[n % 4],
                department=DEPARTMENTS[rng.integers(len(DEPARTMENTS))],
            )
            for n in range(respondents)
        ],
        batch_size=5000,
    )
    InvitationToken.objects.bulk_create(
        [InvitationToken(invitation=i, token_hash=f"{i.pk:064d}") for i in invitations], batch_size=5000
    )
    now = timezone.now()
    Response.objects.bulk_create(
        [Response(invitation=i, submitted_at=now) for i in invitations], batch_size=5000
    )
    # Every answer in one statement, the same on SQLite and PostgreSQL: levels from a fixed
    # mixing of the two ids, so each run stores the same answers (%% is SQL's % under parameters).
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO surveys_answer (response_id, indicator_id, level, comment, updated_at)"
            " SELECT r.id, i.id, CASE WHEN (r.id * 31 + i.id * 17) %% 20 = 0 THEN NULL"
            " ELSE 1 + ((r.id * 7919 + i.id * 104729) %% 9973) %% 5 END, '', %s"
            " FROM surveys_response r JOIN surveys_invitation inv ON inv.id = r.invitation_id"
            " CROSS JOIN surveys_indicator i WHERE inv.assessment_id = %s AND i.version_id = %s",
            [now, assessment.pk, version.pk],
        )
    InterviewScore.objects.bulk_create(
        [
            InterviewScore(assessment=assessment, indicator=i, level=int(rng.integers(1, 6)))
            for i in Indicator.objects.filter(version=version)
        ]
    )
    return assessment


def answers_group_by(assessment) -> list[tuple]:
    """The floor: the bare SQL aggregate of the same answers."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.indicator_id, avg(a.level), count(a.level) FROM surveys_answer a"
            " JOIN surveys_response r ON r.id = a.response_id"
            " JOIN surveys_invitation i ON i.id = r.invitation_id"
            " WHERE i.assessment_id = %s AND r.submitted_at IS NOT NULL GROUP BY a.indicator_id",
            [assessment.pk],
        )
        return cursor.fetchall()


def database_analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def run() -> list[Result]:
    assessment = assessment_with_answers()

    database_analyze()
    ratio = ratio_result(
        "scores_5000_respondents_vs_sql_group_by",
        subject=lambda: assessment_scores_compute(assessment=assessment),
        floor=lambda: answers_group_by(assessment),
        target=3.0,
        repeat=7,
    )
    absolute = median_seconds(lambda: assessment_scores_compute(assessment=assessment), 5)
    return [
        ratio,
        Result(
            name="scores_5000_respondents_seconds",
            value=round(absolute, 3),
            unit="s",
            floor=1.0,
            ratio=round(absolute / 1.0, 2),
            target=1.0,
        ),
    ]
