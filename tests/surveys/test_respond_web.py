import datetime
import re

from django.core import mail
from django.utils import timezone

from assessment.models import Status
from surveys.models import Answer, InvitationEmail, Response
from surveys.services import LINK_EMAIL_INTERVAL, answers_save, response_submit
from tests.surveys.conftest import invite


def _url(new, suffix=""):
    return f"/r/{new.token}/{suffix}"


def test_welcome_promises_anonymity_and_starts_at_the_first_area(client, new_invitation):
    page = client.get(_url(new_invitation))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Alatau Bank" in html
    assert (
        "seen only by the consultants who run the assessment — never by the management of Alatau Bank" in html
    )
    assert _url(new_invitation, "area/organization/") in html


def test_welcome_resumes_where_the_respondent_stopped(client, new_invitation, catalog):
    items = [
        {"indicator": code, "level": 3}
        for code in catalog.indicators.filter(area__code="organization").values_list("code", flat=True)
    ]
    answers_save(invitation=new_invitation.invitation, items=items)
    html = client.get(_url(new_invitation)).content.decode()
    assert f'href="{_url(new_invitation, "area/staff/")}#STF-01"' in html


def test_continue_goes_to_the_first_unanswered_question_even_mid_area(client, new_invitation):
    answers_save(
        invitation=new_invitation.invitation,
        items=[{"indicator": "ORG-01", "level": 3}, {"indicator": "ORG-02", "level": None}],
    )
    html = client.get(_url(new_invitation)).content.decode()
    assert f'href="{_url(new_invitation, "area/organization/")}#ORG-03"' in html
    assert "Continue" in html


def test_area_page_lists_its_indicators_with_five_levels_and_dont_know(client, new_invitation):
    html = client.get(_url(new_invitation, "area/staff/")).content.decode()
    assert html.count('name="level-STF-01"') == 6
    assert 'value="dk"' in html
    assert "STF-14" in html
    assert "ORG-01" not in html.split("<main", 1)[-1].split('name="level-', 1)[-1][:20]


def test_form_post_saves_answers_without_javascript_and_moves_on(client, new_invitation):
    response = client.post(
        _url(new_invitation, "area/organization/"),
        {
            "level-ORG-01": "4",
            "comment-ORG-01": "ok",
            "level-ORG-02": "dk",
            "level-ORG-03": "9",
            "go": "next",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _url(new_invitation, "area/staff/")
    assert dict(Answer.objects.values_list("indicator__code", "level")) == {"ORG-01": 4, "ORG-02": None}
    assert Answer.objects.get(indicator__code="ORG-01").comment == "ok"


def test_without_javascript_a_comment_with_no_level_is_saved_alone(client, new_invitation):
    answers_save(invitation=new_invitation.invitation, items=[{"indicator": "ORG-02", "level": 4}])
    client.post(
        _url(new_invitation, "area/organization/"),
        {"comment-ORG-01": " not sure yet ", "comment-ORG-02": "", "level-ORG-02": "4", "go": "next"},
    )
    assert sorted(Answer.objects.values_list("indicator__code", "level", "answered", "comment")) == [
        ("ORG-01", None, False, "not sure yet"),
        ("ORG-02", 4, True, ""),
    ]
    html = client.get(_url(new_invitation, "area/organization/")).content.decode()
    # Kept on the page, the question still unanswered (no choice checked, not counted).
    assert "not sure yet</textarea>" in html
    assert 'name="level-ORG-01" value="dk" checked' not in html
    assert "1 of " in client.get(_url(new_invitation, "review/")).content.decode()


def test_saved_answers_are_checked_on_return(client, new_invitation):
    answers_save(invitation=new_invitation.invitation, items=[{"indicator": "TEC-03", "level": 2}])
    html = client.get(_url(new_invitation, "area/technology/")).content.decode()
    assert 'name="level-TEC-03" value="2" checked' in " ".join(html.split()).replace('" checked', '" checked')


def test_review_lists_unanswered_and_submit_locks(client, new_invitation, catalog):
    answers_save(invitation=new_invitation.invitation, items=[{"indicator": "ORG-01", "level": 3}])
    review = client.get(_url(new_invitation, "review/")).content.decode()
    unanswered = review.split('data-unanswered="organization"', 1)[1].split("</ul>", 1)[0]
    assert "ORG-02" in unanswered and "ORG-01" not in unanswered
    # Every chosen answer with its descriptor, and a way back to change it before submitting.
    answers = review.split('data-answers="organization"', 1)[1].split("</dl>", 1)[0]
    descriptor = catalog.indicators.get(code="ORG-01").levels["en"][2]
    assert descriptor in answers.replace("&#x27;", "'").replace("&quot;", '"')
    assert f'href="{_url(new_invitation, "area/organization/")}#ORG-01"' in answers
    assert "ORG-02" not in answers
    submitted = client.post(_url(new_invitation, "review/"))
    assert submitted["Location"] == _url(new_invitation, "done/")
    assert Response.objects.get().submitted_at is not None
    # Locked: area pages and the welcome page lead to the read-only thank-you page.
    assert client.get(_url(new_invitation, "area/organization/"))["Location"] == _url(new_invitation, "done/")
    client.post(_url(new_invitation, "area/organization/"), {"level-ORG-01": "5", "go": "next"})
    assert Answer.objects.get().level == 3
    done = client.get(_url(new_invitation, "done/"))
    assert done.status_code == 200


def test_submitting_nothing_shows_the_error(client, new_invitation):
    page = client.post(_url(new_invitation, "review/"))
    assert page.status_code == 200
    assert "Answer at least one question before submitting." in page.content.decode()


def test_closed_questionnaire_says_so(client, new_invitation, assessment):
    assessment.status = Status.SCORING
    assessment.save()
    page = client.get(_url(new_invitation))
    assert page.status_code == 409


def test_unknown_link_and_area_are_404(client, new_invitation):
    assert client.get("/r/not-a-token/").status_code == 404
    assert client.get(_url(new_invitation, "area/marketing/")).status_code == 404


def test_preferred_language_is_the_default_and_the_switch_overrides_it(client, assessment):
    new = invite(assessment, email="ru@bank.kz", language="ru")
    assert "Персонал" in client.get(_url(new, "area/staff/")).content.decode()
    client.cookies["django_language"] = "en"
    html = client.get(_url(new, "area/staff/")).content.decode()
    assert "Staff" in html and "Персонал" not in html


def test_the_respondent_has_their_link_emailed_again_and_the_old_one_keeps_working(
    client, new_invitation, django_capture_on_commit_callbacks
):
    invitation = new_invitation.invitation
    InvitationEmail.objects.filter(invitation=invitation).update(
        created_at=timezone.now() - LINK_EMAIL_INTERVAL - datetime.timedelta(seconds=1)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(_url(new_invitation, "link/"))
    assert sent.status_code == 302
    assert sent["Location"] == _url(new_invitation) + "?link=sent#link"
    [message] = mail.outbox
    assert message.to == ["aida@bank.kz"]
    new_token = re.search(r"/r/([^/\s]+)/", message.body).group(1)
    assert new_token != new_invitation.token
    assert client.get(f"/r/{new_token}/").status_code == 200
    assert client.get(_url(new_invitation)).status_code == 200
    assert "We have e-mailed a new link to aida@bank.kz." in client.get(sent["Location"]).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(_url(new_invitation, "link/"))
    assert again["Location"] == _url(new_invitation) + "?link=recent#link"
    assert len(mail.outbox) == 1
    assert "Your link was e-mailed a few minutes ago" in client.get(again["Location"]).content.decode()
    assert InvitationEmail.objects.filter(invitation=invitation).count() == 2


def test_no_link_is_emailed_once_submitted_or_by_get(
    client, new_invitation, django_capture_on_commit_callbacks
):
    assert client.get(_url(new_invitation, "link/")).status_code == 405
    answers_save(invitation=new_invitation.invitation, items=[{"indicator": "ORG-01", "level": 3}])
    response_submit(invitation=new_invitation.invitation)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(_url(new_invitation, "link/"))
    assert page["Location"] == _url(new_invitation, "done/")
    assert mail.outbox == []
