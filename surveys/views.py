"""The questionnaire in the browser, by personal link. Works without JavaScript
(answers are saved on every page change); with it, each answer autosaves at once."""

import functools
import itertools
import math
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods

from config.exceptions import ItemErrors, StateConflict
from surveys.i18n import language_pick
from surveys.models import Invitation, RespondentStatus
from surveys.selectors import respondent_questionnaire
from surveys.services import answers_save, invitation_by_token, invitation_link_email, response_submit
from surveys.throttles import RespondIpThrottle, RespondTokenThrottle

DONT_KNOW = "dk"


def _throttled(view):
    """The pages count against the same limits as the questionnaire's API: per link and per
    client address (where guessing links would come from)."""

    @functools.wraps(view)
    def throttled_view(request: HttpRequest, token: str, **kwargs) -> HttpResponse:
        link = SimpleNamespace(kwargs={"token": token})
        for throttle in (RespondTokenThrottle(), RespondIpThrottle()):
            if not throttle.allow_request(request, link):
                wait = max(1, math.ceil(throttle.wait()))
                response = render(request, "surveys/respond/busy.html", {"seconds": wait}, status=429)
                response["Retry-After"] = str(wait)
                return response
        return view(request, token, **kwargs)

    return throttled_view


def _invitation(token: str) -> Invitation:
    invitation = invitation_by_token(token=token)
    if invitation is None:
        raise Http404
    return invitation


def _questionnaire(request: HttpRequest, invitation: Invitation) -> dict:
    """The respondent's questionnaire in their language: the one chosen with the language
    switch (cookie) or else the one the consultant set for them."""
    language = language_pick(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or invitation.language)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    questionnaire = respondent_questionnaire(invitation=invitation, language=language)
    answers = questionnaire["answers"]
    # Each indicator with what is saved for it and its number among all the respondent's
    # questions (the catalog's own dicts are shared: copies).
    numbers = itertools.count(1)
    questionnaire["areas"] = [
        {
            **area,
            "indicators": [
                {**item, "saved": answers.get(item["code"]), "position": next(numbers)}
                for item in area["indicators"]
            ],
        }
        for area in questionnaire["areas"]
    ]
    for area in questionnaire["areas"]:
        area["unanswered"] = [item for item in area["indicators"] if not _answered(item)]
        area["answered"] = len(area["indicators"]) - len(area["unanswered"])
    questionnaire["total"] = sum(len(area["indicators"]) for area in questionnaire["areas"])
    questionnaire["answered"] = sum(area["answered"] for area in questionnaire["areas"])
    total = questionnaire["total"]
    questionnaire["progress"] = round(100 * questionnaire["answered"] / total) if total else 0
    return questionnaire


def _answered(indicator: dict) -> bool:
    """A level or don't know chosen; a comment alone does not answer the question."""
    return bool(indicator["saved"] and indicator["saved"]["answered"])


def _page(request, template: str, invitation: Invitation, token: str, questionnaire: dict, **extra):
    context = {
        "token": token,
        "invitation": invitation,
        "organization": invitation.assessment.organization,
        "q": questionnaire,
        "dont_know": DONT_KNOW,
        **extra,
    }
    return render(request, f"surveys/respond/{template}", context, status=extra.get("status_code", 200))


def _closed(request, invitation, token, questionnaire):
    return _page(
        request,
        "closed.html",
        invitation,
        token,
        questionnaire,
        status_code=409,
        deadline_passed=invitation.assessment.deadline_passed,
    )


def _open_questionnaire(request, token: str) -> tuple[Invitation, dict, HttpResponse | None]:
    """The invitation and questionnaire, plus the page to show instead when the answers
    can no longer change: the thank-you page once submitted, the closed page once the
    assessment stops collecting."""
    invitation = _invitation(token)
    questionnaire = _questionnaire(request, invitation)
    if questionnaire["status"] == RespondentStatus.SUBMITTED:
        return invitation, questionnaire, redirect("surveys:done", token=token)
    if not invitation.assessment.collecting:
        return invitation, questionnaire, _closed(request, invitation, token, questionnaire)
    return invitation, questionnaire, None


def _resume_at(questionnaire: dict) -> tuple[str, str]:
    """Where the respondent stopped: the first area with an unanswered indicator and that
    indicator ("" when all are answered: the first area, from its top)."""
    for area in questionnaire["areas"]:
        if area["unanswered"]:
            return area["code"], area["unanswered"][0]["code"]
    return questionnaire["areas"][0]["code"], ""


@require_http_methods(["GET"])
@_throttled
def welcome(request: HttpRequest, token: str) -> HttpResponse:
    invitation, questionnaire, instead = _open_questionnaire(request, token)
    if instead:
        return instead
    resume, resume_indicator = _resume_at(questionnaire)
    return _page(
        request,
        "welcome.html",
        invitation,
        token,
        questionnaire,
        minutes=questionnaire["estimated_minutes"],
        resume=resume,
        # Only a respondent who answered something continues mid-page; a new one starts at the top.
        resume_indicator=resume_indicator if questionnaire["answered"] else "",
        link_emailed=request.GET.get("link") if request.GET.get("link") in LINK_OUTCOMES else "",
    )


# What became of a request to e-mail the link, shown on the welcome page it returns to.
LINK_OUTCOMES = ("sent", "recent")


@require_http_methods(["POST"])
@_throttled
def link_email(request: HttpRequest, token: str) -> HttpResponse:
    invitation, _, instead = _open_questionnaire(request, token)
    if instead:
        return instead
    try:
        invitation_link_email(invitation=invitation)
    except StateConflict:
        outcome = "recent"
    else:
        outcome = "sent"
    return redirect(f"{reverse('surveys:welcome', args=[token])}?link={outcome}#link")


def _answers_from_form(post, area: dict) -> list[dict]:
    """The page's answers; a question with no choice but a comment (typed, or one saved before
    and now changed) saves the comment alone."""
    items = []
    for indicator in area["indicators"]:
        code = indicator["code"]
        choice = post.get(f"level-{code}")
        comment = post.get(f"comment-{code}", "")[:2000]
        if choice is None:
            saved_comment = (indicator["saved"] or {}).get("comment", "")
            if comment.strip() != saved_comment:
                items.append(
                    {"indicator": code, "level": None, "answered": False, "comment": comment.strip()}
                )
            continue
        level = None if choice == DONT_KNOW else int(choice) if choice in {"1", "2", "3", "4", "5"} else 0
        items.append({"indicator": code, "level": level, "comment": comment})
    return [item for item in items if item["level"] != 0]


@require_http_methods(["GET", "POST"])
@_throttled
def area(request: HttpRequest, token: str, area_code: str) -> HttpResponse:
    invitation, questionnaire, instead = _open_questionnaire(request, token)
    codes = [a["code"] for a in questionnaire["areas"]]
    if area_code not in codes:
        raise Http404
    if instead:
        return instead
    index = codes.index(area_code)
    current = questionnaire["areas"][index]
    errors: dict[str, str] = {}

    if request.method == "POST":
        items = _answers_from_form(request.POST, current)
        try:
            if items:
                answers_save(invitation=invitation, items=items)
        except StateConflict:
            return redirect("surveys:welcome", token=token)
        except ItemErrors as invalid:
            errors = {
                items[position]["indicator"]: " ".join(
                    message for messages in item.values() for message in messages
                )
                for position, item in invalid.errors.items()
            }
        else:
            target = request.POST.get("go")
            if target == "previous" and index > 0:
                return redirect("surveys:area", token=token, area_code=codes[index - 1])
            if target == "next" and index + 1 < len(codes):
                return redirect("surveys:area", token=token, area_code=codes[index + 1])
            if target in codes:
                return redirect("surveys:area", token=token, area_code=target)
            return redirect("surveys:review", token=token)
        questionnaire = _questionnaire(request, invitation)
        current = questionnaire["areas"][index]
        if errors:
            # Nothing was saved: the page shows what the respondent chose and typed, so it is not
            # lost, with each problem at its question (NUL, which no page can show, as U+FFFD).
            typed = {
                item["indicator"]: {
                    "level": item["level"],
                    "answered": item.get("answered", True),
                    "comment": item["comment"].replace("\x00", "\ufffd"),
                }
                for item in items
            }
            current = {
                **current,
                "indicators": [
                    {
                        **indicator,
                        "saved": typed.get(indicator["code"], indicator["saved"]),
                        "error": errors.get(indicator["code"], ""),
                    }
                    for indicator in current["indicators"]
                ],
            }

    return _page(
        request,
        "area.html",
        invitation,
        token,
        questionnaire,
        area=current,
        step=index + 1,
        steps=len(codes),
        previous=codes[index - 1] if index > 0 else None,
        next=codes[index + 1] if index + 1 < len(codes) else None,
        status_code=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@_throttled
def review(request: HttpRequest, token: str) -> HttpResponse:
    invitation, questionnaire, instead = _open_questionnaire(request, token)
    if instead:
        return instead
    error = None
    if request.method == "POST":
        try:
            response_submit(invitation=invitation)
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        except StateConflict:
            return redirect("surveys:welcome", token=token)
        else:
            return redirect("surveys:done", token=token)
    return _page(request, "review.html", invitation, token, questionnaire, error=error)


@require_http_methods(["GET"])
@_throttled
def done(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _invitation(token)
    questionnaire = _questionnaire(request, invitation)
    if questionnaire["status"] != RespondentStatus.SUBMITTED:
        return redirect("surveys:welcome", token=token)
    return _page(request, "done.html", invitation, token, questionnaire)
