"""An assessment with respondents' comments and interview notes to quote, some from groups the
scores may show and some from groups too small to show (anonymity threshold 5):

- 6 frontline respondents in Retail, 6 back-office ones in Operations: shown groups;
- 5 managers in HQ and 1 executive on the Board: the executive's role and department have one
  respondent each, and hiding them alone would give them away by subtraction, so the managers
  and HQ are hidden too (assessment.anonymity); management (6) and the front line (6) are
  compared.

Managers and the executive rate the organization two levels above the front line. Every
respondent has a name; no name may ever appear where a quote or a candidate is shown."""

import datetime
from types import SimpleNamespace

from assessment.models import Status
from assessment.services import assessment_update, interview_scores_set
from surveys.models import Answer, Indicator
from surveys.services import answers_save, invitation_create_many, response_submit
from tests.factories import AssessmentFactory

NAMES = ("Ivan Petrov", "Olga Smirnova", "Boris Kuznetsov", "Anna Volkova")
GROUPS = (
    ("frontline", "Retail", 6),
    ("back_office", "Operations", 6),
    ("manager", "HQ", 5),
    ("executive", "Board", 1),
)
COMMENTS = {
    # (role, indicator): (comment, the respondent's language)
    ("frontline", "ORG-01"): ("Customers tell us the mobile app is too slow.", "en"),
    ("back_office", "PRC-01"): ("Обращения клиентов теряются между отделами.", "ru"),
    ("executive", "ORG-02"): ("Only the board reads the NPS reports.", "en"),
    ("manager", "ORG-03"): ("We never discuss complaints in the weekly meeting.", "en"),
}
NOTE = "The board reviews customer feedback every month."
LEVELS = {"ORG": 3, "STF": 3, "PRC": 2, "TEC": 3}


def audit_with_voices(*, organization, consultant) -> SimpleNamespace:
    """The assessment in scoring, with the answers, comments and one interview note above."""
    assessment = AssessmentFactory(
        organization=organization,
        title="Voices audit",
        status=Status.COLLECTING,
        reference_date=datetime.date(2026, 9, 30),
    )
    codes = list(Indicator.objects.filter(version=assessment.catalog_version).values_list("code", flat=True))
    interview_scores_set(
        assessment=assessment,
        user=consultant,
        items=[
            {"indicator": code, "level": LEVELS[code[:3]], "note": NOTE if code == "ORG-01" else ""}
            for code in codes
        ],
    )
    rows = [
        {
            "email": f"{role}{number}@acme.example",
            "name": NAMES[number % len(NAMES)],
            "role": role,
            "department": department,
            "language": "ru" if role == "back_office" else "en",
        }
        for role, department, count in GROUPS
        for number in range(count)
    ]
    for new in invitation_create_many(assessment=assessment, rows=rows):
        invitation = new.invitation
        management = invitation.role in ("manager", "executive")
        first = invitation.email.startswith(invitation.role + "0")
        items = [
            {
                "indicator": code,
                "level": min(5, LEVELS[code[:3]] + (2 if management and code.startswith("ORG") else 0)),
                "comment": COMMENTS.get((invitation.role, code), ("", ""))[0] if first else "",
            }
            for code in codes
        ]
        answers_save(invitation=invitation, items=items)
        response_submit(invitation=invitation)
    assessment = assessment_update(assessment=assessment, status=Status.SCORING)
    comments = {
        role: Answer.objects.get(response__invitation__assessment=assessment, comment=text)
        for (role, _code), (text, _language) in COMMENTS.items()
    }
    return SimpleNamespace(
        assessment=assessment, comments=comments, note=assessment.interview_scores.get(note=NOTE)
    )
