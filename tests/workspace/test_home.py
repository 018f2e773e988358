"""Sign-in, the home and organization pages, new assessments and moving an audit forward."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from assessment.models import Assessment, ScoreSnapshot, Status
from surveys.models import Invitation
from tests.factories import AssessmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_sign_in_with_a_password_opens_the_home_page(audit, consultant):
    consultant.set_password("secret-pass-2026")
    consultant.save()
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": consultant.username, "password": "secret-pass-2026"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert "Alpha Bank" in response.content.decode()


def test_a_wrong_password_is_refused_with_a_message(consultant):
    response = Client().post("/accounts/login/", {"username": consultant.username, "password": "wrong"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_home_lists_the_consultants_organizations_with_status_rate_and_score(
    consultant_client, audit, other_organization
):
    AssessmentFactory(organization=other_organization, title="Beta audit")
    Invitation.objects.create(assessment=audit, email="a@alpha.example", role="manager")
    page = consultant_client.get("/").content.decode()
    assert "Alpha audit" in page
    assert "Collecting answers" in page
    assert '0 % <span class="muted">(0/1)</span>' in page
    assert "Beta" not in page


def test_executives_see_only_published_assessments_of_their_organization(
    executive_client, audit, organization
):
    AssessmentFactory(organization=organization, title="Alpha 2025", status=Status.PUBLISHED)
    page = executive_client.get("/").content.decode()
    assert "Alpha 2025" in page
    assert "Alpha audit" not in page
    assert "New assessment" not in page
    assert "Response rate" not in page


def _published(organization, title: str, reference_date: str, score: float, level: int):
    assessment = AssessmentFactory(
        organization=organization, title=title, status=Status.PUBLISHED, reference_date=reference_date
    )
    ScoreSnapshot.objects.create(
        assessment=assessment,
        overall=score,
        result={"overall": {"score": score, "level": level}, "areas": []},
    )
    return assessment


def test_organization_page_charts_the_scores_over_time(executive_client, organization, audit):
    _published(organization, "Alpha 2026", "2026-01-31", 72.1, 4)
    _published(organization, "Alpha 2025", "2025-01-31", 57.6, 3)
    page = executive_client.get(reverse("workspace:organization", args=[organization.pk])).content.decode()
    # Oldest first, each point coloured by its level; the collecting audit is not the client's to see.
    assert page.index('-point-0-level-3"') < page.index('-point-1-level-4"')
    assert "point-2" not in page
    assert page.index("Alpha 2026") < page.index("Alpha 2025")  # the table lists the newest first
    assert "Alpha audit" not in page


def test_organization_pages_of_others_do_not_exist(
    stranger_consultant_client, stranger_executive_client, organization
):
    url = reverse("workspace:organization", args=[organization.pk])
    assert stranger_consultant_client.get(url).status_code == 404
    assert stranger_executive_client.get(url).status_code == 404


def test_a_consultant_creates_a_draft_assessment(consultant_client, organization):
    response = consultant_client.post(
        reverse("workspace:assessment-new", args=[organization.pk]),
        {"title": "Alpha 2027", "reference_date": "2027-03-31"},
    )
    created = Assessment.objects.get(title="Alpha 2027")
    assert response["Location"] == reverse("workspace:respondents", args=[created.pk])
    assert created.status == Status.DRAFT
    assert created.reference_date == datetime.date(2027, 3, 31)
    assert created.baseline is None


def test_a_reassessment_copies_the_baselines_respondents_on_request(consultant_client, organization, audit):
    Invitation.objects.create(assessment=audit, email="a@alpha.example", role="manager", department="Retail")
    Invitation.objects.create(assessment=audit, email="b@alpha.example", role="frontline", language="ru")
    consultant_client.post(
        reverse("workspace:assessment-new", args=[organization.pk]),
        {
            "title": "Alpha 2027",
            "reference_date": "2027-03-31",
            "baseline": audit.pk,
            "copy_invitations": "on",
        },
    )
    created = Assessment.objects.get(title="Alpha 2027")
    assert created.baseline == audit
    copied = created.invitations.order_by("email")
    assert [(i.email, i.role, i.department, i.language) for i in copied] == [
        ("a@alpha.example", "manager", "Retail", "en"),
        ("b@alpha.example", "frontline", "", "ru"),
    ]
    assert mail.outbox == []  # a draft sends nothing until collection opens


def test_bad_input_shows_field_errors_and_creates_nothing(consultant_client, organization):
    response = consultant_client.post(
        reverse("workspace:assessment-new", args=[organization.pk]),
        {"title": "", "reference_date": "not a date", "copy_invitations": "on"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"title", "reference_date", "copy_invitations"}
    assert Assessment.objects.filter(organization=organization).count() == 0


def test_another_organizations_assessment_cannot_be_a_baseline(
    consultant_client, organization, other_organization
):
    foreign = AssessmentFactory(organization=other_organization)
    response = consultant_client.post(
        reverse("workspace:assessment-new", args=[organization.pk]),
        {"title": "Alpha 2027", "reference_date": "2027-03-31", "baseline": foreign.pk},
    )
    assert "baseline" in response.context["form"].errors
    assert not Assessment.objects.filter(title="Alpha 2027").exists()


def test_executives_cannot_create_assessments(executive_client, organization):
    url = reverse("workspace:assessment-new", args=[organization.pk])
    assert executive_client.get(url).status_code == 404
    assert executive_client.post(url, {"title": "X", "reference_date": "2027-01-01"}).status_code == 404
    assert not Assessment.objects.filter(title="X").exists()


def test_advancing_moves_one_step_and_refuses_a_stale_page(consultant_client, audit):
    url = reverse("workspace:assessment-advance", args=[audit.pk])
    consultant_client.post(url, {"from": "collecting"})
    audit.refresh_from_db()
    assert audit.status == Status.SCORING
    consultant_client.post(url, {"from": "collecting"})  # the same button again, from an old page
    audit.refresh_from_db()
    assert audit.status == Status.SCORING


def test_advancing_redirects_only_to_our_own_pages(consultant_client, audit):
    response = consultant_client.post(
        reverse("workspace:assessment-advance", args=[audit.pk]),
        {"from": "collecting", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("workspace:assessment", args=[audit.pk])


def test_advancing_needs_the_csrf_token(consultant, audit):
    client = Client(enforce_csrf_checks=True)
    client.force_login(consultant)
    response = client.post(reverse("workspace:assessment-advance", args=[audit.pk]), {"from": "collecting"})
    assert response.status_code == 403
    audit.refresh_from_db()
    assert audit.status == Status.COLLECTING


def test_only_the_assessments_consultants_advance_it(executive_client, stranger_consultant_client, audit):
    url = reverse("workspace:assessment-advance", args=[audit.pk])
    assert executive_client.post(url, {"from": "collecting"}).status_code == 404
    assert stranger_consultant_client.post(url, {"from": "collecting"}).status_code == 404
    audit.refresh_from_db()
    assert audit.status == Status.COLLECTING


def test_an_assessment_opens_on_the_first_tab_the_user_may_see(consultant_client, executive_client, audit):
    url = reverse("workspace:assessment", args=[audit.pk])
    assert consultant_client.get(url)["Location"] == reverse("workspace:respondents", args=[audit.pk])
    assert executive_client.get(url).status_code == 404  # not published yet
    audit.status = Status.PUBLISHED
    audit.save()
    assert executive_client.get(url)["Location"] == reverse("workspace:scores", args=[audit.pk])


def test_users_without_any_organization_see_an_explanation():
    client = Client()
    client.force_login(UserFactory())
    assert "No organization is shared with you yet" in client.get("/").content.decode()
