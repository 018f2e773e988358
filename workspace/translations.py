"""The Translations tab: how complete each language of the consultant's texts is, what a report
in a language still lacks, and the translation workbook to hand to a translator and import back
(reports.translations)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from assessment.access import assessment_managed
from assessment.models import Assessment
from config.exceptions import ItemErrors, StateConflict
from config.request_limits import body_limit
from config.spreadsheets import XLSX_TYPE
from config.translation_workbook import WORKBOOK_MAX_BYTES
from reports.narrative_selectors import texts_missing_by_language
from reports.texts import language_name
from reports.translations import (
    assessment_translations_completeness,
    assessment_translations_import,
    assessment_translations_workbook,
)
from surveys.i18n import FALLBACK
from workspace.pages import assessment_page

# Room for the multipart framing around the file.
_FORM_OVERHEAD_BYTES = 64 * 1024


class WorkbookForm(forms.Form):
    source = forms.ChoiceField(label=gettext_lazy("From"), choices=settings.LANGUAGES)
    target = forms.ChoiceField(label=gettext_lazy("Into"), choices=settings.LANGUAGES)

    def clean(self):
        data = super().clean()
        if data.get("source") and data.get("source") == data.get("target"):
            self.add_error("target", _("Choose a language other than the one translated from."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Translated workbook (XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_TYPE}"}),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > WORKBOOK_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(megabytes)d MB.") % {"megabytes": WORKBOOK_MAX_BYTES // 2**20}
            )
        return file


def _languages(assessment: Assessment) -> list[dict]:
    missing = texts_missing_by_language(assessment=assessment)
    return [
        {
            "code": found.language,
            "name": language_name(found.language),
            "percent": found.percent,
            "missing": found.missing,
            "total": found.total,
            "report_lacks": missing[found.language],
        }
        for found in assessment_translations_completeness(assessment=assessment)
    ]


def _tab(request, assessment, *, workbook_form=None, import_form=None, row_errors=(), status=200):
    languages = _languages(assessment)
    # The workbook offered first: into the language that lacks the most.
    target = max(
        (found for found in languages if found["code"] != FALLBACK), key=lambda found: found["missing"]
    )
    return assessment_page(
        request,
        assessment,
        tab="translations",
        template="workspace/assessment/translations.html",
        context={
            "completeness": languages,
            "workbook_form": workbook_form
            or WorkbookForm(initial={"source": FALLBACK, "target": target["code"]}),
            "import_form": import_form or ImportForm(),
            "row_errors": row_errors,
        },
        status=status,
    )


def _row_errors(error: ItemErrors) -> list[dict]:
    return [
        {"row": row, "column": column, "message": message}
        for row, columns in sorted(error.errors.items())
        for column, found in columns.items()
        for message in found
    ]


@body_limit(lambda: WORKBOOK_MAX_BYTES + _FORM_OVERHEAD_BYTES)
@login_required
def translations(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The tab; a POST imports a translated workbook, every row or none."""
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    if request.method != "POST":
        return _tab(request, assessment)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _tab(request, assessment, import_form=form, status=400)
    try:
        imported = assessment_translations_import(
            assessment=assessment, user=request.user, raw=form.cleaned_data["file"].read()
        )
    except ItemErrors as error:
        form.add_error(
            "file", _("Nothing was imported: correct the rows below and import the workbook again.")
        )
        return _tab(request, assessment, import_form=form, row_errors=_row_errors(error), status=400)
    except ValidationError as error:
        form.add_error("file", error.message_dict.get("file") or error.messages)
        return _tab(request, assessment, import_form=form, status=400)
    except StateConflict as error:
        form.add_error("file", error.message)
        return _tab(request, assessment, import_form=form, status=409)
    messages.success(
        request,
        ngettext(
            "%(count)d text in %(language)s was imported.",
            "%(count)d texts in %(language)s were imported.",
            imported.changed,
        )
        % {"count": imported.changed, "language": language_name(imported.target)},
    )
    return redirect(reverse("workspace:translations", args=[assessment.pk]))


@login_required
@require_GET
def translations_workbook(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The workbook of the consultant's texts from one language into another."""
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    form = WorkbookForm(request.GET)
    if not form.is_valid():
        return _tab(request, assessment, workbook_form=form, status=400)
    source, target = form.cleaned_data["source"], form.cleaned_data["target"]
    response = HttpResponse(
        assessment_translations_workbook(assessment=assessment, source=source, target=target),
        content_type=XLSX_TYPE,
    )
    response["Content-Disposition"] = (
        f'attachment; filename="translations-{assessment.pk}-{source}-{target}.xlsx"'
    )
    return response
