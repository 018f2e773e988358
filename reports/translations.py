"""The assessment's own texts as a translation workbook (config.translation_workbook): what the
consultant wrote for this client — findings, the executive commentary, recommendations they
wrote or edited, the translations of quotes, the action plan's initiatives — exported for a
translator and imported back through the same services a consultant's edit goes through, all
or nothing. The method's texts (catalog, recommendation library, finding templates) are
translated in their data files (`manage.py method_translations`).

Keys: `finding.<id>`, `commentary`, `recommendation.<id>.<field>` (actions one per line),
`quote.<id>`, `initiative.<id>.title|description`."""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from assessment.models import Assessment
from config.exceptions import ItemErrors
from config.spreadsheets import UnreadableTable
from config.translation_workbook import (
    Completeness,
    Text,
    completeness,
    workbook_bytes,
    workbook_changes,
    workbook_rows,
)
from reports.models import ExecutiveCommentary, Initiative, Quote, RecommendationStatus
from reports.narrative_services import (
    COMMENTARY_TEXT_MAX,
    FINDING_TEXT_MAX,
    QUOTE_TEXT_MAX,
    commentary_set,
    findings_review,
    quote_update,
)
from reports.plan_services import DESCRIPTION_MAX, TITLE_MAX, initiative_change
from reports.services import RECOMMENDATION_TEXT_MAX, recommendations_review
from reports.texts import LANGUAGES, text_given


@dataclass(frozen=True)
class TranslationsImported:
    source: str
    target: str
    changed: int


def _lines(value: dict) -> dict[str, str]:
    return {language: "\n".join(lines) for language, lines in value.items()}


def assessment_texts(*, assessment: Assessment) -> list[Text]:
    """Every text the consultant wrote for the assessment, in the order of its pages."""
    texts = [
        Text(f"finding.{finding.pk}", finding.text, FINDING_TEXT_MAX)
        for finding in assessment.findings.exclude(hidden=True).order_by("area", "position", "pk")
        if text_given(finding.text)
    ]
    commentary = (
        ExecutiveCommentary.objects.filter(assessment=assessment).values_list("text", flat=True).first()
    )
    if text_given(commentary):
        texts.append(Text("commentary", commentary, COMMENTARY_TEXT_MAX))
    for item in assessment.recommendations.exclude(status=RecommendationStatus.REJECTED):
        for field, limit in RECOMMENDATION_TEXT_MAX.items():
            value = getattr(item, field)
            if text_given(value):
                value = _lines(value) if field == "actions" else value
                texts.append(Text(f"recommendation.{item.pk}.{field}", value, limit))
    texts += [
        Text(f"quote.{quote.pk}", quote.texts, QUOTE_TEXT_MAX)
        for quote in Quote.objects.filter(assessment=assessment).order_by("area", "position", "pk")
    ]
    for initiative in Initiative.objects.filter(assessment=assessment).order_by("position", "pk"):
        for field, limit in (("title", TITLE_MAX), ("description", DESCRIPTION_MAX)):
            if text_given(getattr(initiative, field)):
                texts.append(Text(f"initiative.{initiative.pk}.{field}", getattr(initiative, field), limit))
    return texts


def _translatable(texts: list[Text], assessment: Assessment, target: str) -> dict[str, Text]:
    """The texts a workbook into `target` may change: not a quote's original words."""
    originals = {
        f"quote.{pk}"
        for pk in Quote.objects.filter(assessment=assessment, original_language=target).values_list(
            "pk", flat=True
        )
    }
    return {text.key: text for text in texts if text.key not in originals}


def assessment_translations_workbook(*, assessment: Assessment, source: str, target: str) -> bytes:
    texts = _translatable(assessment_texts(assessment=assessment), assessment, target)
    return workbook_bytes(texts=texts.values(), source=source, target=target)


def assessment_translations_completeness(*, assessment: Assessment) -> list[Completeness]:
    return completeness(texts=assessment_texts(assessment=assessment), languages=LANGUAGES)


def _grouped(changes: dict[str, str]) -> dict[str, dict[int, dict[str, str]]]:
    """{kind: {id: {field: text}}} from {"kind.id[.field]": text}."""
    grouped: dict[str, dict[int, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for key, text in changes.items():
        kind, pk, *field = key.split(".")
        grouped[kind][int(pk)][field[0] if field else "text"] = text
    return grouped


def _apply(assessment: Assessment, user: AbstractBaseUser, changes: dict[str, str], target: str) -> None:
    if "commentary" in changes:
        commentary_set(assessment=assessment, user=user, text={target: changes.pop("commentary")})
    grouped = _grouped(changes)
    if findings := grouped["finding"]:
        findings_review(
            assessment=assessment,
            user=user,
            changes=[{"id": pk, "text": {target: fields["text"]}} for pk, fields in findings.items()],
        )
    if recommendations := grouped["recommendation"]:
        recommendations_review(
            assessment=assessment,
            user=user,
            changes=[
                {
                    "id": pk,
                    **{
                        field: {target: text.splitlines() if field == "actions" else text}
                        for field, text in fields.items()
                    },
                }
                for pk, fields in recommendations.items()
            ],
        )
    for pk, fields in grouped["quote"].items():
        quote = Quote.objects.get(pk=pk, assessment=assessment)
        quote_update(assessment=assessment, user=user, quote=quote, translations={target: fields["text"]})
    for pk, fields in grouped["initiative"].items():
        initiative = Initiative.objects.get(pk=pk, assessment=assessment)
        initiative_change(
            initiative=initiative, actor=user, **{field: {target: text} for field, text in fields.items()}
        )


@transaction.atomic
def assessment_translations_import(
    *, assessment: Assessment, user: AbstractBaseUser, raw: bytes
) -> TranslationsImported:
    """Apply a translation workbook of the assessment's texts: every row checked first
    (ItemErrors by row number in the sheet), then every change through the services of the
    texts it touches, in one transaction, so that a refusal anywhere saves nothing."""
    try:
        read = workbook_rows(raw, languages=LANGUAGES)
    except UnreadableTable as error:
        raise ValidationError({"file": str(error)}) from error
    texts = _translatable(assessment_texts(assessment=assessment), assessment, read.target)
    changes, problems = workbook_changes(read=read, texts=texts)
    if problems:
        raise ItemErrors(problems, field="rows")
    _apply(assessment, user, dict(changes), read.target)
    return TranslationsImported(source=read.source, target=read.target, changed=len(changes))
