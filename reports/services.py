"""Writes for reports: the roadmap proposal and its review, report requests and rendering."""

import hashlib
import secrets
from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from assessment.audit import audit_record, audit_record_many
from assessment.models import Assessment, AuditEvent
from assessment.selectors import assessment_scores, catalog_frames
from config.celery import task_enqueue_on_commit
from config.exceptions import ItemErrors, StateConflict
from config.jobs import JobRefused, job_progress
from reports.models import RecommendationItem, RecommendationStatus, Report, ReportKind
from reports.recommendations import recommendation_library, roadmap_propose
from reports.rendering import report_filename, report_html, report_pdf
from reports.selectors import customer_metrics_stored, report_context

EDITABLE_FIELDS = ("status", "title", "rationale", "actions", "impact", "horizon", "effort")
# What the audit log keeps of a custom recommendation when it is added.
ADDED_FIELDS = ("title", "status", "horizon", "effort")


def _reviewable_check(assessment: Assessment) -> None:
    # The roadmap is part of what the client is shown: it is frozen with the scores.
    if not assessment.editable:
        raise StateConflict(
            _("The roadmap cannot change once the assessment is published."), code="assessment_published"
        )


def _untouched(item: RecommendationItem) -> bool:
    """Proposed by the engine and not yet looked at: the engine may replace it."""
    return (
        item.status == RecommendationStatus.PROPOSED
        and not item.custom
        and not (item.title or item.rationale or item.actions or item.impact)
    )


def _label(item: RecommendationItem) -> str:
    """How the audit log names an item: its library code, or #id for a custom one."""
    return item.code or f"#{item.pk}"


def _roadmap_labels(items) -> list[str]:
    return [_label(item) for item in sorted(items, key=lambda item: (item.position or 0, item.pk or 0))]


@transaction.atomic
def recommendations_generate(
    *, assessment: Assessment, actor: AbstractBaseUser | None = None
) -> list[RecommendationItem]:
    """Propose the roadmap from the current scores and customer metrics. What the consultant
    reviewed stays: accepted and custom items first in their order, then the proposal by
    priority (untouched proposals the data no longer trigger are dropped), rejected last.
    The audit log gets the roadmap (item codes in order) before and after, if it changed."""
    Assessment.objects.select_for_update().filter(pk=assessment.pk).first()  # one review at a time
    indicators, areas = catalog_frames(version_id=assessment.catalog_version_id)
    proposal = roadmap_propose(
        scores=assessment_scores(assessment=assessment),
        metrics=customer_metrics_stored(assessment=assessment),
        indicators=indicators,
        areas=areas,
    )
    library = recommendation_library()
    items = {_label(item): item for item in assessment.recommendations.all()}
    before = _roadmap_labels(items.values())
    proposed_codes = {entry["code"] for entry in proposal}
    stale = [item.pk for code, item in items.items() if _untouched(item) and code not in proposed_codes]
    RecommendationItem.objects.filter(pk__in=stale).delete()
    kept = [item for item in items.values() if item.pk not in stale]
    for entry in proposal:
        item = items.get(entry["code"])
        if item is None:
            item = RecommendationItem(
                assessment=assessment,
                code=entry["code"],
                horizon=library.recommendation(entry["code"]).horizon,
                effort=library.recommendation(entry["code"]).effort,
            )
            kept.append(item)
        item.priority, item.triggered_by = entry["priority"], entry["triggered_by"]
    rank = {entry["code"]: index for index, entry in enumerate(proposal)}

    def order(item: RecommendationItem) -> tuple:
        if item.status == RecommendationStatus.REJECTED:
            return (2, item.position or 0)
        if item.status == RecommendationStatus.ACCEPTED or item.custom:
            return (0, item.position or 0)
        return (1, rank.get(item.code, len(rank)))

    kept.sort(key=order)
    for position, item in enumerate(kept, 1):
        item.position = position
    RecommendationItem.objects.bulk_create([item for item in kept if item.pk is None])
    RecommendationItem.objects.bulk_update(
        [item for item in kept if item.pk is not None], ["position", "priority", "triggered_by"]
    )
    audit_record(
        assessment=assessment,
        actor=actor,
        action=AuditEvent.Action.ROADMAP,
        target="generate",
        before=before,
        after=_roadmap_labels(kept),
    )
    return kept


def recommendations_ensure(*, assessment: Assessment, actor: AbstractBaseUser | None = None) -> None:
    """A roadmap exists once anyone looks at it: proposed on first use."""
    if not assessment.recommendations.exists():
        recommendations_generate(assessment=assessment, actor=actor)


def _item_check(change: dict, item: RecommendationItem | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "id" in change and item is None:
        errors["id"] = [_("No such recommendation in this assessment.")]
    if "id" not in change:
        missing = [field for field in ("title", "horizon", "effort") if not change.get(field)]
        for field in missing:
            errors[field] = [_("Required for a new recommendation.")]
    return errors


@transaction.atomic
def recommendations_review(
    *, assessment: Assessment, user: AbstractBaseUser, changes: list[dict], order: list[int] | None = None
) -> None:
    """Apply the consultant's review: per item (by id) a new status, edited texts, horizon or
    effort; items without an id are custom additions; `order` lists ids to put first, in that
    order. All or nothing: any unknown id or incomplete addition saves nothing (ItemErrors)."""
    _reviewable_check(assessment)
    Assessment.objects.select_for_update().filter(pk=assessment.pk).first()
    items = {item.pk: item for item in assessment.recommendations.all()}
    errors = {
        index: found
        for index, change in enumerate(changes)
        if (found := _item_check(change, items.get(change.get("id"))))
    }
    unknown_order = [pk for pk in order or [] if pk not in items]
    if errors:
        raise ItemErrors(errors)
    if unknown_order:
        raise ValidationError({"order": _("No such recommendation(s): %(ids)s.") % {"ids": unknown_order}})
    next_position = (assessment.recommendations.aggregate(last=Max("position"))["last"] or 0) + 1
    audited = []
    for change in changes:
        item = items[change["id"]] if "id" in change else RecommendationItem(assessment=assessment, code="")
        fields = [field for field in EDITABLE_FIELDS if field in change]
        before = None if item.pk is None else {field: getattr(item, field) for field in fields}
        for field in fields:
            setattr(item, field, change[field])
        if item.pk is None:
            item.position, next_position = next_position, next_position + 1
        item.updated_by = user
        item.save()
        items[item.pk] = item
        # Only what changed; an addition with its title, status, horizon and effort.
        shown = (
            ADDED_FIELDS if before is None else [field for field in fields if before[field] != change[field]]
        )
        audited.append(
            (
                _label(item),
                None if before is None else {field: before[field] for field in shown},
                {field: getattr(item, field) for field in shown},
            )
        )
    audit_record_many(
        assessment=assessment, actor=user, action=AuditEvent.Action.RECOMMENDATION, changes=audited
    )
    if order:
        before = _roadmap_labels(items.values())
        ranked = [items[pk] for pk in order] + sorted(
            (item for pk, item in items.items() if pk not in set(order)), key=lambda item: item.position
        )
        for position, item in enumerate(ranked, 1):
            item.position = position
        RecommendationItem.objects.bulk_update(ranked, ["position"])
        audit_record(
            assessment=assessment,
            actor=user,
            action=AuditEvent.Action.ROADMAP,
            target="order",
            before=before,
            after=_roadmap_labels(ranked),
        )


def _kind_check(*, assessment: Assessment, kind: str) -> None:
    if kind == ReportKind.COMPARISON and assessment.baseline_id is None:
        raise JobRefused(_("A comparison report needs a baseline assessment."))


def report_request(*, assessment: Assessment, user: AbstractBaseUser, kind: str, language: str) -> Report:
    """Queue a report; it renders once the request's transaction commits. With the broker
    away the report is deleted again and BrokerUnavailable raised: no row is left queued."""
    from reports.tasks import report_render  # the task module imports this one

    try:
        _kind_check(assessment=assessment, kind=kind)
    except JobRefused as refused:
        raise ValidationError({"kind": str(refused)}) from refused
    report = Report.objects.create(assessment=assessment, kind=kind, language=language, requested_by=user)
    task_enqueue_on_commit(
        report_render, report.pk, on_refused=lambda: Report.objects.filter(pk=report.pk).delete()
    )
    return report


def report_bytes(
    *,
    assessment: Assessment,
    kind: str,
    language: str,
    progress: Callable[[int], None] = lambda percent: None,
) -> bytes:
    """The PDF of a report of `kind` in `language` (JobRefused if the kind does not apply)."""
    _kind_check(assessment=assessment, kind=kind)
    recommendations_ensure(assessment=assessment)
    context = report_context(assessment=assessment, kind=kind, language=language)
    progress(25)
    html = report_html(context=context)
    progress(50)
    pdf = report_pdf(html=html)
    progress(90)
    return pdf


def report_build(report: Report) -> None:
    """Render the report and store the PDF under an unguessable name (the job's work)."""
    assessment = report.assessment
    pdf = report_bytes(
        assessment=assessment,
        kind=report.kind,
        language=report.language,
        progress=lambda percent: job_progress(report, percent),
    )
    previous = report.file_path
    report.file_path = default_storage.save(
        f"reports/{assessment.pk}/{secrets.token_hex(16)}.pdf", ContentFile(pdf)
    )
    report.file_name = report_filename(
        organization=assessment.organization.name,
        kind=report.kind,
        language=report.language,
        reference_date=assessment.reference_date,
    )
    report.sha256, report.size = hashlib.sha256(pdf).hexdigest(), len(pdf)
    report.save(update_fields=["file_path", "file_name", "sha256", "size"])
    if previous:  # an interrupted earlier run left its file
        default_storage.delete(previous)
