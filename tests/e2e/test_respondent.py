"""The respondent's questionnaire in a real browser: autosave, resume, language switch,
review, submit and the locked answers afterwards; and the same without JavaScript."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessment.models import Assessment, Status
from surveys.models import Answer, Indicator, Response
from surveys.services import (
    CATALOG_FILES,
    answers_save,
    catalog_load,
    invitation_create_many,
    response_submit,
)
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import AssessmentFactory, OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DONT_KNOW = None
# Area 1 (organization): every indicator, a mix of levels and one "don't know".
ORG_ANSWERS = {f"ORG-{n:02d}": (n % 5) + 1 for n in range(1, 15)} | {"ORG-03": DONT_KNOW}
COMMENT_BEFORE_LEVEL = "The board reviews CX twice a year — Правление смотрит CX дважды в год"
COMMENT_AFTER_LEVEL = "Only in the retail unit."
STAFF_ANSWERS = {"STF-01": 2, "STF-02": 5}


def _invitations(*emails: str, language: str = "en", role: str = "frontline", edition: int = 1):
    """A collecting assessment with invited respondents; returns the new invitations. Edition 1
    of the catalog asks every respondent all 59 indicators, the page mechanics' longest case."""
    for path in CATALOG_FILES[:edition]:
        catalog_load(path=path)
    assessment = AssessmentFactory(
        organization=OrganizationFactory(name="Alatau Bank"), title="CX audit 2026"
    )
    # Invited while a draft (no e-mail is sent), then collection starts.
    created = invitation_create_many(
        assessment=assessment,
        rows=[
            {
                "email": email,
                "role": role,
                "language": language,
                "name": "Aida",
                "department": "Retail",
            }
            for email in emails
        ],
    )
    Assessment.objects.filter(pk=assessment.pk).update(status=Status.COLLECTING)
    assessment.refresh_from_db()
    return created


def _invitation(*, language: str = "en"):
    return _invitations("aida@bank.kz", language=language)[0]


def _choose(page, code: str, level: int | None):
    value = "dk" if level is None else str(level)
    page.locator(f'#{code} label.choice:has(input[value="{value}"])').click()


def _go_button(page, value: str):
    """One of the action bar's buttons: previous, next or review."""
    return page.locator(f'.action-bar button[name="go"][value="{value}"]')


def _comment(page, code: str, text: str):
    fieldset = page.locator(f"#{code}")
    if not fieldset.locator("details").evaluate("details => details.open"):
        fieldset.locator("summary").click()
    fieldset.locator("textarea").fill(text)


def _expect_checked(page, code: str, level: int | None):
    value = "dk" if level is None else str(level)
    expect(page.locator(f'input[name="level-{code}"][value="{value}"]')).to_be_checked()


def _stored(invitation) -> dict[str, tuple[int | None, str]]:
    return {
        code: (level, comment)
        for code, level, comment in Answer.objects.filter(response__invitation=invitation).values_list(
            "indicator__code", "level", "comment"
        )
    }


def test_respondent_journey(live_server, page):
    new = _invitation()
    base = f"{live_server.url}/r/{new.token}/"
    saved = page.locator("[data-save-status]")

    # Welcome: who asks, how long, the anonymity promise, Start.
    page.goto(base)
    expect(page.locator("h1")).to_have_text("CX audit 2026")
    expect(page.locator("main")).to_contain_text("Alatau Bank")
    expect(page.locator("main")).to_contain_text("59 questions in 4 areas")
    expect(page.locator(".privacy")).to_contain_text("only by the consultants")
    expect(page.locator(".privacy")).to_contain_text("groups large enough")
    expect(page.locator(".privacy")).to_contain_text("continue later from the same link")
    page.get_by_role("link", name=re.compile("Start")).click()

    # Area 1: answer everything by clicking the cards; each answer autosaves.
    expect(page).to_have_url(re.compile(r"/area/organization/$"))
    expect(page.locator("h1")).to_have_text("Area 1 of 4: Organization")
    expect(page.locator("fieldset.indicator")).to_have_count(14)
    _comment(page, "ORG-02", COMMENT_BEFORE_LEVEL)  # saved at once, the question still unanswered
    expect(saved).to_have_attribute("data-state", "saved")
    assert list(Answer.objects.values_list("indicator__code", "level", "answered", "comment")) == [
        ("ORG-02", None, False, COMMENT_BEFORE_LEVEL)
    ]
    expect(page.locator(".progress__label")).to_contain_text("0 of 59 answered")
    for code, level in ORG_ANSWERS.items():
        _choose(page, code, level)
    _comment(page, "ORG-05", COMMENT_AFTER_LEVEL)  # sent after the typing pause
    expect(saved).to_have_attribute("data-state", "saved")
    expect(saved).to_have_text("All answers saved")
    progress = page.get_by_role("progressbar")
    expect(progress).to_have_attribute("aria-valuenow", "24")
    expect(progress).to_have_attribute("aria-valuetext", "14 of 59 answered")
    expect(page.locator(".progress__label")).to_contain_text("14 of 59 answered")
    expect(page.locator("[data-area-count]")).to_have_text("14/14")
    # Saved through the API alone: the page has not been posted.
    assert _stored(new.invitation) == {
        code: (level, {"ORG-02": COMMENT_BEFORE_LEVEL, "ORG-05": COMMENT_AFTER_LEVEL}.get(code, ""))
        for code, level in ORG_ANSWERS.items()
    }

    _go_button(page, "next").click()
    expect(page).to_have_url(re.compile(r"/area/staff/$"))
    expect(page.locator("h1")).to_have_text("Area 2 of 4: Staff")
    for code, level in STAFF_ANSWERS.items():
        _choose(page, code, level)
    expect(saved).to_have_attribute("data-state", "saved")
    expect(page.locator("[data-area-count]")).to_have_text("2/14")

    # Reloaded, the page shows what the server holds.
    page.reload()
    for code, level in STAFF_ANSWERS.items():
        _expect_checked(page, code, level)
    expect(page.locator('input[name="level-STF-03"]:checked')).to_have_count(0)
    expect(page.locator(".progress__label")).to_contain_text("16 of 59 answered")

    # Russian: the catalog texts and the page language switch; the answers stay.
    page.locator('button[name="language"][value="ru"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1")).to_contain_text("Персонал")
    question = Indicator.objects.get(
        version=new.invitation.assessment.catalog_version, code="STF-01"
    ).question
    expect(page.locator("#STF-01 .indicator__question")).to_have_text(question["ru"])
    expect(page.locator('button[name="language"][value="ru"]')).to_have_attribute("aria-pressed", "true")
    for code, level in STAFF_ANSWERS.items():
        _expect_checked(page, code, level)

    # On through the last areas to the review (the buttons save the page, here nothing).
    _go_button(page, "next").click()
    expect(page).to_have_url(re.compile(r"/area/processes/$"))
    _go_button(page, "next").click()
    expect(page).to_have_url(re.compile(r"/area/technology/$"))
    expect(_go_button(page, "next")).to_have_count(0)
    _go_button(page, "review").click()
    expect(page).to_have_url(re.compile(r"/review/$"))

    # The review lists what is unanswered, with links to each question.
    expect(page.locator('[data-unanswered="organization"]')).to_have_count(0)
    staff_missing = page.locator('[data-unanswered="staff"] li')
    expect(staff_missing).to_have_count(12)
    expect(staff_missing.first).to_contain_text("STF-03")
    expect(page.locator('[data-unanswered="processes"] li')).to_have_count(16)
    expect(page.locator('[data-unanswered="technology"] li')).to_have_count(15)
    page.locator('section:has([data-unanswered="staff"]) summary').click()  # a long list is folded
    page.locator('[data-unanswered="staff"] a[href$="#STF-03"]').click()
    expect(page).to_have_url(re.compile(r"/area/staff/#STF-03$"))
    expect(page.locator("#STF-03")).to_be_in_viewport()
    page.goto(f"{base}review/")

    page.locator("form[data-submit-form] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/done/$"))

    # Done: the own answers, read-only.
    expect(page.locator("[data-answer]")).to_have_count(16)
    expect(page.locator('[data-answer="ORG-03"] [data-level="dk"]')).to_have_count(1)
    expect(page.locator('[data-answer="ORG-01"] [data-level="2"]')).to_have_count(1)
    expect(page.locator('[data-answer="STF-02"] [data-level="5"]')).to_have_count(1)
    expect(page.locator('[data-answer="ORG-02"] .answer__comment')).to_contain_text(COMMENT_BEFORE_LEVEL)
    expect(page.locator("input[type=radio], textarea")).to_have_count(0)
    expect(page.locator("form[data-autosave]")).to_have_count(0)

    # The answers are locked: the questionnaire sends the respondent back to this page.
    page.goto(f"{base}area/organization/")
    expect(page).to_have_url(re.compile(r"/done/$"))

    assert Response.objects.get(invitation=new.invitation).submitted_at is not None
    assert _stored(new.invitation) == {
        **{
            code: (level, {"ORG-02": COMMENT_BEFORE_LEVEL, "ORG-05": COMMENT_AFTER_LEVEL}.get(code, ""))
            for code, level in ORG_ANSWERS.items()
        },
        "STF-01": (2, ""),
        "STF-02": (5, ""),
    }
    assert _stored(new.invitation)["ORG-03"] == (None, "")


def test_without_javascript_the_buttons_save_the_page(live_server, new_context):
    new = _invitation()
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/r/{new.token}/area/organization/")
    expect(page.locator("noscript")).to_have_count(1)
    _choose(page, "ORG-01", 3)
    _choose(page, "ORG-02", None)
    _choose(page, "ORG-03", 5)
    _comment(page, "ORG-03", "Seen in two branches")
    assert _stored(new.invitation) == {}  # nothing is sent before the page is posted

    _go_button(page, "next").click()
    expect(page).to_have_url(re.compile(r"/area/staff/$"))
    expect(page.locator(".progress__label")).to_contain_text("3 of 59 answered")
    assert _stored(new.invitation) == {
        "ORG-01": (3, ""),
        "ORG-02": (None, ""),
        "ORG-03": (5, "Seen in two branches"),
    }

    # Back on the page, the saved choices are there.
    _go_button(page, "previous").click()
    expect(page).to_have_url(re.compile(r"/area/organization/$"))
    _expect_checked(page, "ORG-01", 3)
    _expect_checked(page, "ORG-02", None)
    expect(page.locator("#ORG-03 textarea")).to_have_value("Seen in two branches")


def test_offline_answers_wait_in_a_queue_and_are_sent_later(live_server, new_context):
    new = _invitation()
    context = new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{new.token}/area/organization/")
    status = page.locator("[data-save-status]")
    context.set_offline(True)
    _choose(page, "ORG-01", 4)
    _choose(page, "ORG-01", 5)  # the newer choice wins
    _choose(page, "ORG-02", None)
    expect(status).to_have_attribute("data-state", "offline")
    expect(status).to_have_text("Offline — your answers will be saved when the connection returns")
    expect(page.locator(".progress__label")).to_contain_text("2 of 59 answered")
    assert _stored(new.invitation) == {}

    context.set_offline(False)
    expect(status).to_have_attribute("data-state", "saved")
    assert _stored(new.invitation) == {"ORG-01": (5, ""), "ORG-02": (None, "")}


def test_an_answer_after_submitting_elsewhere_shows_the_locked_page(live_server, page):
    new = _invitation()
    page.goto(f"{live_server.url}/r/{new.token}/area/organization/")
    answers_save(invitation=new.invitation, items=[{"indicator": "ORG-01", "level": 3}])
    response_submit(invitation=new.invitation)  # e.g. in another tab

    _choose(page, "ORG-02", 4)  # refused with 409: the page reloads and shows the done page
    expect(page).to_have_url(re.compile(r"/done/$"))
    assert _stored(new.invitation) == {"ORG-01": (3, "")}


def test_a_closed_assessment_says_so(live_server, page):
    new = _invitation()
    Assessment.objects.filter(pk=new.invitation.assessment_id).update(status=Status.SCORING)
    page.goto(f"{live_server.url}/r/{new.token}/area/organization/")
    expect(page.locator("h1")).to_have_text("The questionnaire is not open")
    expect(page.locator("main")).to_contain_text("contact the consultant")
    expect(page.locator("input[type=radio]")).to_have_count(0)


def test_phone_layout_fits_and_has_large_tap_targets(live_server, new_context):
    new = _invitation(language="ru")  # the longer texts
    page = new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True).new_page()
    base = f"{live_server.url}/r/{new.token}/"
    for path in ("", "area/organization/", "review/"):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    page.goto(f"{base}area/organization/")
    # A phone shows one question at a time: the six choices of the first.
    heights = page.locator(".indicator.is-current .choice__card").evaluate_all(
        "cards => cards.map(c => c.offsetHeight)"
    )
    assert len(heights) == 6
    assert min(heights) >= 48
    bar = page.locator(".action-bar").bounding_box()
    assert bar["y"] + bar["height"] <= 740  # the sticky bar stays on screen
    for button in page.locator(".action-bar button:visible, .lang-switch button").all():
        assert button.bounding_box()["height"] >= 44


def test_the_second_edition_asks_the_front_line_its_own_questions(live_server, page):
    [new] = _invitations("aida@bank.kz", edition=2)
    base = f"{live_server.url}/r/{new.token}/"
    page.goto(base)
    # Front line: 26 indicators, 1,847 words at 200 a minute and 10 s a question.
    expect(page.locator("main")).to_contain_text("26 questions in 4 areas")
    expect(page.locator("main")).to_contain_text("About 14 minutes")
    page.get_by_role("link", name=re.compile("Start")).click()
    expect(page).to_have_url(re.compile(r"/area/organization/$"))
    expect(page.locator("fieldset.indicator")).to_have_count(4)
    more = page.locator("#ORG-08 details.more")
    expect(more.locator(".more__text")).not_to_be_visible()
    more.locator("summary").click()
    expect(more.locator(".more__text")).to_contain_text("Fair selling means offering only products")
    _choose(page, "ORG-08", 4)
    expect(page.locator(".progress__label")).to_contain_text("1 of 26 answered")


@pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1", reason="screenshots only with SCREENSHOTS=1")
def test_screenshots(live_server, new_context):
    """Pictures of every page at desktop and phone size, in /tmp/shots/, to look at."""
    shots = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))  # noqa: S108
    shots.mkdir(exist_ok=True)
    new, untouched = _invitations("aida@bank.kz", "bob@bank.kz")
    answers_save(
        invitation=new.invitation,
        items=[{"indicator": code, "level": level, "comment": ""} for code, level in ORG_ANSWERS.items()]
        + [
            {
                "indicator": "STF-01",
                "level": 3,
                "comment": "Training is mostly on products, rarely on service.",
            }
        ],
    )
    base = f"{live_server.url}/r/{new.token}/"
    sizes = {
        "desktop": {"viewport": DESKTOP},
        "phone": {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
        "narrow": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
    }
    new_levels = {"desktop": 4, "phone": 2, "narrow": 1}  # each a change, so it saves
    for size, options in sizes.items():
        page = new_context(**options).new_page()
        page.goto(base)
        page.screenshot(path=shots / f"welcome-{size}.png", full_page=True)
        page.goto(f"{base}area/staff/")
        page.screenshot(path=shots / f"area-top-{size}.png")
        page.goto(f"{base}area/staff/#STF-02")
        page.reload()  # a phone opens the question of the address
        _choose(page, "STF-02", new_levels[size])
        if size != "desktop":
            expect(page.locator("#STF-03.is-current")).to_have_count(1)
            page.wait_for_timeout(300)  # the scroll and the question's entrance
            page.screenshot(path=shots / f"area-{size}-advanced.png")
            page.go_back()
        expect(page.locator("[data-save-status]")).to_have_attribute("data-state", "saved")
        page.screenshot(path=shots / f"area-{size}.png")
        if size == "desktop":  # keyboard focus: the summary of STF-02, then the first card of STF-03
            page.keyboard.press("Tab")
            page.keyboard.press("Tab")
            page.screenshot(path=shots / "area-desktop-focus.png")
            page.locator("#STF-01").scroll_into_view_if_needed()
            page.screenshot(path=shots / f"area-{size}-answered.png")
        page.goto(f"{base}area/organization/")
        page.screenshot(path=shots / f"area-organization-{size}.png")
        page.goto(f"{base}review/")
        page.screenshot(path=shots / f"review-{size}.png", full_page=True)
        page.locator('button[name="language"][value="ru"]').click()
        page.goto(f"{base}area/staff/")
        page.screenshot(path=shots / f"area-ru-{size}.png")
        page.locator('button[name="language"][value="en"]').click()
    page.goto(f"{base}review/")
    page.locator("form[data-submit-form] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/done/$"))
    page.screenshot(path=shots / "done-phone.png", full_page=True)
    desktop = new_context(viewport=DESKTOP).new_page()
    desktop.goto(f"{base}done/")
    desktop.screenshot(path=shots / "done-desktop.png")
    Assessment.objects.filter(pk=new.invitation.assessment_id).update(status=Status.CLOSED)
    desktop.goto(f"{live_server.url}/r/{untouched.token}/")
    expect(desktop.locator("h1")).to_have_text("The questionnaire is not open")
    desktop.screenshot(path=shots / "closed-desktop.png")
