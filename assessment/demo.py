"""The demo organization `make run` sets up, so a new user has something to click on."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from assessment.customer_data import customer_data_replace
from assessment.kpis import assessment_kpis_set
from assessment.models import Assessment, Membership, Organization, Role, Status
from assessment.services import assessment_create, assessment_update, consultant_grant, interview_scores_set
from surveys.models import Indicator, Invitation
from surveys.selectors import indicator_ids
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
    DemoLogin("client manager", "manager", "manager-demo-2026"),
)


def _user(login: DemoLogin, **fields):
    user, created = get_user_model().objects.get_or_create(username=login.username, defaults=fields)
    if created:
        user.set_password(login.password)
        user.save()
    return user


@transaction.atomic
def demo_seed(*, before_publish: Callable[..., None]) -> Assessment:
    """Create (once) the demo logins, organization, a published baseline audit and the
    re-assessment now collecting answers; return the re-assessment. `before_publish` gets the
    audit and its consultant once it is scored: the consultant's review and what they write for
    the client (reports.demo.demo_narrative_write) come before publishing freezes them."""
    admin_login, consultant_login, executive_login, manager_login = DEMO_LOGINS
    _user(admin_login, is_staff=True, is_superuser=True, email="admin@example.com")
    consultant = _user(consultant_login, email="consultant@example.com", first_name="Aigerim")
    consultant_grant(user=consultant)
    executive = _user(executive_login, email="executive@example.com", first_name="Daniyar")
    manager = _user(manager_login, email="manager@example.com", first_name="Dana", last_name="Seitkali")

    organization, _ = Organization.objects.get_or_create(
        name=DEMO_ORGANIZATION,
        defaults={
            "industry": "banking",
            "country": "Kazakhstan",
            "segment": Organization.Size.ENTERPRISE,
            "currency": "KZT",
        },
    )
    Membership.objects.get_or_create(
        user=consultant, organization=organization, defaults={"role": Role.CONSULTANT, "lead": True}
    )
    Membership.objects.get_or_create(
        user=executive, organization=organization, defaults={"role": Role.EXECUTIVE}
    )
    Membership.objects.get_or_create(
        user=manager, organization=organization, defaults={"role": Role.CLIENT_MANAGER}
    )

    reassessment = organization.assessments.filter(baseline__isnull=False).first()
    if reassessment is None:
        baseline = _demo_assessment(
            organization=organization, consultant=consultant, profile=DEMO_PROFILES["baseline"]
        )
        baseline = assessment_update(assessment=baseline, status=Status.SCORING)
        before_publish(assessment=baseline, consultant=consultant)
        baseline = assessment_update(assessment=baseline, status=Status.PUBLISHED)
        reassessment = _demo_assessment(
            organization=organization,
            consultant=consultant,
            profile=DEMO_PROFILES["reassessment"],
            baseline=baseline,
        )
    return reassessment


@dataclass(frozen=True)
class DemoProfile:
    """One audit of the demo bank: when, how mature its staff see it, what the consultant
    heard in interviews, how its customers behave and its business KPIs."""

    title: str
    reference_date: datetime.date
    level_shift: float  # added to every area's typical answer
    interview_shift: int
    churn: float  # share of clients closing within the year
    # Mean days since an open client's last activity (a gamma of shape 1.2): the longer, the more
    # clients fall silent for over 90 days and count as churned by inactivity (method 2).
    silence_days: float
    # The operational files (docs/methods.md §7.10): complaints a year per 1,000 clients, the share
    # reaching the regulator, the mean days to close one; the contact centre's service level,
    # abandonment and first-contact resolution (shares of 1).
    complaints_per_1000: float
    regulator_share: float
    resolution_days: float
    service_level: float
    abandonment: float
    fcr: float
    nps_weights: tuple[float, ...]  # probabilities of ratings 0..10
    csi_shift: float
    kpis: dict
    # Claims its levels only once everyone invited has answered (a sufficiency setting).
    awaits_everyone: bool = False


DEMO_PROFILES = {
    # The seed's case: 57 points (Customer-Aware), then 72 (Customer-Centric) nine months
    # later, with churn −18 %, NPS +12 points, deposits +10 %, repeat purchases +15 %.
    "baseline": DemoProfile(
        title="CX maturity audit 2025",
        reference_date=datetime.date(2025, 12, 31),
        level_shift=0.0,
        interview_shift=0,
        churn=0.12,
        silence_days=36.0,
        complaints_per_1000=14.0,
        regulator_share=0.12,
        resolution_days=9.0,
        service_level=0.72,
        abandonment=0.08,
        fcr=0.65,
        nps_weights=(0.02, 0.01, 0.02, 0.03, 0.03, 0.06, 0.09, 0.13, 0.15, 0.2, 0.26),
        csi_shift=0.0,
        kpis={"average_deposit": 4200.0, "repeat_purchase_conversion": 18.0},
    ),
    "reassessment": DemoProfile(
        title="CX maturity re-assessment 2026",
        reference_date=datetime.date(2026, 9, 30),
        level_shift=0.56,
        interview_shift=1,
        churn=0.1025,
        silence_days=34.0,
        complaints_per_1000=9.5,
        regulator_share=0.06,
        resolution_days=4.0,
        service_level=0.84,
        abandonment=0.045,
        fcr=0.74,
        nps_weights=(0.01, 0.01, 0.01, 0.02, 0.02, 0.05, 0.09, 0.12, 0.15, 0.22, 0.30),
        csi_shift=0.35,
        kpis={"average_deposit": 4620.0, "repeat_purchase_conversion": 20.7},
        # Preliminary while collecting: the demo respondent's submission completes it.
        awaits_everyone=True,
    ),
}


def _demo_assessment(
    *, organization: Organization, consultant, profile: DemoProfile, baseline: Assessment | None = None
) -> Assessment:
    assessment, _copied = assessment_create(
        user=consultant,
        organization=organization,
        title=profile.title,
        reference_date=profile.reference_date,
        baseline=baseline,
    )
    assessment = assessment_update(assessment=assessment, status=Status.COLLECTING)
    demo_responses_seed(
        assessment=assessment, level_shift=profile.level_shift, respondent=baseline is not None
    )
    demo_interviews_seed(assessment=assessment, consultant=consultant, shift=profile.interview_shift)
    demo_customer_data_seed(assessment=assessment, consultant=consultant, profile=profile)
    if profile.awaits_everyone:
        invited = Invitation.objects.filter(assessment=assessment).count()
        assessment_update(assessment=assessment, actor=consultant, sufficiency={"min_responses": invited})
    return assessment_kpis_set(assessment=assessment, values=profile.kpis)


DEMO_RESPONDENT = "demo.respondent@demobank.example"
# Department, role, head count: 40 submitted respondents across the bank.
DEMO_STAFF = (
    ("Management board", "executive", 5),
    ("Retail banking", "manager", 5),
    ("Retail banking", "frontline", 7),
    ("Contact centre", "manager", 2),
    ("Contact centre", "frontline", 7),
    ("Digital channels", "manager", 2),
    ("Digital channels", "back_office", 4),
    ("Operations", "back_office", 4),
    ("IT", "it", 4),
)
# How favourably each role tends to see the company (management sees it rosier).
ROLE_OPTIMISM = {"executive": 0.7, "manager": 0.4, "frontline": -0.2, "back_office": 0.0, "it": 0.1}
DEMO_COMMENTS = {
    "ORG-05": "CX targets exist for the contact centre only.",
    "PRC-01": "Complaints are logged in three different systems.",
    "PRC-10": "Нет регулярного мониторинга оттока, только разовые отчёты.",
    "TEC-01": "CRM does not show the client's app and branch history together.",
    "TEC-07": "Голосовой бот отвечает только на вопросы по балансу.",
}


def demo_responses_seed(
    *, assessment: Assessment, level_shift: float = 0.0, respondent: bool = True, seed: int = 2026
) -> None:
    """40 submitted respondents, each answering the indicators asked of their role, whose
    answers sketch a Customer-Aware bank (moved by `level_shift` levels): solid on strategy and
    standards, weak on analytics and technology, management more upbeat than the front line;
    with `respondent`, the demo respondent is invited too. Deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    codes = list(
        Indicator.objects.filter(version=assessment.catalog_version)
        .order_by("position")
        .values_list("code", flat=True)
    )
    area_base = {"ORG": 3.55, "STF": 3.35, "PRC": 3.05, "TEC": 2.75}
    truth = np.array([area_base[code[:3]] for code in codes]) + rng.normal(0, 0.45, len(codes)) + level_shift
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
    asked = {
        role: indicator_ids(version_id=assessment.catalog_version_id, role=role) for role in ROLE_OPTIMISM
    }
    for new in created:
        role = new.invitation.role
        levels = truth + ROLE_OPTIMISM[role] + rng.normal(0, 0.7, len(codes))
        levels = np.clip(np.rint(levels), 1, 5).astype(int)
        dont_know = rng.random(len(codes)) < 0.06
        commented = rng.random(len(codes)) < 0.3
        items = [
            {
                "indicator": code,
                "level": None if unknown else int(level),
                "comment": DEMO_COMMENTS.get(code, "") if comment else "",
            }
            for code, level, unknown, comment in zip(codes, levels, dont_know, commented, strict=True)
            if code in asked[role]
        ]
        answers_save(invitation=new.invitation, items=items)
        response_submit(invitation=new.invitation)
    if not respondent:
        return
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


def demo_interviews_seed(*, assessment: Assessment, consultant, shift: int = 0) -> None:
    interview_scores_set(
        assessment=assessment,
        user=consultant,
        items=[
            {"indicator": code, "level": min(5, level + shift), "note": note}
            for code, (level, note) in DEMO_INTERVIEWS.items()
        ],
    )


DEMO_SEGMENTS = {  # share of clients, mean products, mean annual margin
    "mass": (0.70, 1.8, 120.0),
    "affluent": (0.22, 3.0, 420.0),
    "premium": (0.08, 4.4, 1600.0),
}
DEMO_STANDARDS = (
    "greeting_within_30s",
    "needs_identified",
    "offer_matches_needs",
    "explains_fees",
    "queue_under_10_min",
    "clean_premises",
    "name_badge",
    "next_step_agreed",
)
DEMO_BRANCHES = ("Almaty Central", "Almaty Dostyk", "Astana Baiterek", "Shymkent", "Karaganda", "Aktobe")


def demo_customer_files(*, profile: DemoProfile, seed: int = 2026, clients: int = 2000) -> dict[str, str]:
    """Customer, survey, mystery-shopping and operational CSV files of a bank as `profile` describes it
    (the baseline: NPS near 20 and annual closures near 12 %, as in the seed; with the clients
    silent for more than 90 days, method 2's churn is near 17 %)."""
    reference_date = profile.reference_date
    rng = np.random.default_rng(seed)
    reference = np.datetime64(reference_date)
    names = list(DEMO_SEGMENTS)
    segment = rng.choice(names, clients, p=[share for share, _, _ in DEMO_SEGMENTS.values()])
    products = np.array([DEMO_SEGMENTS[s][1] for s in segment])
    product_count = 1 + rng.poisson(np.maximum(products - 1, 0.1))
    opened = reference - rng.integers(400, 4000, clients).astype("timedelta64[D]")
    closes = rng.random(clients) < profile.churn
    closed = np.where(
        closes, reference - rng.integers(1, 360, clients).astype("timedelta64[D]"), np.datetime64("NaT")
    )
    last_seen = np.where(
        closes,
        closed - rng.integers(0, 60, clients).astype("timedelta64[D]"),
        reference - rng.gamma(1.2, profile.silence_days / 1.2, clients).astype(int).astype("timedelta64[D]"),
    )
    margin = np.array([DEMO_SEGMENTS[s][2] for s in segment]) * rng.lognormal(0, 0.4, clients)
    ids = [f"C{n:05d}" for n in range(1, clients + 1)]
    customers = ["client_id,segment,product_count,opened_on,closed_on,last_activity_on,annual_margin"] + [
        f"{i},{s},{p},{o},{'' if np.isnat(c) else c},{a},{m:.2f}"
        for i, s, p, o, c, a, m in zip(
            ids, segment, product_count, opened, closed, last_seen, margin, strict=True
        )
    ]
    survey = ["client_id,instrument,item,dimension,value,comment"]
    answered = rng.choice(clients, 600, replace=False)
    nps = rng.choice(11, 600, p=profile.nps_weights)
    survey += [
        f"{ids[c]},nps_relationship,recommend,,{v},{_demo_comment(v, n)}"
        for n, (c, v) in enumerate(zip(answered, nps, strict=True))
    ]
    for item, mean in (("branch_service", 3.9), ("mobile_app", 4.1), ("contact_centre", 3.4)):
        values = np.clip(np.rint(rng.normal(mean + profile.csi_shift, 0.8, 600)), 1, 5).astype(int)
        survey += [f"{ids[c]},csi,{item},,{v}," for c, v in zip(answered, values, strict=True)]
    for dimension, gap in (
        ("reliability", -0.4),
        ("responsiveness", -0.7),
        ("assurance", -0.2),
        ("empathy", -0.3),
        ("tangibles", 0.2),
    ):
        for n in (1, 2):
            expected = np.clip(np.rint(rng.normal(4.6, 0.5, 300)), 1, 5).astype(int)
            perceived = np.clip(
                np.rint(expected + gap + profile.csi_shift + rng.normal(0, 0.6, 300)), 1, 5
            ).astype(int)
            item = f"{dimension[:3].upper()}{n}"
            survey += [
                f"{ids[c]},servqual_expectation,{item},{dimension},{v},"
                for c, v in zip(answered[:300], expected, strict=True)
            ]
            survey += [
                f"{ids[c]},servqual_perception,{item},{dimension},{v},"
                for c, v in zip(answered[:300], perceived, strict=True)
            ]
    mystery = ["visit_id,branch,visited_on,standard,result"]
    for visit in range(1, 41):
        branch = DEMO_BRANCHES[visit % len(DEMO_BRANCHES)]
        day = reference - np.timedelta64(int(rng.integers(10, 120)), "D")
        outcomes = rng.choice(
            ["yes", "no", "n/a"],
            len(DEMO_STANDARDS),
            p=[0.72 + profile.csi_shift / 2, 0.22 - profile.csi_shift / 2, 0.06],
        )
        mystery += [
            f"V{visit:03d},{branch},{day},{standard},{result}"
            for standard, result in zip(DEMO_STANDARDS, outcomes, strict=True)
        ]
    operations = _demo_operations(profile=profile, rng=rng, active_at_end=int((~closes).sum()))
    # Drawn last, so the files above stay as they were before transactional NPS was added.
    rated = rng.choice(clients, 450, replace=False)
    touchpoint = rng.choice(DEMO_TOUCHPOINTS, 450)
    ratings = rng.choice(11, 450, p=profile.nps_weights)
    survey += [
        f"{ids[c]},nps_transactional,{t},,{v},{_demo_comment(v, n + 1)}"
        for n, (c, t, v) in enumerate(zip(rated, touchpoint, ratings, strict=True))
    ]
    # Two attributes of the bank's own, drawn last for the same reason: the clients who left
    # (closed, or silent for more than 90 days) were less often salary clients and paid higher
    # monthly fees, which the churn-risk model finds.
    left = closes | ((reference - last_seen).astype("timedelta64[D]").astype(int) > 90)
    salary = rng.random(clients) < np.where(left, 0.2, 0.5)
    contract = np.where(salary, "salary", rng.choice(["standard", "package"], clients))
    fee = rng.gamma(4.0, np.where(left, 3.0, 2.0))
    customers[0] += ",x_contract,x_monthly_fee"
    customers[1:] = [f"{line},{c},{f:.1f}" for line, c, f in zip(customers[1:], contract, fee, strict=True)]
    return {
        "customers": "\n".join(customers) + "\n",
        "survey": "\n".join(survey) + "\n",
        "mystery_shopping": "\n".join(mystery) + "\n",
        **operations,
    }


DEMO_TOUCHPOINTS = ("branch_visit", "contact_centre_call", "mobile_app_transfer")
# What clients write beside a rating: a detractor's reason, a passive's, a promoter's.
DEMO_CLIENT_COMMENTS = {
    "detractor": (
        "Waited 40 minutes at the branch, only one desk was open",
        "Комиссию за перевод списали без предупреждения",
        "The contact centre put me on hold three times",
    ),
    "passive": ("The app is fine but transfers to other banks are slow", "Нормально, но в отделении очереди"),
    "promoter": ("Clear fees, and the app works", "Менеджер сам перезвонил и решил вопрос"),
}
# One rating in this many carries a comment.
DEMO_COMMENT_EVERY = 9


def _demo_comment(rating: int, position: int) -> str:
    """A client's comment on every DEMO_COMMENT_EVERY-th rating, in the voice of its NPS group,
    quoted for the CSV (no random draw: the ratings' files stay as they are)."""
    if position % DEMO_COMMENT_EVERY:
        return ""
    group = "detractor" if rating <= 6 else "passive" if rating <= 8 else "promoter"
    texts = DEMO_CLIENT_COMMENTS[group]
    return f'"{texts[position // DEMO_COMMENT_EVERY % len(texts)]}"'


DEMO_CALLS_A_DAY = {"phone": 300, "chat": 120}


def _demo_operations(*, profile: DemoProfile, rng: np.random.Generator, active_at_end: int) -> dict[str, str]:
    """The complaints and contact-centre files of the 12 months up to the reference date."""
    reference = np.datetime64(profile.reference_date)
    count = round(profile.complaints_per_1000 * active_at_end / 1000)
    opened = reference - rng.integers(0, 365, count).astype("timedelta64[D]")
    took = np.maximum(1, rng.gamma(2.0, profile.resolution_days / 2.0, count).round().astype(int))
    closed = opened + took.astype("timedelta64[D]")
    complaints = ["complaint_id,opened_on,closed_on,channel,category,regulator,resolved"] + [
        f"CMP-{n:04d},{day},{'' if end > reference else end},{channel},{category},{regulator},{resolved}"
        for n, (day, end, channel, category, regulator, resolved) in enumerate(
            zip(
                opened,
                closed,
                rng.choice(["branch", "contact_centre", "app"], count),
                rng.choice(["fees", "cards", "transfers", "service"], count),
                np.where(rng.random(count) < profile.regulator_share, "yes", "no"),
                np.where(rng.random(count) < 0.85, "yes", "no"),
                strict=True,
            ),
            start=1,
        )
    ]
    calls = [
        "date,channel,offered,answered,answered_within_sla,abandoned,avg_handle_seconds,first_contact_resolved"
    ]
    days = reference - np.arange(365).astype("timedelta64[D]")
    for channel, mean in DEMO_CALLS_A_DAY.items():
        offered = rng.poisson(mean, len(days))
        abandoned = rng.binomial(offered, profile.abandonment)
        answered = offered - abandoned
        within = rng.binomial(answered, profile.service_level / (1 - profile.abandonment))
        resolved = rng.binomial(answered, profile.fcr)
        handle = rng.normal(240 if channel == "phone" else 420, 20, len(days)).round(1)
        calls += [
            f"{day},{channel},{o},{a},{w},{b},{h},{r}"
            for day, o, a, w, b, h, r in zip(
                days, offered, answered, within, abandoned, handle, resolved, strict=True
            )
        ]
    return {"complaints": "\n".join(complaints) + "\n", "contact_centre": "\n".join(calls) + "\n"}


def demo_customer_data_seed(*, assessment: Assessment, consultant, profile: DemoProfile) -> None:
    files = demo_customer_files(profile=profile)
    customer_data_replace(
        assessment=assessment,
        user=consultant,
        uploads={kind: SimpleUploadedFile(f"{kind}.csv", text.encode()) for kind, text in files.items()},
    )


def demo_respondent_link(*, assessment: Assessment) -> str | None:
    """A fresh personal link for the demo respondent (earlier links keep working)."""
    invitation = Invitation.objects.filter(assessment=assessment, email=DEMO_RESPONDENT).first()
    return invitation_link_create(invitation=invitation) if invitation else None
