"""The respondents tab: inviting one, a pasted list or a file; the people table, resending,
reminder days and the response rate, all for the assessment's consultant only."""

import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from assessment.models import Status
from assessment.services import assessment_update
from config.tokens import token_hash
from surveys.models import Invitation, InvitationEmail, InvitationToken, Response
from surveys.selectors import response_rate
from surveys.services import invitation_create_many
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://cx\.example\.com/r/([\w-]{43,})/")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://cx.example.com"


def _url(assessment) -> str:
    return reverse("workspace:respondents", args=[assessment.pk])


def _invite(assessment, email, *, department="Retail", role="frontline", language="en", name=""):
    return invitation_create_many(
        assessment=assessment,
        rows=[{"email": email, "name": name, "department": department, "role": role, "language": language}],
    )[0].invitation


def _start(invitation, *, submit=False):
    from django.utils import timezone

    Response.objects.create(invitation=invitation, submitted_at=timezone.now() if submit else None)


def _page(response) -> str:
    return response.content.decode()


def _text(html: str) -> str:
    """The page's text with tags removed and white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def people(audit):
    """Six respondents in two departments and three roles: 2 submitted, 1 started, 3 invited."""
    ana = _invite(audit, "ana@alpha.example", department="Retail", role="frontline", name="Ana")
    bo = _invite(audit, "bo@alpha.example", department="Retail", role="manager", name="Bo")
    cy = _invite(audit, "cy@alpha.example", department="Retail", role="frontline", name="Cy")
    di = _invite(audit, "di@alpha.example", department="Operations", role="back_office", name="Di")
    _invite(audit, "ed@alpha.example", department="Operations", role="back_office", name="Ed")
    _invite(audit, "fay@alpha.example", department="", role="frontline", name="Fay")
    _start(ana, submit=True)
    _start(di, submit=True)
    _start(bo)
    del cy
    mail.outbox.clear()
    return audit


# --- What the page shows -----------------------------------------------------------------------


def test_response_rate_cards_and_tables_show_the_selectors_numbers(consultant_client, people):
    rate = response_rate(assessment=people)
    assert rate["overall"] == {"invited": 3, "started": 1, "submitted": 2, "total": 6, "rate": 33.3}
    text = _text(_page(consultant_client.get(_url(people))))
    assert "People invited 6 3 not started yet" in text
    assert "Answering 1" in text
    assert "Have submitted 2" in text
    assert "Response rate 33.3 %" in text
    for row in rate["by_department"]:
        assert (
            f"{row['department']} {row['total']} {row['invited']} {row['started']} {row['submitted']} "
            f"{row['rate']:.1f} %"
        ) in text
    assert "Retail 3 1 1 1 33.3 %" in text
    assert "Operations 2 1 0 1 50.0 %" in text
    assert "— 1 1 0 0 0.0 %" in text  # no department
    assert "Back office 2 1 0 1 50.0 %" in text
    assert "Frontline 3 2 0 1 33.3 %" in text
    assert "Manager 1 0 1 0 0.0 %" in text


def test_people_table_lists_status_and_resend_buttons(consultant_client, people):
    page = _page(consultant_client.get(_url(people)))
    text = _text(page)
    assert "6 people" in text
    assert "Ana ana@alpha.example Retail Frontline EN Submitted" in text
    assert "Bo bo@alpha.example Retail Manager EN Started" in text
    assert "Ed ed@alpha.example Operations Back office EN Invited" in text
    ed = Invitation.objects.get(email="ed@alpha.example")
    ana = Invitation.objects.get(email="ana@alpha.example")
    assert reverse("workspace:respondent-resend", args=[people.pk, ed.pk]) in page
    assert reverse("workspace:respondent-resend", args=[people.pk, ana.pk]) not in page  # submitted


def test_people_can_be_filtered_by_status_department_and_search(consultant_client, people):
    text = _text(_page(consultant_client.get(_url(people), {"status": "invited"})))
    assert "3 people" in text
    assert "cy@alpha.example" in text and "ana@alpha.example" not in text
    text = _text(_page(consultant_client.get(_url(people), {"department": "Operations"})))
    assert "2 people" in text and "di@alpha.example" in text and "bo@alpha.example" not in text
    text = _text(_page(consultant_client.get(_url(people), {"department": "—"})))
    assert "1 person" in text and "fay@alpha.example" in text
    text = _text(_page(consultant_client.get(_url(people), {"q": "bo@"})))
    assert "1 person" in text and "bo@alpha.example" in text
    text = _text(_page(consultant_client.get(_url(people), {"status": "nonsense"})))
    assert "6 people" in text  # an unknown filter value is ignored


def test_a_long_list_is_paginated(consultant_client, audit):
    invitation_create_many(
        assessment=audit,
        rows=[{"email": f"p{i:03}@alpha.example", "role": "frontline"} for i in range(105)],
    )
    first = _text(_page(consultant_client.get(_url(audit))))
    assert "105 people · showing 1–100" in first
    assert "p099@alpha.example" in first and "p100@alpha.example" not in first
    second = _text(_page(consultant_client.get(_url(audit), {"page": 2})))
    assert "showing 101–105" in second and "p104@alpha.example" in second


def test_collecting_offers_to_close_collection_and_draft_to_open_it(consultant_client, audit, organization):
    advance = reverse("workspace:assessment-advance", args=[audit.pk])
    page = _page(consultant_client.get(_url(audit)))
    assert f'action="{advance}"' in page
    assert "Close collection?" in page  # the confirmation
    draft = AssessmentFactory(organization=organization)
    _invite(draft, "x@alpha.example")
    page = _page(consultant_client.get(_url(draft)))
    assert "Open collection (sends the invitations)" in page
    assert page.count("Open collection? 1 invitation e-mail will be sent now.") == 2  # tab and header
    _invite(draft, "y@alpha.example")
    interviews = _page(consultant_client.get(reverse("workspace:interviews", args=[draft.pk])))
    assert 'data-confirm="Open collection? 2 invitation e-mails will be sent now."' in interviews


def test_anonymous_visitors_are_sent_to_sign_in(audit):
    response = Client().get(_url(audit))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "who", ["executive_client", "stranger_consultant_client", "stranger_executive_client"]
)
def test_only_the_assessments_consultant_sees_or_changes_respondents(request, who, people):
    client = request.getfixturevalue(who)
    ed = Invitation.objects.get(email="ed@alpha.example")
    assert client.get(_url(people)).status_code == 404
    response = client.post(_url(people), {"action": "add", "email": "new@alpha.example", "role": "manager"})
    assert response.status_code == 404
    resend = reverse("workspace:respondent-resend", args=[people.pk, ed.pk])
    assert client.post(resend).status_code == 404
    assert not Invitation.objects.filter(email="new@alpha.example").exists()
    assert mail.outbox == []


def test_an_executive_of_a_published_assessment_still_gets_404(executive_client, organization):
    published = AssessmentFactory(organization=organization, status=Status.PUBLISHED)
    assert executive_client.get(_url(published)).status_code == 404


# --- Inviting ----------------------------------------------------------------------------------


def test_add_one_while_collecting_creates_the_row_emails_and_shows_the_link_once(
    consultant_client, audit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = consultant_client.post(
            _url(audit),
            {
                "action": "add",
                "email": "Aida@Alpha.example",
                "name": "Aida",
                "department": "Retail",
                "role": "manager",
                "language": "ru",
            },
        )
    assert response.status_code == 200
    invitation = Invitation.objects.get(assessment=audit)
    assert (
        invitation.email,
        invitation.name,
        invitation.department,
        invitation.role,
        invitation.language,
    ) == (
        "aida@alpha.example",
        "Aida",
        "Retail",
        "manager",
        "ru",
    )
    [message] = mail.outbox
    assert message.to == ["aida@alpha.example"]
    assert InvitationEmail.objects.get().state == InvitationEmail.State.SENT
    page = _page(response)
    assert "1 respondent invited; the invitation e-mail is on its way." in page
    # The link in the page is the creation link: a token whose hash alone is stored.
    token = LINK.search(page).group(1)
    assert InvitationToken.objects.filter(invitation=invitation, token_hash=token_hash(token)).exists()
    assert "no-store" in response["Cache-Control"]
    # Shown once: the next visit has no link.
    assert not LINK.search(_page(consultant_client.get(_url(audit))))


def test_add_one_to_a_draft_sends_no_email_yet(
    consultant_client, organization, django_capture_on_commit_callbacks
):
    draft = AssessmentFactory(organization=organization)
    with django_capture_on_commit_callbacks(execute=True):
        response = consultant_client.post(
            _url(draft), {"action": "add", "email": "a@alpha.example", "role": "frontline", "language": "en"}
        )
    assert "1 respondent added; the invitation e-mail goes out when you open collection." in _page(response)
    assert Invitation.objects.filter(assessment=draft).count() == 1
    assert mail.outbox == []


def test_add_one_with_bad_input_or_a_duplicate_shows_field_errors_and_writes_nothing(
    consultant_client, people
):
    before = Invitation.objects.count()
    response = consultant_client.post(
        _url(people), {"action": "add", "email": "not-an-email", "role": "boss", "language": "fr"}
    )
    page = _page(response)
    assert response.status_code == 400
    assert 'id="add_email_error"' in page and "Enter a valid email address." in page
    assert "Select a valid choice. boss is not one of the available choices." in page
    response = consultant_client.post(
        _url(people), {"action": "add", "email": "ANA@alpha.example", "role": "manager", "language": "en"}
    )
    assert "ana@alpha.example is already invited to this assessment." in _page(response)
    assert Invitation.objects.count() == before
    assert mail.outbox == []


def test_paste_a_list_with_defaults_separators_and_role_labels(
    consultant_client, audit, django_capture_on_commit_callbacks
):
    lines = "\n".join(
        [
            "email, name, department, role, language",
            "one@alpha.example, One, Retail, manager, ru",
            "",
            "two@alpha.example; Two; Operations; Back office",
            "three@alpha.example\tThree\tRetail",
            "four@alpha.example",
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = consultant_client.post(
            _url(audit), {"action": "paste", "lines": lines, "role": "frontline", "language": "en"}
        )
    assert response.status_code == 200
    rows = {
        i.email: (i.name, i.department, i.role, i.language)
        for i in Invitation.objects.filter(assessment=audit)
    }
    assert rows == {
        "one@alpha.example": ("One", "Retail", "manager", "ru"),
        "two@alpha.example": ("Two", "Operations", "back_office", "en"),
        "three@alpha.example": ("Three", "Retail", "frontline", "en"),
        "four@alpha.example": ("", "", "frontline", "en"),
    }
    assert len(mail.outbox) == 4
    page = _page(response)
    assert "4 respondents invited" in page
    assert len(set(LINK.findall(page))) == 4


def test_a_pasted_list_with_one_bad_line_creates_nothing_and_names_the_line(consultant_client, people):
    before = Invitation.objects.count()
    lines = "\n".join(
        [
            "new1@alpha.example, New One, Retail, manager",
            "new2@alpha.example, New Two, Retail, boss",
            "ana@alpha.example, Ana again, Retail",
            "new1@alpha.example, New One twice",
            "not-an-email",
        ]
    )
    response = consultant_client.post(
        _url(people), {"action": "paste", "lines": lines, "role": "frontline", "language": "en"}
    )
    text = _text(_page(response))
    assert "Line 2: Role: Select a valid choice. boss is not one of the available choices." in text
    assert "Line 4: new1@alpha.example is listed twice (see Line 1)." in text
    assert "Line 3: ana@alpha.example is already invited to this assessment." in text
    assert "Line 5: E-mail: Enter a valid email address." in text
    assert text.index("Line 2:") < text.index("Line 3:") < text.index("Line 4:") < text.index("Line 5:")
    assert Invitation.objects.count() == before
    assert mail.outbox == []
    # Once the form problems are fixed, an address already invited is reported by line too.
    response = consultant_client.post(
        _url(people),
        {
            "action": "paste",
            "lines": "new1@alpha.example\nana@alpha.example, Ana again, Retail",
            "role": "frontline",
            "language": "en",
        },
    )
    assert "Line 2: ana@alpha.example is already invited to this assessment." in _text(_page(response))
    assert Invitation.objects.count() == before
    # The pasted text stays in the box to be corrected.
    assert "new1@alpha.example" in _page(response)


def test_an_empty_paste_is_a_field_error(consultant_client, audit):
    response = consultant_client.post(
        _url(audit), {"action": "paste", "lines": "  \n\n", "role": "frontline", "language": "en"}
    )
    assert 'id="paste_lines_error"' in _page(response)
    assert "This field is required." in _page(response)
    response = consultant_client.post(
        _url(audit), {"action": "paste", "lines": "email;name\n", "role": "frontline", "language": "en"}
    )
    assert "The list is empty." in _page(response)
    response = consultant_client.post(
        _url(audit),
        {
            "action": "paste",
            "lines": "a@alpha.example,A,R,manager,en,extra",
            "role": "frontline",
            "language": "en",
        },
    )
    assert "Line 1: more than five values" in _page(response)
    assert not Invitation.objects.exists()


def test_upload_a_csv_invites_everyone(consultant_client, audit, django_capture_on_commit_callbacks):
    csv = (
        "email;name;department;role;language\n"
        "ivan@alpha.example;Иван;Розница;Back office;ru\n"
        "kate@alpha.example;Kate;Retail;manager;\n"
    ).encode("cp1251")
    upload = io.BytesIO(csv)
    upload.name = "people.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = consultant_client.post(_url(audit), {"action": "upload", "file": upload})
    assert response.status_code == 200
    rows = {i.email: (i.name, i.department, i.role, i.language) for i in Invitation.objects.all()}
    assert rows == {
        "ivan@alpha.example": ("Иван", "Розница", "back_office", "ru"),
        "kate@alpha.example": ("Kate", "Retail", "manager", "en"),
    }
    assert len(mail.outbox) == 2
    assert "2 respondents invited" in _page(response)


def test_upload_an_xlsx_invites_everyone(consultant_client, audit):
    book = Workbook()
    sheet = book.active
    sheet.append(["Email", "Name", "Department", "Role"])
    sheet.append(["x1@alpha.example", "X One", "Retail", "frontline"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "people.xlsx"
    response = consultant_client.post(_url(audit), {"action": "upload", "file": buffer})
    assert response.status_code == 200
    assert list(Invitation.objects.values_list("email", "role")) == [("x1@alpha.example", "frontline")]


def test_an_upload_with_a_bad_row_or_a_duplicate_creates_nothing(consultant_client, people):
    before = Invitation.objects.count()
    upload = io.BytesIO(
        b"email,name,department,role\nok@alpha.example,Ok,Retail,manager\n"
        b"bo@alpha.example,Bo,Retail,manager\nbad,Bad,Retail,manager\n"
    )
    upload.name = "people.csv"
    text = _text(_page(consultant_client.post(_url(people), {"action": "upload", "file": upload})))
    assert "Row 4: E-mail: Enter a valid email address." in text
    assert Invitation.objects.count() == before
    upload = io.BytesIO(
        b"email,name,department,role\nok@alpha.example,Ok,Retail,manager\nbo@alpha.example,,,manager\n"
    )
    upload.name = "people.csv"
    text = _text(_page(consultant_client.post(_url(people), {"action": "upload", "file": upload})))
    assert "Row 3: bo@alpha.example is already invited to this assessment." in text
    assert Invitation.objects.count() == before


def test_an_upload_without_the_role_column_is_a_field_error(consultant_client, audit):
    upload = io.BytesIO(b"email,name\na@alpha.example,A\n")
    upload.name = "people.csv"
    response = consultant_client.post(_url(audit), {"action": "upload", "file": upload})
    assert 'id="upload_file_error"' in _page(response)
    assert "Missing column(s): role." in _page(response)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("status", [Status.SCORING, Status.PUBLISHED, Status.CLOSED])
def test_invitations_are_refused_once_collection_is_over(consultant_client, organization, status):
    assessment = AssessmentFactory(organization=organization, status=status)
    page = _page(consultant_client.get(_url(assessment)))
    assert "Collection is over: respondents can be invited only while" in page
    assert "<fieldset disabled>" in page
    for data in (
        {"action": "add", "email": "late@alpha.example", "role": "manager", "language": "en"},
        {"action": "paste", "lines": "late@alpha.example", "role": "manager", "language": "en"},
    ):
        response = consultant_client.post(_url(assessment), data, follow=True)
        assert "Respondents can be invited only while the assessment is a draft or collecting answers." in (
            _page(response)
        )
    assert not Invitation.objects.filter(assessment=assessment).exists()


def test_forms_need_a_csrf_token(consultant, audit):
    client = Client(enforce_csrf_checks=True)
    client.force_login(consultant)
    response = client.post(_url(audit), {"action": "add", "email": "a@alpha.example", "role": "manager"})
    assert response.status_code == 403
    invitation = _invite(audit, "b@alpha.example")
    resend = reverse("workspace:respondent-resend", args=[audit.pk, invitation.pk])
    assert client.post(resend).status_code == 403
    assert client.post(_url(audit), {"action": "remind_everyone"}).status_code == 403
    assert list(Invitation.objects.values_list("email", flat=True)) == ["b@alpha.example"]
    # With the page's token the same post goes through.
    page = _page(client.get(_url(audit)))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        _url(audit),
        {
            "action": "add",
            "email": "a@alpha.example",
            "role": "manager",
            "language": "en",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 200
    assert Invitation.objects.count() == 2


# --- Resending ---------------------------------------------------------------------------------


def test_resend_emails_a_new_link(consultant_client, people, django_capture_on_commit_callbacks):
    ed = Invitation.objects.get(email="ed@alpha.example")
    resend = reverse("workspace:respondent-resend", args=[people.pk, ed.pk])
    emails_before = InvitationEmail.objects.filter(invitation=ed).count()
    with django_capture_on_commit_callbacks(execute=True):
        response = consultant_client.post(resend, {"next": _url(people) + "?status=invited"})
    assert response.status_code == 302
    assert response["Location"] == _url(people) + "?status=invited"
    [message] = mail.outbox
    assert message.to == ["ed@alpha.example"]
    assert InvitationEmail.objects.filter(invitation=ed).count() == emails_before + 1
    assert InvitationEmail.objects.filter(invitation=ed).last().state == InvitationEmail.State.SENT
    page = _page(consultant_client.get(response["Location"]))
    assert "A new personal link is on its way to ed@alpha.example." in page


def test_resend_is_refused_after_submission_and_outside_collection(
    consultant_client, people, django_capture_on_commit_callbacks
):
    ana = Invitation.objects.get(email="ana@alpha.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = consultant_client.post(
            reverse("workspace:respondent-resend", args=[people.pk, ana.pk]), follow=True
        )
    assert "This respondent has already submitted." in _page(response)
    assessment_update(assessment=people, status=Status.SCORING)
    ed = Invitation.objects.get(email="ed@alpha.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = consultant_client.post(
            reverse("workspace:respondent-resend", args=[people.pk, ed.pk]), follow=True
        )
    assert "E-mails are sent only while the assessment is collecting answers." in _page(response)
    assert mail.outbox == []


def test_resend_of_another_assessments_invitation_is_404(consultant_client, audit, organization):
    other = AssessmentFactory(organization=organization, status=Status.COLLECTING)
    invitation = _invite(other, "z@alpha.example")
    assert (
        consultant_client.post(
            reverse("workspace:respondent-resend", args=[audit.pk, invitation.pk])
        ).status_code
        == 404
    )
    assert (
        consultant_client.get(
            reverse("workspace:respondent-resend", args=[other.pk, invitation.pk])
        ).status_code
        == 405
    )


@pytest.mark.parametrize("days", [[0], [61], [True], ["3"], list(range(1, 12)), "3,7"])
def test_the_service_validates_reminder_days(audit, days):
    with pytest.raises(ValidationError) as error:
        assessment_update(assessment=audit, reminder_days=days)
    assert "reminder_days" in error.value.message_dict
    audit.refresh_from_db()
    assert audit.reminder_days == [3, 7]


def test_the_service_sorts_and_deduplicates_reminder_days(audit):
    assert assessment_update(assessment=audit, reminder_days=[7, 1, 7]).reminder_days == [1, 7]


def test_everyone_not_submitted_is_reminded_from_the_tab_once_a_day(consultant_client, audit):
    for email in ("a@alpha.example", "b@alpha.example"):
        _invite(audit, email)
    Invitation.objects.filter(assessment=audit).update(sent_at="2026-06-01T09:00:00Z")  # e-mailed
    page = _page(consultant_client.get(_url(audit)))
    assert "2 people invited have not submitted yet." in _text(page)
    assert "Remind everyone who has not submitted" in page
    assert 'data-confirm="Send a reminder now to 2 people who have not submitted?"' in page

    response = consultant_client.post(_url(audit), {"action": "remind_everyone"}, follow=True)
    assert "A reminder is on its way to 2 people who have not submitted." in _text(_page(response))
    assert InvitationEmail.objects.filter(invitation__assessment=audit, kind="reminder").count() == 2
    again = _text(_page(consultant_client.post(_url(audit), {"action": "remind_everyone"}, follow=True)))
    assert "Everyone was reminded less than a day ago; the next reminder can go from" in again
    assert "Remind everyone who has not submitted" not in again
    assert InvitationEmail.objects.filter(invitation__assessment=audit, kind="reminder").count() == 2
