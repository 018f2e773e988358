"""Evidence sufficiency (docs/methods.md §3.4), each rule at its edge and hand-computed: when an
indicator is covered, when an area and the overall score claim a level, when a customer metric
is evidence, the per-assessment settings, and the API's shape and schema."""

import pandas as pd
import pytest
import yaml

from assessment.metrics import EvidenceSample, evidence_samples, evidence_values
from assessment.models import AuditEvent
from assessment.scoring import EvidenceWeights, scores_compute
from assessment.services import interview_scores_set
from assessment.sufficiency import SufficiencyRules, sufficiency_messages, sufficiency_rules
from surveys.models import Indicator
from surveys.services import answers_save, invitation_create_many, response_submit
from tests.assessment.test_customer_data import upload
from tests.assessment.test_loyalty import metrics, servqual, survey_frame
from tests.factories import consultant_of

# Two areas of ten indicators each; ORG-10 takes data evidence from the NPS.
ORG = [f"ORG-{n:02d}" for n in range(1, 11)]
STF = [f"STF-{n:02d}" for n in range(1, 11)]
INDICATORS = pd.DataFrame(
    {
        "area": ["organization"] * 10 + ["staff"] * 10,
        "weight": 1.0,
        "metric": [None] * 9 + ["nps"] + [None] * 10,
    },
    index=pd.Index(ORG + STF),
)
AREAS = pd.DataFrame(
    {
        "weight": [1.0, 1.0],
        "name": [{"en": "Organization", "ru": "Организация"}, {"en": "Staff", "ru": "Персонал"}],
    },
    index=pd.Index(["organization", "staff"]),
)


def compute(*, answers=(), respondents=5, interview=None, data=None, rules=None, samples=()):
    """answers: (indicator, level or None for don't know), all by frontline staff of one unit;
    respondents: how many submitted."""
    frame = pd.DataFrame(list(answers), columns=["indicator", "level"], dtype=object)
    frame = frame.assign(
        level=frame["level"].astype("float64"), role="frontline", department="Retail", count=1
    )
    return scores_compute(
        answers=frame,
        respondents=pd.DataFrame({"role": ["frontline"], "department": ["Retail"], "count": [respondents]}),
        indicators=INDICATORS,
        areas=AREAS,
        interview=pd.Series(interview or {}, dtype=float),
        data=pd.Series(data or {}, dtype=float),
        weights=EvidenceWeights(),
        rules=rules,
        samples=samples,
    )


def by_code(items) -> dict:
    return {item["code"]: item for item in items}


# --- Indicators -----------------------------------------------------------------------------------


def test_an_indicator_is_covered_by_three_answers_an_interview_or_data():
    result = compute(
        answers=[
            *[("ORG-01", 4)] * 3,  # exactly three answers
            *[("ORG-02", 4)] * 2,  # two
            *[("ORG-03", 4)] * 2,
            *[("ORG-03", None)] * 3,  # two answers and three don't know
        ],
        interview={"ORG-04": 3},
        data={"ORG-05": 5},
    )
    items = by_code(result["indicators"])
    assert [items[code]["covered"] for code in ORG[:6]] == [True, False, False, True, True, False]
    # Not covered is not unscored: ORG-02 keeps its survey score of 75, ORG-03 counts two answers.
    assert (items["ORG-02"]["score"], items["ORG-02"]["level"]) == (75.0, 4)
    assert (items["ORG-03"]["n"], items["ORG-03"]["dont_know_share"]) == (2, 0.6)


def test_min_answers_is_a_setting():
    rules = sufficiency_rules({"min_answers": 2})
    items = by_code(compute(answers=[("ORG-01", 4)] * 2 + [("ORG-02", 4)], rules=rules)["indicators"])
    assert (items["ORG-01"]["covered"], items["ORG-02"]["covered"]) == (True, False)


# --- Areas ----------------------------------------------------------------------------------------


def test_an_area_claims_its_level_from_exactly_seventy_percent_coverage():
    # Organization: 7 of 10 indicators at interview level 4 (75); staff: 6 of 10 at level 2 (25).
    result = compute(interview={**dict.fromkeys(ORG[:7], 4), **dict.fromkeys(STF[:6], 2)})
    organization, staff = result["areas"]
    assert organization == {
        "code": "organization",
        "score": 75.0,
        "level": 4,
        "level_code": "centric",
        "scored": 7,
        "coverage": 0.7,
        "sufficient": True,
        "gated": None,
    }
    # Just below: 60 % claims no level; the score stays.
    assert staff == {
        "code": "staff",
        "score": 25.0,
        "level": None,
        "level_code": None,
        "scored": 6,
        "coverage": 0.6,
        "sufficient": False,
        "gated": None,
    }
    # An area without a level leaves the overall score preliminary: (75 + 25) / 2, no level.
    assert result["overall"] == {"score": 50.0, "level": None, "level_code": None, "gated": None}
    assert result["sufficiency"] == {
        "status": "preliminary",
        "reasons": [
            {
                "code": "area_coverage",
                "area": "staff",
                "area_name": {"en": "Staff", "ru": "Персонал"},
                "covered": 6,
                "total": 10,
                "coverage": 0.6,
                "minimum": 0.7,
            }
        ],
        "submitted_responses": 5,
        "min_responses": 5,
    }


def test_the_area_coverage_minimum_is_a_setting():
    interview = {**dict.fromkeys(ORG[:7], 4), **dict.fromkeys(STF[:6], 2)}
    lenient = compute(interview=interview, rules=sufficiency_rules({"min_area_coverage": 0.6}))
    assert [area["level"] for area in lenient["areas"]] == [4, 2]
    assert lenient["overall"]["level"] == 3 and lenient["sufficiency"]["status"] == "sufficient"
    strict = compute(interview=interview, rules=sufficiency_rules({"min_area_coverage": 0.71}))
    assert [area["sufficient"] for area in strict["areas"]] == [False, False]


# --- The overall score ----------------------------------------------------------------------------


def test_the_overall_level_needs_five_submitted_responses():
    everything = dict.fromkeys(ORG + STF, 3)  # every indicator covered at level 3 (50)
    enough = compute(interview=everything, respondents=5)
    assert enough["overall"] == {"score": 50.0, "level": 3, "level_code": "aware", "gated": None}
    assert enough["sufficiency"]["status"] == "sufficient" and enough["sufficiency"]["reasons"] == []

    four = compute(interview=everything, respondents=4)
    assert four["overall"] == {"score": 50.0, "level": None, "level_code": None, "gated": None}
    assert [area["level"] for area in four["areas"]] == [3, 3]  # the areas keep theirs
    assert four["sufficiency"] == {
        "status": "preliminary",
        "reasons": [{"code": "too_few_responses", "submitted": 4, "minimum": 5}],
        "submitted_responses": 4,
        "min_responses": 5,
    }
    assert (
        compute(interview=everything, respondents=4, rules=sufficiency_rules({"min_responses": 4}))[
            "overall"
        ]["level"]
        == 3
    )


def test_a_small_customer_sample_is_a_reason_but_leaves_the_status_alone():
    everything = dict.fromkeys(ORG + STF, 3)
    result = compute(
        interview=everything,
        samples=[EvidenceSample("nps", 30.0, 99, 100), EvidenceSample("csi", 82.0, 100, 100)],
    )
    assert result["sufficiency"]["status"] == "sufficient"
    assert result["sufficiency"]["reasons"] == [
        {"code": "small_customer_sample", "metric": "nps", "sample": 99, "minimum": 100}
    ]


# --- Customer metrics as data evidence ------------------------------------------------------------


def test_a_metric_is_evidence_from_its_minimum_sample():
    hundred = {"nps": {"score": 30.0, "n": 100}, "mystery_shopping": {"compliance": 90.0, "visits": 9}}
    assert evidence_values(hundred) == {"nps": 30.0}  # nine visits are fewer than ten
    assert evidence_values({"nps": {"score": 30.0, "n": 99}}) == {}
    assert evidence_values({"nps": {"score": 30.0, "n": 99}}, {"nps": 99}) == {"nps": 30.0}
    assert [(item.key, item.sample, item.minimum, item.sufficient) for item in evidence_samples(hundred)] == [
        ("nps", 100, 100, True),
        ("mystery_shopping", 9, 10, False),
    ]


def test_servqual_counts_the_clients_who_answered_both_sides():
    rows = [
        *servqual("a", "reliability", 5, 4),
        *servqual("b", "reliability", 4, 4),
        ("c", "servqual_expectation", "q1", "empathy", 5.0),  # expectation only
    ]
    result = metrics(survey=survey_frame(rows))["servqual"]
    assert (result["n"], result["paired"]) == (3, 2)


# --- The settings -------------------------------------------------------------------------------------


def test_settings_are_checked_setting_by_setting():
    assert sufficiency_messages({}) == {}
    assert sufficiency_messages({"min_answers": 3, "min_area_coverage": 1, "min_sample": {"nps": 50}}) == {}
    problems = sufficiency_messages(
        {
            "min_answers": 0,
            "min_area_coverage": 1.5,
            "min_responses": True,
            "min_sample": {"nps": 2_000_000, "revenue": 5},
            "colour": "red",
        }
    )
    assert problems == {
        "colour": ["Unknown setting."],
        "min_answers": ["Must be a whole number from 1 to 1000."],
        "min_responses": ["Must be a whole number from 1 to 100000."],
        "min_area_coverage": ["Must be a share from 0 to 1, such as 0.7."],
        "min_sample.nps": ["Must be a whole number from 1 to 1000000."],
        "min_sample.revenue": [
            "Unknown metric; known: nps, csi, servqual, servqual_gap, mystery_shopping, churn_rate, "
            "loyal_share, disloyal_share, complaints_per_1000, complaint_resolution_days, "
            "complaints_regulator_share, service_level, abandonment, fcr."
        ],
    }


SAMPLES = {"nps": 100, "csi": 100, "servqual": 50, "servqual_gap": 50, "mystery_shopping": 10}
# The operational metrics (docs/methods.md §7.10): clients, closed complaints, complaints, calls.
OPERATIONS = {
    "complaints_per_1000": 1000,
    "complaint_resolution_days": 30,
    "complaints_regulator_share": 30,
    "service_level": 1000,
    "abandonment": 1000,
    "fcr": 1000,
}


def test_left_out_settings_keep_their_defaults():
    assert sufficiency_rules({}) == SufficiencyRules(
        min_answers=3,
        min_area_coverage=0.7,
        min_responses=5,
        min_sample={**SAMPLES, "churn_rate": 100, "loyal_share": 100, "disloyal_share": 100, **OPERATIONS},
    )
    assert sufficiency_rules({"min_sample": {"csi": 40}}).min_sample == {
        **SAMPLES,
        "csi": 40,
        "churn_rate": 100,
        "loyal_share": 100,
        "disloyal_share": 100,
        **OPERATIONS,
    }


def test_settings_through_the_api_field_by_field_and_audited(consultant_api, audit):
    url = f"/api/v1/assessments/{audit.pk}/"
    bad = consultant_api.patch(
        url,
        {"sufficiency": {"min_area_coverage": 1.5, "min_answers": 0, "min_sample": {"revenue": 3}, "x": 1}},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json() == {"sufficiency": {"x": ["Unknown setting."]}}
    bad = consultant_api.patch(
        url,
        {"sufficiency": {"min_area_coverage": 1.5, "min_answers": 0, "min_sample": {"nps": 0}}},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "sufficiency": {
            "min_answers": ["Ensure this value is greater than or equal to 1."],
            "min_area_coverage": ["Ensure this value is less than or equal to 1."],
            "min_sample": {"nps": ["Ensure this value is greater than or equal to 1."]},
        }
    }
    unknown_metric = consultant_api.patch(url, {"sufficiency": {"min_sample": {"revenue": 3}}}, format="json")
    assert unknown_metric.json() == {"sufficiency": {"min_sample": {"revenue": ["Unknown setting."]}}}
    audit.refresh_from_db()
    assert audit.sufficiency == {}

    settings = {"min_responses": 8, "min_sample": {"nps": 50}}
    saved = consultant_api.patch(url, {"sufficiency": settings}, format="json")
    assert saved.status_code == 200
    assert saved.json()["sufficiency"] == settings
    event = AuditEvent.objects.get(assessment=audit, action=AuditEvent.Action.SUFFICIENCY)
    assert (event.before, event.after) == ({}, settings)
    scores = consultant_api.get(f"/api/v1/assessments/{audit.pk}/scores/").json()
    assert scores["sufficiency"]["min_responses"] == 8


# --- Through the API: customer data, shape and schema -----------------------------------------------


def _customer_upload(api, assessment, count: int, ratings: list[int] | None = None):
    """A customer base of `count` clients, each rating the bank as `ratings` says, else 10
    (NPS 100: level 5)."""
    customers = (
        "client_id,segment,product_count,opened_on,closed_on,last_activity_on,annual_margin\n"
        + "".join(f"C{n},mass,2,2020-01-10,,2026-06-20,100\n" for n in range(count))
    )
    survey = "client_id,instrument,item,dimension,value\n" + "".join(
        f"C{n},nps,recommend,,{rating}\n" for n, rating in enumerate(ratings or [10] * count)
    )
    response = api.post(
        f"/api/v1/assessments/{assessment.pk}/customer-data/",
        {"customers": upload("customers.csv", customers), "survey": upload("survey.csv", survey)},
        format="multipart",
    )
    assert response.status_code == 201, response.content


def _respond(assessment, levels: dict[str, int], count: int) -> None:
    rows = [{"email": f"r{n}@bank.kz", "role": "frontline", "department": "Retail"} for n in range(count)]
    for new in invitation_create_many(assessment=assessment, rows=rows):
        answers_save(
            invitation=new.invitation, items=[{"indicator": c, "level": v} for c, v in levels.items()]
        )
        response_submit(invitation=new.invitation)


@pytest.mark.parametrize(("ratings", "evidence"), [(100, True), (99, False)])
def test_nps_ratings_are_evidence_from_a_hundred(consultant_api, audit, ratings, evidence):
    _respond(audit, {"ORG-10": 2}, count=3)  # the survey says level 2: 25
    _customer_upload(consultant_api, audit, ratings)
    scores = consultant_api.get(f"/api/v1/assessments/{audit.pk}/scores/").json()
    org10 = by_code(scores["indicators"])["ORG-10"]
    if evidence:
        # NPS 100 → level 5 → 100: (0.5 · 25 + 0.2 · 100) / 0.7 = 46.428… → 46.43.
        assert org10["evidence"]["data"] == 100.0
        assert org10["score"] == 46.43
        assert not [r for r in scores["sufficiency"]["reasons"] if r["code"] == "small_customer_sample"]
    else:
        assert org10["evidence"]["data"] is None
        assert org10["score"] == 25.0  # the survey alone
        small = [r for r in scores["sufficiency"]["reasons"] if r["code"] == "small_customer_sample"]
        assert [r for r in small if r["metric"] == "nps"] == [
            {
                "code": "small_customer_sample",
                "metric": "nps",
                "sample": 99,
                "minimum": 100,
                "message": "“NPS (relationship)” rests on a sample of 99, fewer than the 100 needed: it is "
                "shown, but not used as evidence.",
            }
        ]
    nps = consultant_api.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").json()["nps"]
    assert (nps["score"], nps["n"], nps["sample"], nps["sufficient"]) == (100.0, ratings, ratings, evidence)


def test_the_scores_api_shape_on_thin_evidence(consultant_api, audit):
    consultant = consultant_of(audit.organization)
    codes = list(Indicator.objects.filter(version=audit.catalog_version).values_list("code", flat=True))
    # Interviews on 10 organization indicators of 14 (71 %), one technology indicator of 15.
    interview_scores_set(
        assessment=audit,
        user=consultant,
        items=[{"indicator": code, "level": 4} for code in codes[:10]]
        + [{"indicator": "TEC-01", "level": 5}],
    )
    _respond(audit, {"STF-01": 3}, count=2)
    body = consultant_api.get(f"/api/v1/assessments/{audit.pk}/scores/").json()
    areas = by_code(body["areas"])
    assert areas["organization"] == {
        "code": "organization",
        "score": 75.0,
        "level": 4,
        "level_code": "centric",
        "level_name": "Customer-Centric",
        "scored": 10,
        "coverage": 0.71,
        "sufficient": True,
        "gated": None,
    }
    # Technology: 100 from 1 of 15 indicators claims nothing.
    assert areas["technology"] == {
        "code": "technology",
        "score": 100.0,
        "level": None,
        "level_code": None,
        "level_name": None,
        "scored": 1,
        "coverage": 0.07,
        "sufficient": False,
        "gated": None,
    }
    assert body["overall"] == {
        "score": pytest.approx((75 + 50 + 100) / 3, abs=0.005),
        "level": None,
        "level_code": None,
        "level_name": None,
        "gated": None,
    }
    indicators = by_code(body["indicators"])
    assert (indicators["ORG-01"]["covered"], indicators["STF-01"]["covered"]) == (True, False)
    sufficiency = body["sufficiency"]
    assert (sufficiency["status"], sufficiency["submitted_responses"], sufficiency["min_responses"]) == (
        "preliminary",
        2,
        5,
    )
    assert [reason["message"] for reason in sufficiency["reasons"]] == [
        "2 responses are submitted; the overall maturity level needs at least 5.",
        "Staff: 0 of 14 indicators have enough evidence (0 %); a maturity level needs at least 70 %.",
        "Processes: 0 of 16 indicators have enough evidence (0 %); a maturity level needs at least 70 %.",
        "Technology: 1 of 15 indicators have enough evidence (6.7 %); a maturity level needs at least 70 %.",
    ]
    assert sufficiency["reasons"][3] == {
        "code": "area_coverage",
        "area": "technology",
        "covered": 1,
        "total": 15,
        "coverage": 0.07,
        "minimum": 0.7,
        "message": sufficiency["reasons"][3]["message"],
    }
    russian = consultant_api.get(f"/api/v1/assessments/{audit.pk}/scores/", {"lang": "ru"}).json()
    assert russian["sufficiency"]["reasons"][3]["message"].startswith("Технологии")


def test_the_schema_documents_sufficiency(api, consultant_api):
    components = yaml.safe_load(api.get("/api/schema/").content)["components"]["schemas"]
    scores = components["Scores"]["properties"]
    assert "sufficiency" in scores and "sufficiency" in components["Scores"]["required"]
    sufficiency = components["_Sufficiency"]["properties"]
    assert set(sufficiency) == {"status", "reasons", "submitted_responses", "min_responses"}
    assert components["_SufficiencyStatusEnum"]["enum"] == ["sufficient", "preliminary"]
    reason = components["_SufficiencyReason"]["properties"]
    assert {"code", "message", "area", "metric", "sample", "minimum"} <= set(reason)
    assert {"coverage", "sufficient"} <= set(components["_AreaScore"]["properties"])
    assert "covered" in components["_IndicatorScore"]["properties"]
    patch = components["PatchedAssessmentDetailInputRequest"]["properties"]
    assert {"sufficiency", "override_reason"} <= set(patch)
    settings = components["SufficiencySettings"]["properties"]
    assert set(settings) == {"min_answers", "min_area_coverage", "min_responses", "min_sample"}
    assert set(components["MinSamples"]["properties"]) == {
        "nps",
        "csi",
        "servqual",
        "servqual_gap",
        "mystery_shopping",
        "churn_rate",
        "loyal_share",
        "disloyal_share",
        *OPERATIONS,
    }
    assert {"sample", "sufficient"} <= set(components["Nps"]["properties"])
    assert {"published_at", "publish_override_reason", "sufficiency"} <= set(
        components["AssessmentOutput"]["properties"]
    )


@pytest.mark.parametrize(("version", "data", "score"), [(2, 75.0, 39.29), (1, 100.0, 46.43)])
def test_method_2_reads_the_nps_evidence_from_its_interval(consultant_api, audit, version, data, score):
    audit.method_version = version
    audit.save(update_fields=["method_version"])
    _respond(audit, {"ORG-10": 2}, count=3)  # the survey says level 2: 25
    # 65 promoters, 25 passives, 10 detractors: NPS 55 (level 5), and its Wald interval
    # 55 ± 1.96 · 100 · √((0.65 + 0.10 − 0.55²) / 100) = 55 ± 13.1 reaches down into level 4.
    ratings = [10] * 65 + [8] * 25 + [3] * 10
    _customer_upload(consultant_api, audit, len(ratings), ratings=ratings)
    scores = consultant_api.get(f"/api/v1/assessments/{audit.pk}/scores/").json()
    org10 = by_code(scores["indicators"])["ORG-10"]
    # Method 2: level 4 → 75, (0.5 · 25 + 0.2 · 75) / 0.7 = 39.29; method 1 reads the value: 46.43.
    assert (org10["evidence"]["data"], org10["score"]) == (data, score)
    if version == 2:
        [nps] = [row for row in scores["outcomes"]["metrics"] if row["key"] == "nps"]
        assert nps["level"] == 4 and nps["interval"] == pytest.approx(
            [55 - 1.96 * 44.75**0.5, 55 + 1.96 * 44.75**0.5], abs=0.005
        )
