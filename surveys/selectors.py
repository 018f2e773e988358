from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Case, CharField, QuerySet, Value, When
from django.db.models.functions import Coalesce

from surveys.i18n import localized
from surveys.models import (
    Answer,
    CatalogVersion,
    Indicator,
    Invitation,
    InvitationEmail,
    RespondentRole,
    RespondentStatus,
    Response,
)

if TYPE_CHECKING:  # surveys sits below assessment: the type only, never the module at run time
    from assessment.models import Assessment


def catalog_version_current() -> CatalogVersion:
    """The newest version of the latest edition: a translation of an earlier edition's file
    makes a newer version of that edition, not the one new assessments take."""
    version = CatalogVersion.objects.order_by("-edition", "-number").first()
    if version is None:
        raise ImproperlyConfigured("No catalog is loaded: run `python manage.py load_catalog`.")
    return version


# An assessment's changes to the catalog's audiences: indicator code → the roles asked it.
Audiences = Mapping[str, list[str]]


def effective_audiences(code: str, audiences: list[str], overrides: Audiences | None) -> list[str]:
    """The roles asked an indicator in an assessment: the assessment's own choice for it where the
    consultant made one, else the catalog's; a catalog naming none asks every role."""
    return list((overrides or {}).get(code) or audiences or RespondentRole.values)


def indicator_ids(
    *, version_id: int, role: str | None = None, overrides: Audiences | None = None
) -> dict[str, int]:
    """Indicator code → id within one catalog version; with `role`, only the indicators asked of
    that respondent role, by the catalog's audiences as an assessment's `overrides` change them."""
    rows = Indicator.objects.filter(version_id=version_id).values_list("code", "id", "audiences")
    return {
        code: pk
        for code, pk, audiences in rows
        if role is None or role in effective_audiences(code, audiences, overrides)
    }


def questions_per_role(*, version_id: int, overrides: Audiences | None = None) -> dict[str, int] | None:
    """How many indicators each respondent role is asked; None where every role is asked
    everything."""
    asked = [
        effective_audiences(code, audiences, overrides)
        for code, audiences in Indicator.objects.filter(version_id=version_id).values_list(
            "code", "audiences"
        )
    ]
    per_role = {role: sum(role in roles for roles in asked) for role in RespondentRole.values}
    return None if set(per_role.values()) == {len(asked)} else per_role


# Reading speed and the time to choose an answer (docs/methods.md §2): a respondent's estimate.
WORDS_PER_MINUTE = 200
SECONDS_PER_QUESTION = 10
_WORD = re.compile(r"[\w’'-]+")


def reading_minutes(indicators: list[dict]) -> int:
    """The minutes a respondent needs for these indicators of a catalog tree: the words of their
    questions and level descriptors (not the "more" texts, read only on demand) at
    WORDS_PER_MINUTE, plus SECONDS_PER_QUESTION each; at least 1."""
    words = sum(len(_WORD.findall(" ".join([item["question"], *item["levels"]]))) for item in indicators)
    seconds = 60 * words / WORDS_PER_MINUTE + SECONDS_PER_QUESTION * len(indicators)
    return max(1, math.ceil(seconds / 60))


def indicator_lineage(*, version_id: int) -> dict[str, list[str] | None]:
    """Indicator code → the previous edition's codes it continues (None in a first edition), in
    catalog order."""
    return dict(
        Indicator.objects.filter(version_id=version_id).order_by("position").values_list("code", "previous")
    )


def catalog_lineage(*, version_id: int, baseline_version_id: int) -> dict[str, list[str]] | None:
    """Indicator code → the codes it continues of the baseline's catalog, when that catalog is of
    the edition just before this one (an indicator's `previous`); None when both are of one
    edition, where a code means the same in both, or the editions are not consecutive."""
    editions = dict(
        CatalogVersion.objects.filter(pk__in=[version_id, baseline_version_id]).values_list("pk", "edition")
    )
    if editions.get(version_id) != editions.get(baseline_version_id, 0) + 1:
        return None
    return indicator_lineage(version_id=version_id)


# Trees built by this process, by (version id, content hash, language); a handful at most.
_TREES: dict[tuple[int, str, str], dict] = {}
_TREES_KEPT = 32


def catalog_tree(*, version: CatalogVersion, language: str) -> dict:
    """The catalog as nested plain data in one language. A catalog version never changes, so each
    process builds a version's tree once per language (one query) and every questionnaire shares
    it: callers must not change it."""
    key = (version.pk, version.content_hash, language)
    tree = _TREES.get(key)
    if tree is None:
        if len(_TREES) >= _TREES_KEPT:
            _TREES.clear()
        tree = _TREES[key] = catalog_tree_build(version=version, language=language)
    return tree


def catalog_tree_build(*, version: CatalogVersion, language: str) -> dict:
    """The catalog as nested plain data in one language, from one query."""
    rows = (
        Indicator.objects.filter(version=version)
        .order_by("area__position", "position")
        .values_list(
            "area__code",
            "area__name",
            "area__description",
            "area__weight",
            "code",
            "title",
            "question",
            "levels",
            "weight",
            "metric",
            "critical",
            "audiences",
            "more",
            "previous",
        )
    )
    areas: dict[str, dict] = {}
    for (
        area_code,
        area_name,
        description,
        area_weight,
        code,
        title,
        question,
        levels,
        weight,
        metric,
        critical,
        audiences,
        more,
        previous,
    ) in rows:
        area = areas.get(area_code)
        if area is None:
            area = areas[area_code] = {
                "code": area_code,
                "name": localized(area_name, language),
                "description": localized(description, language) if description else "",
                "weight": float(area_weight),
                "indicators": [],
            }
        area["indicators"].append(
            {
                "code": code,
                "title": localized(title, language),
                "question": localized(question, language),
                "levels": localized(levels, language),
                "more": localized(more, language) if more else "",
                "weight": float(weight),
                "metric": metric or None,
                "critical": critical,
                "audiences": audiences or list(RespondentRole.values),
                "previous": previous,
            }
        )
    return {
        "version": version.number,
        "name": localized(version.name, language),
        "language": language,
        "areas": list(areas.values()),
    }


def invitations_with_status(*, assessment: Assessment) -> QuerySet[Invitation]:
    """Invitations annotated with `status` (invited / started / submitted) and `last_activity`."""
    return (
        Invitation.objects.filter(assessment=assessment)
        .annotate(
            status=Case(
                When(response__submitted_at__isnull=False, then=Value(RespondentStatus.SUBMITTED)),
                When(response__isnull=False, then=Value(RespondentStatus.STARTED)),
                default=Value(RespondentStatus.INVITED),
                output_field=CharField(),
            ),
            last_activity=Coalesce("response__updated_at", "last_sent_at", "created_at"),
        )
        .order_by("email")
    )


def invitations_unsent(*, assessment: Assessment) -> QuerySet[Invitation]:
    """Invitations that have had no invitation e-mail yet: those opening collection sends."""
    return Invitation.objects.filter(assessment=assessment).exclude(
        emails__kind=InvitationEmail.Kind.INVITATION
    )


def invitation_email_kinds(*, assessment: Assessment) -> list[tuple[str, str]]:
    """The kinds of e-mail the assessment's respondents may get (value, label): the last reminder
    only with a collection deadline."""
    return [
        (kind, label)
        for kind, label in InvitationEmail.Kind.choices
        if kind != InvitationEmail.Kind.DEADLINE or assessment.collection_deadline is not None
    ]


def invitations_awaited(*, assessment: Assessment) -> QuerySet[Invitation]:
    """Invitations e-mailed whose respondent has not submitted: those a reminder reaches."""
    return Invitation.objects.filter(assessment=assessment, sent_at__isnull=False).exclude(
        response__submitted_at__isnull=False
    )


def _rate_table(frame: pd.DataFrame, by: str) -> list[dict]:
    counts = (
        frame.assign(group=frame[by].replace("", "—"))
        .pivot_table(index="group", columns="status", aggfunc="size", fill_value=0)
        .reindex(columns=list(RespondentStatus.values), fill_value=0)
    )
    counts["total"] = counts.sum(axis=1)
    counts["rate"] = (100 * counts[RespondentStatus.SUBMITTED] / counts["total"]).round(1)
    return [
        {
            by: str(group),
            **{key: int(row[key]) for key in (*RespondentStatus.values, "total")},
            "rate": float(row["rate"]),
        }
        for group, row in counts.sort_index().iterrows()
    ]


def response_rate(*, assessment: Assessment) -> dict:
    """Invited / started / submitted counts and the submitted share, overall and per
    department and role (one query; counted with pandas)."""
    frame = pd.DataFrame(
        list(invitations_with_status(assessment=assessment).values_list("department", "role", "status")),
        columns=["department", "role", "status"],
        dtype="string",
    )
    totals = frame["status"].value_counts().reindex(list(RespondentStatus.values), fill_value=0)
    total = int(totals.sum())
    return {
        "overall": {
            **{status: int(totals[status]) for status in RespondentStatus.values},
            "total": total,
            "rate": round(100 * int(totals[RespondentStatus.SUBMITTED]) / total, 1) if total else 0.0,
        },
        "by_department": _rate_table(frame, "department") if total else [],
        "by_role": _rate_table(frame, "role") if total else [],
    }


def questionnaire_areas(
    *, version: CatalogVersion, role: str, language: str, overrides: Audiences | None = None
) -> list[dict]:
    """The areas of a catalog tree with only the indicators asked of `role` (the catalog's
    audiences as an assessment's `overrides` change them); an area asking it nothing is left out."""
    return [
        {**area, "indicators": asked}
        for area in catalog_tree(version=version, language=language)["areas"]
        if (
            asked := [
                item
                for item in area["indicators"]
                if role in effective_audiences(item["code"], item["audiences"], overrides)
            ]
        )
    ]


def questionnaire_minutes(
    *, version: CatalogVersion, role: str, language: str, overrides: Audiences | None = None
) -> int:
    """The estimate of reading_minutes for `role`; for no role (an e-mail's preview), the
    longest of any role's."""
    return max(
        reading_minutes(
            [
                item
                for area in questionnaire_areas(
                    version=version, role=each, language=language, overrides=overrides
                )
                for item in area["indicators"]
            ]
        )
        for each in ([role] if role else RespondentRole.values)
    )


def respondent_questionnaire(*, invitation: Invitation, language: str) -> dict:
    """What a respondent sees: the indicators of the assessment's catalog version asked of their
    role (by area, an area without any left out), the minutes they take, and their answers."""
    response = Response.objects.filter(invitation=invitation).first()
    answers = (
        {
            code: {"level": level, "answered": answered, "comment": comment}
            for code, level, answered, comment in Answer.objects.filter(response=response).values_list(
                "indicator__code", "level", "answered", "comment"
            )
        }
        if response
        else {}
    )
    if response is None:
        status = RespondentStatus.INVITED
    elif response.submitted_at is None:
        status = RespondentStatus.STARTED
    else:
        status = RespondentStatus.SUBMITTED
    assessment = invitation.assessment
    areas = questionnaire_areas(
        version=assessment.catalog_version,
        role=invitation.role,
        language=language,
        overrides=assessment.audiences,
    )
    return {
        "assessment": {"title": assessment.title, "deadline": assessment.collection_deadline},
        "status": status,
        "language": language,
        "role": invitation.role,
        "estimated_minutes": reading_minutes([item for area in areas for item in area["indicators"]]),
        "areas": areas,
        "answers": answers,
    }
