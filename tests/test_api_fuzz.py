"""Schemathesis over the whole OpenAPI schema, as a consultant, a client executive and an
anonymous caller: no answer may be a server error or disagree with the schema (status code,
body, content type, headers).

Every operation runs twice: with generated path ids (mostly unknown objects: 404s) and with
the ids of the demo's real objects, so the handlers behind the lookups see generated bodies
and queries too. Few examples per operation, derandomized, so CI time stays bounded
(seconds per role). Nothing is skipped."""

from collections import defaultdict

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import openapi
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assessment.demo import demo_respondent_link, demo_seed
from assessment.models import CustomerDataImport
from assessment.selectors import comment_themes_current
from assessment.services import api_token_create
from config.wsgi import application
from reports.demo import demo_narrative_write
from reports.narrative_selectors import quote_candidates
from reports.narrative_services import quote_pick
from reports.services import report_request

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 5
PUBLIC = {  # no sign-in: the login, the respondent's questionnaire, the file templates
    "POST /api/v1/auth/token/",
    "GET /api/v1/customer-data/templates/{kind}/",
    "GET /api/v1/respond/{token}/",
    "PATCH /api/v1/respond/{token}/answers/",
    "POST /api/v1/respond/{token}/submit/",
}


@pytest.fixture
def demo(catalog_v2, settings, tmp_path):
    """The demo bank (a published audit and its re-assessment with answers, interviews and
    customer files), a queued report, an import and a respondent's link: real path ids."""
    settings.MEDIA_ROOT = tmp_path
    settings.ALLOWED_HOSTS = ["localhost"]  # schemathesis' WSGI client calls the app as localhost
    settings.SECURE_SSL_REDIRECT = False
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        # Generated logins would soon be throttled (429); throttling has its own tests.
        "DEFAULT_THROTTLE_RATES": {"auth": None, "respond_token": None, "respond_ip": None},
    }
    reassessment = demo_seed(before_publish=demo_narrative_write)
    consultant = reassessment.organization.memberships.get(role="consultant").user
    executive = reassessment.organization.memberships.get(role="executive").user
    report = report_request(assessment=reassessment.baseline, user=consultant, kind="full", language="en")
    note = next(
        item
        for item in quote_candidates(assessment=reassessment, language="en")
        if item["source"] == "interview"
    )
    quote = quote_pick(
        assessment=reassessment,
        user=consultant,
        source="interview",
        source_id=note["id"],
        original_language="en",
        translations={"ru": "Цитата."},
    )
    ids = {
        "organization_id": reassessment.organization_id,
        "invitation_id": reassessment.invitations.first().pk,
        "report_id": report.pk,
        "import_id": CustomerDataImport.objects.create(assessment=reassessment, created_by=consultant).pk,
        "token": demo_respondent_link(assessment=reassessment),
        "kind": "customers",
        "quote_id": quote.pk,
        "initiative_id": reassessment.baseline.initiatives.first().pk,
        "source": "customers",
        "key": comment_themes_current(assessment=reassessment, source="customers")["themes"][0]["key"],
    }
    return {
        "consultant": (consultant, {**ids, "assessment_id": reassessment.pk}),
        # The executive's scope holds the published audit only.
        "executive": (executive, {**ids, "assessment_id": reassessment.baseline_id}),
        "anonymous": (None, {**ids, "assessment_id": reassessment.pk}),
    }


@pytest.fixture(autouse=True)
def _connection_kept_between_requests():
    """Django closes the database connection after each WSGI request; inside a test's
    transaction that would end the test's own connection (Django's test client unhooks it the
    same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _fuzz(headers: dict[str, str], ids: dict) -> tuple[list[str], dict[str, set[int]]]:
    """Every operation with generated and with real path ids: the findings, and per operation
    the statuses answered with real ids."""
    schema = openapi.from_wsgi("/api/schema/?format=json", application)
    failures: list[str] = []
    answered: dict[str, set[int]] = defaultdict(set)

    def run(operation, fixed: dict | None) -> None:
        @given(case=operation.as_strategy(path_parameters=fixed))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def example(case):
            try:
                response = case.call_and_validate(headers=headers, checks=CHECKS)
            except FailureGroup as found:  # collect every finding, not only the first
                failures.append(f"{operation.label}: {found}")
            else:
                if fixed is not None:
                    answered[operation.label].add(response.status_code)

        example()

    for result in schema.get_all_operations():
        operation = result.ok()
        names = [parameter.name for parameter in operation.path_parameters]
        if names:
            run(operation, None)  # generated ids
        run(operation, {name: ids[name] for name in names})
    return failures, answered


@pytest.mark.parametrize("role", ["consultant", "executive", "anonymous"])
def test_api_answers_every_request_as_its_schema_says(demo, role):
    user, ids = demo[role]
    headers = {"Authorization": f"Token {api_token_create(user=user)}"} if user else {}

    failures, answered = _fuzz(headers, ids)

    assert failures == []
    reads = {label for label in answered if label.startswith("GET ")}
    ok = {label for label in reads if any(200 <= code < 300 for code in answered[label])}
    if role == "consultant":  # the real ids reach real objects: every read answers
        assert reads - ok == {"GET /api/v1/reports/{report_id}/download/"}  # queued, not rendered
    elif role == "executive":
        assert {
            "GET /api/v1/assessments/{assessment_id}/",
            "GET /api/v1/assessments/{assessment_id}/scores/",
        } <= ok
        # The consultant's report is not released to the client: it does not exist for them.
        assert "GET /api/v1/reports/{report_id}/" not in ok
    else:
        assert {label: codes for label, codes in answered.items() if label not in PUBLIC} == {
            label: {401} for label in answered if label not in PUBLIC
        }
