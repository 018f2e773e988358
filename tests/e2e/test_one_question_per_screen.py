"""One question per screen: a front-line employee on a phone answers only their questions with
automatic advance and Undo, leaves, resumes at the first unanswered one, reviews, changes an
answer and submits; the same questionnaire by keyboard alone on a desktop."""

import re

import pytest
from playwright.sync_api import expect

from surveys.models import Answer, Response
from surveys.selectors import respondent_questionnaire
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_respondent import _invitations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _codes_by_area(invitation) -> dict[str, list[str]]:
    questionnaire = respondent_questionnaire(invitation=invitation, language="en")
    return {area["code"]: [item["code"] for item in area["indicators"]] for area in questionnaire["areas"]}


def _levels(invitation) -> dict[str, int | None]:
    return dict(
        Answer.objects.filter(response__invitation=invitation, answered=True).values_list(
            "indicator__code", "level"
        )
    )


def _current(page):
    return page.locator("fieldset.indicator.is-current")


def _tap(page, level: int | None):
    value = "dk" if level is None else str(level)
    _current(page).locator(f'label.choice:has(input[value="{value}"])').tap()


def _level_for(number: int) -> int | None:
    """Levels 1-5 in turn, every seventh question don't know."""
    return None if number % 7 == 0 else number % 5 + 1


def test_a_front_line_employee_answers_on_a_phone_one_question_at_a_time(live_server, new_context):
    [new] = _invitations("teller@bank.kz", edition=2)
    areas = _codes_by_area(new.invitation)
    codes = [code for area in areas.values() for code in area]
    assert len(codes) == 26  # the front line's own questions, not the catalog's 59
    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    base = f"{live_server.url}/r/{new.token}/"
    page.goto(base)
    page.get_by_role("link", name=re.compile("Start")).click()

    # One question on the screen, numbered among all 26; the area buttons give way to Back/Next.
    first = areas["organization"]
    expect(_current(page)).to_have_count(1)
    expect(_current(page)).to_have_attribute("id", first[0])
    expect(page.locator("[data-stepper-position]")).to_have_text("Question 1 of 26")
    expect(page.locator("[data-stepper-toggle]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator('.action-bar button[name="go"]:visible')).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    heights = _current(page).locator(".choice__card").evaluate_all("cards => cards.map(c => c.offsetHeight)")
    assert min(heights) >= 48

    # A tap saves and moves on; Undo comes back and restores the choice the question had.
    _tap(page, 4)
    expect(_current(page)).to_have_attribute("id", first[1])
    expect(page.locator("[data-stepper-position]")).to_have_text("Question 2 of 26")
    page.go_back()  # the browser's back button: the previous question, answer kept
    expect(_current(page)).to_have_attribute("id", first[0])
    expect(_current(page).locator('input[value="4"]')).to_be_checked()
    _tap(page, 2)
    expect(_current(page)).to_have_attribute("id", first[1])
    page.get_by_role("button", name="Undo").tap()
    expect(_current(page)).to_have_attribute("id", first[0])
    expect(_current(page).locator('input[value="4"]')).to_be_checked()
    expect(page.locator("[data-save-status]")).to_have_attribute("data-state", "saved")
    assert _levels(new.invitation) == {first[0]: 4}

    # The rest of the area by taps; at its last question, Next goes to the next area.
    page.get_by_role("button", name=re.compile("^Next")).tap()
    for number, code in enumerate(first[1:], start=2):
        expect(_current(page)).to_have_attribute("id", code)
        _tap(page, _level_for(number))
    expect(page.get_by_role("button", name=re.compile("Next area"))).to_be_focused()
    page.get_by_role("button", name=re.compile("Next area")).tap()
    expect(page).to_have_url(re.compile(r"/area/staff/"))
    staff = areas["staff"]
    expect(_current(page)).to_have_attribute("id", staff[0])
    expect(page.locator("[data-stepper-position]")).to_have_text(f"Question {len(first) + 1} of 26")

    # A swipe moves too: answer one, swipe on to the next without answering it, leave.
    _tap(page, 3)
    expect(_current(page)).to_have_attribute("id", staff[1])
    box = _current(page).bounding_box()
    y = box["y"] + 40
    page.evaluate(
        """([x0, x1, y]) => {
            const target = document.querySelector('fieldset.indicator.is-current');
            const touch = (x) => new Touch({identifier: 1, target, clientX: x, clientY: y});
            target.dispatchEvent(new TouchEvent('touchstart', {bubbles: true, changedTouches: [touch(x0)]}));
            target.dispatchEvent(new TouchEvent('touchend', {bubbles: true, changedTouches: [touch(x1)]}));
        }""",
        [300, 120, y],
    )
    expect(_current(page)).to_have_attribute("id", staff[2])
    expect(page.locator("[data-save-status]")).to_have_attribute("data-state", "saved")
    page.close()

    # Back later: Continue opens the first unanswered question (the one swiped past).
    page = phone.new_page()
    page.goto(base)
    expect(page.locator("main")).to_contain_text(f"{len(first) + 1} of 26 answered")
    page.get_by_role("link", name=re.compile("Continue")).tap()
    expect(page).to_have_url(re.compile(rf"/area/staff/#{staff[1]}$"))
    expect(_current(page)).to_have_attribute("id", staff[1])
    expect(page.locator("[data-stepper-position]")).to_have_text(f"Question {len(first) + 2} of 26")

    # Everything else, area after area, to the review.
    number = {code: n for n, code in enumerate(codes, start=1)}
    later = list(areas)[1:]
    for area_code in later:
        for code in areas[area_code][1:] if area_code == "staff" else areas[area_code]:
            expect(_current(page)).to_have_attribute("id", code)
            _tap(page, _level_for(number[code]))
        if area_code != later[-1]:
            page.get_by_role("button", name=re.compile("Next area")).tap()
            expect(page).to_have_url(re.compile(rf"/area/{later[later.index(area_code) + 1]}/"))
    page.get_by_role("button", name="Review and submit").tap()
    expect(page).to_have_url(re.compile(r"/review/$"))
    expect(page.locator(".progress__label")).to_contain_text("26 of 26 answered")

    # The review shows every chosen answer with its descriptor; one is changed from there.
    expect(page.locator("[data-answer]")).to_have_count(26)
    changed = staff[0]
    expect(page.locator(f'[data-answer="{changed}"] [data-level="3"]')).to_have_count(1)
    page.locator(f'[data-answer="{changed}"] .answer__change a').tap()
    expect(page).to_have_url(re.compile(rf"/area/staff/#{changed}$"))
    expect(_current(page)).to_have_attribute("id", changed)
    _tap(page, 5)
    expect(page.locator("[data-save-status]")).to_have_attribute("data-state", "saved")
    page.goto(f"{base}review/")
    expect(page.locator(f'[data-answer="{changed}"] [data-level="5"]')).to_have_count(1)
    page.get_by_role("button", name="Submit answers").tap()
    expect(page).to_have_url(re.compile(r"/done/$"))

    expected = {code: _level_for(n) for code, n in number.items()}
    assert _levels(new.invitation) == {**expected, first[0]: 4, changed: 5}
    assert Response.objects.get(invitation=new.invitation).submitted_at is not None


def _tab_to(page, condition: str, limit: int = 30):
    """Press Tab until the focused element meets `condition` (JavaScript), as a keyboard user
    would; fails after `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(condition):
            return
    raise AssertionError(f"not reached by keyboard: {condition}")


def test_the_questionnaire_by_keyboard_alone(live_server, new_context):
    [new] = _invitations("analyst@bank.kz", edition=2, role="back_office")
    areas = _codes_by_area(new.invitation)
    first = areas["organization"]
    page = new_context(viewport=DESKTOP).new_page()
    base = f"{live_server.url}/r/{new.token}/"
    page.goto(base)

    # The skip link is the first stop and is visible when focused.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0
    _tab_to(page, "document.activeElement.matches('a.button--primary')")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/area/organization/$"))

    # On a desktop every question of the area is shown; one at a time is an option.
    expect(page.locator("fieldset.indicator:visible")).to_have_count(len(first))
    toggle = page.locator("[data-stepper-toggle]")
    # The bar shows once its script is ready (deferred: later than the page on a loaded machine).
    expect(toggle).to_be_visible()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(_current(page)).to_have_count(1)

    # Keys 1-5 answer and move on, 0 is don't know.
    page.keyboard.press("3")
    expect(_current(page)).to_have_attribute("id", first[1])
    page.keyboard.press("0")
    expect(_current(page)).to_have_attribute("id", first[2])
    # Arrow keys move within the choices without moving on; Enter moves on.
    _tab_to(page, "document.activeElement.type === 'radio'")
    expect(page.locator(f'input[name="level-{first[2]}"]').first).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(_current(page)).to_have_attribute("id", first[2])
    expect(page.locator(f'input[name="level-{first[2]}"][value="3"]')).to_be_checked()
    page.keyboard.press("Enter")
    expect(_current(page)).to_have_attribute("id", first[3])
    expect(page.locator("[data-save-status]")).to_have_attribute("data-state", "saved")
    assert _levels(new.invitation) == {first[0]: 3, first[1]: None, first[2]: 3}

    # The preference is kept on the device: the next page opens one question at a time.
    page.reload()
    expect(_current(page)).to_have_count(1)
    toggle.focus()
    page.keyboard.press("Space")
    expect(page.locator("fieldset.indicator:visible")).to_have_count(len(first))

    # Review and submit by keyboard.
    page.goto(f"{base}review/")
    submit = page.get_by_role("button", name="Submit answers")
    submit.focus()
    expect(submit).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/done/$"))
