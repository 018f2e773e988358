"""The findings tab of an assessment: the consultant reviews the strengths and improvement zones
the engine proposes per area (edit in each language, reorder, hide, add), writes the executive
commentary and picks quotes from the respondents' comments and the interview notes.

The page shows what the API shows (reports.narrative_selectors) and changes things through the
same services (reports.narrative_services); it is frozen once the assessment is published."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assessment.access import assessment_managed
from assessment.models import Assessment
from assessment.selectors import catalog_frames
from config.exceptions import ItemErrors, StateConflict
from reports.models import FindingKind, QuoteSource
from reports.narrative_selectors import (
    commentary_get,
    findings_list,
    findings_shown,
    quote_candidates,
    quotes_list,
)
from reports.narrative_services import (
    COMMENTARY_TEXT_MAX,
    FINDING_TEXT_MAX,
    QUOTE_TEXT_MAX,
    commentary_set,
    findings_ensure,
    findings_generate,
    findings_review,
    quote_pick,
    quote_remove,
    quote_update,
)
from reports.selectors import catalog_names
from reports.texts import LANGUAGES, language_name, text_any
from surveys.i18n import language_pick
from workspace.pages import assessment_page

LANGUAGE_LABELS = dict(settings.LANGUAGES)


def _texts_fields(prefix: str, label, max_length: int, rows: int) -> dict[str, forms.CharField]:
    return {
        f"{prefix}_{code}": forms.CharField(
            label=format_lazy("{} ({})", label, name),
            max_length=max_length,
            required=False,
            widget=forms.Textarea(attrs={"rows": rows}),
        )
        for code, name in settings.LANGUAGES
    }


class _PerLanguageForm(forms.Form):
    """A form with one text field per language, `<prefix>_<language>`."""

    text_prefix = "text"

    def texts(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"{self.text_prefix}_{code}"] for code in LANGUAGES}


class FindingForm(_PerLanguageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_texts_fields("text", gettext_lazy("Finding"), FINDING_TEXT_MAX, 3))


class FindingAddForm(FindingForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=FindingKind.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["kind"])


class CommentaryForm(_PerLanguageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_texts_fields("text", gettext_lazy("Commentary"), COMMENTARY_TEXT_MAX, 6))
        for code in LANGUAGES:
            self.fields[f"text_{code}"].help_text = gettext_lazy(
                "Plain paragraphs; a blank line between them."
            )


class QuoteForm(_PerLanguageForm):
    """The original's language and the translations into the others (one for the original's
    own language is ignored: the original is it)."""

    text_prefix = "translation"
    original_language = forms.ChoiceField(
        label=gettext_lazy("Language of the original"), choices=settings.LANGUAGES
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"translation_{code}"] = forms.CharField(
                label=format_lazy("{} ({})", gettext_lazy("Translation"), name),
                max_length=QUOTE_TEXT_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=gettext_lazy("Leave empty in the original's own language."),
            )

    def translations(self) -> dict[str, str]:
        original = self.cleaned_data["original_language"]
        return {code: value for code, value in self.texts().items() if code != original}


# --- the page ------------------------------------------------------------------------------------


def _missing_names(codes: list[str]) -> list[str]:
    return [language_name(code) for code in codes]


def _finding_rows(findings: list[dict], *, language: str, bound: dict, reviewable: bool) -> list[dict]:
    rows = []
    for index, finding in enumerate(findings):
        shown = {code: finding["texts"][code] or finding["generated"].get(code, "") for code in LANGUAGES}
        key = f"finding-{finding['id']}"
        rows.append(
            {
                **finding,
                "display": finding["text"] or text_any(shown, language),
                "missing_names": _missing_names(finding["missing_languages"]),
                "first": index == 0,
                "last": index == len(findings) - 1,
                "form": bound.get(key)
                or FindingForm(prefix=key, initial={f"text_{code}": value for code, value in shown.items()}),
                "form_open": key in bound,
                "reviewable": reviewable and finding["id"] is not None,
            }
        )
    return rows


def _quote_rows(quotes: list[dict], *, language: str, bound: dict) -> list[dict]:
    rows = []
    for quote in quotes:
        key = f"quote-{quote['id']}"
        initial = {
            "original_language": quote["original_language"],
            **{
                f"translation_{code}": value
                for code, value in quote["texts"].items()
                if code != quote["original_language"]
            },
        }
        rows.append(
            {
                **quote,
                "display": quote["text"] or quote["original"],
                "missing_names": _missing_names(quote["missing_languages"]),
                "original_language_name": LANGUAGE_LABELS[quote["original_language"]],
                "form": bound.get(key) or QuoteForm(prefix=key, initial=initial),
                "form_open": key in bound,
            }
        )
    return rows


def _candidate_rows(candidates: list[dict], *, language: str, bound: dict) -> list[dict]:
    rows = []
    for candidate in candidates:
        if candidate["picked"]:
            continue
        key = f"pick-{candidate['source']}-{candidate['id']}"
        initial = {"original_language": candidate["language"] or language}
        rows.append(
            {
                **candidate,
                "key": key,
                "form": bound.get(key) or QuoteForm(prefix=key, initial=initial),
                "form_open": key in bound,
            }
        )
    return rows


def _context(assessment: Assessment, *, bound: dict) -> dict:
    language = language_pick(None)
    reviewable = assessment.editable
    findings = findings_list(assessment=assessment, language=language) or findings_shown(
        assessment=assessment, language=language
    )
    quotes = quotes_list(assessment=assessment, language=language)
    candidates = quote_candidates(assessment=assessment, language=language) if reviewable else []
    _indicators, areas = catalog_frames(version_id=assessment.catalog_version_id)
    names = catalog_names(version_id=assessment.catalog_version_id, language=language)
    sections = []
    for area in areas.index:
        own = [finding for finding in findings if finding["area"] == area]
        sections.append(
            {
                "code": area,
                "name": names.get(area, area),
                "strengths": _finding_rows(
                    [item for item in own if item["kind"] == FindingKind.STRENGTH],
                    language=language,
                    bound=bound,
                    reviewable=reviewable,
                ),
                "improvements": _finding_rows(
                    [item for item in own if item["kind"] == FindingKind.IMPROVEMENT],
                    language=language,
                    bound=bound,
                    reviewable=reviewable,
                ),
                "quotes": _quote_rows(
                    [quote for quote in quotes if quote["area"] == area], language=language, bound=bound
                ),
                "candidates": _candidate_rows(
                    [candidate for candidate in candidates if candidate["area"] == area],
                    language=language,
                    bound=bound,
                ),
                "add_form": bound.get(f"add-{area}") or FindingAddForm(prefix=f"add-{area}"),
                "add_open": f"add-{area}" in bound,
            }
        )
    commentary = commentary_get(assessment=assessment)
    return {
        "reviewable": reviewable,
        "areas": sections,
        "commentary": commentary,
        "commentary_missing_names": _missing_names(commentary["missing_languages"]),
        "commentary_form": bound.get("commentary")
        or CommentaryForm(
            prefix="commentary", initial={f"text_{code}": value for code, value in commentary["text"].items()}
        ),
        "commentary_open": "commentary" in bound,
    }


def _render(request: HttpRequest, assessment: Assessment, *, bound: dict | None = None, status: int = 200):
    return assessment_page(
        request,
        assessment,
        tab="findings",
        template="workspace/assessment/findings.html",
        context=_context(assessment, bound=bound or {}),
        status=status,
    )


def _errors_into(form: forms.Form, errors: dict, *, text_field: str) -> None:
    """A service's field errors onto the form: its text errors on the first language's field."""
    for field, found in errors.items():
        target = f"{text_field}_{LANGUAGES[0]}" if field in ("text", "translations") else field
        for message in found:
            form.add_error(target if target in form.fields else None, message)


class _Item(forms.Form):
    item = forms.IntegerField()


def _order_moved(assessment: Assessment, finding_id: int, step: int) -> list[int] | None:
    """The findings' order with one moved past its neighbour of the same area and kind."""
    rows = list(assessment.findings.values_list("pk", "area", "kind"))
    ids = [pk for pk, _area, _kind in rows]
    mine = next((row for row in rows if row[0] == finding_id), None)
    if mine is None:
        return None
    group = [pk for pk, area, kind in rows if (area, kind) == mine[1:]]
    index = group.index(finding_id)
    if not 0 <= index + step < len(group):
        return ids
    other = group[index + step]
    first, second = ids.index(finding_id), ids.index(other)
    ids[first], ids[second] = ids[second], ids[first]
    return ids


def _finding_post(request, assessment, action: str, here: str) -> HttpResponse:
    picked = _Item(request.POST)
    if not picked.is_valid() or not assessment.findings.filter(pk=picked.cleaned_data["item"]).exists():
        messages.error(request, _("No such finding in this assessment."))
        return redirect(here)
    finding_id = picked.cleaned_data["item"]
    anchor = f"{here}#finding-{finding_id}"
    if action in ("finding-hide", "finding-show"):
        findings_review(
            assessment=assessment,
            user=request.user,
            changes=[{"id": finding_id, "hidden": action == "finding-hide"}],
        )
        messages.success(
            request,
            _("The finding is hidden: reports leave it out.")
            if action == "finding-hide"
            else _("The finding is shown in the reports again."),
        )
    elif action in ("finding-up", "finding-down"):
        order = _order_moved(assessment, finding_id, -1 if action == "finding-up" else 1)
        findings_review(assessment=assessment, user=request.user, changes=[], order=order)
        messages.success(request, _("The order of the findings is saved."))
    elif action == "finding-revert":
        findings_review(
            assessment=assessment,
            user=request.user,
            changes=[{"id": finding_id, "text": dict.fromkeys(LANGUAGES, "")}],
        )
        messages.success(request, _("The finding reads as proposed from the data again."))
    else:  # finding-edit
        key = f"finding-{finding_id}"
        form = FindingForm(request.POST, prefix=key)
        if not form.is_valid():
            return _render(request, assessment, bound={key: form}, status=400)
        shown = next(
            item
            for item in findings_list(assessment=assessment, language=language_pick(None))
            if item["id"] == finding_id
        )
        # A text left as the engine wrote it is no text of the consultant's.
        text = {
            code: "" if value == shown["generated"].get(code) and not shown["texts"][code] else value
            for code, value in form.texts().items()
        }
        try:
            findings_review(
                assessment=assessment, user=request.user, changes=[{"id": finding_id, "text": text}]
            )
        except ItemErrors as error:
            _errors_into(form, error.errors.get(0, {}), text_field="text")
            return _render(request, assessment, bound={key: form}, status=400)
        messages.success(request, _("The finding is saved."))
    return redirect(anchor)


def _post(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    action = request.POST.get("action", "")
    here = reverse("workspace:findings", args=[assessment.pk])
    if action.startswith("finding-"):
        return _finding_post(request, assessment, action, here)
    if action == "regenerate":
        findings_generate(assessment=assessment, actor=request.user)
        messages.success(
            request, _("The findings are proposed again from the data; what you edited, hid or added stays.")
        )
        return redirect(here)
    if action == "add-finding":
        area = request.POST.get("area", "")
        key = f"add-{area}"
        form = FindingAddForm(request.POST, prefix=key)
        if not form.is_valid():
            return _render(request, assessment, bound={key: form}, status=400)
        change = {"area": area, "kind": form.cleaned_data["kind"], "text": form.texts()}
        try:
            findings_review(assessment=assessment, user=request.user, changes=[change])
        except ItemErrors as error:
            _errors_into(form, error.errors.get(0, {}), text_field="text")
            return _render(request, assessment, bound={key: form}, status=400)
        messages.success(request, _("The finding is added."))
        return redirect(f"{here}#area-{area}")
    if action == "commentary":
        form = CommentaryForm(request.POST, prefix="commentary")
        if not form.is_valid():
            return _render(request, assessment, bound={"commentary": form}, status=400)
        try:
            commentary_set(assessment=assessment, user=request.user, text=form.texts())
        except ValidationError as error:
            _errors_into(form, error.message_dict, text_field="text")
            return _render(request, assessment, bound={"commentary": form}, status=400)
        messages.success(request, _("The executive commentary is saved."))
        return redirect(f"{here}#commentary")
    if action == "quote-pick":
        return _quote_pick_post(request, assessment, here)
    if action in ("quote-edit", "quote-remove"):
        return _quote_post(request, assessment, action, here)
    messages.error(request, _("Unknown action."))
    return redirect(here)


def _quote_pick_post(request, assessment, here: str) -> HttpResponse:
    source = request.POST.get("source", "")
    picked = _Item(request.POST)
    if source not in QuoteSource.values or not picked.is_valid():
        messages.error(request, _("No such comment or note in this assessment."))
        return redirect(here)
    source_id = picked.cleaned_data["item"]
    key = f"pick-{source}-{source_id}"
    form = QuoteForm(request.POST, prefix=key)
    if not form.is_valid():
        return _render(request, assessment, bound={key: form}, status=400)
    try:
        quote = quote_pick(
            assessment=assessment,
            user=request.user,
            source=source,
            source_id=source_id,
            original_language=form.cleaned_data["original_language"],
            translations=form.translations(),
        )
    except ValidationError as error:
        if "source_id" in error.message_dict:  # not quotable: nothing to show the form for
            messages.error(request, " ".join(error.message_dict["source_id"]))
            return _render(request, assessment, status=400)
        _errors_into(form, error.message_dict, text_field="translation")
        return _render(request, assessment, bound={key: form}, status=400)
    messages.success(request, _("The quote is added to the report."))
    return redirect(f"{here}#quote-{quote.pk}")


def _quote_post(request, assessment, action: str, here: str) -> HttpResponse:
    picked = _Item(request.POST)
    quote = assessment.quotes.filter(pk=picked.cleaned_data["item"]).first() if picked.is_valid() else None
    if quote is None:
        messages.error(request, _("No such quote in this assessment."))
        return redirect(here)
    if action == "quote-remove":
        quote_remove(assessment=assessment, user=request.user, quote=quote)
        messages.success(request, _("The quote is removed from the report."))
        return redirect(f"{here}#area-{quote.area}")
    key = f"quote-{quote.pk}"
    form = QuoteForm(request.POST, prefix=key)
    if not form.is_valid():
        return _render(request, assessment, bound={key: form}, status=400)
    try:
        # Every translation field is on the form: one left empty removes its translation.
        quote_update(
            assessment=assessment,
            user=request.user,
            quote=quote,
            original_language=form.cleaned_data["original_language"],
            translations=form.translations(),
        )
    except ValidationError as error:
        _errors_into(form, error.message_dict, text_field="translation")
        return _render(request, assessment, bound={key: form}, status=400)
    messages.success(request, _("The quote is saved."))
    return redirect(f"{here}#quote-{quote.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def findings(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    if request.method == "POST":
        try:
            return _post(request, assessment)
        except StateConflict as conflict:  # published: the services say what is frozen
            messages.error(request, conflict.message)
            return redirect(reverse("workspace:findings", args=[assessment.pk]))
    findings_ensure(assessment=assessment, actor=request.user)
    return _render(request, assessment)
