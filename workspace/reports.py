"""The recommendations, comparison and reports tabs of an assessment.

The pages show what the API shows (the same selectors) and change things through the same
services: the roadmap review (`recommendations_review`), a report request (`report_request`).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assessment.access import assessment_managed, assessment_readable, require, user_manages
from assessment.levels import level_name
from assessment.metrics import metric
from assessment.models import Assessment, Status
from assessment.selectors import assessment_scores
from config.celery import BrokerUnavailable
from config.exceptions import ItemErrors, StateConflict
from config.jobs import JobStatus
from config.numbers import NO_DATA, number_text
from reports import charts
from reports.models import REPORT_STATUSES, Effort, Horizon, RecommendationStatus, ReportKind
from reports.selectors import (
    assessment_comparison,
    assessment_next_level,
    catalog_names,
    recommendations_list,
)
from reports.services import (
    recommendations_ensure,
    recommendations_generate,
    recommendations_review,
    report_request,
)
from surveys.i18n import language_pick
from workspace.pages import assessment_page

# ---------------------------------------------------------------------------------------------
# Recommendations: the consultant reviews the roadmap before it is published.

MAX_ACTIONS = 20
TEXT_FIELDS = ("title", "rationale", "actions", "impact")


class RecommendationForm(forms.Form):
    """A recommendation's texts, horizon and effort (an edit or a custom addition)."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    rationale = forms.CharField(
        label=gettext_lazy("Rationale"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    actions = forms.CharField(
        label=gettext_lazy("Actions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One action per line."),
    )
    impact = forms.CharField(
        label=gettext_lazy("Expected impact"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    horizon = forms.ChoiceField(label=gettext_lazy("Horizon"), choices=Horizon.choices)
    effort = forms.ChoiceField(label=gettext_lazy("Effort"), choices=Effort.choices)

    def clean_actions(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["actions"].splitlines() if line.strip()]
        if len(lines) > MAX_ACTIONS:
            raise ValidationError(_("At most %(count)d actions.") % {"count": MAX_ACTIONS})
        if any(len(line) > 1000 for line in lines):
            raise ValidationError(_("An action may have at most 1,000 characters."))
        return lines


def _edit_initial(item: dict) -> dict:
    return {
        **{field: item[field] for field in ("title", "rationale", "impact", "horizon", "effort")},
        "actions": "\n".join(item["actions"]),
    }


def _edit_changes(item: dict, values: dict) -> dict:
    """Only the texts that differ from what the page showed: an unchanged library text stays
    the library's (and so follows the report's language)."""
    change = {"id": item["id"], "horizon": values["horizon"], "effort": values["effort"]}
    change.update({field: values[field] for field in TEXT_FIELDS if values[field] != item[field]})
    return change


def _errors_into(form: forms.Form, errors: dict[str, list[str]]) -> None:
    for field, messages_ in errors.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def _recommendations_context(
    request: HttpRequest,
    assessment: Assessment,
    *,
    scores: dict,
    bound: tuple[int | None, forms.Form] | None = None,
) -> dict:
    language = language_pick(None)
    items = recommendations_list(assessment=assessment, language=language)
    names = catalog_names(version_id=assessment.catalog_version_id, language=language)
    horizons, efforts = dict(Horizon.choices), dict(Effort.choices)
    statuses = dict(RecommendationStatus.choices)
    bound_id, bound_form = bound or (None, None)
    rows = []
    for index, item in enumerate(items):
        form = (
            bound_form
            if bound_id == item["id"]
            else RecommendationForm(initial=_edit_initial(item), prefix=f"edit-{item['id']}")
        )
        rows.append(
            {
                **item,
                "first": index == 0,
                "last": index == len(items) - 1,
                "status_label": statuses.get(item["status"], item["status"]),
                "horizon_label": horizons.get(item["horizon"], item["horizon"]),
                "effort_label": efforts.get(item["effort"], item["effort"]),
                "indicator_names": [
                    {"code": code, "name": names.get(code, code)} for code in item["indicators"]
                ],
                "form": form,
                "form_open": bound_id == item["id"],
            }
        )
    counts = {
        code: sum(1 for item in items if item["status"] == code) for code in RecommendationStatus.values
    }
    next_level = assessment_next_level(assessment=assessment, scores=scores, language=language)
    return {
        "items": rows,
        "counts": counts,
        "reviewable": assessment.editable,
        "add_form": bound_form if bound and bound_id is None else RecommendationForm(prefix="add"),
        "add_open": bool(bound and bound_id is None),
        "next_level": next_level,
        "next_level_name": level_name(next_level["level"]) if next_level else "",
    }


def _recommendations_render(request, assessment, *, bound=None, status: int = 200) -> HttpResponse:
    scores = assessment_scores(assessment=assessment)
    return assessment_page(
        request,
        assessment,
        tab="recommendations",
        template="workspace/assessment/recommendations.html",
        context=_recommendations_context(request, assessment, scores=scores, bound=bound),
        status=status,
        scores=scores,
    )


def _order_moved(assessment: Assessment, item_id: int, step: int) -> list[int] | None:
    ids = list(assessment.recommendations.values_list("pk", flat=True))
    if item_id not in ids:
        return None
    index = ids.index(item_id)
    target = index + step
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    return ids


class _ItemAction(forms.Form):
    item = forms.IntegerField()


ITEM_ACTIONS = {
    "accept": RecommendationStatus.ACCEPTED,
    "reject": RecommendationStatus.REJECTED,
    "restore": RecommendationStatus.PROPOSED,
}


def _recommendations_post(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    """One review step per form: accept, reject, restore, edit, move up/down, add, regenerate."""
    action = request.POST.get("action", "")
    here = reverse("workspace:recommendations", args=[assessment.pk])
    if not assessment.editable:
        try:  # the service says why nothing changes
            recommendations_review(assessment=assessment, user=request.user, changes=[])
        except StateConflict as conflict:
            messages.error(request, conflict.message)
        return redirect(here)
    item_id = None
    if action not in ("add", "regenerate"):
        picked = _ItemAction(request.POST)
        if not picked.is_valid():
            messages.error(request, _("No such recommendation in this assessment."))
            return redirect(here)
        item_id = picked.cleaned_data["item"]
    try:
        if action in ITEM_ACTIONS:
            recommendations_review(
                assessment=assessment,
                user=request.user,
                changes=[{"id": item_id, "status": ITEM_ACTIONS[action]}],
            )
            done = {
                "accept": _("The recommendation is accepted."),
                "reject": _("The recommendation is rejected; reports leave it out."),
                "restore": _("The recommendation is proposed again."),
            }[action]
        elif action in ("up", "down"):
            order = _order_moved(assessment, item_id, -1 if action == "up" else 1)
            recommendations_review(
                assessment=assessment, user=request.user, changes=[], order=order or [item_id]
            )
            done = _("The roadmap's order is saved.")
        elif action in ("edit", "add"):
            prefix = "add" if action == "add" else f"edit-{item_id}"
            form = RecommendationForm(request.POST, prefix=prefix)
            shown = next(
                (
                    item
                    for item in recommendations_list(assessment=assessment, language=language_pick(None))
                    if item["id"] == item_id
                ),
                None,
            )
            if action == "edit" and shown is None:
                messages.error(request, _("No such recommendation in this assessment."))
                return redirect(here)
            if not form.is_valid():
                return _recommendations_render(request, assessment, bound=(item_id, form), status=400)
            if action == "edit":
                change = _edit_changes(shown, form.cleaned_data)
            else:
                change = {**form.cleaned_data, "status": RecommendationStatus.ACCEPTED}
            try:
                recommendations_review(assessment=assessment, user=request.user, changes=[change])
            except ItemErrors as error:
                _errors_into(form, error.errors.get(0, {}))
                return _recommendations_render(request, assessment, bound=(item_id, form), status=400)
            done = (
                _("The recommendation is saved.") if action == "edit" else _("The recommendation is added.")
            )
        elif action == "regenerate":
            recommendations_review(assessment=assessment, user=request.user, changes=[])  # frozen check
            recommendations_generate(assessment=assessment, actor=request.user)
            done = _("The roadmap is proposed again from the data; what you reviewed stays.")
        else:
            messages.error(request, _("Unknown action."))
            return redirect(here)
    except StateConflict as conflict:
        messages.error(request, conflict.message)
    except (ItemErrors, ValidationError):
        messages.error(request, _("No such recommendation in this assessment."))
    else:
        messages.success(request, done)
    return redirect(f"{here}#item-{item_id}" if item_id else here)


@login_required
@require_http_methods(["GET", "POST"])
def recommendations(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    recommendations_ensure(assessment=assessment, actor=request.user)
    if request.method == "POST":
        return _recommendations_post(request, assessment)
    return _recommendations_render(request, assessment)


# ---------------------------------------------------------------------------------------------
# Comparison with the baseline: what ComparisonApi returns, with a radar of the areas.


def _signed(value: float | None, digits: int = 1) -> str:
    return number_text(value, digits=digits, signed=True)


def _change_rows(entries: list[dict]) -> list[dict]:
    rows = []
    for entry in entries:
        # The metric's precision (assessment.metrics); KeyError for a code the registry lacks.
        digits = metric(entry["code"]).precision
        rows.append(
            {
                **entry,
                "before_text": number_text(entry["before"], digits=digits),
                "after_text": number_text(entry["after"], digits=digits),
                "change_text": _signed(entry["change"], digits),
                "relative_text": _signed(entry["relative"]) + " %"
                if entry["relative"] is not None
                else NO_DATA,
            }
        )
    return rows


def _comparison_display(result: dict) -> dict:
    """The comparison's numbers as the active language writes them (signs, true minus)."""

    def scored(entries: list[dict]) -> list[dict]:
        return [
            {
                **entry,
                "before_text": number_text(entry["before"], digits=1),
                "after_text": number_text(entry["after"], digits=1),
                "delta_text": _signed(entry["delta"]),
                "direction": "up"
                if (entry["delta"] or 0) > 0
                else "down"
                if (entry["delta"] or 0) < 0
                else "",
            }
            for entry in entries
        ]

    overall = result["overall"]
    return {
        "overall_delta": _signed(overall["delta"]),
        "areas": scored(result["areas"]),
        "improvements": scored(result["improvements"]),
        "regressions": scored(result["regressions"]),
        "metrics": [
            row
            for row in _change_rows(result["metrics"])
            if row["before"] is not None or row["after"] is not None
        ],
        "kpis": [
            row
            for row in _change_rows(result["kpis"])
            if row["before"] is not None or row["after"] is not None
        ],
    }


@login_required
def comparison(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
    require(assessment.baseline_id is not None)
    result = assessment_comparison(assessment=assessment, language=language_pick(None))
    context = {"comparison": result, **_comparison_display(result)}
    context["radar"] = charts.radar_chart(
        areas=[{"name": area["name"], "score": area["after"]} for area in result["areas"]],
        labels={"current": _("This assessment"), "baseline": _("Baseline")},
        baseline=[area["before"] for area in result["areas"]],
    )
    return assessment_page(
        request,
        assessment,
        tab="comparison",
        template="workspace/assessment/comparison.html",
        context=context,
    )


# ---------------------------------------------------------------------------------------------
# Reports: request a PDF, watch it render, download it; the consultant publishes from here.


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Report"), choices=ReportKind.choices)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args, assessment: Assessment, **kwargs):
        super().__init__(*args, **kwargs)
        if assessment.baseline_id is None:
            self.fields["kind"].choices = [
                (code, label) for code, label in ReportKind.choices if code != ReportKind.COMPARISON
            ]


def _report_rows(assessment: Assessment) -> list[dict]:
    rows = []
    for report in assessment.reports.select_related("requested_by"):
        user = report.requested_by
        rows.append(
            {
                "report": report,
                "status": REPORT_STATUSES[report.status],
                "ready": report.status == JobStatus.READY,
                "pending": report.status in (JobStatus.QUEUED, JobStatus.RUNNING),
                "requested_by": (user.get_full_name() or user.get_username()) if user else "",
                "status_url": reverse("api:report-detail", kwargs={"report_id": report.pk}),
                "download_url": reverse("api:report-download", kwargs={"report_id": report.pk}),
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Anyone who may read the assessment may request its reports: consultants at any time,
    client executives once it is published (their scope has nothing else)."""
    assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
    here = reverse("workspace:reports", args=[assessment.pk])
    status = 200
    if request.method == "POST":
        form = ReportRequestForm(request.POST, assessment=assessment)
        if form.is_valid():
            try:
                report = report_request(assessment=assessment, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                _errors_into(form, error.message_dict)
                status = 400
            except BrokerUnavailable as unavailable:
                form.add_error(None, unavailable.message)
                status = 503
            else:
                messages.success(
                    request,
                    _("The report “%(kind)s” (%(language)s) is requested.")
                    % {"kind": report.get_kind_display(), "language": report.get_language_display()},
                )
                return redirect(here)
        else:
            status = 400
    else:
        form = ReportRequestForm(assessment=assessment, initial={"language": language_pick(None)})
    manages = user_manages(user=request.user, assessment=assessment)
    return assessment_page(
        request,
        assessment,
        tab="reports",
        template="workspace/assessment/reports.html",
        context={
            "form": form,
            "rows": _report_rows(assessment),
            "can_publish": manages and assessment.status == Status.SCORING,
            "collecting": manages and assessment.invitations_open,
        },
        status=status,
    )
