"""Reads, scoped by tenancy. Every query about client data starts here.

A client executive sees only their own organization, and of it only published
(or closed) assessments; a consultant sees the organizations assigned to them;
an admin (superuser) sees everything. Anything else does not exist for the user,
so views answer 404, never 403, outside the scope.
"""

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Count, Q, QuerySet

from assessment.anonymity import groups_disclosed, result_disclosed
from assessment.churn import churn_model_current
from assessment.customer_data import dataset_frames
from assessment.drivers import TARGETS as DRIVER_TARGETS
from assessment.drivers import key_drivers
from assessment.loyalty import survey_comments
from assessment.method import Method, method_get, result_method
from assessment.metrics import (
    EvidenceSample,
    catalog_bindings,
    evidence_samples,
    evidence_thresholds,
    registry_of,
)
from assessment.models import (
    CLIENT_ROLES,
    CLIENT_VISIBLE_STATUSES,
    Assessment,
    CustomerDataset,
    InterviewScore,
    Membership,
    Organization,
    Role,
    ScoreSnapshot,
)
from assessment.results import AssessmentScores, Benchmark, ScoreResult
from assessment.scoring import EvidenceWeights, metric_level, percentile_rank, scores_compute
from assessment.sufficiency import sufficiency_rules
from assessment.themes import comment_themes
from surveys.models import Answer, Area, Indicator, Invitation

User = AbstractBaseUser | AnonymousUser


def _organization_ids(*, user: User, role: str | tuple[str, ...]) -> QuerySet:
    roles = (role,) if isinstance(role, str) else role
    return Membership.objects.filter(user_id=user.pk, role__in=roles).values("organization_id")


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
            organization_id__in=_organization_ids(user=user, role=CLIENT_ROLES),
            status__in=CLIENT_VISIBLE_STATUSES,
        )
    )


def executive_assessment_scope(*, user: User) -> QuerySet[Assessment]:
    """The published assessments of the organizations the user is an executive of: whose
    released reports they read (a client manager reads the scores and the action plan only)."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    return Assessment.objects.filter(
        organization_id__in=_organization_ids(user=user, role=Role.EXECUTIVE),
        status__in=CLIENT_VISIBLE_STATUSES,
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


# --- Scoring inputs and results -----------------------------------------------------------------


def answer_counts_frame(*, assessment: Assessment) -> pd.DataFrame:
    """Submitted answers of the assessment as a histogram, in one query: how many answers
    there are per role, department, indicator and level (NaN for don't know). It carries
    everything the scores need (counts, means, spreads, group means) at a fraction of the
    rows; the statistics themselves are computed with pandas."""
    histogram = (
        Answer.objects.filter(
            response__invitation__assessment=assessment, response__submitted_at__isnull=False, answered=True
        )
        .values_list(
            "response__invitation__role", "response__invitation__department", "indicator_id", "level"
        )
        .annotate(count=Count("id"))
        .order_by()
    )
    # Plain rows straight from the cursor: the ORM's per-row conversion would cost more
    # than the scoring itself.
    sql, params = histogram.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        frame = pd.DataFrame(
            cursor.fetchall(), columns=["role", "department", "indicator_id", "level", "count"]
        )
    codes = dict(Indicator.objects.filter(version_id=assessment.catalog_version_id).values_list("id", "code"))
    return frame.assign(indicator=frame.pop("indicator_id").map(codes)).astype(
        {"level": "float64", "count": "int64", "role": "category", "department": "category"}
    )


def submitted_respondents_frame(*, assessment: Assessment) -> pd.DataFrame:
    """How many respondents submitted, per role and department."""
    rows = (
        Invitation.objects.filter(assessment=assessment, response__submitted_at__isnull=False)
        .values_list("role", "department")
        .annotate(count=Count("id"))
        .order_by()
    )
    return pd.DataFrame(list(rows), columns=["role", "department", "count"])


def catalog_frames(*, version_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicators indexed by code: area, weight, metric, critical; areas indexed by code: weight, name
    (texts by language))."""
    indicators = pd.DataFrame(
        list(
            Indicator.objects.filter(version_id=version_id)
            .order_by("position")
            .values_list("code", "area__code", "weight", "metric", "critical")
        ),
        columns=["code", "area", "weight", "metric", "critical"],
    ).set_index("code")
    indicators["weight"] = indicators["weight"].astype(float)
    indicators["metric"] = indicators["metric"].replace("", None)
    areas = pd.DataFrame(
        list(
            Area.objects.filter(version_id=version_id)
            .order_by("position")
            .values_list("code", "weight", "name")
        ),
        columns=["code", "weight", "name"],
    ).set_index("code")
    areas["weight"] = areas["weight"].astype(float)
    return indicators, areas


def interview_levels(*, assessment: Assessment) -> pd.Series:
    return pd.Series(
        dict(InterviewScore.objects.filter(assessment=assessment).values_list("indicator__code", "level")),
        dtype=float,
    )


def customer_evidence_samples(*, assessment: Assessment, method: Method) -> list[EvidenceSample]:
    """The assessment's customer metrics that can give data evidence under the method, with
    their samples and the minimum samples in force for it (docs/methods.md §3.4)."""
    dataset = CustomerDataset.objects.filter(assessment=assessment).only("metrics").first()
    minimums = sufficiency_rules(assessment.sufficiency).min_sample
    return evidence_samples(dataset.metrics if dataset else None, minimums, registry_of(method.version))


def customer_comments_frame(*, assessment: Assessment) -> pd.DataFrame:
    """The open answers of the stored customer survey, one row per commented rating or answer:
    client_id, instrument, item, value and comment (assessment.loyalty.survey_comments), for
    analytics and for quoting clients. Individual clients' words: whoever calls this decides
    who may read them (the exports: the assessment's consultants only)."""
    frames = dataset_frames(CustomerDataset.objects.filter(assessment=assessment).first())
    return survey_comments(survey=frames.get("survey"), customers=frames.get("customers"))


NPS_RATING_INSTRUMENTS = ("nps", "nps_relationship", "nps_transactional")


def comment_themes_current(*, assessment: Assessment, source: str) -> dict | None:
    """The themes (assessment.themes) of the customer survey's comments ("customers"), each with
    the NPS rating beside it, of the submitted questionnaires' comments ("respondents"), quoted
    only from a role with at least the assessment's anonymity k respondents, or of the
    consultants' interview notes ("interviews"); None for customers without a survey."""
    if source == "customers":
        frames = dataset_frames(CustomerDataset.objects.filter(assessment=assessment).first())
        if "survey" not in frames:
            return None
        comments = survey_comments(survey=frames["survey"], customers=frames.get("customers"))
        rated = comments["instrument"].astype("string").str.lower().isin(NPS_RATING_INSTRUMENTS)
        return comment_themes(
            pd.DataFrame({"text": comments["comment"], "rating": comments["value"].where(rated.to_numpy())})
        )
    if source == "interviews":
        notes = InterviewScore.objects.filter(assessment=assessment).exclude(note="").values_list("note")
        return comment_themes(pd.DataFrame(notes, columns=["text"]))
    comments = pd.DataFrame(
        Answer.objects.filter(
            response__invitation__assessment=assessment, response__submitted_at__isnull=False
        )
        .exclude(comment="")
        .values_list("comment", "response__invitation__role"),
        columns=["text", "role"],
    )
    submitted = pd.Series(
        dict(
            Invitation.objects.filter(assessment=assessment, response__submitted_at__isnull=False)
            .values_list("role")
            .annotate(count=Count("pk"))
        ),
        dtype=float,
    )
    quotable = comments["role"].map(submitted).fillna(0) >= assessment.anonymity_k
    return comment_themes(comments.assign(quotable=quotable.to_numpy(dtype=bool)))


def key_drivers_current(*, assessment: Assessment, target: str) -> dict | None:
    """The key drivers of `target` in the stored customer data (assessment.drivers); None
    without a customer survey."""
    frames = dataset_frames(CustomerDataset.objects.filter(assessment=assessment).first())
    if "survey" not in frames:
        return None
    return key_drivers(frames["survey"], frames.get("customers"), target=target)


def roadmap_analytics_current(*, assessment: Assessment) -> dict:
    """What the analytics of the stored customer data tell the roadmap
    (reports.recommendations.roadmap_propose): the share of the active clients the churn-risk
    model puts at risk, only from a model that ranks better than chance (its AUC interval above
    0.5), and the key drivers of the NPS rating and the CSI to fix first."""
    analytics: dict = {"churn_model": None, "fix_first": []}
    model = churn_model_current(assessment=assessment) or {}
    active = (model.get("clients") or 0) - (model.get("churned") or 0)
    if model.get("status") == "ready" and model.get("auc_ci") and model["auc_ci"][0] > 0.5 and active > 0:
        analytics["churn_model"] = {"at_risk_share": 100 * model["at_risk"]["clients"] / active}
    frames = dataset_frames(CustomerDataset.objects.filter(assessment=assessment).first())
    if "survey" not in frames:
        return analytics
    for target in DRIVER_TARGETS:
        # The quadrants need the weights only, not their intervals.
        result = key_drivers(frames["survey"], frames.get("customers"), target=target, bootstrap_samples=0)
        analytics["fix_first"] += [
            {**driver, "target": target, "share": driver["importance"] / result["r2"]}
            for driver in result["drivers"]
            if driver["quadrant"] == "fix" and result["r2"]
        ]
    return analytics


def data_evidence_levels(
    *, assessment: Assessment, indicators: pd.DataFrame, samples: list[EvidenceSample], method: Method
) -> pd.Series:
    """Levels 1–5 of the indicators bound to a customer metric, from those of the `samples` on
    a sufficient sample and the assessment's thresholds (docs/methods.md §8 where it sets none),
    read from each metric's 95 % interval where the method says so."""
    sufficient = {item.key: item for item in samples if item.sufficient}
    values = {key: item.value for key, item in sufficient.items()}
    intervals = {key: item.interval if method.interval_evidence else None for key, item in sufficient.items()}
    registry = registry_of(method.version)
    thresholds = evidence_thresholds(assessment.data_thresholds, registry)
    # Binding → metric. A binding no metric informs under this method gives no evidence (an
    # operational metric under method 1); the registry answers for every binding at start-up.
    informing = {binding: entry.key for binding, entry in catalog_bindings(registry).items()}
    bound = indicators["metric"].dropna().map(informing).dropna()
    bound = bound[bound.isin(list(values))]
    return pd.Series(
        {code: metric_level(key, values[key], thresholds, intervals[key]) for code, key in bound.items()},
        dtype=float,
    )


def assessment_scores_compute(
    *, assessment: Assessment, weights: EvidenceWeights | None = None, method: Method | None = None
) -> ScoreResult:
    """The live scores of an assessment from its current evidence; with `weights`, what they
    would be under those evidence weights (the settings page's preview); with `method`, under
    that version of the method instead of the assessment's own."""
    indicators, areas = catalog_frames(version_id=assessment.catalog_version_id)
    method = method or method_get(assessment.method_version)
    samples = customer_evidence_samples(assessment=assessment, method=method)
    return scores_compute(
        answers=answer_counts_frame(assessment=assessment),
        respondents=submitted_respondents_frame(assessment=assessment),
        indicators=indicators,
        areas=areas,
        interview=interview_levels(assessment=assessment),
        data=data_evidence_levels(
            assessment=assessment, indicators=indicators, samples=samples, method=method
        ),
        weights=weights
        or EvidenceWeights(
            survey=float(assessment.weight_survey),
            interview=float(assessment.weight_interview),
            data=float(assessment.weight_data),
        ),
        anonymity_k=assessment.anonymity_k,
        rules=sufficiency_rules(assessment.sufficiency),
        samples=samples,
        method=method,
        thresholds=evidence_thresholds(assessment.data_thresholds, registry_of(method.version)),
    )


def assessment_scores(*, assessment: Assessment) -> AssessmentScores:
    """Scores as shown: the snapshot of a published assessment, live scores otherwise;
    with respondent counts and the peer benchmark."""
    snapshot = ScoreSnapshot.objects.filter(assessment=assessment).first()
    if snapshot:
        # Frozen scores, but shown by today's anonymity rule and threshold: a snapshot stored
        # under an earlier one may hold groups that give a smaller one away.
        disclosure = groups_disclosed(
            respondents=submitted_respondents_frame(assessment=assessment), k=assessment.anonymity_k
        )
        result = result_disclosed(snapshot.result, disclosure)
    else:
        result = assessment_scores_compute(assessment=assessment)
    invitations = Invitation.objects.filter(assessment=assessment)
    return {
        **result,
        "published": snapshot is not None,
        "respondents": {
            "invited": invitations.count(),
            "submitted": invitations.filter(response__submitted_at__isnull=False).count(),
        },
        "benchmark": peer_benchmark(assessment=assessment, result=result),
    }


def assessment_scores_under(*, assessment: Assessment, method_version: int) -> AssessmentScores:
    """The scores of `assessment` as scored by `method_version`, to compare like with like: as
    shown when it follows that version already, else its stored evidence scored again by it,
    with `rescored_from` naming the version it was scored by."""
    shown = assessment_scores(assessment=assessment)
    own_version = result_method(shown).version
    if own_version == method_version:
        return shown
    rescored = assessment_scores_compute(assessment=assessment, method=method_get(method_version))
    return {**shown, **rescored, "rescored_from": own_version}


MIN_PEERS = 5


def benchmark_industry(*, organization: Organization) -> str:
    """The name of the industry its peers share; empty when there is none to compare with, as
    "other" is not an industry: its organizations have nothing in common."""
    if organization.industry in ("", Organization.Industry.OTHER):
        return ""
    return organization.get_industry_display()


def peer_benchmark(*, assessment: Assessment, result: ScoreResult) -> Benchmark | None:
    """Percentile of the overall and area scores among published assessments of other
    organizations in the same industry; only with at least MIN_PEERS of them, and
    without naming any."""
    industry = assessment.organization.industry
    if not benchmark_industry(organization=assessment.organization) or result["overall"]["score"] is None:
        return None
    peers = list(
        ScoreSnapshot.objects.filter(
            assessment__organization__industry=industry,
            assessment__status__in=CLIENT_VISIBLE_STATUSES,
            overall__isnull=False,
        )
        .exclude(assessment__organization_id=assessment.organization_id)
        .values_list("overall", "result__areas")
    )
    if len(peers) < MIN_PEERS:
        return None
    peer_areas = pd.DataFrame([{area["code"]: area["score"] for area in areas} for _, areas in peers])
    return {
        "industry": industry,
        "peers": len(peers),
        "overall": percentile_rank(result["overall"]["score"], [overall for overall, _ in peers]),
        "areas": {
            area["code"]: _percentile_or_none(area["score"], peer_areas.get(area["code"]))
            for area in result["areas"]
        },
    }


def _percentile_or_none(score: float | None, peers: pd.Series | None) -> float | None:
    values = [] if peers is None else peers.dropna().tolist()
    return percentile_rank(score, values) if score is not None and values else None
