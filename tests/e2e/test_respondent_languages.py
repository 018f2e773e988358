"""A respondent in Kazakh and Uzbek on a phone: the consultant's language for the invitation
opens the questionnaire, the respondent chooses another on the welcome page, and completes
every question in it."""

import re

import pytest
from playwright.sync_api import expect

from surveys.models import Answer, Indicator, Response
from tests.e2e.conftest import PHONE
from tests.e2e.test_one_question_per_screen import _codes_by_area, _current, _tap
from tests.e2e.test_respondent import _invitations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_a_respondent_completes_the_questionnaire_in_kazakh_on_a_phone(live_server, new_context):
    [new] = _invitations("aigerim@bank.kz", edition=2, language="uz")
    areas = _codes_by_area(new.invitation)
    codes = [code for area in areas.values() for code in area]
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    base = f"{live_server.url}/r/{new.token}/"

    # Invited in Uzbek: the welcome page speaks it.
    page.goto(base)
    expect(page.locator("html")).to_have_attribute("lang", "uz")
    expect(page.locator("main")).to_contain_text("4 ta boʻlimda 26 ta savol")
    _fits(page)

    # The respondent chooses Kazakh on the welcome page; everything after is in Kazakh.
    page.locator('button[name="language"][value="kk"]').tap()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.locator(".privacy h2")).to_have_text("Жауаптарыңыз құпия сақталады")
    expect(page.locator('button[name="language"][value="kk"]')).to_have_attribute("aria-pressed", "true")
    _fits(page)
    page.get_by_role("link", name=re.compile("Бастау")).tap()
    expect(page).to_have_url(re.compile(r"/area/organization/"))
    expect(page.locator("h1")).to_contain_text("Ұйым")
    first = Indicator.objects.get(version__number=2, code=codes[0])
    expect(_current(page).locator("legend")).to_contain_text(first.title["kk"])
    expect(_current(page)).to_contain_text(first.question["kk"])
    expect(_current(page).locator(".choice__card").first).to_contain_text(first.levels["kk"][0])
    _fits(page)

    number = 0
    for index, (area, area_codes) in enumerate(areas.items()):
        if index:
            page.get_by_role("button", name=re.compile("Келесі бөлім")).tap()
            expect(page).to_have_url(re.compile(rf"/area/{area}/"))
            _fits(page)
        for code in area_codes:
            number += 1
            expect(_current(page)).to_have_attribute("id", code)
            _tap(page, number % 5 + 1)
    page.get_by_role("button", name="Тексеріп, жіберу").tap()
    expect(page).to_have_url(re.compile(r"/review/$"))
    expect(page.locator("[data-answer]")).to_have_count(26)
    _fits(page)
    page.get_by_role("button", name="Жауаптарды жіберу").tap()
    expect(page).to_have_url(re.compile(r"/done/$"))
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    _fits(page)

    stored = dict(
        Answer.objects.filter(response__invitation=new.invitation, answered=True).values_list(
            "indicator__code", "level"
        )
    )
    assert stored == {code: number % 5 + 1 for number, code in enumerate(codes, start=1)}
    assert Response.objects.get(invitation=new.invitation).submitted_at is not None
