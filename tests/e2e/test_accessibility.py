"""WCAG 2.2 AA by axe-core (tests/e2e/package.json, installed by `make test` and CI with npm):
every page of the respondent and of the workspace, in English and Russian, at 1280 and 390 px,
has no violation; plus what axe cannot see: 200 % zoom without sideways scrolling, and a
visible focus."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from assessment.models import Assessment, Status
from surveys.services import answers_save, response_submit
from tests.conftest import require_service
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_one_question_per_screen import _codes_by_area
from tests.e2e.test_respondent import _invitations
from tests.e2e.test_workspace import TABS, _sign_in, demo  # noqa: F401 - a fixture
from tests.factories import AssessmentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SIZES = {"1280": {"viewport": DESKTOP}, "390": {"viewport": PHONE, "is_mobile": True, "has_touch": True}}
LANGUAGES = ("en", "ru")
# Zoomed pages in every language: the longest words and the four language buttons must reflow.
EVERY_LANGUAGE = tuple(code for code, _name in settings.LANGUAGES)


@pytest.fixture(scope="session")
def axe_source() -> str:
    require_service(AXE.is_file(), f"axe-core is not installed at {AXE} (npm ci --prefix tests/e2e)")
    return AXE.read_text()


def _violations(page, axe_source: str) -> list[str]:
    """axe-core's WCAG A and AA violations of the page as it is now, one line each."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(content=axe_source)
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(result => result.violations.map(v => v.id + ' (' + v.impact + '): '"
        " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')"
        " + (v.nodes.length > 3 ? ' and ' + (v.nodes.length - 3) + ' more' : '')))",
        WCAG_AA,
    )
    return found


def _assert_none(found: dict[str, list[str]]) -> None:
    problems = [f"{page}: {problem}" for page, listed in found.items() for problem in listed]
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)


def _contexts(new_context, base: str):
    """One browser context per size and language (the page language from the cookie); axe is
    injected as a script, which the pages' Content-Security-Policy would otherwise refuse."""
    for size, options in SIZES.items():
        for language in LANGUAGES:
            context = new_context(bypass_csp=True, **options)
            context.add_cookies([{"name": "django_language", "value": language, "url": base}])
            yield f"{language} {size}px", context


def test_every_respondent_page_has_no_wcag_violation(live_server, new_context, axe_source):
    started, untouched, finished, closed = _invitations(
        "started@bank.kz", "new@bank.kz", "done@bank.kz", "closed@bank.kz", edition=2
    )
    first, second = _codes_by_area(started.invitation)["organization"][:2]
    answers_save(
        invitation=started.invitation,
        items=[
            {"indicator": first, "level": 3, "comment": "Only in retail."},
            {"indicator": second, "level": None},
        ],
    )
    answers_save(invitation=finished.invitation, items=[{"indicator": first, "level": 4}])
    response_submit(invitation=finished.invitation)
    base = live_server.url
    found = {}
    for label, context in _contexts(new_context, base):
        page = context.new_page()
        pages = {
            "welcome": f"/r/{untouched.token}/",
            "welcome, resuming": f"/r/{started.token}/",
            "welcome, link e-mailed": f"/r/{started.token}/?link=sent",
            "area": f"/r/{started.token}/area/organization/",
            "area, last": f"/r/{started.token}/area/technology/",
            "review": f"/r/{started.token}/review/",
            "done": f"/r/{finished.token}/done/",
        }
        for name, url in pages.items():
            page.goto(base + url)
            found[f"{label} {name}"] = _violations(page, axe_source)
        # The questionnaire's states: a question open with its comment and explanation, and
        # the page one question at a time with Undo offered.
        page.goto(f"{base}/r/{started.token}/area/organization/")
        page.locator("details.comment").first.evaluate("details => details.open = true")
        page.locator("details.more").first.evaluate("details => details.open = true")
        toggle = page.locator("[data-stepper-toggle]")
        expect(toggle).to_be_visible()  # its script has run: the state read is the page's own
        if toggle.get_attribute("aria-pressed") == "false":
            toggle.click()
        page.locator(".indicator.is-current label.choice:not(:has(input:checked))").first.click()
        expect(page.locator("[data-undo]")).to_be_visible()
        found[f"{label} area, one question"] = _violations(page, axe_source)
    Assessment.objects.filter(pk=closed.invitation.assessment_id).update(status=Status.CLOSED)
    page = new_context(bypass_csp=True).new_page()
    page.goto(f"{base}/r/{closed.token}/")
    found["closed"] = _violations(page, axe_source)
    _assert_none(found)


def _workspace_pages(reassessment: Assessment) -> dict[str, str]:
    organization, baseline = reassessment.organization_id, reassessment.baseline
    draft = AssessmentFactory(
        organization=reassessment.organization,
        catalog_version=reassessment.catalog_version,
        title="Next audit",
    )
    assessment_pages = {
        f"assessment {tab}".strip(): f"/assessments/{reassessment.pk}/{tab}/".replace("//", "/")
        for tab in ("", *TABS, "respondents/questions", "settings")
    }
    return {
        "home": "/",
        "organization": f"/organizations/{organization}/",
        "organization, new": "/organizations/new/",
        "organization, edit": f"/organizations/{organization}/edit/",
        "assessment, new": f"/organizations/{organization}/assessments/new/",
        "branding": "/branding/",
        **assessment_pages,
        "baseline scores": f"/assessments/{baseline.pk}/scores/",
        "baseline action plan": f"/assessments/{baseline.pk}/action-plan/",
        "draft": f"/assessments/{draft.pk}/",
        "draft, questions": f"/assessments/{draft.pk}/respondents/questions/",
        "draft, respondents": f"/assessments/{draft.pk}/respondents/",
        "e-mail preview": f"/assessments/{reassessment.pk}/emails/invitation/en/",
    }


def test_every_workspace_page_has_no_wcag_violation(live_server, new_context, axe_source, demo):  # noqa: F811
    base = live_server.url
    found = {}
    login = new_context(bypass_csp=True).new_page()
    login.goto(f"{base}/accounts/login/")
    found["login"] = _violations(login, axe_source)
    pages = _workspace_pages(demo)
    for label, context in _contexts(new_context, base):
        page = context.new_page()
        _sign_in(page, base, "admin")
        for name, url in pages.items():
            response = page.goto(base + url)
            if response.status != 200:
                found[f"{label} {name}"] = [f"HTTP {response.status}"]
                continue
            found[f"{label} {name}"] = _violations(page, axe_source)
        executive = context.new_page()
        executive.context.clear_cookies()
        context.add_cookies([{"name": "django_language", "value": label[:2], "url": base}])
        _sign_in(executive, base, "client executive")
        for url in (
            "/",
            f"/assessments/{demo.baseline_id}/scores/",
            f"/assessments/{demo.baseline_id}/reports/",
        ):
            executive.goto(base + url)
            found[f"{label} executive {url}"] = _violations(executive, axe_source)
    _assert_none(found)


def test_axe_reports_what_it_is_meant_to_catch(live_server, new_context, axe_source):
    """The checks above can fail: a picture without a text alternative and a text too pale to
    read, planted in a real page, are both reported."""
    (untouched,) = _invitations("new@bank.kz", edition=2)
    page = new_context(bypass_csp=True).new_page()
    page.goto(f"{live_server.url}/r/{untouched.token}/")
    assert _violations(page, axe_source) == []
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<img src="/static/missing.png"><p style="color:#bbb;background:#fff">Pale text</p>')"""
    )
    found = " ".join(_violations(page, axe_source))
    assert "image-alt (critical)" in found
    assert "color-contrast (serious)" in found


def _sideways_overflow(page) -> int:
    """How many CSS pixels the page is wider than its window (0: no sideways scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


# A 1280 px window at 200 % zoom lays pages out in 640 CSS pixels, and at 400 % in 320
# (WCAG 1.4.10 Reflow); wide data tables and charts scroll inside their own frames.
ZOOMED = {"200 %": {"width": 640, "height": 400}, "400 %": {"width": 320, "height": 256}}


def test_zoomed_pages_need_no_sideways_scrolling(live_server, new_context, demo):  # noqa: F811
    started, finished = _invitations("started@bank.kz", "done@bank.kz", edition=2)
    first = _codes_by_area(started.invitation)["organization"][0]
    answers_save(invitation=finished.invitation, items=[{"indicator": first, "level": 4}])
    response_submit(invitation=finished.invitation)
    base = live_server.url
    respondent_pages = [
        f"/r/{started.token}/",
        f"/r/{started.token}/area/organization/",
        f"/r/{started.token}/review/",
        f"/r/{finished.token}/done/",
    ]
    workspace_pages = [
        "/",
        f"/assessments/{demo.pk}/",
        f"/assessments/{demo.pk}/scores/",
        f"/assessments/{demo.pk}/interviews/",
    ]
    wide = {}
    for zoom, viewport in ZOOMED.items():
        for language in EVERY_LANGUAGE:
            context = new_context(viewport=viewport)
            context.add_cookies([{"name": "django_language", "value": language, "url": base}])
            page = context.new_page()
            for url in respondent_pages:
                page.goto(base + url)
                wide[f"{zoom} {language} {url}"] = _sideways_overflow(page)
            _sign_in(page, base, "admin")
            for url in workspace_pages:
                page.goto(base + url)
                wide[f"{zoom} {language} {url}"] = _sideways_overflow(page)
    assert {page: pixels for page, pixels in wide.items() if pixels > 0} == {}


def test_keyboard_focus_is_always_visible(live_server, new_context):
    """Tabbing through a questionnaire page, every element that takes focus shows it: an
    outline or a ring, never only the browser's default that a style may have removed."""
    (started,) = _invitations("started@bank.kz", edition=2)
    page = new_context(viewport=DESKTOP).new_page()
    page.goto(f"{live_server.url}/r/{started.token}/area/organization/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    unmarked, visited = [], 0
    while page.evaluate("() => document.activeElement !== document.body"):
        visited += 1
        shown = page.evaluate(
            """() => {
              const element = document.activeElement;
              const style = getComputedStyle(element);
              const card = element.matches('input') && element.nextElementSibling
                ? getComputedStyle(element.nextElementSibling) : null;
              const ring = s => s && ((s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
                || s.boxShadow !== 'none');
              return [element.outerHTML.slice(0, 80), ring(style) || ring(card)];
            }"""
        )
        if not shown[1]:
            unmarked.append(shown[0])
        page.keyboard.press("Tab")
    assert visited > 10
    assert unmarked == []
