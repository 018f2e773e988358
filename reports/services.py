"""Writes for reports: the roadmap proposal and its review, report requests and rendering."""

import datetime
import hashlib
import secrets
from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessment.audit import audit_record, audit_record_many
from assessment.churn import churn_models_sweep
from assessment.client_users import client_invitations_lost_queue
from assessment.customer_data import customer_imports_sweep
from assessment.models import CLIENT_VISIBLE_STATUSES, Assessment, AuditEvent
from assessment.selectors import assessment_scores, catalog_frames, roadmap_analytics_current
from config.celery import queue_waiting, task_enqueue_on_commit, task_enqueue_on_commit_or_defer
from config.exceptions import ItemErrors, StateConflict, TooManyRequests
from config.jobs import JobRefused, JobStatus, job_fail, job_progress, jobs_lost, jobs_stalled
from reports.models import RecommendationItem, RecommendationStatus, Report, ReportKind
from reports.narrative_selectors import report_texts_missing
from reports.ordering import order_moved_first, positions_store
from reports.recommendations import roadmap_propose
from reports.rendering import report_filename, report_html, report_pdf
from reports.selectors import (
    catalog_library,
    customer_metrics_stored,
    report_baseline,
    report_context,
    report_draft,
    report_reusable,
    reports_pending_count,
    roadmap_awaiting_review,
)
from reports.text_fields import MAX_LINE_LENGTH, MAX_LINES
from reports.texts import text_given, text_merged
from surveys.services import EMAIL_LOST_AFTER, invitation_emails_lost_queue

EDITABLE_FIELDS = ("status", "title", "rationale", "actions", "impact", "horizon", "effort")
TEXT_FIELDS = ("title", "rationale", "actions", "impact")
# Characters a recommendation's text may have per language (its actions together, a line each).
RECOMMENDATION_TEXT_MAX = {
    "title": 300,
    "rationale": 4000,
    "actions": MAX_LINES * (MAX_LINE_LENGTH + 1),
    "impact": 2000,
}
# What the audit log keeps of a custom recommendation when it is added.
ADDED_FIELDS = ("title", "status", "horizon", "effort")
# Reports of one assessment one user may have queued or rendering at a time (a full report
# takes seconds of a worker's time); more is refused with 429, to be asked again this much later.
PENDING_REPORTS_MAX = 3
PENDING_REPORTS_RETRY_AFTER = 30


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
    library = catalog_library(version=assessment.catalog_version)
    proposal = roadmap_propose(
        scores=assessment_scores(assessment=assessment),
        metrics=customer_metrics_stored(assessment=assessment),
        indicators=indicators,
        areas=areas,
        library=library,
        analytics=roadmap_analytics_current(assessment=assessment),
    )
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
        item.maturity_gain, item.outcomes_gain = entry["maturity_gain"], entry["outcomes_gain"]
    rank = {entry["code"]: index for index, entry in enumerate(proposal)}

    def order(item: RecommendationItem) -> tuple:
        if item.status == RecommendationStatus.REJECTED:
            return (2, item.position or 0)
        if item.status == RecommendationStatus.ACCEPTED or item.custom:
            return (0, item.position or 0)
        return (1, rank.get(item.code, len(rank)))

    kept.sort(key=order)
    positions_store(items=kept, fields=["priority", "maturity_gain", "outcomes_gain", "triggered_by"])
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


def recommendations_accept_proposed(*, assessment: Assessment, user: AbstractBaseUser) -> None:
    """Accept every proposal awaiting review, as one audited review step."""
    proposed = assessment.recommendations.filter(status=RecommendationStatus.PROPOSED)
    recommendations_review(
        assessment=assessment,
        user=user,
        changes=[
            {"id": pk, "status": RecommendationStatus.ACCEPTED}
            for pk in proposed.values_list("pk", flat=True)
        ],
    )


def roadmap_reviewed_check(*, assessment: Assessment) -> None:
    """StateConflict naming the proposals awaiting review: a client is shown only the
    recommendations the consultant accepted, so none may be left undecided when the client
    gets the roadmap (proposed first, if it never was)."""
    recommendations_ensure(assessment=assessment)
    pending = roadmap_awaiting_review(assessment=assessment)
    if pending:
        raise StateConflict(
            ngettext(
                "%(count)d proposed recommendation awaits your review (%(codes)s): accept or reject it "
                "on the roadmap first.",
                "%(count)d proposed recommendations await your review (%(codes)s): accept or reject "
                "each on the roadmap first.",
                len(pending),
            )
            % {"count": len(pending), "codes": ", ".join(pending)},
            code="roadmap_not_reviewed",
            extra={"pending": pending},
        )


def _item_check(change: dict, item: RecommendationItem | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "id" in change and item is None:
        errors["id"] = [_("No such recommendation in this assessment.")]
    if "id" not in change:
        missing = [field for field in ("horizon", "effort") if not change.get(field)]
        if not text_given(text_merged({}, change.get("title") or {})):
            missing.insert(0, "title")
        for field in missing:
            errors[field] = [_("Required for a new recommendation.")]
    elif (
        item is not None
        and item.custom
        and "title" in change
        and not text_given(text_merged(item.title, change["title"]))
    ):
        errors["title"] = [_("A custom recommendation needs a title in at least one language.")]
    return errors


@transaction.atomic
def recommendations_review(
    *, assessment: Assessment, user: AbstractBaseUser, changes: list[dict], order: list[int] | None = None
) -> None:
    """Apply the consultant's review: per item (by id) a new status, edited texts, horizon or
    effort; items without an id are custom additions; `order` lists ids to put first, in that
    order. Texts are given per language (reports.texts: {"en": …, "ru": …}); the languages
    given replace those stored, a blank one removes its text (a library recommendation then
    reads the library's again). All or nothing: any unknown id or incomplete addition saves
    nothing (ItemErrors)."""
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
        # The consultant's own recommendation is accepted by writing it.
        item = (
            items[change["id"]]
            if "id" in change
            else RecommendationItem(assessment=assessment, code="", status=RecommendationStatus.ACCEPTED)
        )
        fields = [field for field in EDITABLE_FIELDS if field in change]
        before = None if item.pk is None else {field: getattr(item, field) for field in fields}
        for field in fields:
            value = change[field]
            setattr(item, field, text_merged(getattr(item, field), value) if field in TEXT_FIELDS else value)
        if item.pk is None:
            item.position, next_position = next_position, next_position + 1
        item.updated_by = user
        item.save()
        items[item.pk] = item
        # Only what changed; an addition with its title, status, horizon and effort.
        shown = (
            ADDED_FIELDS
            if before is None
            else [field for field in fields if before[field] != getattr(item, field)]
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
        ranked = order_moved_first(items=items, order=order)
        positions_store(items=ranked)
        audit_record(
            assessment=assessment,
            actor=user,
            action=AuditEvent.Action.ROADMAP,
            target="order",
            before=before,
            after=_roadmap_labels(ranked),
        )


def _kind_check(*, assessment: Assessment, kind: str, user: AbstractBaseUser | None = None) -> None:
    """JobRefused for a report the assessment cannot have: a comparison without a baseline, or
    with one the report may not show (report_baseline: for `user`, if given)."""
    if kind != ReportKind.COMPARISON:
        return
    if assessment.baseline_id is None:
        raise JobRefused(_("A comparison report needs a baseline assessment."))
    if report_baseline(assessment=assessment, user=user) is None:
        raise JobRefused(
            _(
                "The baseline is not available: a report of a published assessment compares "
                "only with a published baseline."
            )
        )


def report_request(*, assessment: Assessment, user: AbstractBaseUser, kind: str, language: str) -> Report:
    """Queue a report; it renders once the request's transaction commits. A report that would
    show the same (`report_reusable`: ready, or queued or rendering) answers instead, and
    nothing is queued. A user with PENDING_REPORTS_MAX reports of the assessment under way
    gets TooManyRequests. With the broker away the report is deleted again and
    BrokerUnavailable raised: no row is left queued."""
    from reports.tasks import report_render  # the task module imports this one

    try:
        _kind_check(assessment=assessment, kind=kind, user=user)
    except JobRefused as refused:
        raise ValidationError({"kind": str(refused)}) from refused
    # The first report proposes the roadmap; settled now, it is no change after this request.
    recommendations_ensure(assessment=assessment)
    # A draft shows the accepted recommendations and counts the rest; the client's report waits.
    if not report_draft(assessment=assessment):
        roadmap_reviewed_check(assessment=assessment)
    # The consultant's texts are shown only in the language they were written in: a report in
    # a language one of them lacks is refused, naming each (no text falls back to another).
    if missing := report_texts_missing(assessment=assessment, kind=kind, language=language):
        raise ValidationError({"language": missing})
    with transaction.atomic():
        Assessment.objects.select_for_update().filter(pk=assessment.pk).first()  # one request at a time
        reusable = report_reusable(assessment=assessment, kind=kind, language=language)
        if reusable is not None:
            return reusable
        if reports_pending_count(assessment=assessment, user=user) >= PENDING_REPORTS_MAX:
            raise TooManyRequests(
                _(
                    "You already have %(count)d reports of this assessment being rendered. "
                    "Wait until one is ready, then ask again."
                )
                % {"count": PENDING_REPORTS_MAX},
                retry_after=PENDING_REPORTS_RETRY_AFTER,
                code="reports_pending",
            )
        report = Report.objects.create(
            assessment=assessment,
            kind=kind,
            language=language,
            requested_by=user,
            draft=report_draft(assessment=assessment),
        )
        task_enqueue_on_commit(
            report_render, report.pk, on_refused=lambda: Report.objects.filter(pk=report.pk).delete()
        )
    return report


@transaction.atomic
def report_release(*, report: Report, user: AbstractBaseUser) -> Report:
    """Give a report to the client's executives: it must be rendered, from a published or
    closed assessment, and not a draft (one rendered before publishing never is released).
    Releasing a released report again changes nothing."""
    report = Report.objects.select_for_update().select_related("assessment").get(pk=report.pk)
    if report.status != JobStatus.READY:
        raise StateConflict(_("Only a rendered report can be released."), code="report_not_ready")
    if report.assessment.status not in CLIENT_VISIBLE_STATUSES:
        raise StateConflict(
            _("Publish the assessment before releasing its reports."), code="assessment_not_published"
        )
    if report.draft:
        raise StateConflict(
            _(
                "This report was rendered before the assessment was published and stays a draft. "
                "Generate it again and release the new one."
            ),
            code="report_draft",
        )
    if report.released_at is None:
        report.released_at, report.released_by = timezone.now(), user
        report.save(update_fields=["released_at", "released_by"])
        audit_record(
            assessment=report.assessment,
            actor=user,
            action=AuditEvent.Action.REPORT_RELEASE,
            target=f"{report.kind}/{report.language}/{report.pk}",
            after={"file_name": report.file_name, "sha256": report.sha256},
        )
    return report


def report_bytes(
    *,
    assessment: Assessment,
    kind: str,
    language: str,
    progress: Callable[[int], None] = lambda percent: None,
) -> bytes:
    """The PDF of a report of `kind` in `language` (JobRefused if the kind does not apply, a
    consultant's text it shows is not written in `language` or, once published, a proposal
    awaits review), marked DRAFT on every page while the assessment is not published."""
    _kind_check(assessment=assessment, kind=kind)
    recommendations_ensure(assessment=assessment)
    if not report_draft(assessment=assessment):
        try:
            roadmap_reviewed_check(assessment=assessment)
        except StateConflict as conflict:
            raise JobRefused(conflict.message) from conflict
    if missing := report_texts_missing(assessment=assessment, kind=kind, language=language):
        raise JobRefused(" ".join(missing))
    context = report_context(assessment=assessment, kind=kind, language=language)
    progress(25)
    html = report_html(context=context, draft=report_draft(assessment=assessment))
    progress(50)
    pdf = report_pdf(html=html)
    progress(90)
    return pdf


def report_build(report: Report) -> None:
    """Render the report and store the PDF under an unguessable name (the job's work). Whether
    it is a draft is decided here, by the assessment's status as it is rendered."""
    assessment = report.assessment
    report.draft = report_draft(assessment=assessment)
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
        draft=report.draft,
    )
    report.sha256, report.size = hashlib.sha256(pdf).hexdigest(), len(pdf)
    report.save(update_fields=["file_path", "file_name", "sha256", "size", "draft"])
    if previous:  # an interrupted earlier run left its file
        default_storage.delete(previous)


def reports_sweep(*, now: datetime.datetime, requeue: bool) -> dict[str, int]:
    """Render the reports whose task was lost (queued too long: config.jobs.jobs_lost) if
    `requeue`, and fail those whose rendering was killed (running too long); each renders once
    however often this runs."""
    from reports.tasks import report_render  # the task module imports this one

    lost = list(jobs_lost(Report, now=now).values_list("pk", flat=True)) if requeue else []
    for report_id in lost:
        task_enqueue_on_commit_or_defer(report_render, report_id)
    failed = 0
    for report_id, language in jobs_stalled(Report, now=now).values_list("pk", "language"):
        with translation.override(language):
            message = _("The rendering was interrupted and did not finish. Please request the report again.")
        failed += job_fail(Report, job_id=report_id, error=message)
    return {"requeued": len(lost), "failed": failed}


def outbox_sweep(*, now: datetime.datetime) -> dict[str, dict[str, int]]:
    """What Celery beat runs every SWEEP_SECONDS (and `manage.py sweep` at will): sends again the
    e-mails and jobs whose task the queue did not take or lost, fails the jobs whose run was
    killed, deletes staged uploads nothing refers to. Nothing is sent again while tasks wait in
    the queue (they are a backlog, not lost), and whatever is sent twice is done once."""
    requeue = queue_waiting() == 0
    return {
        "emails": {"requeued": invitation_emails_lost_queue(now=now) if requeue else 0},
        "client_invitations": {
            "requeued": client_invitations_lost_queue(now=now, lost_after=EMAIL_LOST_AFTER) if requeue else 0
        },
        "imports": customer_imports_sweep(now=now, requeue=requeue),
        "churn_models": churn_models_sweep(now=now, requeue=requeue),
        "reports": reports_sweep(now=now, requeue=requeue),
    }
