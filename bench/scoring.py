"""Full scores of a 5,000-respondent assessment (selector + computation) vs the floor of a
bare SQL aggregate of the same answers. Target: ≤ 3× the floor and under 1 s."""

import numpy as np
from django.db import connection
from django.utils import timezone

from assessment.models import InterviewScore, Status
from assessment.selectors import assessment_scores_compute
from bench.harness import Result, median_seconds, ratio_result
from surveys.models import Answer, Indicator, Invitation, InvitationToken, Response
from surveys.services import catalog_load
from tests.factories import AssessmentFactory, OrganizationFactory

RESPONDENTS = 5_000
ROLES = np.array(["executive", "manager", "frontline", "back_office"])
DEPARTMENTS = np.array(
    ["Retail", "Contact centre", "Digital", "Operations", "Risk", "IT", "Marketing", "Board"]
)


def assessment_with_answers():
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
            for n in range(RESPONDENTS)
        ],
        batch_size=2000,
    )
    InvitationToken.objects.bulk_create(
        [InvitationToken(invitation=i, token_hash=f"{i.pk:064d}") for i in invitations], batch_size=2000
    )
    now = timezone.now()
    responses = Response.objects.bulk_create(
        [Response(invitation=i, submitted_at=now) for i in invitations], batch_size=2000
    )
    indicators = list(Indicator.objects.filter(version=version).order_by("position"))
    levels = np.clip(np.rint(rng.normal(3.2, 1.0, (len(responses), len(indicators)))), 1, 5).astype(int)
    unknown = rng.random(levels.shape) < 0.05
    for start in range(0, len(responses), 500):
        Answer.objects.bulk_create(
            [
                Answer(
                    response=response, indicator=indicator, level=None if unknown[r, c] else int(levels[r, c])
                )
                for r, response in enumerate(responses[start : start + 500], start=start)
                for c, indicator in enumerate(indicators)
            ],
            batch_size=5000,
        )
    InterviewScore.objects.bulk_create(
        [
            InterviewScore(assessment=assessment, indicator=i, level=int(rng.integers(1, 6)))
            for i in indicators
        ]
    )
    return assessment


def run() -> list[Result]:
    assessment = assessment_with_answers()

    def bare_sql():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.indicator_id, avg(a.level), count(a.level) FROM surveys_answer a"
                " JOIN surveys_response r ON r.id = a.response_id"
                " JOIN surveys_invitation i ON i.id = r.invitation_id"
                " WHERE i.assessment_id = %s AND r.submitted_at IS NOT NULL GROUP BY a.indicator_id",
                [assessment.pk],
            )
            return cursor.fetchall()

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE") if connection.vendor == "postgresql" else None
    ratio = ratio_result(
        "scores_5000_respondents_vs_sql_group_by",
        subject=lambda: assessment_scores_compute(assessment=assessment),
        floor=bare_sql,
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
