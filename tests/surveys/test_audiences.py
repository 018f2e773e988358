"""The second catalog edition asks each respondent only the indicators of their role, and says how
long that takes (docs/methods.md §2)."""

import math
import re

import pytest
import yaml
from django.core import mail

from assessment.models import Status
from surveys.models import Answer
from surveys.services import CATALOG_FILES
from tests.factories import AssessmentFactory, OrganizationFactory
from tests.surveys.conftest import invite

WORD = re.compile(r"[\w’'-]+")


@pytest.fixture
def assessment(catalog_v2):
    return AssessmentFactory(organization=OrganizationFactory(name="Alatau Bank"), status=Status.COLLECTING)


def _asked(role: str) -> list[dict]:
    content = yaml.safe_load(CATALOG_FILES[1].read_text(encoding="utf-8"))
    return [item for area in content["areas"] for item in area["indicators"] if role in item["audiences"]]


def _minutes(role: str, language: str) -> int:
    asked = _asked(role)
    words = sum(
        len(WORD.findall(" ".join([item["question"][language], *item["levels"][language]]))) for item in asked
    )
    return math.ceil((words / 200 * 60 + 10 * len(asked)) / 60)


def _patch(api, new, answers):
    return api.patch(f"/api/v1/respond/{new.token}/answers/", {"answers": answers}, format="json")


def test_the_respond_api_lists_only_the_roles_indicators_and_their_reading_time(api, assessment):
    executive = invite(assessment, email="board@bank.kz", role="executive")
    body = api.get(f"/api/v1/respond/{executive.token}/").json()
    codes = [item["code"] for area in body["areas"] for item in area["indicators"]]
    assert codes == [item["code"] for item in _asked("executive")]
    assert len(codes) == 22 and "ORG-01" in codes and "STF-01" not in codes
    assert body["role"] == "executive"
    # 1,519 words at 200 a minute and 22 questions at 10 s: 7.6 + 3.7 minutes, rounded up.
    assert body["estimated_minutes"] == _minutes("executive", "en") == 12
    russian = api.get(f"/api/v1/respond/{executive.token}/", {"lang": "ru"}).json()
    assert russian["estimated_minutes"] == _minutes("executive", "ru") == 11


def test_an_area_asking_the_role_nothing_is_left_out(api, assessment):
    it = invite(assessment, email="it@bank.kz", role="it")
    body = api.get(f"/api/v1/respond/{it.token}/").json()
    per_area = {area["code"]: len(area["indicators"]) for area in body["areas"]}
    assert per_area == {"staff": 4, "processes": 7, "technology": 15}


def test_an_answer_to_another_roles_indicator_is_refused_and_nothing_is_saved(api, assessment):
    frontline = invite(assessment)
    response = _patch(
        api, frontline, [{"indicator": "STF-02", "level": 3}, {"indicator": "ORG-01", "level": 4}]
    )
    assert response.status_code == 400
    assert response.json()["answers"] == [
        {"index": 1, "indicator": ["ORG-01 is not a question of your questionnaire."]}
    ]
    assert not Answer.objects.exists()
    assert _patch(api, frontline, [{"indicator": "STF-02", "level": 3}]).json() == {"saved": 1}
    # Once the response is started the autosave takes its one-statement way (PostgreSQL), which
    # refuses the indicator as well.
    assert _patch(api, frontline, [{"indicator": "ORG-01", "level": 4}]).status_code == 400
    assert list(Answer.objects.values_list("indicator__code", "level")) == [("STF-02", 3)]


def test_an_unknown_indicator_is_still_called_unknown(api, assessment):
    response = _patch(api, invite(assessment), [{"indicator": "XYZ-01", "level": 3}])
    assert response.json()["answers"] == [{"index": 0, "indicator": ["Unknown indicator XYZ-01."]}]


def test_the_welcome_page_and_the_invitation_give_the_roles_estimate(
    client, assessment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        frontline = invite(assessment, email="teller@bank.kz", language="ru")
    assert (
        f"Около {_minutes('frontline', 'ru')} минут" in client.get(f"/r/{frontline.token}/").content.decode()
    )
    [message] = mail.outbox
    assert f"Это займёт около {_minutes('frontline', 'ru')} минут." in message.body
    assert _minutes("frontline", "ru") == 13


def test_the_first_edition_asks_everyone_everything(api, catalog):
    assessment = AssessmentFactory(status=Status.COLLECTING)
    frontline = invite(assessment)
    body = api.get(f"/api/v1/respond/{frontline.token}/").json()
    assert sum(len(area["indicators"]) for area in body["areas"]) == 59
    assert body["estimated_minutes"] > 30


def test_an_area_page_shows_the_roles_questions_and_the_more_text(client, assessment):
    back_office = invite(assessment, email="ops@bank.kz", role="back_office")
    html = client.get(f"/r/{back_office.token}/area/organization/").content.decode()
    asked = [item["code"] for item in _asked("back_office") if item["code"].startswith("ORG")]
    assert asked == ["ORG-04", "ORG-07", "ORG-08", "ORG-13"]
    assert [
        code for code in ("ORG-01", "ORG-04", "ORG-07", "ORG-08", "ORG-13") if f'name="level-{code}"' in html
    ] == asked
    # ORG-04 explains a customer journey behind "more"; ORG-07 has no such text.
    assert html.count('class="more"') == 2
    assert "A customer journey is the whole path of a customer task" in html


def test_an_area_asking_the_role_nothing_is_not_found(client, assessment):
    it = invite(assessment, email="it@bank.kz", role="it")
    assert client.get(f"/r/{it.token}/area/organization/").status_code == 404
    assert f"/r/{it.token}/area/staff/" in client.get(f"/r/{it.token}/").content.decode()
