"""Reads of what the consultant writes for the client beside the numbers: the findings per area,
the executive commentary and the quotes, each in a language; which of these texts a report in a
language would lack; and the comments and interview notes that may be quoted.

A quote names no one: a respondent's comment is quoted as said by their role group, or else by
their department, only when the scores may show that group (assessment.anonymity: at least
`anonymity_k` respondents, and no smaller group given away by it); an interview note as said in
a leadership interview."""

from collections.abc import Mapping

from django.utils import translation
from django.utils.translation import gettext as _

from assessment.anonymity import Disclosure, groups_disclosed
from assessment.models import Assessment, InterviewScore
from assessment.selectors import assessment_scores, catalog_frames, submitted_respondents_frame
from reports.findings import finding_text, findings_propose
from reports.models import (
    ExecutiveCommentary,
    Finding,
    Initiative,
    Quote,
    QuoteSource,
    RecommendationStatus,
    ReportKind,
)
from reports.recommendations import recommendation_library
from reports.selectors import catalog_names
from reports.texts import (
    LANGUAGES,
    excerpt,
    fields_missing,
    language_name,
    languages_missing,
    paragraphs,
    text_any,
    text_given,
    text_in,
)
from surveys.i18n import language_pick
from surveys.models import Answer, RespondentRole

# What each report kind shows of the consultant's texts, and so needs in its language (the
# executive summary shows the roadmap's first items only, but the roadmap is one text to translate).
REPORT_TEXTS = {
    ReportKind.FULL: ("recommendations", "findings", "commentary", "quotes"),
    ReportKind.EXECUTIVE: ("recommendations", "findings", "commentary", "quotes"),
    ReportKind.COMPARISON: ("initiatives",),
}
RECOMMENDATION_TEXT_FIELDS = ("title", "rationale", "actions", "impact")


def _names(assessment: Assessment) -> dict[str, dict[str, str]]:
    """Area and indicator names per language."""
    return {
        language: catalog_names(version_id=assessment.catalog_version_id, language=language)
        for language in LANGUAGES
    }


# --- findings -------------------------------------------------------------------------------------


def finding_present(finding: Finding, *, language: str, names: Mapping[str, Mapping[str, str]]) -> dict:
    """A finding in `language`: the consultant's text there if they wrote one (blank where they
    did not write that language), else the engine's; with both languages of each."""
    edited = text_given(finding.text)
    generated = (
        {code: finding_text(facts=finding.facts, language=code, names=names[code]) for code in LANGUAGES}
        if finding.facts
        else {}
    )
    return {
        "id": finding.pk,
        "key": finding.key,
        "area": finding.area,
        "area_name": names[language].get(finding.area, finding.area),
        "kind": finding.kind,
        "position": finding.position,
        "hidden": finding.hidden,
        "custom": finding.custom,
        "edited": edited,
        "text": text_in(finding.text, language) if edited else generated.get(language, ""),
        "texts": {code: text_in(finding.text, code) for code in LANGUAGES},
        "generated": generated,
        "missing_languages": languages_missing([finding.text]),
    }


def findings_list(*, assessment: Assessment, language: str, include_hidden: bool = True) -> list[dict]:
    findings = assessment.findings.all()
    if not include_hidden:
        findings = findings.exclude(hidden=True)
    names = _names(assessment)
    return [finding_present(finding, language=language, names=names) for finding in findings]


def findings_shown(*, assessment: Assessment, language: str, scores: Mapping | None = None) -> list[dict]:
    """The findings the client reads: those the consultant kept visible, or, before anyone
    reviewed them, what the engine proposes from `scores` (the assessment's, if not given)."""
    if assessment.findings.exists():
        return findings_list(assessment=assessment, language=language, include_hidden=False)
    indicators, areas = catalog_frames(version_id=assessment.catalog_version_id)
    proposal = findings_propose(
        scores=scores or assessment_scores(assessment=assessment), indicators=indicators, areas=areas
    )
    names = _names(assessment)
    return [
        finding_present(
            Finding(assessment=assessment, position=position, **entry), language=language, names=names
        )
        for position, entry in enumerate(proposal, 1)
    ]


# --- the executive commentary --------------------------------------------------------------------


def commentary_get(*, assessment: Assessment) -> dict:
    """{"text": per language, "updated_at", "missing_languages"}."""
    commentary = ExecutiveCommentary.objects.filter(assessment=assessment).first()
    text = commentary.text if commentary else {}
    return {
        "text": {code: text_in(text, code) for code in LANGUAGES},
        "updated_at": commentary.updated_at if commentary else None,
        "missing_languages": languages_missing([text]),
    }


def commentary_paragraphs(*, assessment: Assessment, language: str) -> list[str]:
    text = ExecutiveCommentary.objects.filter(assessment=assessment).values_list("text", flat=True).first()
    return paragraphs(text_in(text, language))


# --- quotes ------------------------------------------------------------------------------------------


def quote_disclosure(*, assessment: Assessment) -> Disclosure:
    """The groups the assessment's scores may show, and so quote."""
    return groups_disclosed(
        respondents=submitted_respondents_frame(assessment=assessment), k=assessment.anonymity_k
    )


def quote_group(*, role: str, department: str, disclosure: Disclosure) -> tuple[str, str] | None:
    """The group a respondent's comment is quoted as said by: ("role", role) if the scores show
    their role group, else ("department", department) if they show their department; None when
    neither: the comment may not be quoted."""
    if role in disclosure.shown["role"]:
        return ("role", role)
    if department in disclosure.shown["department"]:
        return ("department", department)
    return None


def quote_attribution(*, source: str, group: tuple[str, str] | None) -> str:
    """Who said it, in the active language, without a name."""
    if source == QuoteSource.INTERVIEW:
        return _("Leadership interview")
    dimension, value = group
    return str(RespondentRole(value).label) if dimension == "role" else value


def _comment_rows(assessment: Assessment, **filters):
    return (
        Answer.objects.filter(
            response__invitation__assessment=assessment, response__submitted_at__isnull=False, **filters
        )
        .exclude(comment="")
        .values_list(
            "pk",
            "comment",
            "indicator__code",
            "indicator__area__code",
            "response__invitation__role",
            "response__invitation__department",
            "response__invitation__language",
        )
        .order_by("indicator__position", "pk")
    )


def _note_rows(assessment: Assessment, **filters):
    return (
        InterviewScore.objects.filter(assessment=assessment, **filters)
        .exclude(note="")
        .values_list("pk", "note", "indicator__code", "indicator__area__code")
        .order_by("indicator__position")
    )


def quote_candidates(*, assessment: Assessment, language: str, area: str | None = None) -> list[dict]:
    """The respondents' comments from groups that may be quoted and the interview notes, of the
    indicators of `area` (or of every area): {"source", "id", "area", "indicator",
    "indicator_name", "text", "language" (the respondent's: likely the comment's; None for a
    note), "attribution", "picked" (the quote's id, if picked)}. Comments from groups too small to
    show are left out; names never appear."""
    filters = {"indicator__area__code": area} if area else {}
    disclosure = quote_disclosure(assessment=assessment)
    names = catalog_names(version_id=assessment.catalog_version_id, language=language)
    picked = {
        (source, answer or note): pk
        for pk, source, answer, note in Quote.objects.filter(assessment=assessment).values_list(
            "pk", "source", "answer_id", "interview_score_id"
        )
    }
    candidates = []
    with translation.override(language):
        for pk, comment, indicator, area_code, role, department, written_in in _comment_rows(
            assessment, **filters
        ):
            group = quote_group(role=role, department=department, disclosure=disclosure)
            if group is None:
                continue
            candidates.append(
                {
                    "source": QuoteSource.COMMENT.value,
                    "id": pk,
                    "area": area_code,
                    "indicator": indicator,
                    "indicator_name": names.get(indicator, indicator),
                    "text": comment,
                    "language": written_in if written_in in LANGUAGES else None,
                    "attribution": quote_attribution(source=QuoteSource.COMMENT, group=group),
                    "picked": picked.get((QuoteSource.COMMENT.value, pk)),
                }
            )
        for pk, note, indicator, area_code in _note_rows(assessment, **filters):
            candidates.append(
                {
                    "source": QuoteSource.INTERVIEW.value,
                    "id": pk,
                    "area": area_code,
                    "indicator": indicator,
                    "indicator_name": names.get(indicator, indicator),
                    "text": note,
                    "language": None,
                    "attribution": quote_attribution(source=QuoteSource.INTERVIEW, group=None),
                    "picked": picked.get((QuoteSource.INTERVIEW.value, pk)),
                }
            )
    return candidates


def quotes_list(*, assessment: Assessment, language: str, eligible_only: bool = False) -> list[dict]:
    """The picked quotes in `language` (blank where the consultant gave no translation), each
    with who said it and whether its group may still be quoted (the threshold or the respondents
    may have changed since it was picked): the client sees only those that may."""
    disclosure = quote_disclosure(assessment=assessment)
    names = catalog_names(version_id=assessment.catalog_version_id, language=language)
    quotes = Quote.objects.filter(assessment=assessment).select_related(
        "answer__response__invitation", "interview_score"
    )
    result = []
    with translation.override(language):
        for quote in quotes:
            if quote.source == QuoteSource.COMMENT:
                invitation = quote.answer.response.invitation
                group = quote_group(
                    role=invitation.role, department=invitation.department, disclosure=disclosure
                )
            else:
                group = None
            eligible = quote.source == QuoteSource.INTERVIEW or group is not None
            if eligible_only and not eligible:
                continue
            result.append(
                {
                    "id": quote.pk,
                    "area": quote.area,
                    "area_name": names.get(quote.area, quote.area),
                    "source": quote.source,
                    "source_id": quote.answer_id or quote.interview_score_id,
                    "position": quote.position,
                    "original": quote.original,
                    "original_language": quote.original_language,
                    "text": text_in(quote.texts, language),
                    "texts": {code: text_in(quote.texts, code) for code in LANGUAGES},
                    "attribution": quote_attribution(source=quote.source, group=group) if eligible else "",
                    "eligible": eligible,
                    "missing_languages": [code for code in LANGUAGES if not quote.texts.get(code)],
                }
            )
    return result


# --- what a report in a language lacks ---------------------------------------------------------------


def _missing(language: str, what: str) -> str:
    return _("Missing %(language)s text: %(what)s.") % {"language": language_name(language), "what": what}


def _library_title(code: str) -> str:
    """A library recommendation's title in the active language ("" for one the library lacks)."""
    try:
        return recommendation_library().recommendation(code).title[language_pick(None)]
    except KeyError:
        return ""


def _recommendations_missing(assessment: Assessment, language: str) -> list[str]:
    labels = {
        "title": _("title"),
        "rationale": _("rationale"),
        "actions": _("actions"),
        "impact": _("expected impact"),
    }
    messages = []
    for item in assessment.recommendations.exclude(status=RecommendationStatus.REJECTED):
        fields = fields_missing(
            {field: getattr(item, field) for field in RECOMMENDATION_TEXT_FIELDS}, language
        )
        if not fields:
            continue
        title = text_any(item.title, language) or _library_title(item.code)
        what = _("recommendation “%(title)s” (%(fields)s)") % {
            "title": excerpt(title or item.code),
            "fields": ", ".join(labels[field] for field in fields),
        }
        messages.append(_missing(language, what))
    return messages


def _findings_missing(assessment: Assessment, language: str, names: Mapping[str, str]) -> list[str]:
    return [
        _missing(
            language,
            _("finding “%(text)s” in %(area)s")
            % {
                "text": excerpt(text_any(finding.text, language)),
                "area": names.get(finding.area, finding.area),
            },
        )
        for finding in assessment.findings.exclude(hidden=True)
        if text_given(finding.text) and not text_in(finding.text, language)
    ]


def _commentary_missing(assessment: Assessment, language: str) -> list[str]:
    text = ExecutiveCommentary.objects.filter(assessment=assessment).values_list("text", flat=True).first()
    if text_given(text) and not text_in(text, language):
        return [_missing(language, _("the executive commentary"))]
    return []


def _initiatives_missing(assessment: Assessment, language: str) -> list[str]:
    """The baseline's initiatives the comparison's action-plan page names without a title in `language`."""
    if assessment.baseline_id is None:
        return []
    titles = Initiative.objects.filter(assessment_id=assessment.baseline_id).values_list("title", flat=True)
    return [
        _missing(
            language,
            _("initiative “%(title)s” of the action plan") % {"title": excerpt(text_any(title, language))},
        )
        for title in titles.order_by("position", "id")
        if text_given(title) and not text_in(title, language)
    ]


def _quotes_missing(assessment: Assessment, language: str, names: Mapping[str, str]) -> list[str]:
    return [
        _missing(
            language,
            _("quote “%(text)s” in %(area)s")
            % {"text": excerpt(quote["original"]), "area": names.get(quote["area"], quote["area"])},
        )
        for quote in quotes_list(assessment=assessment, language=language, eligible_only=True)
        if not quote["text"]
    ]


def report_texts_missing(*, assessment: Assessment, kind: str, language: str) -> list[str]:
    """What a report of `kind` in `language` would show of the consultant's texts but they have
    not written in that language, one message per item in the active language (names of areas
    in it too); empty when the report can be given."""
    shown = REPORT_TEXTS[kind]
    names = catalog_names(version_id=assessment.catalog_version_id, language=language_pick(None))
    messages = []
    if "recommendations" in shown:
        messages += _recommendations_missing(assessment, language)
    if "findings" in shown:
        messages += _findings_missing(assessment, language, names)
    if "commentary" in shown:
        messages += _commentary_missing(assessment, language)
    if "quotes" in shown:
        messages += _quotes_missing(assessment, language, names)
    if "initiatives" in shown:
        messages += _initiatives_missing(assessment, language)
    return messages


def texts_missing_by_language(*, assessment: Assessment) -> dict[str, list[str]]:
    """Per language, what a full report in it would lack (the kind that shows every text)."""
    return {
        language: report_texts_missing(assessment=assessment, kind=ReportKind.FULL, language=language)
        for language in LANGUAGES
    }


# --- the report ---------------------------------------------------------------------------------------


def report_narrative(*, assessment: Assessment, kind: str, language: str, scores: Mapping) -> dict:
    """What a report of `kind` shows of the consultant's texts, in `language`: the visible
    findings, the commentary's paragraphs and the quotes that may be shown (empty where the kind
    shows none)."""
    shown = REPORT_TEXTS[kind]
    findings = (
        findings_shown(assessment=assessment, language=language, scores=scores) if "findings" in shown else []
    )
    quotes = (
        quotes_list(assessment=assessment, language=language, eligible_only=True) if "quotes" in shown else []
    )
    return {
        "findings": [{key: finding[key] for key in ("area", "kind", "text")} for finding in findings],
        "commentary": commentary_paragraphs(assessment=assessment, language=language)
        if "commentary" in shown
        else [],
        "quotes": [{key: quote[key] for key in ("area", "text", "attribution")} for quote in quotes],
    }
