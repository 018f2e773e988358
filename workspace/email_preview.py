"""The e-mails respondents get, as they get them, in each language: read before opening
collection. The HTML version is served on its own, framed by the preview page, under a policy
that lets its inline styles apply and nothing run."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.clickjacking import xframe_options_sameorigin

from assessment.access import assessment_managed
from surveys.selectors import invitation_email_kinds
from surveys.services import invitation_email_preview
from workspace.pages import assessment_page


def _email_csp() -> str:
    # The logos load from the site's address, as in the e-mail itself.
    return (
        f"default-src 'none'; style-src 'unsafe-inline'; img-src {settings.SITE_URL} 'self' data:; "
        "frame-ancestors 'self'; sandbox"
    )


def _preview(request: HttpRequest, assessment_id: int, kind: str, language: str):
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    kinds = dict(invitation_email_kinds(assessment=assessment))
    if kind not in kinds or language not in dict(settings.LANGUAGES):
        raise Http404
    return assessment, invitation_email_preview(assessment=assessment, kind=kind, language=language)


@login_required
def email_preview(request: HttpRequest, assessment_id: int, kind: str, language: str) -> HttpResponse:
    assessment, message = _preview(request, assessment_id, kind, language)
    return assessment_page(
        request,
        assessment,
        tab="respondents",
        template="workspace/assessment/email_preview.html",
        context={
            "message": message,
            "kind": kind,
            "language": language,
            "kinds": invitation_email_kinds(assessment=assessment),
            "email_languages": settings.LANGUAGES,
        },
    )


@login_required
@xframe_options_sameorigin
def email_preview_html(request: HttpRequest, assessment_id: int, kind: str, language: str) -> HttpResponse:
    _assessment, message = _preview(request, assessment_id, kind, language)
    response = HttpResponse(message.alternatives[0][0])
    response["Content-Security-Policy"] = _email_csp()
    return response
