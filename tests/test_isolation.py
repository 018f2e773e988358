"""Tenant isolation, generated from the URL configuration: every route is requested with every
method, its path filled with organization A's objects, by people of organization B (an
executive, a consultant, and a respondent's personal link sent as an API token); each answer
must be a refusal (401, 403, 404, 405, or for a signed-out browser the sign-in page) that
names nothing of A's. The routes without an object of A in their path (lists, the respondent's
own link) are answered, but with nothing of A's. A route this module does not know fails the
test until it is covered here."""

import datetime
import io
import re
import zipfile
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from assessment.models import CustomerDataImport, Status
from assessment.services import api_token_create, assessment_update, interview_scores_set
from config.spreadsheets import ZIP_SIGNATURES
from reports.models import Initiative, Quote, Report
from reports.services import recommendations_generate
from surveys.models import Indicator
from surveys.services import invitation_create_many
from tests.factories import (
    OVERRIDE_REASON,
    AssessmentFactory,
    OrganizationFactory,
    assessment_published,
    client_manager_of,
    consultant_of,
    executive_of,
)
from workspace.exports import DATASETS, FORMATS

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
REFUSED = {401, 403, 404, 405}

# Not about one organization's data, so outside this test, each with the reason.
SKIPPED_PREFIXES = {
    "admin/": "the Django admin: staff only, tested in tests/test_admin.py",
    "i18n/": "the language switch: a cookie, no data",
    "accounts/": "signing in and out: no data (throttling in tests/workspace/test_login_throttle.py)",
    "api/schema/": "the OpenAPI schema: the same for everyone",
    "api/docs/": "Swagger UI: the same for everyone",
}
PUBLIC = {
    "api:token-obtain": "exchanges a username and password for a token; no data",
    "api:catalog": "the questionnaire catalog: the same for every organization",
    "api:customer-data-template": "empty customer-file templates: the same for every organization",
    "workspace:branding-css": "the firm's colour: the same for everyone",
    "workspace:logo": "a logo by its random name (128 bits): the address is the credential",
    "metrics": "operations counts, no organization's data; loopback or token only (test_metrics_endpoint)",
}
# No data at all.
NO_DATA = {
    "workspace:organization-new": "a blank form (who may: tests/workspace/test_organizations.py)",
    "workspace:branding": "the firm's branding: admins only (tests/workspace/test_branding_pages.py)",
}
# No object in the path: answered to B, with B's data only.
OWN_SCOPE = {
    "workspace:home": "the user's own organizations and assessments",
    "api:organizations": "the user's own organizations; POST creates one of theirs",
    "api:assessments": "the user's own assessments; POST creates one in an organization they manage",
}
# The personal link is the credential: B's link must show B's questionnaire only.
BY_TOKEN = {"surveys:welcome", "surveys:link-email", "surveys:area", "surveys:review", "surveys:done"} | {
    "api:respond",
    "api:respond-answers",
    "api:respond-submit",
}
UNSCOPED = set(PUBLIC) | set(NO_DATA) | set(OWN_SCOPE) | BY_TOKEN


@dataclass(frozen=True)
class Route:
    name: str
    route: str

    @property
    def kwargs(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.route)

    def url(self, values: dict[str, str]) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), self.route)


def _routes(patterns=None, prefix: str = "", namespace: str = "") -> list[Route]:
    routes = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += _routes(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            routes.append(Route(name=f"{namespace}{entry.name}", route=route))
    return routes


def _tenant_routes() -> list[Route]:
    return [r for r in _routes() if not r.route.startswith(tuple(SKIPPED_PREFIXES))]


@pytest.fixture
def world(catalog, settings, tmp_path):
    """Organization A with everything a route can name: a published assessment and its
    re-assessment, an invitation and its link, a report, a customer-data import and a roadmap;
    and organization B, its people and a respondent's link of its own."""
    settings.MEDIA_ROOT = tmp_path
    alpha = OrganizationFactory(name="Alphaleak Bank")
    consultant = consultant_of(alpha, username="alphaleak-consultant")
    codes = list(Indicator.objects.filter(version=catalog).values_list("code", flat=True))
    published = AssessmentFactory(
        organization=alpha,
        title="Alphaleak audit 2025",
        status=Status.SCORING,
        reference_date=datetime.date(2025, 12, 31),
    )
    interview_scores_set(
        assessment=published, user=consultant, items=[{"indicator": c, "level": 3, "note": ""} for c in codes]
    )
    published = assessment_published(assessment=published, override_reason=OVERRIDE_REASON)
    current = AssessmentFactory(organization=alpha, title="Alphaleak re-audit 2026", baseline=published)
    invitation = invitation_create_many(
        assessment=current,
        rows=[{"email": "alphaleak.person@alpha.example", "name": "Alphaleak Person", "role": "frontline"}],
    )[0]
    assessment_update(assessment=current, status=Status.COLLECTING)
    assessment_update(assessment=current, status=Status.SCORING)
    recommendations_generate(assessment=current)
    report = Report.objects.create(
        assessment=published, kind="executive", language="en", file_name="alphaleak.pdf"
    )
    customer_import = CustomerDataImport.objects.create(assessment=current, created_by=consultant)
    quote = Quote.objects.create(
        assessment=published,
        area="organization",
        source="interview",
        interview_score=published.interview_scores.first(),
        original="Alphaleak note",
        original_language="en",
        position=1,
    )

    initiative = Initiative.objects.create(
        assessment=published, title={"en": "Alphaleak initiative"}, position=99
    )

    beta = OrganizationFactory(name="Betasafe Bank")
    beta_audit = AssessmentFactory(
        organization=beta, title="Betasafe audit", reference_date=datetime.date(2026, 6, 30)
    )
    beta_token = invitation_create_many(
        assessment=beta_audit, rows=[{"email": "beta.person@beta.example", "role": "frontline"}]
    )[0].token
    assessment_update(assessment=beta_audit, status=Status.COLLECTING)
    executive, beta_consultant = executive_of(beta), consultant_of(beta)
    return {
        "alpha": alpha,
        "assessments": [published, current],
        "values": {
            "organization_id": alpha.pk,
            "invitation_id": invitation.invitation.pk,
            "report_id": report.pk,
            "import_id": customer_import.pk,
            "quote_id": quote.pk,
            "initiative_id": initiative.pk,
            "kind": "invitation",  # the e-mail previewed
            "language": "en",
            # A theme of the employees' comments (A has too few to form one: the edits of it
            # are refused alike, whoever asks).
            "source": "respondents",
            "key": "0123456789",
        },
        "alpha_token": invitation.token,
        "beta_token": beta_token,
        "beta_consultant": beta_consultant,
        "beta_executive": executive,
        "beta_client_manager": client_manager_of(beta),
        # What would give A away in any answer to B.
        "markers": ["Alphaleak", "alphaleak", invitation.token],
    }


def _urls(route: Route, world) -> list[str]:
    """The route filled with A's objects, once per value where a kwarg takes several."""
    values = [dict(world["values"])]
    if "assessment_id" in route.kwargs:
        values = [{**v, "assessment_id": a.pk} for v in values for a in world["assessments"]]
    if "dataset" in route.kwargs:
        values = [{**v, "dataset": d, "file_format": f} for v in values for d in DATASETS for f in FORMATS]
    missing = set(route.kwargs) - set(values[0])
    assert not missing, f"{route.name} ({route.route}): no object of A for {missing}; add one to `world`"
    return [route.url(v) for v in values]


def _request(client: Client, method: str, url: str, **headers):
    return client.generic(method.upper(), url, data=b"{}", content_type="application/json", headers=headers)


def _body(response) -> bytes:
    """What the response says; a workbook's parts unpacked, since its cells are compressed."""
    body = b"".join(response) if response.streaming else response.content
    if body.startswith(ZIP_SIGNATURES):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body += b"".join(archive.read(part) for part in archive.namelist())
    return body


def _leaks(response, markers: list[str]) -> list[str]:
    body = _body(response)
    return [marker for marker in markers if marker.encode() in body]


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_every_route_is_covered_and_the_lists_are_current():
    names = {route.name for route in _tenant_routes()}
    assert UNSCOPED - names == set(), "listed routes that no longer exist"
    # Every other route names an object of A and is requested in the tests below; a kwarg
    # with no object of A fails them (see `_urls`).
    object_routes = [r for r in _tenant_routes() if r.name not in UNSCOPED]
    assert all(route.kwargs for route in object_routes), [r.name for r in object_routes if not r.kwargs]
    assert len(object_routes) >= 25


@pytest.mark.parametrize(
    "who", ["beta_executive", "beta_client_manager", "beta_consultant", "beta_respondent_token"]
)
def test_people_of_another_organization_get_nothing_of_its_objects(world, who):
    anonymous = who == "beta_respondent_token"
    if anonymous:
        client, headers = _client(), {"Authorization": f"Token {world['beta_token']}"}
    else:
        client, headers = _client(world[who]), {}
    answers = {}
    for route in _tenant_routes():
        if route.name in UNSCOPED:
            continue
        for url in _urls(route, world):
            for method in METHODS:
                response = _request(client, method, url, **headers)
                to_sign_in = response.status_code == 302 and response["Location"].startswith(
                    "/accounts/login/"
                )
                if not (response.status_code in REFUSED or (to_sign_in and anonymous)):
                    answers[f"{method.upper()} {url}"] = response.status_code
                if leaks := _leaks(response, world["markers"]):
                    answers[f"{method.upper()} {url}"] = f"names {leaks}"
    assert answers == {}


@pytest.mark.parametrize("who", ["beta_executive", "beta_consultant"])
def test_their_own_lists_show_nothing_of_another_organization(world, who):
    client = _client(world[who])
    for name in OWN_SCOPE:
        route = next(r for r in _tenant_routes() if r.name == name)
        response = client.get(route.url({}), HTTP_ACCEPT="application/json")
        assert response.status_code == 200, name
        assert _leaks(response, world["markers"]) == [], name
        if who == "beta_consultant":
            assert b"Betasafe" in response.content, name  # the check looks where B's data is


def test_a_personal_link_shows_its_own_assessment_only(world):
    """B's link everywhere a link goes: B's questionnaire, nothing of A's; a made-up link is a 404."""
    client = _client()
    routes = [r for r in _tenant_routes() if r.name in BY_TOKEN]
    for route in routes:
        url = route.url({"token": world["beta_token"], "area_code": "organization"})
        for method in METHODS:
            response = _request(client, method, url)
            assert response.status_code < 500, (method, url)
            assert _leaks(response, world["markers"]) == [], (method, url)
        forged = route.url({"token": "x" * 43, "area_code": "organization"})
        statuses = {m: _request(client, m, forged).status_code for m in METHODS}
        assert set(statuses.values()) <= {404, 405}, (forged, statuses)


def test_an_api_token_of_a_person_of_another_organization_reads_nothing(world):
    """The same as the session of B's consultant, through `Authorization: Token`."""
    client = _client()
    headers = {"Authorization": f"Token {api_token_create(user=world['beta_consultant'])}"}
    for route in _tenant_routes():
        if route.name.startswith("api:") and route.name not in UNSCOPED:
            for url in _urls(route, world):
                statuses = {m: _request(client, m, url, **headers).status_code for m in METHODS}
                assert set(statuses.values()) <= {403, 404, 405}, (url, statuses)


# Downloads whose text names A: the checks above must find A's names inside them.
PLAN_DOWNLOADS = ("workspace:action-plan-xlsx", "workspace:action-plan-ics")
# For A's own consultant, the GETs of A's objects that do not answer 200, and why.
NOT_A_PAGE = {
    "workspace:assessment": "redirects to the assessment's first tab",
    "workspace:assessment-advance": "POST only",
    "workspace:respondent-resend": "POST only",
    "api:invitation-resend": "POST only",
    "workspace:respondent-remove": "POST only",
    "api:invitation-detail": "DELETE only",
    "api:customer-data": "A has no customer data (404 until uploaded)",
    "api:customers": "A has no customer data",
    "api:churn-model": "A has no customer data, so no model was asked for",
    "api:key-drivers": "A has no customer survey",
    "api:themes": "A has no customer survey (the default source)",
    "workspace:export": "the customers export: A has no customer data",
    "api:comparison": "the published assessment has no baseline",
    "workspace:comparison": "the published assessment has no baseline",
    "api:report-download": "the report is not rendered",
    "api:quote-detail": "PATCH and DELETE only",
    "api:theme-detail": "PATCH only",
    "api:initiative-updates": "POST only",
    "workspace:theme-edit": "POST only",
    "api:report-release": "POST only",
    "workspace:report-release": "POST only",
    "workspace:organization-archive": "POST only",
    "workspace:organization-users": "POST only",
    "workspace:organization-consultants": "POST only",
    "api:invitations-remind": "POST only",
    "workspace:translations-workbook": "needs ?source= and ?target= (a 400 without)",
}


def test_the_same_requests_reach_the_objects_for_their_own_consultant(world):
    """The control: A's objects are real and the URLs right, so the refusals above are about
    who asks rather than about a wrong id."""
    client = _client(world["alpha"].memberships.get(role="consultant").user)
    answered, other = set(), set()
    for route in _tenant_routes():
        if route.name not in UNSCOPED:
            for url in _urls(route, world):
                (answered if client.get(url).status_code == 200 else other).add(route.name)
    assert other - set(NOT_A_PAGE) == set()
    # Each object of A is read by at least one route.
    assert {"api:report-detail", "api:customer-data-import", "workspace:organization"} <= answered
    assert set(PLAN_DOWNLOADS) <= answered
    assert len(answered) >= 20


def test_the_leak_check_reads_the_downloads_of_the_plan(world):
    """A's own consultant finds A named in its plan's spreadsheet (inside the workbook's
    compressed parts) and calendar: were either answered to B, the check would see it."""
    client = _client(world["alpha"].memberships.get(role="consultant").user)
    routes = [route for route in _tenant_routes() if route.name in PLAN_DOWNLOADS]
    assert [route.name for route in routes] == list(PLAN_DOWNLOADS)
    for route in routes:
        response = client.get(route.url({"assessment_id": world["assessments"][0].pk}))
        assert response.status_code == 200, route.name
        assert "Alphaleak" in _leaks(response, world["markers"]), route.name
