"""The shapes of the score results that pass between the layers: computed by
`assessment.scoring`, stored as JSON in a `ScoreSnapshot`, completed by
`assessment.selectors.assessment_scores`, presented by the API, the pages and the reports.
TypedDicts, so a result stays the plain JSON it is stored as while its fields are named and
checked; the API's serializers (`assessment/apis.py` ScoresSerializer) describe the same fields."""

from typing import Literal, NotRequired, TypedDict

Confidence = Literal["low", "medium", "high"]


class LevelScore(TypedDict):
    score: float | None  # 0–100, unrounded
    level: int | None  # 1–5
    level_code: str | None


class AreaScore(LevelScore):
    """level and level_code are None, the score kept, when the area is not `sufficient`."""

    gated: NotRequired["Gate | None"]  # method 2 on

    code: str
    scored: int  # indicators with any evidence
    coverage: float  # share of its indicators covered (assessment.sufficiency), 0–1
    sufficient: bool  # coverage reaches the minimum: the area claims a level


class Evidence(TypedDict):
    survey: float | None
    interview: float | None
    data: float | None


class IndicatorScore(LevelScore):
    code: str
    area: str
    n: int  # answers, don't-know excluded
    mean_level: float | None  # method 2: the mean of the roles' means (assessment.method)
    raw_mean_level: NotRequired[float | None]  # every answer alike; absent in snapshots before it
    std: float | None
    dont_know_share: float | None  # 0–1
    confidence: Confidence | None
    evidence: Evidence
    covered: bool  # enough answers, an interview level or data evidence


class Coverage(TypedDict):
    scored: int
    total: int
    missing: list[str]


class GroupScore(LevelScore):
    group: str
    respondents: int
    areas: dict[str, float | None]


class Breakdowns(TypedDict):
    role: list[GroupScore]
    department: list[GroupScore]
    role_hidden: int
    department_hidden: int
    anonymity_k: int


class Gap(TypedDict):
    kind: Literal["management_vs_frontline", "employees_vs_customers"]
    scope: Literal["area", "indicator"]
    code: str
    gap: float
    management: NotRequired[float]
    frontline: NotRequired[float]
    employees: NotRequired[float]
    customers: NotRequired[float]
    metric: NotRequired[str]


ReasonCode = Literal["too_few_responses", "area_coverage", "small_customer_sample"]


class SufficiencyReason(TypedDict):
    """Why the scores fall short of the sufficiency rules; the fields beside `code` are those of
    its kind. Presented (assessment.presenters) with its `message` in the reader's language and
    without `area_name`."""

    code: ReasonCode
    message: NotRequired[str]
    minimum: NotRequired[float]  # min_responses, min_area_coverage or the metric's min_sample
    submitted: NotRequired[int]  # too_few_responses
    area: NotRequired[str]  # area_coverage: its code, names by language, indicators covered
    area_name: NotRequired[dict[str, str]]
    covered: NotRequired[int]
    total: NotRequired[int]
    coverage: NotRequired[float]
    metric: NotRequired[str]  # small_customer_sample: the metric's key and its sample
    sample: NotRequired[int]


class Sufficiency(TypedDict):
    """preliminary: the overall score claims no level (too few responses, or an area short of
    coverage); small customer samples are listed among the reasons without making it so."""

    status: Literal["sufficient", "preliminary"]
    reasons: list[SufficiencyReason]
    submitted_responses: int
    min_responses: int


class OutcomeMetric(TypedDict):
    key: str  # a customer metric of assessment.metrics
    value: float
    # Method 2: the 95 % interval its level was read from (towards the middle level); None
    # where it has none, and always under method 1 (read from the value).
    interval: NotRequired[list[float] | None]
    level: int  # 1–5 by its thresholds
    score: float  # 25 · (level − 1)


class Outcomes(TypedDict):
    """The customer outcomes index (assessment.outcomes)."""

    index: float  # 0–100
    level: int
    metrics: list[OutcomeMetric]


class GateReason(TypedDict):
    """One reason a level is capped (assessment.gating), with the fields of its code."""

    code: str  # "critical_indicator", "weakest_area" or "reality_gap"
    cap: int  # the highest level it allows
    area: NotRequired[str]  # critical_indicator, weakest_area
    area_name: NotRequired[dict[str, str]]  # by language
    indicator: NotRequired[str]  # critical_indicator
    indicator_level: NotRequired[int]
    area_level: NotRequired[int]  # weakest_area
    gap: NotRequired[float]  # reality_gap: the maturity score minus the outcomes index
    limit: NotRequired[float]
    outcomes_level: NotRequired[int]


class Gate(TypedDict):
    """Why a level is lower than its score reads: the lowest cap of the binding reasons."""

    uncapped_level: int
    level: int
    reasons: list[GateReason]


class OverallScore(LevelScore):
    gated: NotRequired[Gate | None]  # method 2 on


class ScoreResult(TypedDict):
    """What `scoring.scores_compute` returns and a snapshot stores. The overall level and
    level_code are None while the sufficiency status is preliminary; the score stays.
    method_version is absent from snapshots taken before methods had versions: those are 1."""

    method_version: NotRequired[int]
    overall: OverallScore
    areas: list[AreaScore]
    indicators: list[IndicatorScore]
    coverage: Coverage
    breakdowns: Breakdowns
    gaps: list[Gap]
    sufficiency: Sufficiency
    # Method 2 on (absent before): the customer outcomes index, None without a metric on a
    # sufficient sample, and the maturity score minus it.
    outcomes: NotRequired[Outcomes | None]
    reality_gap: NotRequired[float | None]


class RespondentCounts(TypedDict):
    invited: int
    submitted: int


class Benchmark(TypedDict):
    industry: str
    peers: int
    overall: float  # percentile among peers
    areas: dict[str, float | None]


class AssessmentScores(ScoreResult):
    """What `selectors.assessment_scores` returns: the result as shown, with its context."""

    published: bool
    respondents: RespondentCounts
    benchmark: Benchmark | None
