"""Writes of what the consultant writes for the client beside the numbers: the findings per area
(proposed from the scores, then reviewed), the executive commentary, the quotes and the themes
of comments (named, hidden, merged). Each is
part of what the client is shown, so it is frozen once the assessment is published; each change
is audited in its own transaction (assessment.audit)."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _

from assessment.audit import audit_record, audit_record_many
from assessment.models import Assessment, AuditEvent, InterviewScore
from assessment.selectors import assessment_scores, catalog_frames, comment_themes_current
from assessment.themes import themes_edited
from config.exceptions import ItemErrors, StateConflict
from reports.findings import findings_propose
from reports.models import ExecutiveCommentary, Finding, FindingKind, Quote, QuoteSource, ThemeEdit
from reports.narrative_selectors import quote_disclosure, quote_group
from reports.ordering import order_moved_first, positions_store
from reports.selectors import theme_edits
from reports.texts import text_given, text_merged
from surveys.models import Answer

FINDING_TEXT_MAX = 1000
COMMENTARY_TEXT_MAX = 6000
QUOTE_TEXT_MAX = 2000
THEME_NAME_MAX = 80


def _locked_editable(assessment: Assessment, what: str) -> None:
    """Lock the assessment (one review at a time) and refuse once it is published: what the
    client has been shown stays as it was."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not locked.editable:
        raise StateConflict(
            _("%(what)s cannot change once the assessment is published.") % {"what": what},
            code="assessment_published",
        )


# --- findings -------------------------------------------------------------------------------------


def _finding_label(finding: Finding) -> str:
    """How the audit log names a finding: its key, or #id for a custom one."""
    return finding.key or f"#{finding.pk}"


def _findings_labels(findings) -> list[str]:
    return [
        _finding_label(finding)
        for finding in sorted(findings, key=lambda item: (item.position, item.pk or 0))
    ]


def _untouched(finding: Finding) -> bool:
    """Proposed by the engine and neither edited nor hidden: the engine may replace it."""
    return not finding.custom and not finding.hidden and not text_given(finding.text)


@transaction.atomic
def findings_generate(*, assessment: Assessment, actor: AbstractBaseUser | None = None) -> list[Finding]:
    """Propose the findings from the current scores. What the consultant reviewed stays: edited,
    hidden and custom findings keep their text, place and visibility (a proposed one's numbers
    follow the scores); untouched ones the scores no longer support are dropped; new ones go
    last, in the engine's order. The audit log gets the findings (keys in order) before and
    after, if they changed."""
    _locked_editable(assessment, _("The findings"))
    indicators, areas = catalog_frames(version_id=assessment.catalog_version_id)
    proposal = findings_propose(
        scores=assessment_scores(assessment=assessment), indicators=indicators, areas=areas
    )
    stored = list(assessment.findings.all())
    before = _findings_labels(stored)
    by_key = {finding.key: finding for finding in stored if finding.key}
    proposed = {entry["key"]: entry for entry in proposal}
    stale = [finding.pk for finding in stored if _untouched(finding) and finding.key not in proposed]
    Finding.objects.filter(pk__in=stale).delete()
    kept = [finding for finding in stored if finding.pk not in stale]
    for entry in proposal:
        finding = by_key.get(entry["key"])
        if finding is None:
            kept.append(Finding(assessment=assessment, position=0, **entry))
        else:
            finding.facts = entry["facts"]
    positions_store(items=kept, fields=["facts"])
    audit_record(
        assessment=assessment,
        actor=actor,
        action=AuditEvent.Action.FINDING,
        target="generate",
        before=before,
        after=_findings_labels(kept),
    )
    return kept


def findings_ensure(*, assessment: Assessment, actor: AbstractBaseUser | None = None) -> None:
    """Findings exist once the consultant looks at them: proposed on first use (while the
    assessment may change; a published one shows the proposal as it stands)."""
    if assessment.editable and not assessment.findings.exists():
        findings_generate(assessment=assessment, actor=actor)


def _text_errors(text: dict, limit: int) -> list[str]:
    too_long = [code for code, value in text.items() if len(value) > limit]
    if too_long:
        return [_("At most %(count)d characters per language.") % {"count": limit}]
    return []


def _finding_errors(change: dict, finding: Finding | None, area_codes: set[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "id" in change and finding is None:
        errors["id"] = [_("No such finding in this assessment.")]
    if "id" not in change:
        if change.get("area") not in area_codes:
            errors["area"] = [_("Name an area of the assessment's catalog.")]
        if change.get("kind") not in FindingKind.values:
            errors["kind"] = [_("Say whether it is a strength or an improvement zone.")]
        if not text_given(text_merged({}, change.get("text") or {})):
            errors["text"] = [_("Write the finding in at least one language.")]
    elif (
        finding is not None
        and finding.custom
        and "text" in change
        and not text_given(text_merged(finding.text, change["text"]))
    ):
        errors["text"] = [_("A finding you added needs a text in at least one language.")]
    if problems := _text_errors(change.get("text") or {}, FINDING_TEXT_MAX):
        errors.setdefault("text", []).extend(problems)
    return errors


@transaction.atomic
def findings_review(
    *, assessment: Assessment, user: AbstractBaseUser, changes: list[dict], order: list[int] | None = None
) -> None:
    """Apply the consultant's review: per finding (by id) its text per language (a blank
    language removes it; an engine's finding with no text of the consultant's left reads the
    engine's again) or whether it is hidden; changes without an id add a finding of theirs
    ({"area", "kind", "text"}), last; `order` lists ids to put first, in that order. All or
    nothing: ItemErrors for any faulty change, ValidationError for an unknown id in `order`."""
    _locked_editable(assessment, _("The findings"))
    findings = {finding.pk: finding for finding in assessment.findings.all()}
    _indicators, areas = catalog_frames(version_id=assessment.catalog_version_id)
    area_codes = set(areas.index)
    errors = {
        index: found
        for index, change in enumerate(changes)
        if (found := _finding_errors(change, findings.get(change.get("id")), area_codes))
    }
    if errors:
        raise ItemErrors(errors)
    unknown = [pk for pk in order or [] if pk not in findings]
    if unknown:
        raise ValidationError({"order": _("No such finding(s): %(ids)s.") % {"ids": unknown}})
    next_position = (assessment.findings.aggregate(last=Max("position"))["last"] or 0) + 1
    audited = []
    for change in changes:
        if "id" in change:
            finding = findings[change["id"]]
            before = {"text": finding.text, "hidden": finding.hidden}
        else:
            finding = Finding(
                assessment=assessment, area=change["area"], kind=change["kind"], position=next_position
            )
            next_position += 1
            before = None
        if "text" in change:
            finding.text = text_merged(finding.text, change["text"])
        if "hidden" in change:
            finding.hidden = change["hidden"]
        finding.updated_by = user
        finding.save()
        findings[finding.pk] = finding
        after = {"text": finding.text, "hidden": finding.hidden}
        if before is None:
            after = {"area": finding.area, "kind": finding.kind, **after}
        audited.append((_finding_label(finding), before, after))
    audit_record_many(assessment=assessment, actor=user, action=AuditEvent.Action.FINDING, changes=audited)
    if order:
        before_order = _findings_labels(findings.values())
        ranked = order_moved_first(items=findings, order=order)
        positions_store(items=ranked)
        audit_record(
            assessment=assessment,
            actor=user,
            action=AuditEvent.Action.FINDING,
            target="order",
            before=before_order,
            after=_findings_labels(ranked),
        )


# --- the executive commentary --------------------------------------------------------------------


@transaction.atomic
def commentary_set(*, assessment: Assessment, user: AbstractBaseUser, text: dict) -> ExecutiveCommentary:
    """Write the commentary in the languages of `text` (a blank language removes it)."""
    _locked_editable(assessment, _("The executive commentary"))
    if problems := _text_errors(text, COMMENTARY_TEXT_MAX):
        raise ValidationError({"text": problems})
    commentary, _created = ExecutiveCommentary.objects.get_or_create(assessment=assessment)
    before = dict(commentary.text)
    commentary.text = text_merged(commentary.text, text)
    commentary.updated_by = user
    commentary.save()
    audit_record(
        assessment=assessment,
        actor=user,
        action=AuditEvent.Action.COMMENTARY,
        before=before or None,
        after=commentary.text or None,
    )
    return commentary


# --- quotes ------------------------------------------------------------------------------------------


def _translations_check(translations: dict, original_language: str) -> None:
    if text_given({original_language: translations.get(original_language) or ""}):
        raise ValidationError(
            {"translations": _("The original is the text in its own language; translate it into the others.")}
        )
    if problems := _text_errors(translations, QUOTE_TEXT_MAX):
        raise ValidationError({"translations": problems})


def _translations_kept(stored: dict, given: dict, original_language: str) -> dict:
    merged = text_merged(stored, given)
    return {code: value for code, value in merged.items() if code != original_language}


def _quote_source(assessment: Assessment, source: str, source_id: int) -> tuple[str, str, dict]:
    """(original text, area code, the quote's source field) of a comment or note that may be
    quoted; ValidationError on `source_id` for one that may not."""
    if source == QuoteSource.COMMENT:
        answer = (
            Answer.objects.filter(
                pk=source_id,
                response__invitation__assessment=assessment,
                response__submitted_at__isnull=False,
            )
            .exclude(comment="")
            .select_related("indicator__area", "response__invitation")
            .first()
        )
        if answer is None:
            raise ValidationError({"source_id": _("No such comment in this assessment's submitted answers.")})
        invitation = answer.response.invitation
        disclosure = quote_disclosure(assessment=assessment)
        if quote_group(role=invitation.role, department=invitation.department, disclosure=disclosure) is None:
            raise ValidationError(
                {
                    "source_id": _(
                        "This comment comes from a group of fewer than %(k)d respondents, too small "
                        "to be shown without giving someone away; it cannot be quoted."
                    )
                    % {"k": assessment.anonymity_k}
                }
            )
        return answer.comment, answer.indicator.area.code, {"answer": answer}
    note = (
        InterviewScore.objects.filter(pk=source_id, assessment=assessment)
        .exclude(note="")
        .select_related("indicator__area")
        .first()
    )
    if note is None:
        raise ValidationError({"source_id": _("No such interview note in this assessment.")})
    return note.note, note.indicator.area.code, {"interview_score": note}


def _quote_audited(quote: Quote) -> dict:
    return {
        "area": quote.area,
        "original_language": quote.original_language,
        "translations": quote.translations,
    }


def _quote_label(quote: Quote) -> str:
    return f"{quote.source}:{quote.answer_id or quote.interview_score_id}"


@transaction.atomic
def quote_pick(
    *,
    assessment: Assessment,
    user: AbstractBaseUser,
    source: str,
    source_id: int,
    original_language: str,
    translations: dict,
) -> Quote:
    """Quote a respondent's comment (from a group that may be shown) or an interview note, for
    the area of its indicator, last among its quotes; the original as it is now, said to be in
    `original_language`, with the consultant's `translations` into the other languages."""
    _locked_editable(assessment, _("The quotes"))
    original, area, field = _quote_source(assessment, source, source_id)
    if Quote.objects.filter(assessment=assessment, **field).exists():
        raise ValidationError({"source_id": _("This text is quoted already.")})
    _translations_check(translations, original_language)
    position = (assessment.quotes.aggregate(last=Max("position"))["last"] or 0) + 1
    quote = Quote.objects.create(
        assessment=assessment,
        area=area,
        source=source,
        original=original,
        original_language=original_language,
        translations=_translations_kept({}, translations, original_language),
        position=position,
        updated_by=user,
        **field,
    )
    audit_record(
        assessment=assessment,
        actor=user,
        action=AuditEvent.Action.QUOTE,
        target=_quote_label(quote),
        after=_quote_audited(quote),
    )
    return quote


@transaction.atomic
def quote_update(
    *,
    assessment: Assessment,
    user: AbstractBaseUser,
    quote: Quote,
    original_language: str | None = None,
    translations: dict | None = None,
) -> Quote:
    """Say again which language the original is in, or change translations (a blank language
    removes it). A translation into the original's new language is dropped: the original is it."""
    _locked_editable(assessment, _("The quotes"))
    quote = Quote.objects.select_for_update().get(pk=quote.pk, assessment=assessment)
    before = _quote_audited(quote)
    language = original_language or quote.original_language
    _translations_check(translations or {}, language)
    quote.original_language = language
    quote.translations = _translations_kept(quote.translations, translations or {}, language)
    quote.updated_by = user
    quote.save()
    audit_record(
        assessment=assessment,
        actor=user,
        action=AuditEvent.Action.QUOTE,
        target=_quote_label(quote),
        before=before,
        after=_quote_audited(quote),
    )
    return quote


@transaction.atomic
def quote_remove(*, assessment: Assessment, user: AbstractBaseUser, quote: Quote) -> None:
    _locked_editable(assessment, _("The quotes"))
    quote = Quote.objects.select_for_update().get(pk=quote.pk, assessment=assessment)
    audit_record(
        assessment=assessment,
        actor=user,
        action=AuditEvent.Action.QUOTE,
        target=_quote_label(quote),
        before=_quote_audited(quote),
    )
    quote.delete()


# --- themes of comments ---------------------------------------------------------------------------


def _theme_audited(edit: ThemeEdit | None, theme: dict) -> dict:
    return {
        "terms": theme["terms"][:5],
        "name": dict(edit.name) if edit else {},
        "hidden": edit.hidden if edit else False,
        "merged_into": edit.merged_into if edit else "",
    }


def _merge_check(edits: dict[str, ThemeEdit], keys: set[str], key: str, merged_into: str) -> None:
    """A theme merges into another theme of the same comments, one that is not merged itself,
    and only while none is merged into it: merges never chain."""
    if merged_into not in keys or merged_into == key:
        raise ValidationError({"merged_into": _("Merge into another theme of the same comments.")})
    target = edits.get(merged_into)
    if target is not None and target.merged_into in keys:
        raise ValidationError(
            {"merged_into": _("That theme is merged into another one: merge into that one instead.")}
        )
    if any(edit.merged_into == key for edit in edits.values()):
        raise ValidationError(
            {"merged_into": _("Other themes are merged into this one: undo those merges first.")}
        )


@transaction.atomic
def theme_edit(
    *,
    assessment: Assessment,
    user: AbstractBaseUser,
    source: str,
    key: str,
    name: dict | None = None,
    hidden: bool | None = None,
    merged_into: str | None = None,
) -> dict:
    """Name a theme of `source`'s comments in some languages (a blank language removes its name),
    hide it from the reports or show it again, merge it into another theme or undo the merge
    (merged_into ""). Http404 for a key the comments do not form (any more). The audit log gets
    the theme's edit before and after; the themes as now edited are returned."""
    _locked_editable(assessment, _("The themes"))
    result = comment_themes_current(assessment=assessment, source=source)
    themes = {theme["key"]: theme for theme in (result or {}).get("themes", [])}
    if key not in themes:
        raise Http404(_("These comments have no such theme (any more): reload the themes."))
    edits = {edit.key: edit for edit in ThemeEdit.objects.filter(assessment=assessment, source=source)}
    if merged_into:
        _merge_check(edits, set(themes), key, merged_into)
    edit = edits.get(key) or ThemeEdit(assessment=assessment, source=source, key=key)
    before = _theme_audited(edits.get(key), themes[key])
    if name is not None:
        edit.name = text_merged(edit.name, name)
    if hidden is not None:
        edit.hidden = hidden
    if merged_into is not None:
        edit.merged_into = merged_into
    edit.updated_by = user
    if edit.name or edit.hidden or edit.merged_into:
        edit.save()
        edits[key] = edit
    else:
        if edit.pk:
            edit.delete()
        edits.pop(key, None)
    audit_record(
        assessment=assessment,
        actor=user,
        action=AuditEvent.Action.THEME,
        target=f"{source}:{key}",
        before=before,
        after=_theme_audited(edits.get(key), themes[key]),
    )
    return themes_edited(result, theme_edits(assessment=assessment, source=source))
