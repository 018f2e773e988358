"""The interviews tab of an assessment: the consultant's level per indicator from leadership
interviews, with notes. One form per area without JavaScript; interviews.js saves each change
through the interview-scores API instead."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.access import assessment_managed
from assessment.models import Assessment, InterviewScore
from assessment.services import interview_scores_set
from config.exceptions import ItemErrors, StateConflict
from surveys.i18n import language_pick
from surveys.selectors import catalog_tree
from workspace.pages import assessment_page

LEVELS = (1, 2, 3, 4, 5)
NOTE_MAX_LENGTH = 4000


class InterviewAreaForm(forms.Form):
    """The levels and notes of one area's indicators: fields `<code>-level` ("" = not
    assessed, 1–5) and `<code>-note`."""

    def __init__(self, *args, indicators: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.codes = [indicator["code"] for indicator in indicators]
        for indicator in indicators:
            code = indicator["code"]
            self.fields[f"{code}-level"] = forms.TypedChoiceField(
                label=indicator["title"],
                choices=[("", gettext_lazy("Not assessed")), *((level, str(level)) for level in LEVELS)],
                coerce=int,
                empty_value=None,
                required=False,
            )
            self.fields[f"{code}-note"] = forms.CharField(
                label=gettext_lazy("Interview notes"), max_length=NOTE_MAX_LENGTH, required=False
            )

    def clean(self):
        cleaned = super().clean()
        for code in self.codes:
            if (
                cleaned.get(f"{code}-note")
                and f"{code}-level" in cleaned
                and cleaned[f"{code}-level"] is None
            ):
                self.add_error(
                    f"{code}-note", _("Choose a level to keep the note: notes are saved with a level.")
                )
        return cleaned

    def changed_items(self, saved: dict[str, dict]) -> list[dict]:
        """The items for `interview_scores_set` whose level or note differ from `saved`."""
        items = []
        for code in self.codes:
            level, note = self.cleaned_data[f"{code}-level"], self.cleaned_data[f"{code}-note"]
            current = saved.get(code)
            if level is None and current is None:
                continue
            if current is not None and current["level"] == level and current["note"] == note:
                continue
            items.append({"indicator": code, "level": level, "note": note})
        return items


def _saved_scores(assessment: Assessment) -> dict[str, dict]:
    return {
        score.indicator.code: {
            "level": score.level,
            "note": score.note,
            "updated_by": score.updated_by,
            "updated_at": score.updated_at,
        }
        for score in InterviewScore.objects.filter(assessment=assessment).select_related(
            "indicator", "updated_by"
        )
    }


def _areas(tree: dict, saved: dict[str, dict], forms_by_area: dict[str, InterviewAreaForm]) -> list[dict]:
    """The catalog's areas with, per indicator, its saved score and the form's values and errors
    (a posted form's values where one was posted)."""
    areas = []
    for area in tree["areas"]:
        form = forms_by_area.get(area["code"])
        bound = form is not None and form.is_bound
        indicators = []
        for indicator in area["indicators"]:
            code = indicator["code"]
            score = saved.get(code)
            if bound:
                level_value = form.data.get(f"{code}-level", "")
                note = form.data.get(f"{code}-note", "")
                errors = [*form.errors.get(f"{code}-level", []), *form.errors.get(f"{code}-note", [])]
            else:
                level_value = str(score["level"]) if score else ""
                note = score["note"] if score else ""
                errors = []
            indicators.append(
                {
                    **indicator,
                    "score": score,
                    "level_value": level_value,
                    "note": note,
                    "level_errors": form.errors.get(f"{code}-level", []) if bound else [],
                    "note_errors": form.errors.get(f"{code}-note", []) if bound else [],
                    "has_errors": bool(errors),
                    "descriptors": [
                        {"level": level, "text": text, "checked": level_value == str(level)}
                        for level, text in zip(LEVELS, indicator["levels"], strict=False)
                    ],
                }
            )
        areas.append(
            {
                **area,
                "indicators": indicators,
                "scored": sum(1 for indicator in indicators if indicator["score"]),
                "form_errors": form.non_field_errors() if bound else [],
            }
        )
    return areas


@login_required
def interviews(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    tree = catalog_tree(version=assessment.catalog_version, language=language_pick(None))
    saved = _saved_scores(assessment)
    editable = assessment.editable
    page_url = reverse("workspace:interviews", args=[assessment.pk])
    forms_by_area: dict[str, InterviewAreaForm] = {}
    status = 200

    if request.method == "POST":
        area = next((area for area in tree["areas"] if area["code"] == request.POST.get("area")), None)
        if not editable:
            messages.error(request, _("Interview scores cannot change once the assessment is published."))
            return redirect(page_url)
        if area is None:
            messages.error(request, _("Unknown area; nothing was saved."))
            return redirect(page_url)
        form = InterviewAreaForm(request.POST, indicators=area["indicators"])
        if form.is_valid():
            items = form.changed_items(saved)
            if not items:
                messages.info(request, _("Nothing changed in %(area)s.") % {"area": area["name"]})
                return redirect(f"{page_url}#area-{area['code']}")
            try:
                interview_scores_set(assessment=assessment, user=request.user, items=items)
            except StateConflict as conflict:
                messages.error(request, conflict.message)
                return redirect(page_url)
            except ItemErrors:
                form.add_error(
                    None, _("Some indicators are not in this assessment's catalog; nothing was saved.")
                )
            else:
                messages.success(
                    request,
                    _("Saved %(count)s interview scores in %(area)s.")
                    % {"count": len(items), "area": area["name"]},
                )
                return redirect(f"{page_url}#area-{area['code']}")
        forms_by_area[area["code"]] = form
        status = 400

    areas = _areas(tree, saved, forms_by_area)
    total = sum(len(area["indicators"]) for area in areas)
    return assessment_page(
        request,
        assessment,
        tab="interviews",
        template="workspace/assessment/interviews.html",
        context={
            "areas": areas,
            "editable": editable,
            "scored": sum(area["scored"] for area in areas),
            "total": total,
            "levels": LEVELS,
            "note_max_length": NOTE_MAX_LENGTH,
            "api_url": reverse("api:interview-scores", args=[assessment.pk]),
            "page_url": page_url,
        },
        status=status,
    )
