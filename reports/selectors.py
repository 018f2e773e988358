"""Reads for reports: the reviewed roadmap, the comparison with the baseline, and the whole
context of a PDF report, each loaded with a few queries and built by pure functions."""

import datetime
from itertools import chain

from django.db.models import Max, Q, QuerySet
from django.utils import timezone, translation

from assessment.access import baseline_readable
from assessment.branding import DEFAULT_FIRM_NAME, firm_branding, logo_data_uri
from assessment.churn import churn_model_current
from assessment.kpis import assessment_kpis
from assessment.method import result_method
from assessment.metrics import evidence_thresholds, metrics_with_samples, registry_of
from assessment.models import (
    CLIENT_VISIBLE_STATUSES,
    Assessment,
    AuditEvent,
    CustomerDataset,
    InterviewScore,
    Organization,
)
from assessment.presenters import scores_named
from assessment.selectors import (
    assessment_scores,
    assessment_scores_under,
    catalog_frames,
    comment_themes_current,
    executive_assessment_scope,
    key_drivers_current,
    managed_assessment_scope,
)
from assessment.sufficiency import sufficiency_rules
from assessment.themes import themes_edited
from config.jobs import JobStatus
from reports.analytics import churn_model_presented, key_drivers_presented
from reports.comparison import comparison_compute
from reports.context import KpiRow, report_context_build
from reports.models import (
    InitiativeStatus,
    RecommendationItem,
    RecommendationStatus,
    Report,
    ThemeEdit,
    ThemeSource,
)
from reports.recommendations import (
    Recommendation,
    RecommendationLibrary,
    library_in_catalog,
    next_level_path,
    recommendation_library,
    recommendation_text,
)
from reports.texts import LANGUAGES, languages_missing, text_any, text_given, text_in
from surveys.i18n import localized
from surveys.models import Area, CatalogVersion, Indicator, Response
from surveys.selectors import catalog_lineage, indicator_lineage, questions_per_role

# Reports queued or rendering; one still pending after the window (a queue that lost it) no
# longer counts: it is neither waited for nor held against its requester.
PENDING_REPORT_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
PENDING_REPORT_WINDOW = datetime.timedelta(minutes=15)


def _pending(now: datetime.datetime) -> Q:
    return Q(status__in=PENDING_REPORT_STATUSES, created_at__gte=now - PENDING_REPORT_WINDOW)


def report_scope(*, user) -> QuerySet[Report]:
    """Reports the user may see: every report of the assessments they run; of a client
    executive's published assessments only the reports a consultant released, never one rendered
    before the assessment was published; none for a client manager."""
    return Report.objects.filter(
        Q(assessment__in=managed_assessment_scope(user=user))
        | Q(
            assessment__in=executive_assessment_scope(user=user),
            status=JobStatus.READY,
            draft=False,
            released_at__isnull=False,
        )
    )


def report_draft(*, assessment: Assessment) -> bool:
    """A report rendered now is a draft: the client has not been given the results yet."""
    return assessment.status not in CLIENT_VISIBLE_STATUSES


def report_baseline(*, assessment: Assessment, user=None) -> Assessment | None:
    """The baseline a PDF report of the assessment may compare with, or None. A report of a
    published assessment may reach the client, so it compares only with a baseline the client
    may open too (published or closed); before, it is a draft for the consultants. A `user`
    requesting it must be able to open the baseline as well (assessment.access)."""
    baseline = assessment.baseline
    if baseline is None:
        return None
    if not report_draft(assessment=assessment) and baseline.status not in CLIENT_VISIBLE_STATUSES:
        return None
    if user is not None and baseline_readable(user=user, assessment=assessment) is None:
        return None
    return baseline


def assessment_changed_at(*, assessment: Assessment) -> datetime.datetime:
    """When anything a report of the assessment shows last changed: the assessment or its
    baseline, an audited change to either (a report's release changes no report), a submitted
    questionnaire, an interview score, the customer data or the roadmap."""
    ids = [assessment.pk, *([assessment.baseline_id] if assessment.baseline_id else [])]
    latest = [
        Assessment.objects.filter(pk__in=ids).aggregate(at=Max("updated_at")),
        AuditEvent.objects.filter(assessment_id__in=ids)
        .exclude(action=AuditEvent.Action.REPORT_RELEASE)
        .aggregate(at=Max("created_at")),
        Response.objects.filter(invitation__assessment_id__in=ids).aggregate(at=Max("submitted_at")),
        InterviewScore.objects.filter(assessment_id__in=ids).aggregate(at=Max("updated_at")),
        CustomerDataset.objects.filter(assessment_id__in=ids).aggregate(at=Max("updated_at")),
        RecommendationItem.objects.filter(assessment_id__in=ids).aggregate(at=Max("updated_at")),
    ]
    return max(row["at"] for row in latest if row["at"] is not None)


def report_reusable(*, assessment: Assessment, kind: str, language: str) -> Report | None:
    """A report that shows exactly what a new one would: same kind, language and draft-ness,
    requested today (the cover carries the date) after the last change to what it shows, and
    ready or still on its way. The newest such report, or None."""
    return (
        Report.objects.filter(
            Q(status=JobStatus.READY) | _pending(timezone.now()),
            assessment=assessment,
            kind=kind,
            language=language,
            draft=report_draft(assessment=assessment),
            created_at__gt=assessment_changed_at(assessment=assessment),
            created_at__date=timezone.localdate(),
        )
        .order_by("-created_at", "-id")
        .first()
    )


def reports_pending_count(*, assessment: Assessment, user) -> int:
    """Reports of the assessment the user requested that are still queued or rendering."""
    return Report.objects.filter(_pending(timezone.now()), assessment=assessment, requested_by=user).count()


def catalog_names(*, version_id: int, language: str) -> dict[str, str]:
    """Area and indicator code → name in `language`."""
    rows = chain(
        Area.objects.filter(version_id=version_id).values_list("code", "name"),
        Indicator.objects.filter(version_id=version_id).values_list("code", "title"),
    )
    return {code: localized(name, language) for code, name in rows}


def customer_metrics_stored(*, assessment: Assessment) -> dict | None:
    """The stored customer metrics (None without customer data), each metric that can give data
    evidence with its sample and whether that suffices for the assessment (docs/methods.md §3.4)."""
    dataset = CustomerDataset.objects.filter(assessment=assessment).only("metrics").first()
    minimums = sufficiency_rules(assessment.sufficiency).min_sample
    return metrics_with_samples(dataset.metrics, minimums) if dataset else None


# Libraries as a catalog version reads them, by (version id, content hash); a handful at most.
_LIBRARIES: dict[tuple[int, str], RecommendationLibrary] = {}
_LIBRARIES_KEPT = 32


def catalog_library(*, version: CatalogVersion) -> RecommendationLibrary:
    """The recommendation library as an assessment on `version` reads it (library_in_catalog):
    built once per process and version, which never changes."""
    key = (version.pk, version.content_hash)
    if key not in _LIBRARIES:
        if len(_LIBRARIES) >= _LIBRARIES_KEPT:
            _LIBRARIES.clear()
        _LIBRARIES[key] = library_in_catalog(
            recommendation_library(),
            edition=version.edition,
            lineage=indicator_lineage(version_id=version.pk),
        )
    return _LIBRARIES[key]


def _library_entry(code: str, version: CatalogVersion) -> Recommendation | None:
    """The library's recommendation as the catalog version reads it (None for a custom one, or
    one the library dropped or the version does not read)."""
    if not code:
        return None
    try:
        return catalog_library(version=version).recommendation(code)
    except KeyError:
        return None


def _written_or(value: dict, language: str, default):
    """A consultant's text in `language` where they wrote it in any language (blank if not in
    this one: reports.texts), else `default`."""
    return text_in(value, language, empty=type(default)()) if text_given(value) else default


def recommendation_item_present(item: RecommendationItem, *, language: str) -> dict:
    """An item with its texts in `language`: the consultant's where they wrote a text (blank
    where they did not write that language), else the library's; with the consultant's texts
    per language and the languages some of them lack."""
    entry = _library_entry(item.code, item.assessment.catalog_version)
    library = recommendation_text(code=item.code, language=language) if entry else {}
    written = {field: getattr(item, field) for field in ("title", "rationale", "actions", "impact")}
    edited = any(text_given(value) for value in written.values())
    return {
        "id": item.pk,
        "code": item.code,
        "position": item.position,
        "status": item.status,
        "custom": item.custom,
        "edited": edited,
        "priority": item.priority,
        "maturity_gain": item.maturity_gain,
        "outcomes_gain": item.outcomes_gain,
        "triggered_by": item.triggered_by,
        "title": _written_or(item.title, language, library.get("title", "")),
        "rationale": _written_or(item.rationale, language, library.get("rationale", "")),
        "actions": _written_or(item.actions, language, library.get("actions", [])),
        "impact": _written_or(item.impact, language, library.get("impact", "")),
        "texts": {
            code: {
                field: text_in(value, code, empty=[] if field == "actions" else "")
                for field, value in written.items()
            }
            for code in LANGUAGES
        },
        "missing_languages": languages_missing(written.values()),
        "step": entry.step if entry else "custom",
        "step_title": library.get("step_title", ""),
        "horizon": item.horizon,
        "effort": item.effort,
        "indicators": list(entry.indicators) if entry else [],
    }


def recommendations_list(*, assessment: Assessment, language: str, accepted_only: bool = False) -> list[dict]:
    """The roadmap in its order (only what the consultant accepted, for a report), each item
    with `prerequisites`: the library's prerequisites among the items not rejected, and
    `later`: past the assessment's roadmap limit among them (docs/methods.md §10.3)."""
    items = list(assessment.recommendations.all())
    if accepted_only:
        items = [item for item in items if item.status == RecommendationStatus.ACCEPTED]
    kept = [item for item in items if item.status != RecommendationStatus.REJECTED]
    on_roadmap = {item.code for item in kept if item.code}
    limit = assessment.roadmap_limit_in_force
    place = {item.pk: position for position, item in enumerate(kept)}
    presented = []
    for item in items:
        entry = _library_entry(item.code, assessment.catalog_version)
        presented.append(
            {
                **recommendation_item_present(item, language=language),
                "prerequisites": [code for code in entry.prerequisites if code in on_roadmap]
                if entry
                else [],
                "later": limit is not None and place.get(item.pk, -1) >= limit,
                "outcomes": list(entry.outcomes) if entry else [],
            }
        )
    return presented


def roadmap_awaiting_review(*, assessment: Assessment) -> list[str]:
    """The proposals the consultant has neither accepted nor rejected, by library code (#id for
    a custom one), in roadmap order."""
    return [
        item.code or f"#{item.pk}"
        for item in assessment.recommendations.filter(status=RecommendationStatus.PROPOSED)
    ]


def assessment_next_level(*, assessment: Assessment, scores: dict, language: str) -> dict | None:
    indicators, areas = catalog_frames(version_id=assessment.catalog_version_id)
    path = next_level_path(scores=scores, indicators=indicators, areas=areas)
    if path is None:
        return None
    names = catalog_names(version_id=assessment.catalog_version_id, language=language)
    return {
        **path,
        "indicators": [
            {**item, "name": names.get(item["code"], item["code"])} for item in path["indicators"]
        ],
    }


def _kpi_values(assessment: Assessment) -> dict[str, float | None]:
    return {code: entry["value"] for code, entry in assessment_kpis(assessment=assessment).items()}


def _questions_asked(assessment: Assessment) -> dict[str, int] | None:
    """The fewest and most indicators a respondent role is asked, the consultant's changes
    included; None where every role is asked everything."""
    per_role = questions_per_role(version_id=assessment.catalog_version_id, overrides=assessment.audiences)
    return {"low": min(per_role.values()), "high": max(per_role.values())} if per_role else None


def _plan_of(baseline: Assessment, language: str) -> list[dict]:
    """The baseline's action plan as plan_results reads it, titles in `language`."""
    return [
        {
            **initiative,
            "title": text_any(initiative["title"], language),
            "status_label": str(InitiativeStatus(initiative["status"]).label),
        }
        for initiative in baseline.initiatives.order_by("position", "id").values(
            "id", "title", "status", "percent_complete", "indicators"
        )
    ]


def assessment_comparison(
    *,
    assessment: Assessment,
    baseline: Assessment | None,
    language: str,
    scores: dict | None = None,
    metrics: dict | None = None,
) -> dict | None:
    """The comparison with `baseline` in `language`; None without one. `baseline` is the
    assessment's baseline as its reader may see it (assessment.access.baseline_readable, or
    report_baseline for a PDF): None when they may not open it, as if there were none."""
    if baseline is None:
        return None
    with translation.override(language):
        names = {
            **catalog_names(version_id=baseline.catalog_version_id, language=language),
            **catalog_names(version_id=assessment.catalog_version_id, language=language),
        }
        current = scores or assessment_scores(assessment=assessment)
        result = comparison_compute(
            current=current,
            baseline=assessment_scores_under(
                assessment=baseline, method_version=result_method(current).version
            ),
            current_metrics=metrics
            if metrics is not None
            else customer_metrics_stored(assessment=assessment),
            baseline_metrics=customer_metrics_stored(assessment=baseline),
            current_kpis=_kpi_values(assessment),
            baseline_kpis=_kpi_values(baseline),
            names=names,
            lineage=catalog_lineage(
                version_id=assessment.catalog_version_id, baseline_version_id=baseline.catalog_version_id
            ),
            initiatives=_plan_of(baseline, language),
        )
    return {
        "baseline": {"id": baseline.pk, "title": baseline.title, "reference_date": baseline.reference_date},
        **result,
    }


def theme_edits(*, assessment: Assessment, source: str) -> dict[str, dict]:
    """The consultant's edits of the themes of `source`, by theme key (assessment.themes.themes_edited)."""
    return {
        edit["key"]: edit
        for edit in ThemeEdit.objects.filter(assessment=assessment, source=source).values(
            "key", "name", "hidden", "merged_into"
        )
    }


def themes_current(*, assessment: Assessment, source: str) -> dict | None:
    """The themes of `source`'s comments (assessment.selectors.comment_themes_current) as the
    consultant edited them: named, hidden, merged."""
    result = comment_themes_current(assessment=assessment, source=source)
    if result is None or result["status"] != "ready":
        return result
    return themes_edited(result, theme_edits(assessment=assessment, source=source))


def _themes_ready(assessment: Assessment, language: str) -> list[dict]:
    """Per source with ready themes, the themes the report shows (not hidden), each with its
    name in `language` (None where the consultant gave none: the report shows its words).
    Interview notes are not quoted: a leadership interview has so few speakers that a quote
    would name its author."""
    shown = []
    for source in ThemeSource.values:
        result = themes_current(assessment=assessment, source=source)
        if not result or result["status"] != "ready":
            continue
        themes = [
            {
                **theme,
                "title": theme["name"].get(language),
                "quotes": [] if source == ThemeSource.INTERVIEWS else theme["quotes"],
            }
            for theme in result["themes"]
            if not theme["hidden"]
        ]
        if themes:
            shown.append({**result, "source": source, "themes": themes})
    return shown


def report_context(
    *, assessment: Assessment, kind: str, language: str, today: datetime.date | None = None
) -> dict:
    """Everything a report of `kind` shows, in `language` (the roadmap as reviewed: only the
    accepted recommendations; the findings, commentary and quotes as reports.narrative_selectors gives
    them)."""
    scores = scores_named(result=assessment_scores(assessment=assessment), language=language)
    metrics = customer_metrics_stored(assessment=assessment)
    rules = sufficiency_rules(assessment.sufficiency)
    organization = assessment.organization
    from reports.narrative_selectors import report_narrative  # it reads catalog names from here

    with translation.override(language):
        kpis = [
            KpiRow(code=code, label=entry["label"], value=entry["value"])
            for code, entry in assessment_kpis(assessment=assessment).items()
        ]
        context = report_context_build(
            kind=kind,
            language=language,
            generated_on=today or timezone.localdate(),
            organization={"name": organization.name, "industry": organization.get_industry_display()},
            assessment={
                "title": assessment.title,
                "reference_date": assessment.reference_date,
                "currency": assessment.currency,
            },
            scores=scores,
            names=catalog_names(version_id=assessment.catalog_version_id, language=language),
            metrics=metrics,
            kpis=kpis,
            roadmap=[
                {**item, "position": position}
                for position, item in enumerate(
                    recommendations_list(assessment=assessment, language=language, accepted_only=True), 1
                )
            ],
            roadmap_awaiting=len(roadmap_awaiting_review(assessment=assessment)),
            churn_model=churn_model_presented(churn_model_current(assessment=assessment)),
            key_drivers=key_drivers_presented(key_drivers_current(assessment=assessment, target="nps")),
            themes=_themes_ready(assessment, language),
            next_level=assessment_next_level(assessment=assessment, scores=scores, language=language),
            comparison=assessment_comparison(
                assessment=assessment,
                baseline=report_baseline(assessment=assessment),
                language=language,
                scores=scores,
                metrics=metrics,
            ),
            methodology={
                "weights": {
                    "survey": float(assessment.weight_survey),
                    "interview": float(assessment.weight_interview),
                    "data": float(assessment.weight_data),
                },
                "anonymity_k": assessment.anonymity_k,
                "questions_asked": _questions_asked(assessment),
                "respondents": scores["respondents"],
                "coverage": {"scored": scores["coverage"]["scored"], "total": scores["coverage"]["total"]},
                "thresholds": {
                    key: list(edges)
                    for key, edges in evidence_thresholds(
                        assessment.data_thresholds, registry_of(result_method(scores).version)
                    ).items()
                },
                "sufficiency": {
                    "min_answers": rules.min_answers,
                    "min_area_coverage_percent": 100 * rules.min_area_coverage,
                    "min_responses": rules.min_responses,
                },
                "publish_override_reason": assessment.publish_override_reason,
            },
        )
    return {
        **context,
        **report_narrative(assessment=assessment, kind=kind, language=language, scores=scores),
        "branding": report_branding(organization=organization, language=language),
    }


def report_branding(*, organization: Organization, language: str) -> dict:
    """The firm's name, colour and logo and the client's logo as the PDF shows them: the logos
    inline, since the renderer loads nothing from outside."""
    firm = firm_branding()
    with translation.override(language):
        name = firm.name or str(DEFAULT_FIRM_NAME)
    return {
        "firm_name": name,
        "colour": firm.colour,
        "firm_logo": logo_data_uri(firm.logo),
        "client_logo": logo_data_uri(organization.logo),
    }
