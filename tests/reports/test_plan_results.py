"""What became of the baseline's action plan in the comparison (docs/methods.md §10.5): per
initiative its status and its indicators' change, and the indicators of done initiatives set
beside the others, as an association. Hand-computed cases; the API, the tab and the
comparison report's page (pdftotext)."""

import pandas as pd
import pytest
from django.urls import reverse

from reports.comparison import plan_results
from reports.models import Initiative, InitiativeStatus, Report
from tests.reports.pdf_text import pdftotext

# Score changes in points of eight compared indicators.
DELTA = pd.Series(
    {"A1": 20.0, "A2": 10.0, "A3": 15.0, "A4": 5.0, "A5": 0.0, "A6": -5.0, "A7": 5.0, "A8": 2.0}
)


def _initiative(number: int, status: str, indicators: list[str]) -> dict:
    return {"id": number, "title": f"Initiative {number}", "status": status, "indicators": indicators}


PLAN = [
    _initiative(1, "done", ["A1", "A2"]),
    _initiative(2, "done", ["A3", "A2"]),
    _initiative(3, "in_progress", ["A4", "A5", "A9"]),  # A9: scored in the baseline only
    _initiative(4, "dropped", ["A6", "A1"]),
    _initiative(5, "planned", []),
]


def test_indicators_fall_into_done_not_done_and_not_in_plan():
    result = plan_results(initiatives=PLAN, delta=DELTA, lineage=None, names={"A1": "CX strategy"})
    # done: A1 (also aimed at by a dropped one), A2, A3 → (20 + 10 + 15) / 3 = 15
    # not done: A4, A5, A6 → (5 + 0 − 5) / 3 = 0; not in the plan: A7, A8 → 3.5
    assert result["groups"] == [
        {"group": "done", "indicators": 3, "mean_change": 15.0},
        {"group": "not_done", "indicators": 3, "mean_change": 0.0},
        {"group": "not_in_plan", "indicators": 2, "mean_change": 3.5},
    ]
    # the others together: (5 + 0 − 5 + 5 + 2) / 5 = 1.4; 15 − 1.4 = 13.6
    assert result["difference"] == pytest.approx(13.6)


def test_each_initiative_keeps_its_status_and_the_mean_change_of_its_compared_indicators():
    result = plan_results(initiatives=PLAN, delta=DELTA, lineage=None, names={"A1": "CX strategy"})
    rows = {row["id"]: row for row in result["initiatives"]}
    assert [row["id"] for row in result["initiatives"]] == [1, 2, 3, 4, 5]
    assert rows[1]["indicators"] == [
        {"code": "A1", "name": "CX strategy", "change": 20.0},
        {"code": "A2", "name": "A2", "change": 10.0},
    ]
    assert (rows[1]["mean_change"], rows[2]["mean_change"]) == (15.0, 12.5)
    assert [item["code"] for item in rows[3]["indicators"]] == ["A4", "A5"]  # A9 not compared
    assert rows[3]["mean_change"] == 2.5 and rows[3]["status"] == "in_progress"
    assert rows[4]["mean_change"] == 7.5  # (−5 + 20) / 2
    assert rows[5]["indicators"] == [] and rows[5]["mean_change"] is None
    assert rows[5]["title"] == "Initiative 5"


def test_too_few_indicators_on_a_side_give_no_difference():
    plan = [_initiative(1, "done", ["A1", "A2"]), _initiative(2, "planned", ["A3"])]
    result = plan_results(initiatives=plan, delta=DELTA, lineage=None, names={})
    assert result["groups"][0] == {"group": "done", "indicators": 2, "mean_change": 15.0}
    assert result["difference"] is None and result["fewest"] == 3


def test_across_catalog_editions_an_initiative_follows_its_indicators_lineage():
    # N1 continues A1 and A2 (a merge); N2 continues A3; A4..A6 keep their codes.
    lineage = {"N1": ["A1", "A2"], "N2": ["A3"], "A4": ["A4"], "A5": ["A5"], "A6": ["A6"]}
    delta = pd.Series({"N1": 12.0, "N2": 6.0, "A4": 3.0, "A5": 0.0, "A6": -3.0})
    plan = [_initiative(1, "done", ["A1", "A3"]), _initiative(2, "done", ["A2"])]
    result = plan_results(initiatives=plan, delta=delta, lineage=lineage, names={})
    assert [item["code"] for item in result["initiatives"][0]["indicators"]] == ["N1", "N2"]
    assert result["initiatives"][1]["indicators"] == [{"code": "N1", "name": "N1", "change": 12.0}]
    assert result["groups"][0] == {"group": "done", "indicators": 2, "mean_change": 9.0}
    assert result["groups"][2] == {"group": "not_in_plan", "indicators": 3, "mean_change": 0.0}


def test_no_plan_gives_no_results():
    assert plan_results(initiatives=[], delta=DELTA, lineage=None, names={}) is None


# --- in the product ---------------------------------------------------------------------------


@pytest.fixture
def plan(audit):
    """The baseline's plan: two done initiatives aimed at organization and staff indicators, one
    dropped aimed at technology; everything moved by one level (+25) in the re-assessment."""
    Initiative.objects.filter(assessment=audit.baseline).delete()
    rows = [
        (
            "Single customer view",
            "Единый профиль клиента",
            InitiativeStatus.DONE,
            ["ORG-01", "ORG-02", "STF-01"],
        ),
        ("Win-back routine", "Процедура удержания", InitiativeStatus.DONE, ["PRC-01"]),
        ("Customer targets in scorecards", "Клиентские цели", InitiativeStatus.DROPPED, ["TEC-01"]),
    ]
    for position, (en, ru, status, indicators) in enumerate(rows):
        Initiative.objects.create(
            assessment=audit.baseline,
            title={"en": en, "ru": ru},
            status=status,
            percent_complete=100 if status == InitiativeStatus.DONE else 30,
            indicators=indicators,
            dropped_reason="No budget" if status == InitiativeStatus.DROPPED else "",
            position=position,
        )
    return audit


def test_the_comparison_api_and_tab_show_the_plan_results(api, client, plan):
    api.force_authenticate(plan.consultant)
    result = api.get(f"/api/v1/assessments/{plan.current.pk}/comparison/?lang=ru").json()["action_plan"]
    assert [(row["title"], row["status_label"], row["mean_change"]) for row in result["initiatives"]] == [
        ("Единый профиль клиента", "Выполнена", 25.0),
        ("Процедура удержания", "Выполнена", 25.0),
        ("Клиентские цели", "Отменена", 25.0),
    ]
    groups = {row["group"]: row for row in result["groups"]}
    assert groups["done"]["indicators"] == 4 and groups["not_done"]["indicators"] == 1
    assert result["difference"] == 0.0  # one level more everywhere: doing went with no extra move

    client.force_login(plan.consultant)
    page = client.get(reverse("workspace:comparison", args=[plan.current.pk])).content.decode()
    assert 'id="action-plan-results"' in page and "Win-back routine" in page
    assert "not that an initiative caused the change" in page


def test_the_comparison_report_has_an_action_plan_results_page(api, plan, request_report, tmp_path):
    api.force_authenticate(plan.consultant)
    response = request_report(plan.current, "comparison", "en")
    assert response.status_code == 202, response.json()
    report = Report.objects.get(pk=response.json()["id"])
    pdf = b"".join(api.get(f"/api/v1/reports/{report.pk}/download/").streaming_content)
    path = tmp_path / "comparison.pdf"
    path.write_bytes(pdf)
    text = " ".join(pdftotext(path).split())
    assert "Action plan results" in text
    assert "Single customer view Done ORG-01 +25.0; ORG-02 +25.0; STF-01 +25.0 +25.0" in text
    assert "Customer targets in scorecards Dropped TEC-01 +25.0" in text
    assert "indicators of done initiatives minus the others: 0.0 points" in text
    assert "not that an initiative caused the change" in text


def test_a_report_in_a_language_an_initiative_lacks_is_refused_with_it(api, plan, request_report):
    Initiative.objects.filter(assessment=plan.baseline, position=1).update(title={"en": "Win-back routine"})
    api.force_authenticate(plan.consultant)
    response = request_report(plan.current, "comparison", "ru")
    assert response.status_code == 400
    assert any("Win-back routine" in message for message in response.json()["language"])
    assert request_report(plan.current, "comparison", "en").status_code == 202


def test_a_plan_aimed_at_no_indicator_compared_moves_nothing():
    plan = [_initiative(1, "done", []), _initiative(2, "planned", ["A9"])]
    result = plan_results(initiatives=plan, delta=DELTA, lineage=None, names={})
    assert [row["mean_change"] for row in result["initiatives"]] == [None, None]
    # (20 + 10 + 15 + 5 + 0 − 5 + 5 + 2) / 8 = 6.5
    assert result["groups"][2] == {"group": "not_in_plan", "indicators": 8, "mean_change": 6.5}
    assert result["groups"][0]["indicators"] == 0 and result["difference"] is None
