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
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assessment.access import (
    assessment_managed,
    assessment_readable,
    baseline_readable,
    require,
    user_manages,
)
from assessment.levels import level_name
from assessment.metrics import metric
from assessment.models import CLIENT_VISIBLE_STATUSES, Assessment, Status
from assessment.presenters import sufficiency_reasons_present
from assessment.selectors import assessment_scores
from assessment.services import OVERRIDE_REASON_MIN_LENGTH
from assessment.sufficiency import PRELIMINARY
from config.celery import BrokerUnavailable
from config.exceptions import ItemErrors, StateConflict, TooManyRequests
from config.jobs import JobStatus
from config.numbers import NO_DATA, number_text
from reports import charts
from reports.models import REPORT_STATUSES, Effort, Horizon, RecommendationStatus, ReportKind
from reports.narrative_selectors import texts_missing_by_language
from reports.selectors import (
    assessment_comparison,
    assessment_next_level,
    catalog_names,
    recommendation_item_present,
    recommendations_list,
    report_baseline,
    report_scope,
    roadmap_awaiting_review,
)
from reports.services import (
    recommendations_accept_proposed,
    recommendations_ensure,
    recommendations_generate,
    recommendations_review,
    report_release,
    report_request,
)
from reports.texts import LANGUAGES, language_name
from surveys.i18n import language_pick
from workspace.pages import assessment_page

# ---------------------------------------------------------------------------------------------
# Recommendations: the consultant reviews the roadmap before it is published.

MAX_ACTIONS = 20
TEXT_FIELDS = ("title", "rationale", "actions", "impact")


TEXT_LABELS = {
    "title": gettext_lazy("Title"),
    "rationale": gettext_lazy("Rationale"),
    "actions": gettext_lazy("Actions"),
    "impact": gettext_lazy("Expected impact"),
}


def _text_field(field: str, language_label) -> forms.CharField:
    label = format_lazy("{} ({})", TEXT_LABELS[field], language_label)
    if field == "title":
        return forms.CharField(label=label, max_length=300, required=False)
    if field == "actions":
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text=gettext_lazy("One action per line."),
        )
    rows, limit = (3, 4000) if field == "rationale" else (2, 2000)
    return forms.CharField(
        label=label, max_length=limit, required=False, widget=forms.Textarea(attrs={"rows": rows})
    )


class RecommendationForm(forms.Form):
    """A recommendation's texts in each language (reports.texts), horizon and effort (an edit
    or a custom addition). `<field>_<language>`, e.g. title_ru; actions one per line."""

    horizon = forms.ChoiceField(label=gettext_lazy("Horizon"), choices=Horizon.choices)
    effort = forms.ChoiceField(label=gettext_lazy("Effort"), choices=Effort.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        texts = {
            f"{field}_{code}": _text_field(field, label)
            for code, label in settings.LANGUAGES
            for field in TEXT_FIELDS
        }
        self.fields = {**texts, "horizon": self.fields["horizon"], "effort": self.fields["effort"]}

    def clean(self) -> dict:
        cleaned = super().clean()
        for code in LANGUAGES:
            name = f"actions_{code}"
            if name not in cleaned:
                continue
            lines = [line.strip() for line in cleaned[name].splitlines() if line.strip()]
            if len(lines) > MAX_ACTIONS:
                self.add_error(name, _("At most %(count)d actions.") % {"count": MAX_ACTIONS})
            elif any(len(line) > 1000 for line in lines):
                self.add_error(name, _("An action may have at most 1,000 characters."))
            else:
                cleaned[name] = lines
        if not any(cleaned.get(f"title_{code}") for code in LANGUAGES) and not self.has_error(
            f"title_{LANGUAGES[0]}"
        ):
            self.add_error(f"title_{LANGUAGES[0]}", _("Give the title in at least one language."))
        return cleaned

    def texts(self) -> dict[str, dict]:
        """The texts entered: field → language → value."""
        return {
            field: {code: self.cleaned_data[f"{field}_{code}"] for code in LANGUAGES} for field in TEXT_FIELDS
        }


def _edit_initial(shown: dict[str, dict]) -> dict:
    """`shown`: language → the item as shown in it (the consultant's text or the library's)."""
    first = shown[LANGUAGES[0]]
    initial = {"horizon": first["horizon"], "effort": first["effort"]}
    for code, item in shown.items():
        for field in TEXT_FIELDS:
            value = item[field]
            initial[f"{field}_{code}"] = "\n".join(value) if field == "actions" else value
    return initial


def _edit_changes(shown: dict[str, dict], form: RecommendationForm) -> dict:
    """Only the texts that differ, per language, from what the page showed: an unchanged
    library text stays the library's (in every language)."""
    values = form.cleaned_data
    change = {"id": shown[LANGUAGES[0]]["id"], "horizon": values["horizon"], "effort": values["effort"]}
    for field, given in form.texts().items():
        changed = {code: value for code, value in given.items() if value != shown[code][field]}
        if changed:
            change[field] = changed
    return change


def _item_in_languages(assessment: Assessment, item_id: int | None) -> dict[str, dict] | None:
    """The roadmap item as shown in each language, or None when the assessment has no such item."""
    item = assessment.recommendations.filter(pk=item_id).first() if item_id else None
    if item is None:
        return None
    return {code: recommendation_item_present(item, language=code) for code in LANGUAGES}


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
    in_languages = {
        code: {item["id"]: item for item in recommendations_list(assessment=assessment, language=code)}
        for code in LANGUAGES
    }
    names = catalog_names(version_id=assessment.catalog_version_id, language=language)
    horizons, efforts = dict(Horizon.choices), dict(Effort.choices)
    statuses = dict(RecommendationStatus.choices)
    bound_id, bound_form = bound or (None, None)
    rows = []
    for index, item in enumerate(items):
        shown = {code: in_languages[code][item["id"]] for code in LANGUAGES}
        form = (
            bound_form
            if bound_id == item["id"]
            else RecommendationForm(initial=_edit_initial(shown), prefix=f"edit-{item['id']}")
        )
        rows.append(
            {
                **item,
                # A text not written in the page's language is shown in another, and marked.
                **{
                    field: item[field]
                    or next((shown[code][field] for code in LANGUAGES if shown[code][field]), "")
                    for field in TEXT_FIELDS
                },
                "missing_names": [language_name(code) for code in item["missing_languages"]],
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
    titles = {item["code"]: item["title"] for item in items if item["code"]}
    for row in rows:
        row["prerequisite_titles"] = [
            {"code": code, "title": titles.get(code, code)} for code in row["prerequisites"]
        ]
    return {
        "items": rows,
        "counts": counts,
        "by_value": assessment.roadmap_limit_in_force is not None,
        "roadmap_limit": assessment.roadmap_limit_in_force,
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


# Actions on the whole roadmap, the rest act on one item.
ROADMAP_ACTIONS = ("add", "regenerate", "accept_all")
ITEM_ACTIONS = {
    "accept": RecommendationStatus.ACCEPTED,
    "reject": RecommendationStatus.REJECTED,
    "restore": RecommendationStatus.PROPOSED,
}


def _recommendations_post(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    """One review step per form: accept, reject, restore, edit, move up/down, add, regenerate,
    accept every proposal."""
    action = request.POST.get("action", "")
    here = reverse("workspace:recommendations", args=[assessment.pk])
    if not assessment.editable:
        try:  # the service says why nothing changes
            recommendations_review(assessment=assessment, user=request.user, changes=[])
        except StateConflict as conflict:
            messages.error(request, conflict.message)
        return redirect(here)
    item_id = None
    if action not in ROADMAP_ACTIONS:
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
            shown = _item_in_languages(assessment, item_id)
            if action == "edit" and shown is None:
                messages.error(request, _("No such recommendation in this assessment."))
                return redirect(here)
            if not form.is_valid():
                return _recommendations_render(request, assessment, bound=(item_id, form), status=400)
            if action == "edit":
                change = _edit_changes(shown, form)
            else:
                values = form.cleaned_data
                change = {
                    **form.texts(),
                    "horizon": values["horizon"],
                    "effort": values["effort"],
                    "status": RecommendationStatus.ACCEPTED,
                }
            try:
                recommendations_review(assessment=assessment, user=request.user, changes=[change])
            except ItemErrors as error:
                _errors_into(form, error.errors.get(0, {}))
                return _recommendations_render(request, assessment, bound=(item_id, form), status=400)
            done = (
                _("The recommendation is saved.") if action == "edit" else _("The recommendation is added.")
            )
        elif action == "accept_all":
            recommendations_accept_proposed(assessment=assessment, user=request.user)
            done = _("Every proposed recommendation is accepted.")
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


def _relative_text(entry: dict) -> str:
    if entry["relative"] is not None:
        return _signed(entry["relative"]) + " %"
    if entry["change"] is not None:
        # Both values are there, but the one before shows as 0 (reports.comparison).
        return _("not meaningful")
    return NO_DATA


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
                "relative_text": _relative_text(entry),
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
    result = assessment_comparison(
        assessment=assessment,
        baseline=baseline_readable(user=request.user, assessment=assessment),
        language=language_pick(None),
    )
    require(result is not None)
    context = {"comparison": result, **_comparison_display(result)}
    context["radar"] = charts.radar_chart(
        areas=[{"name": area["name"], "score": area["after"]} for area in result["areas"]],
        labels={"current": _("This assessment"), "baseline": _("Baseline")},
        baseline=[area["before"] for area in result["areas"]],
        **charts.SCREEN_RADAR,
    )
    return assessment_page(
        request,
        assessment,
        tab="comparison",
        template="workspace/assessment/comparison.html",
        context=context,
    )


# ---------------------------------------------------------------------------------------------
# Reports: request a PDF, watch it render, download it; the consultant publishes the assessment
# and releases reports to the client from here (executives see only released reports).


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Report"), choices=ReportKind.choices)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args, assessment: Assessment, user, **kwargs):
        super().__init__(*args, **kwargs)
        if report_baseline(assessment=assessment, user=user) is None:
            self.fields["kind"].choices = [
                (code, label) for code, label in ReportKind.choices if code != ReportKind.COMPARISON
            ]


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _report_rows(request: HttpRequest, assessment: Assessment, *, manages: bool) -> list[dict]:
    """The reports the user may see (report_scope): all for the assessment's consultants, the
    released ones for the client's executives."""
    published = assessment.status in CLIENT_VISIBLE_STATUSES
    reports = report_scope(user=request.user).filter(assessment=assessment)
    rows = []
    for report in reports.select_related("requested_by", "released_by"):
        ready = report.status == JobStatus.READY
        pending = report.status in (JobStatus.QUEUED, JobStatus.RUNNING)
        # Whether it is a draft is settled when it renders; the script shows the button then.
        may_release = manages and published and not report.draft and report.released_at is None
        rows.append(
            {
                "report": report,
                "status": REPORT_STATUSES[report.status],
                "ready": ready,
                "pending": pending,
                "requested_by": _person(report.requested_by),
                "released_by": _person(report.released_by),
                "releasable": may_release and ready,
                "releasable_when_ready": may_release and pending,
                "status_url": reverse("api:report-detail", kwargs={"report_id": report.pk}),
                "download_url": reverse("api:report-download", kwargs={"report_id": report.pk}),
                "release_url": reverse("workspace:report-release", args=[assessment.pk, report.pk]),
            }
        )
    return rows


def _requested_message(request: HttpRequest, report) -> str:
    names = {"kind": report.get_kind_display(), "language": report.get_language_display()}
    if not report_scope(user=request.user).filter(pk=report.pk).exists():
        return (
            _(
                "The report “%(kind)s” (%(language)s) is requested. It appears here once your "
                "consultant has reviewed it and released it to you."
            )
            % names
        )
    if report.status == JobStatus.READY:
        return _("The report “%(kind)s” (%(language)s) of the current data is ready below.") % names
    return _("The report “%(kind)s” (%(language)s) is requested.") % names


def _publish_reasons(scores: dict) -> list[dict]:
    """Why the scores are preliminary, for the publish form to ask for a reason (none when the
    evidence suffices)."""
    sufficiency = scores.get("sufficiency")  # snapshots from before sufficiency have none
    if not sufficiency or sufficiency["status"] != PRELIMINARY:
        return []
    return sufficiency_reasons_present(sufficiency["reasons"])


@login_required
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Anyone who may read the assessment may request its reports: consultants at any time,
    client executives once it is published (their scope has nothing else)."""
    assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
    here = reverse("workspace:reports", args=[assessment.pk])
    status = 200
    if request.method == "POST":
        form = ReportRequestForm(request.POST, assessment=assessment, user=request.user)
        if form.is_valid():
            try:
                report = report_request(assessment=assessment, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                _errors_into(form, error.message_dict)
                status = 400
            except BrokerUnavailable as unavailable:
                form.add_error(None, unavailable.message)
                status = 503
            except TooManyRequests as busy:
                form.add_error(None, busy.message)
                status = 429
            else:
                messages.success(request, _requested_message(request, report))
                return redirect(here)
        else:
            status = 400
    else:
        form = ReportRequestForm(
            assessment=assessment, user=request.user, initial={"language": language_pick(None)}
        )
    manages = user_manages(user=request.user, assessment=assessment)
    can_publish = manages and assessment.status == Status.SCORING
    if can_publish:  # what publishing waits for includes the roadmap, proposed on first look
        recommendations_ensure(assessment=assessment, actor=request.user)
    scores = assessment_scores(assessment=assessment)
    response = assessment_page(
        request,
        assessment,
        tab="reports",
        template="workspace/assessment/reports.html",
        context={
            "form": form,
            "rows": _report_rows(request, assessment, manages=manages),
            "manages": manages,
            "can_publish": can_publish,
            "publish_reasons": _publish_reasons(scores) if can_publish else [],
            "roadmap_awaiting": roadmap_awaiting_review(assessment=assessment) if can_publish else [],
            "override_reason_min_length": OVERRIDE_REASON_MIN_LENGTH,
            "collecting": manages and assessment.invitations_open,
            # The consultant's texts a report in some language lacks (it is refused until written).
            "texts_missing": [
                {"language": language_name(language), "messages": found}
                for language, found in (
                    texts_missing_by_language(assessment=assessment) if manages else {}
                ).items()
                if found
            ],
        },
        status=status,
        scores=scores,
    )
    if status == 503:  # the task queue is away
        response["Retry-After"] = str(BrokerUnavailable.retry_after)
    return response


@login_required
@require_http_methods(["POST"])
def report_release_page(request: HttpRequest, assessment_id: int, report_id: int) -> HttpResponse:
    """The consultant gives a report to the client's executives (report_release says when not)."""
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    report = get_object_or_404(assessment.reports, pk=report_id)
    try:
        report_release(report=report, user=request.user)
    except StateConflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(
            request,
            _("The report “%(kind)s” (%(language)s) is released to the client.")
            % {"kind": report.get_kind_display(), "language": report.get_language_display()},
        )
    return redirect(f"{reverse('workspace:reports', args=[assessment.pk])}#report-{report.pk}")
