"""The action-plan tab of an assessment: where the plan stands (on track, at risk, overdue, done,
dropped), each initiative with its owner, dates, progress and newest updates, and per customer
metric it aims at a chart and a table of the baseline, the interim values and the targets.
Everyone of the organization reads it. Through the same services as the API
(reports.plan_services), and with the same rights: the consultants and each initiative's owner
post progress updates; the consultants and the client's managers record interim KPI values; the
consultants add initiatives and edit their fields. Every form posts to the page, an `action`
field saying which."""

import re
from collections.abc import Callable, Mapping

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assessment.access import assessment_readable
from assessment.client_users import client_users_list
from assessment.metrics import METRICS
from assessment.models import Assessment, Role
from reports.charts import SCREEN_MIN_TEXT_PT, kpi_track_chart
from reports.models import InitiativeStatus, KpiValue
from reports.plan import TARGET_SYMBOLS, kpi_track_points, plan_health
from reports.plan_selectors import initiatives_list, kpi_tracks
from reports.plan_services import (
    DESCRIPTION_MAX,
    NOTE_MAX,
    REASON_MAX,
    TARGET_OPS,
    TITLE_MAX,
    initiative_change,
    initiative_create,
    initiative_progress_add,
    kpi_value_record,
    plan_role,
)
from reports.texts import LANGUAGES, text_any
from surveys.i18n import language_pick
from workspace.pages import assessment_page

# An initiative's form offers a row per outcome metric it has and one more, OUTCOME_ROWS at least.
OUTCOME_ROWS = 3
# Who records interim KPI values (reports.plan_services.kpi_value_record).
KPI_RECORDERS = (Role.CONSULTANT, Role.CLIENT_MANAGER)
_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
_NUMBER = forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})


class ProgressForm(forms.Form):
    percent_complete = forms.IntegerField(label=gettext_lazy("Per cent complete"), min_value=0, max_value=100)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=InitiativeStatus.choices)
    note = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    dropped_reason = forms.CharField(
        label=gettext_lazy("Why it is dropped"), max_length=REASON_MAX, required=False
    )


class KpiValueForm(forms.Form):
    """An interim value of one of the metrics the plan aims at; the fields are named as the
    service names them in its errors."""

    measured_on = forms.DateField(label=gettext_lazy("Measured on"), widget=_DATE)
    metric = forms.ChoiceField(label=gettext_lazy("Metric"))
    value = forms.FloatField(label=gettext_lazy("Value"), widget=_NUMBER)
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=KpiValue._meta.get_field("source").max_length,
        required=False,
        help_text=gettext_lazy("Where the number comes from, e.g. the monthly CRM report."),
    )

    def __init__(self, data=None, *, metrics: list[tuple[str, str]]):
        super().__init__(data, prefix="kpi")
        self.fields["metric"].choices = metrics


def _per_language(name: str, label, *, max_length: int, rows: int | None = None) -> dict[str, forms.Field]:
    """`<name>_<language>` per language of settings.LANGUAGES, as the other per-language forms."""
    return {
        f"{name}_{code}": forms.CharField(
            label=format_lazy("{} ({})", label, language),
            max_length=max_length,
            required=False,
            widget=forms.Textarea(attrs={"rows": rows}) if rows else None,
        )
        for code, language in settings.LANGUAGES
    }


class OutcomesForm(forms.Form):
    """The customer metrics an initiative aims at, a row each (metric_1, op_1, value_1, …): the
    metric and, if a value is given, the target to reach (≤ or ≥ it). Rows without a metric are
    left out; the service checks the values against each metric's range."""

    def __init__(self, data=None, *, prefix: str, initial: dict | None = None, rows: int):
        super().__init__(data, prefix=prefix, initial=initial)
        self.rows = range(1, rows + 1)
        metrics = [("", "—"), *((entry.key, entry.label) for entry in METRICS)]
        ops = [(op, TARGET_SYMBOLS[op]) for op in TARGET_OPS]
        for row in self.rows:
            self.fields[f"metric_{row}"] = forms.ChoiceField(
                label=format_lazy(gettext_lazy("Metric {row}"), row=row), choices=metrics, required=False
            )
            self.fields[f"op_{row}"] = forms.ChoiceField(
                label=format_lazy(gettext_lazy("Target {row}"), row=row), choices=ops, required=False
            )
            self.fields[f"value_{row}"] = forms.FloatField(
                label=format_lazy(gettext_lazy("Value {row}"), row=row), required=False, widget=_NUMBER
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = set()
        for row in self.rows:
            key = cleaned.get(f"metric_{row}")
            if not key and cleaned.get(f"value_{row}") is not None:
                self.add_error(f"metric_{row}", _("Choose the metric the target is for."))
            elif key and key in chosen:
                self.add_error(f"metric_{row}", _("The metric is in a row above."))
            chosen.add(key)
        return cleaned

    def changes(self) -> dict:
        """The outcomes and targets as the services take them."""
        outcomes, targets = [], {}
        for row in self.rows:
            key = self.cleaned_data[f"metric_{row}"]
            if not key:
                continue
            outcomes.append(key)
            if self.cleaned_data[f"value_{row}"] is not None:
                targets[key] = {
                    "op": self.cleaned_data[f"op_{row}"],
                    "value": self.cleaned_data[f"value_{row}"],
                }
        return {"outcomes": outcomes, "targets": targets}


class InitiativeForm(forms.Form):
    """What a consultant writes of an initiative: title and description in each language, the
    owner (a client user of the organization, or the name of someone without an account),
    dates, budget and indicators; its outcome metrics and targets are `outcomes`, a form of
    its own so that the page sets them out in rows."""

    owner = forms.TypedChoiceField(label=gettext_lazy("Owner"), coerce=int, empty_value=None, required=False)
    owner_name = forms.CharField(
        label=gettext_lazy("Or the owner's name"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("Someone without an account here."),
    )
    start_on = forms.DateField(label=gettext_lazy("Start date"), required=False, widget=_DATE)
    due_on = forms.DateField(label=gettext_lazy("Due date"), required=False, widget=_DATE)
    budget = forms.DecimalField(
        label=gettext_lazy("Budget"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        widget=_NUMBER,
    )
    indicators = forms.CharField(
        label=gettext_lazy("Indicators"),
        required=False,
        help_text=gettext_lazy("Their codes, e.g. PRC-01 STF-03."),
    )

    def __init__(
        self, data=None, *, prefix: str, owners: list[tuple[int, str]], initial: dict | None = None, rows: int
    ):
        super().__init__(data, prefix=prefix, initial=initial)
        self.fields = {
            **_per_language("title", gettext_lazy("Title"), max_length=TITLE_MAX),
            **_per_language("description", gettext_lazy("Description"), max_length=DESCRIPTION_MAX, rows=3),
            **self.fields,
        }
        self.fields["owner"].choices = [("", "—"), *owners]
        self.outcomes = OutcomesForm(data, prefix=prefix, initial=initial, rows=rows)

    def is_valid(self) -> bool:
        """Both forms, each checked, so that the page shows the errors of both at once."""
        return all([super().is_valid(), self.outcomes.is_valid()])

    def clean_indicators(self) -> list[str]:
        codes = re.split(r"[\s,;]+", self.cleaned_data["indicators"].upper())
        return list(dict.fromkeys(code for code in codes if code))

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("owner") and cleaned.get("owner_name"):
            self.add_error("owner_name", _("Choose a user or write a name, not both."))
        return cleaned

    def changes(self) -> dict:
        """The fields as initiative_create and initiative_change take them; a text left blank
        in a language removes it there."""
        data = self.cleaned_data
        return {
            **{
                field: {code: data[f"{field}_{code}"] for code in LANGUAGES}
                for field in ("title", "description")
            },
            **{
                field: data[field]
                for field in ("owner", "owner_name", "start_on", "due_on", "budget", "indicators")
            },
            **self.outcomes.changes(),
        }

    def add_service_errors(self, errors: Mapping[str, list[str]]) -> None:
        """A service's field errors where they belong: a text's on its first language, the
        outcomes' and targets' above the outcome rows."""
        for field, found in errors.items():
            for message in found:
                if field in ("outcomes", "targets"):
                    self.outcomes.add_error(None, message)
                    continue
                name = f"{field}_{LANGUAGES[0]}" if field in ("title", "description") else field
                self.add_error(name if name in self.fields else None, message)


def _initiative_initial(item: dict) -> dict:
    """An initiative as presented (reports.plan_selectors.initiative_present) as its form's values."""
    initial = {
        f"{field}_{code}": item[field].get(code, "")
        for field in ("title", "description")
        for code in LANGUAGES
    }
    initial |= {
        "owner": (item["owner"] or {}).get("id"),
        "owner_name": item["owner_name"],
        "start_on": item["start_on"],
        "due_on": item["due_on"],
        "budget": item["budget"],
        "indicators": " ".join(item["indicators"]),
    }
    for row, key in enumerate(item["outcomes"], start=1):
        target = item["targets"].get(key) or {}
        initial |= {f"metric_{row}": key, f"op_{row}": target.get("op"), f"value_{row}": target.get("value")}
    return initial


def _rows(outcomes: list[str]) -> int:
    return max(OUTCOME_ROWS, len(outcomes) + 1)


def _owners(assessment: Assessment) -> list[tuple[int, str]]:
    """The client users of the organization an initiative may be given to, by name."""
    users = client_users_list(organization=assessment.organization, now=timezone.now())
    return [(client.user.pk, client.user.get_full_name() or client.user.email) for client in users]


def _unit_text(unit: str, *, currency: str) -> str:
    """What follows a metric's values on its chart: "%", the currency of an amount, or nothing."""
    return {"%": "%", "money": currency}.get(unit, "")


def _charted(track: dict, *, currency: str, labels: Mapping[str, str]) -> dict:
    """The track with its targets as they read ("≤") and its chart (None with too little to
    draw, see reports.plan.kpi_track_points)."""
    points = kpi_track_points(track)
    chart = (
        kpi_track_chart(
            points=points,
            unit=_unit_text(track["unit"], currency=currency),
            labels=labels,
            min_text_pt=SCREEN_MIN_TEXT_PT,
        )
        if points
        else None
    )
    targets = [{**target, "symbol": TARGET_SYMBOLS[target["op"]]} for target in track["targets"]]
    return {**track, "targets": targets, "chart": chart}


def _here(assessment: Assessment, *, anchor: str = "") -> str:
    return reverse("workspace:action-plan", args=[assessment.pk]) + (f"#{anchor}" if anchor else "")


def _render(
    request: HttpRequest, assessment: Assessment, *, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    """The page; `bound` holds the forms posted with errors, by prefix, shown open."""
    bound = bound or {}
    language = language_pick(None)
    role = plan_role(user=request.user, assessment=assessment)
    consultant = role == Role.CONSULTANT
    owners = _owners(assessment) if consultant else []
    initiatives = initiatives_list(assessment=assessment, today=timezone.localdate())
    for item in initiatives:
        item["title_text"] = text_any(item["title"], language)
        item["owner_text"] = (item["owner"] or {}).get("name") or item["owner_name"]
        item["status_label"] = InitiativeStatus(item["status"]).label
        if consultant or (role == Role.CLIENT_MANAGER and (item["owner"] or {}).get("id") == request.user.pk):
            prefix = f"initiative-{item['id']}"
            item["form"] = bound.get(prefix) or ProgressForm(
                initial={"percent_complete": item["percent_complete"], "status": item["status"]},
                prefix=prefix,
            )
            item["form_open"] = prefix in bound
        if consultant:
            prefix = f"edit-{item['id']}"
            item["edit_form"] = bound.get(prefix) or InitiativeForm(
                prefix=prefix, owners=owners, initial=_initiative_initial(item), rows=_rows(item["outcomes"])
            )
            item["edit_open"] = prefix in bound
    labels = {"baseline": _("Baseline")}
    tracks = [
        _charted(track, currency=assessment.currency, labels=labels)
        for track in kpi_tracks(assessment=assessment)
    ]
    context = {
        "initiatives": initiatives,
        "health": plan_health([item["health"] for item in initiatives]),
        "tracks": tracks,
    }
    if consultant:
        context["add_form"] = bound.get("add") or InitiativeForm(
            prefix="add", owners=owners, rows=OUTCOME_ROWS
        )
        context["add_open"] = "add" in bound
    if role in KPI_RECORDERS and tracks:
        context["kpi_form"] = bound.get("kpi") or KpiValueForm(
            metrics=[(track["metric"], track["label"]) for track in tracks]
        )
        context["kpi_open"] = "kpi" in bound
    return assessment_page(
        request,
        assessment,
        tab="action-plan",
        template="workspace/assessment/plan.html",
        context=context,
        status=status,
    )


def _service_errors_into(form: forms.Form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


def _progress_post(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    initiative = get_object_or_404(assessment.initiatives, pk=request.POST.get("initiative") or 0)
    prefix = f"initiative-{initiative.pk}"
    form = ProgressForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _render(request, assessment, bound={prefix: form}, status=400)
    try:
        initiative_progress_add(initiative=initiative, actor=request.user, **form.cleaned_data)
    except PermissionDenied as refused:
        messages.error(request, str(refused))
    except ValidationError as error:
        _service_errors_into(form, error)
        return _render(request, assessment, bound={prefix: form}, status=400)
    else:
        messages.success(request, _("The progress is saved."))
    return redirect(_here(assessment, anchor=prefix))


def _kpi_post(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    metrics = [(track["metric"], track["label"]) for track in kpi_tracks(assessment=assessment)]
    form = KpiValueForm(request.POST, metrics=metrics)
    if not form.is_valid():
        return _render(request, assessment, bound={"kpi": form}, status=400)
    values = form.cleaned_data
    try:
        kpi_value_record(
            assessment=assessment,
            actor=request.user,
            metric_key=values["metric"],
            measured_on=values["measured_on"],
            value=values["value"],
            source=values["source"],
        )
    except PermissionDenied as refused:
        messages.error(request, str(refused))
    except ValidationError as error:
        _service_errors_into(form, error)
        return _render(request, assessment, bound={"kpi": form}, status=400)
    else:
        messages.success(request, _("The value is recorded."))
    return redirect(_here(assessment, anchor="kpi-tracks"))


def _initiative_post(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    """Add an initiative, or edit one (`initiative`): the consultants' (as the API's)."""
    if plan_role(user=request.user, assessment=assessment) != Role.CONSULTANT:
        messages.error(request, _("Only the assessment's consultants can do this."))
        return redirect(_here(assessment))
    initiative = None
    if request.POST.get("action") == "initiative-edit":
        initiative = get_object_or_404(assessment.initiatives, pk=request.POST.get("initiative") or 0)
    prefix = f"edit-{initiative.pk}" if initiative else "add"
    form = InitiativeForm(
        request.POST,
        prefix=prefix,
        owners=_owners(assessment),
        rows=_rows(initiative.outcomes) if initiative else OUTCOME_ROWS,
    )
    if not form.is_valid():
        return _render(request, assessment, bound={prefix: form}, status=400)
    try:
        if initiative:
            saved = initiative_change(initiative=initiative, actor=request.user, **form.changes())
        else:
            saved = initiative_create(assessment=assessment, actor=request.user, **form.changes())
    except ValidationError as error:
        form.add_service_errors(error.message_dict)
        return _render(request, assessment, bound={prefix: form}, status=400)
    messages.success(request, _("The initiative is saved.") if initiative else _("The initiative is added."))
    return redirect(_here(assessment, anchor=f"initiative-{saved.pk}"))


# The forms of the page by the `action` they post; none is a progress update (the page's first form).
POSTS: dict[str, Callable[[HttpRequest, Assessment], HttpResponse]] = {
    "progress": _progress_post,
    "kpi-value": _kpi_post,
    "initiative-add": _initiative_post,
    "initiative-edit": _initiative_post,
}


@login_required
@require_http_methods(["GET", "POST"])
def action_plan(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
    if request.method == "GET":
        return _render(request, assessment)
    post = POSTS.get(request.POST.get("action") or "progress")
    if post is None:
        messages.error(request, _("Unknown action."))
        return redirect(_here(assessment))
    return post(request, assessment)
