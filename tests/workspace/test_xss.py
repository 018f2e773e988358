"""Hostile text wherever a user can type it, entered through the real forms and services: every
workspace page (consultant and client executive), the answers to the respondent forms, the
respondent's questionnaire, the invitation e-mail and the PDF reports print it as text, never as
markup.

Each field carries its own marker, so a page that shows the field must contain the marker with the
payload escaped (the test fails when a field stops being rendered), and no page may contain the
payload as markup: no inline script, no event-handler attribute, no javascript: URL. The PDF
renderer loads nothing a report's HTML names but the app's static files
(tests/reports/test_rendering.py checks its URL fetcher one URL at a time)."""

import csv
import datetime
import io
import re
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader
from weasyprint import HTML

from assessment.customer_data import customer_data_replace
from assessment.models import Status
from assessment.services import assessment_update, interview_scores_set
from config.jobs import JobStatus
from reports.models import RecommendationStatus, Report, ReportKind
from reports.narrative_services import commentary_set, findings_generate, findings_review, quote_pick
from reports.rendering import report_html, report_pdf
from reports.selectors import recommendations_list, report_context
from reports.services import recommendations_ensure, recommendations_review, report_request
from surveys.models import Answer, Indicator, Invitation, InvitationEmail
from surveys.services import answers_save, invitation_email_render, invitation_link_create, response_submit
from tests.factories import OVERRIDE_REASON, AssessmentFactory, assessment_published

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>{{7*7}} javascript:alert(1)'
# Uploaded file names lose everything up to their last slash: this one has none.
FILE_NAME = 'FILE<script>alert(1)<"><img src=x onerror=alert(1)>{{7*7}}.csv'
# Valid addresses (a quoted local part may hold <, >, / and an escaped quote): the forms accept them.
EMAILS = ('"<script>alert(1)</script>"@example.com', '"\\"><svg/onload=alert(1)>"@example.com')
VERBATIM = {"FILE": FILE_NAME, "EMAIL0": EMAILS[0], "EMAIL1": EMAILS[1]}


def hostile(marker: str) -> str:
    return VERBATIM.get(marker) or f"{marker}{PAYLOAD}"


def shown(marker: str) -> str:
    """How an HTML page prints the field: the payload escaped."""
    return escape(hostile(marker))


# Where each field is printed, so that the test notices when one is not.
HEADER = ("ORG", "TITLE", "BASELINE", "PERSON")
CONSULTANT_PAGES = {
    "home": ("ORG", "TITLE", "BASELINE", "PERSON"),
    "organization": ("ORG", "COUNTRY", "TITLE", "BASELINE", "PERSON"),
    "assessment-new": ("ORG", "TITLE", "BASELINE", "PERSON"),
    "respondents": (*HEADER, "NAME", "DEPT", "EMAIL0", "EMAIL1"),
    "respondents-search": (*HEADER, "QUERY"),
    "interviews": (*HEADER, "NOTE"),
    "customer-data": (*HEADER, "FILE", "SEGMENT"),
    "scores": (*HEADER, "DEPT"),
    "comparison": HEADER,
    "recommendations": (*HEADER, "REC", "WHY", "ACT", "GAIN", "CUSTOM", "CUSTOMWHY"),
    "findings": (*HEADER, "FINDING", "COMMENTARY", "COMMENT", "NOTE", "QUOTE", "DEPT"),
    "reports": HEADER,
    "audit": (*HEADER, "NOTE", "FILE", "REC", "CUSTOM"),
}
TABS = (
    "respondents",
    "interviews",
    "customer-data",
    "scores",
    "comparison",
    "findings",
    "recommendations",
    "reports",
)
EXECUTIVE_PAGES = {
    "home": ("ORG", "TITLE", "BASELINE"),
    "organization": ("ORG", "COUNTRY", "TITLE", "BASELINE"),
    "scores": ("ORG", "TITLE", "BASELINE", "DEPT"),
    "comparison": ("ORG", "TITLE", "BASELINE"),
    # The consultant requested and released the report: their name is in the list.
    "reports": ("ORG", "TITLE", "BASELINE", "PERSON"),
}
# Pages answered while the audit was built: the respondent forms' answers, the questionnaire.
BUILT_PAGES = {
    "respondents-uploaded": (*HEADER, "NAME", "EMAIL0", "EMAIL1"),
    "respondents-refused": (*HEADER, "EMAIL0", "EMAIL1"),
    "respond-welcome": ("ORG", "TITLE"),
    "respond-area": ("TITLE", "COMMENT"),
    "respond-review": ("TITLE",),
    "respond-done": ("ORG",),
}
REPORTS = {
    ReportKind.FULL: (
        *("ORG", "TITLE", "BASELINE", "REC", "WHY", "ACT", "GAIN", "CUSTOM", "CUSTOMWHY"),
        *("FINDING", "COMMENTARY", "COMMENT", "DEPT"),
    ),
    ReportKind.EXECUTIVE: ("ORG", "TITLE", "REC", "CUSTOM", "FINDING", "COMMENTARY"),
    ReportKind.COMPARISON: ("ORG", "TITLE", "BASELINE"),
}
EVENT_HANDLER = re.compile(r"on[a-z]+")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data")


class _Markup(HTMLParser):
    """What a browser would run: inline scripts, event handlers, javascript: URLs, the payload's
    own elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if EVENT_HANDLER.fullmatch(name):
                self.problems.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not values.get("src"):
            self.problems.append("an inline <script>")
        if tag == "img" and values.get("src") == "x":
            self.problems.append("the payload's <img>")


def markup_problems(html: str) -> list[str]:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    # Escaped, the payload reads "onerror=alert(1)&gt;": never the raw ">" after it.
    raw = ("<script>alert(1)", "<img src=x", "<svg/onload", "onerror=alert(1)>")
    return parser.problems + [f"raw {text!r}" for text in raw if text in html]


def page_problems(html: str, fields) -> list[str]:
    """What is wrong with one page: markup from the payload, or a field it should show escaped
    but does not."""
    return markup_problems(html) + [f"{field} not shown" for field in fields if shown(field) not in html]


def _problems(responses: dict, expected: dict, statuses: dict | None = None) -> dict[str, list[str]]:
    """Per page with a problem, its problems (a page must answer 200 unless `statuses` says)."""
    found = {}
    for name, response in responses.items():
        if response.status_code != (statuses or {}).get(name, 200):
            found[name] = [f"status {response.status_code}"]
        elif problems := page_problems(response.content.decode(), expected[name]):
            found[name] = problems
    return found


# --- the audit ---------------------------------------------------------------------------------


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def _interviews(assessment, user, levels: dict[str, int], notes: dict[str, str]) -> None:
    codes = Indicator.objects.filter(version=assessment.catalog_version).values_list("code", flat=True)
    interview_scores_set(
        assessment=assessment,
        user=user,
        items=[{"indicator": code, "level": levels[code[:3]], "note": notes.get(code, "")} for code in codes],
    )


def _customer_files() -> dict:
    customers = [
        (
            "client_id",
            "segment",
            "product_count",
            "opened_on",
            "closed_on",
            "last_activity_on",
            "annual_margin",
        ),
        (hostile("CLIENT"), hostile("SEGMENT"), "2", "2020-01-10", "", "2026-06-20", "100"),
        ("C2", hostile("SEGMENT"), "4", "2021-03-01", "", "2026-05-01", "300"),
        ("C3", "mass", "5", "2019-07-07", "2026-02-01", "2026-01-20", "900"),
    ]
    survey = [
        ("client_id", "instrument", "item", "dimension", "value"),
        (hostile("CLIENT"), "nps", hostile("ITEM"), "", "9"),
        ("C2", "nps", hostile("ITEM"), "", "3"),
        ("C2", "csi", "branch", "", "4"),
    ]
    mystery = [
        ("visit_id", "branch", "visited_on", "standard", "result"),
        (hostile("VISIT"), hostile("BRANCH"), "2026-05-02", hostile("STANDARD"), "yes"),
    ]
    return {
        "customers": SimpleUploadedFile(FILE_NAME, _csv(customers), content_type="text/csv"),
        "survey": SimpleUploadedFile("survey.csv", _csv(survey), content_type="text/csv"),
        "mystery_shopping": SimpleUploadedFile("mystery.csv", _csv(mystery), content_type="text/csv"),
    }


def _respondents_upload(client: Client, url: str, rows) -> object:
    return client.post(
        url,
        {"action": "upload", "file": SimpleUploadedFile("people.csv", _csv(rows), content_type="text/csv")},
    )


def _questionnaire(token: str) -> dict:
    respondent = Client()
    return {
        "respond-welcome": respondent.get(reverse("surveys:welcome", args=[token])),
        "respond-area": respondent.get(reverse("surveys:area", args=[token, "organization"])),
        "respond-review": respondent.get(reverse("surveys:review", args=[token])),
    }


@pytest.fixture
def hostile_audit(organization, consultant, consultant_client, settings, tmp_path):
    """A published baseline and its re-assessment, in scoring, whose every user text is hostile:
    the organization, both titles, the consultant's name, respondents (uploaded as a list),
    interview notes, answer comments, customer files (their name and cells), edited and custom
    recommendations. `built` holds the pages answered on the way."""
    settings.MEDIA_ROOT = tmp_path
    organization.name = hostile("ORG")  # the industry is from a fixed list: not user text
    organization.country = hostile("COUNTRY")
    organization.save()
    consultant.first_name = hostile("PERSON")
    consultant.save()

    baseline = AssessmentFactory(
        organization=organization,
        title=hostile("BASELINE"),
        status=Status.SCORING,
        reference_date=datetime.date(2025, 12, 31),
    )
    _interviews(baseline, consultant, {"ORG": 3, "STF": 3, "PRC": 3, "TEC": 2}, {})
    assessment_published(assessment=baseline, override_reason=OVERRIDE_REASON)
    current = AssessmentFactory(
        organization=organization,
        title=hostile("TITLE"),
        status=Status.COLLECTING,
        baseline=baseline,
        reference_date=datetime.date(2026, 6, 30),
        anonymity_k=2,  # the two respondents' department is shown on the scores page
    )
    _interviews(current, consultant, {"ORG": 4, "STF": 4, "PRC": 4, "TEC": 3}, {"ORG-01": hostile("NOTE")})

    built = {}
    respondents_url = reverse("workspace:respondents", args=[current.pk])
    people = [
        ("email", "name", "department", "role", "language"),
        (EMAILS[0], hostile("NAME"), hostile("DEPT"), "frontline", "en"),
        (EMAILS[1], "", hostile("DEPT"), "manager", "en"),
    ]
    built["respondents-uploaded"] = _respondents_upload(consultant_client, respondents_url, people)
    # The same list again: each line refused with a message naming its address.
    built["respondents-refused"] = _respondents_upload(consultant_client, respondents_url, people)
    assert "already invited" in built["respondents-refused"].content.decode()
    invitations = list(Invitation.objects.filter(assessment=current).order_by("email"))
    assert sorted(invitation.email for invitation in invitations) == sorted(EMAILS)
    for invitation in invitations:
        answers_save(
            invitation=invitation, items=[{"indicator": "ORG-01", "level": 3, "comment": hostile("COMMENT")}]
        )
    token = invitation_link_create(invitation=invitations[0])
    built.update(_questionnaire(token))
    for invitation in invitations:
        response_submit(invitation=invitation)
    built["respond-done"] = Client().get(reverse("surveys:done", args=[token]))

    customer_data_replace(assessment=current, user=consultant, uploads=_customer_files())
    assessment_update(assessment=current, status=Status.SCORING, actor=consultant)

    recommendations_ensure(assessment=current, actor=consultant)
    edited = recommendations_list(assessment=current, language="en")[0]["id"]
    recommendations_review(
        assessment=current,
        user=consultant,
        changes=[
            {
                "id": edited,
                "status": RecommendationStatus.ACCEPTED,
                "title": {"en": hostile("REC")},
                "rationale": {"en": hostile("WHY")},
                "actions": {"en": [hostile("ACT")]},
                "impact": {"en": hostile("GAIN")},
            },
            {
                "title": {"en": hostile("CUSTOM")},
                "rationale": {"en": hostile("CUSTOMWHY")},
                "horizon": "0-3",
                "effort": "S",
                "status": RecommendationStatus.ACCEPTED,
            },
        ],
    )
    # Both first, so that the executive report (its first five items) shows them too.
    custom = current.recommendations.get(code="")
    recommendations_review(assessment=current, user=consultant, changes=[], order=[custom.pk, edited])
    # A finding of the consultant's (first of its area: the executive summary shows it), the
    # commentary and a quote of a comment with its translation.
    findings_generate(assessment=current, actor=consultant)
    both = {"en": hostile("FINDING"), "ru": hostile("FINDING")}
    findings_review(
        assessment=current,
        user=consultant,
        changes=[{"area": "organization", "kind": "strength", "text": both}],
    )
    findings_review(assessment=current, user=consultant, changes=[], order=[current.findings.get(key="").pk])
    commentary_set(
        assessment=current, user=consultant, text={"en": hostile("COMMENTARY"), "ru": hostile("COMMENTARY")}
    )
    comment = Answer.objects.filter(response__invitation__assessment=current).exclude(comment="").first()
    quote_pick(
        assessment=current,
        user=consultant,
        source="comment",
        source_id=comment.pk,
        original_language="en",
        translations={"ru": hostile("QUOTE")},
    )
    report_request(assessment=current, user=consultant, kind=ReportKind.FULL, language="en")
    return SimpleNamespace(assessment=current, invitation=invitations[0], token=token, built=built)


# --- pages -------------------------------------------------------------------------------------


def test_consultant_pages_print_hostile_text_as_text(consultant_client, hostile_audit):
    assessment = hostile_audit.assessment
    organization = assessment.organization
    urls = {
        "home": reverse("workspace:home"),
        "organization": reverse("workspace:organization", args=[organization.pk]),
        "assessment-new": reverse("workspace:assessment-new", args=[organization.pk]),
        **{tab: reverse(f"workspace:{tab}", args=[assessment.pk]) for tab in TABS},
        "respondents-search": reverse("workspace:respondents", args=[assessment.pk])
        + "?"
        + urlencode({"q": hostile("QUERY")}),
        "audit": reverse("workspace:audit", args=[assessment.pk]) + "?" + urlencode({"action": PAYLOAD}),
    }
    pages = {name: consultant_client.get(url) for name, url in urls.items()}
    assert _problems(pages, CONSULTANT_PAGES) == {}


def test_executive_pages_print_hostile_text_as_text(executive_client, hostile_audit):
    assessment = hostile_audit.assessment
    assessment_published(assessment=assessment, override_reason=OVERRIDE_REASON)
    # Executives list released reports only: the consultant's, as if rendered after publishing.
    report = assessment.reports.get()
    Report.objects.filter(pk=report.pk).update(
        status=JobStatus.READY, draft=False, released_at=timezone.now(), released_by=report.requested_by
    )
    urls = {
        "home": reverse("workspace:home"),
        "organization": reverse("workspace:organization", args=[assessment.organization.pk]),
        **{
            tab: reverse(f"workspace:{tab}", args=[assessment.pk])
            for tab in ("scores", "comparison", "reports")
        },
    }
    pages = {name: executive_client.get(url) for name, url in urls.items()}
    assert _problems(pages, EXECUTIVE_PAGES) == {}


def test_form_answers_and_questionnaire_print_hostile_text_as_text(hostile_audit):
    assert _problems(hostile_audit.built, BUILT_PAGES, {"respondents-refused": 400}) == {}


def test_invitation_email_prints_hostile_text_escaped_in_html_and_verbatim_in_text(hostile_audit):
    email = InvitationEmail.objects.filter(invitation=hostile_audit.invitation).first()
    message = invitation_email_render(email=email, token=hostile_audit.token)
    [(html, _type)] = message.alternatives
    assert page_problems(html, ("ORG", "NAME")) == []
    # Plain text is no HTML: the names as written, nothing escaped.
    assert message.subject == f"{hostile('ORG')}: your view on how we serve customers"
    assert hostile("ORG") in message.body and hostile("NAME") in message.body
    assert "&lt;" not in message.body + message.subject


# --- PDF reports -------------------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text with whitespace (line breaks included) as single spaces."""
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_reports_print_hostile_text_as_text(hostile_audit):
    html = {
        kind: report_html(
            context=report_context(assessment=hostile_audit.assessment, kind=kind, language="en")
        )
        for kind in REPORTS
    }
    assert {kind: page_problems(html[kind], fields) for kind, fields in REPORTS.items()} == {
        kind: [] for kind in REPORTS
    }
    text = _pdf_text(report_pdf(html=html[ReportKind.EXECUTIVE]))
    for field in ("ORG", "CUSTOM"):
        assert hostile(field) in text, field


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b'body::after { content: "LEAKED-FROM-THE-NETWORK" }')

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.requests = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_pdf_renderer_reads_no_local_file_and_no_url(local_server, tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text('body::before { content: "LEAKED-FROM-THE-DISK" }')
    svg = tmp_path / "secret.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><text y="20">LEAKED-SVG</text></svg>')
    local = secret.as_uri()
    html = f"""<html><head>
      <link rel="stylesheet" href="{local_server}/link.css"><link rel="stylesheet" href="{local}">
      <style>@import url("{local_server}/import.css"); @import url("{local}");
             p {{ background: url("{local_server}/background.png") }}</style></head>
      <body><p>Visible text</p>
      <img src="{local_server}/image.png"><img src="file:///etc/passwd"><img src="{svg.as_uri()}">
      <object data="{svg.as_uri()}"></object><embed src="{local_server}/embed.svg">
      <svg><image href="{local_server}/svg-image.png" width="10" height="10"/></svg>
      </body></html>"""

    # WeasyPrint's own fetcher would read both: the page is a real attempt.
    unguarded = _pdf_text(HTML(string=html).write_pdf())
    assert "LEAKED-FROM-THE-DISK" in unguarded and "LEAKED-FROM-THE-NETWORK" in unguarded
    _Recorder.requests.clear()

    text = _pdf_text(report_pdf(html=html))

    assert "Visible text" in text
    assert "LEAKED" not in text
    assert _Recorder.requests == []
