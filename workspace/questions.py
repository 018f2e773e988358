"""Who is asked what: the indicators each respondent role is asked in an assessment, the minutes
that takes and, once answers come in, how many each role gave per indicator. Before collection
opens the consultant widens or narrows the catalog's audiences here (docs/methods.md §2)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessment.access import assessment_managed
from assessment.models import Assessment, Status
from assessment.selectors import answer_counts_frame
from assessment.services import assessment_update
from config.exceptions import StateConflict
from surveys.i18n import language_pick
from surveys.models import RespondentRole
from surveys.selectors import (
    catalog_tree,
    effective_audiences,
    indicator_ids,
    questionnaire_areas,
    reading_minutes,
)
from workspace.pages import assessment_page


def _answers_by_role(assessment: Assessment) -> dict[tuple[str, str], int]:
    """(indicator, role) → submitted answers with a level (don't know left out, as coverage counts)."""
    frame = answer_counts_frame(assessment=assessment)
    known = frame[frame["level"].notna()]
    counts = known.astype({"role": str}).groupby(["indicator", "role"])["count"].sum()
    return {key: int(value) for key, value in counts.items()}


def _page(request: HttpRequest, assessment: Assessment, *, status: int = 200) -> HttpResponse:
    language = language_pick(get_language())
    version = assessment.catalog_version
    editable = assessment.status == Status.DRAFT
    answers = _answers_by_role(assessment) if assessment.status != Status.DRAFT else {}
    roles = list(RespondentRole.choices)
    areas = []
    for area in catalog_tree(version=version, language=language)["areas"]:
        rows = []
        for item in area["indicators"]:
            asked = effective_audiences(item["code"], item["audiences"], assessment.audiences)
            rows.append(
                {
                    "code": item["code"],
                    "title": item["title"],
                    "changed": item["code"] in assessment.audiences,
                    "cells": [
                        {
                            "role": role,
                            "label": label,
                            "asked": role in asked,
                            "answers": answers.get((item["code"], role), 0),
                        }
                        for role, label in roles
                    ],
                }
            )
        areas.append({"name": area["name"], "rows": rows})
    per_role = []
    for role, label in roles:
        asked_areas = questionnaire_areas(
            version=version, role=role, language=language, overrides=assessment.audiences
        )
        asked_items = [item for area in asked_areas for item in area["indicators"]]
        per_role.append(
            {"label": label, "indicators": len(asked_items), "minutes": reading_minutes(asked_items)}
        )
    context = {
        "roles": roles,
        "areas": areas,
        "per_role": per_role,
        "editable": editable,
        "answered": assessment.status != Status.DRAFT,
    }
    return assessment_page(
        request,
        assessment,
        tab="respondents",
        template="workspace/assessment/questions.html",
        context=context,
        status=status,
    )


@login_required
def questions(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    if request.method != "POST":
        return _page(request, assessment)
    codes = indicator_ids(version_id=assessment.catalog_version_id)
    audiences = {code: request.POST.getlist(f"asked-{code}") for code in codes}
    try:
        assessment_update(assessment=assessment, actor=request.user, audiences=audiences)
    except StateConflict as error:
        messages.error(request, error.message)
    except ValidationError as error:
        for field, field_messages in error.message_dict.items():
            for message in field_messages:
                messages.error(request, f"{field.removeprefix('audiences.')}: {message}")
        return _page(request, assessment, status=400)
    else:
        messages.success(request, _("Who is asked which question is saved."))
    return redirect("workspace:questions", assessment.pk)
