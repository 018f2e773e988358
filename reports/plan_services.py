"""Writes of the action plan: the initiatives an assessment's accepted recommendations become
when it is published (and those a consultant adds), their progress and the interim values of
the customer metrics they aim at. Unlike the rest of what the client is shown, the plan lives on
after publishing: it is what the client does until the re-assessment. Who may change what:

- the assessment's consultants: everything;
- a client manager: the initiatives they own (status, per cent complete, why dropped, progress
  updates) and interim KPI values of their organization's assessments;
- a client executive: nothing (they read it all).

Every change is in the assessment's audit log (assessment.audit), in its own transaction."""

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.audit import audit_record
from assessment.metrics import metric
from assessment.models import CLIENT_ROLES, Assessment, AuditEvent, Membership, Role
from assessment.selectors import catalog_frames
from reports.models import (
    Initiative,
    InitiativeStatus,
    InitiativeUpdate,
    KpiValue,
    RecommendationStatus,
)
from reports.plan import HORIZON_MONTHS, months_later
from reports.selectors import recommendations_list
from reports.texts import LANGUAGES, text_merged

TITLE_MAX = 300
DESCRIPTION_MAX = 4000
NOTE_MAX = 2000
REASON_MAX = 1000
TARGET_OPS = ("<=", ">=")
# What a client manager may change of an initiative they own; the rest is the consultants'.
OWNER_FIELDS = frozenset({"status", "percent_complete", "dropped_reason"})


def _audited(initiative: Initiative) -> dict:
    return {
        "title": dict(initiative.title),
        "owner": initiative.owner.get_username() if initiative.owner else initiative.owner_name,
        "start_on": initiative.start_on,
        "due_on": initiative.due_on,
        "status": initiative.status,
        "percent_complete": initiative.percent_complete,
        "dropped_reason": initiative.dropped_reason,
        "targets": dict(initiative.targets),
        "budget": str(initiative.budget) if initiative.budget is not None else None,
        "indicators": list(initiative.indicators),
        "outcomes": list(initiative.outcomes),
    }


def _record(initiative: Initiative, actor, before: dict | None, target: str = "") -> None:
    audit_record(
        assessment=initiative.assessment,
        actor=actor,
        action=AuditEvent.Action.INITIATIVE,
        target=target or f"initiative #{initiative.pk}",
        before=before,
        after=_audited(initiative),
    )


def plan_role(*, user: AbstractBaseUser, assessment: Assessment) -> str | None:
    """The user's role in the assessment's organization (admins count as its consultants)."""
    if user.is_superuser:
        return Role.CONSULTANT
    return (
        Membership.objects.filter(user_id=user.pk, organization_id=assessment.organization_id)
        .values_list("role", flat=True)
        .first()
    )


# --- from the roadmap ------------------------------------------------------------------------------


def _texts(items_by_language: Mapping[str, list[dict]], index: int, field: str) -> dict[str, str]:
    return {
        language: items[index][field] for language, items in items_by_language.items() if items[index][field]
    }


@transaction.atomic
def action_plan_from_roadmap(
    *, assessment: Assessment, actor: AbstractBaseUser | None = None, today: datetime.date | None = None
) -> list[Initiative]:
    """Each accepted recommendation of the roadmap (not those marked later) not yet in the plan
    as an initiative, in the roadmap's order after those already there: its title and rationale
    in every language it has them, its indicators and outcome metrics, and dates from its
    horizon counted from `today` (the day of publishing). Run again, it adds nothing twice."""
    today = today or timezone.localdate()
    items_by_language = {
        language: recommendations_list(assessment=assessment, language=language, accepted_only=True)
        for language in LANGUAGES
    }
    items = assessment.recommendations.filter(status=RecommendationStatus.ACCEPTED)
    by_id = {item.pk: item for item in items}
    planned = set(
        assessment.initiatives.exclude(recommendation=None).values_list("recommendation_id", flat=True)
    )
    position = assessment.initiatives.aggregate(last=Max("position"))["last"] or 0
    created = []
    for index, presented in enumerate(items_by_language[LANGUAGES[0]]):
        item = by_id[presented["id"]]
        # Past the roadmap's limit it waits for the next cycle rather than dilute this one
        # (docs/methods.md §10.3).
        if item.pk in planned or presented["later"]:
            continue
        start, due = HORIZON_MONTHS[item.horizon]
        position += 1
        initiative = Initiative.objects.create(
            assessment=assessment,
            recommendation=item,
            title=_texts(items_by_language, index, "title"),
            description=_texts(items_by_language, index, "rationale"),
            indicators=list(presented["indicators"]),
            outcomes=list(presented["outcomes"]),
            start_on=months_later(today, start),
            due_on=months_later(today, due),
            position=position,
            updated_by=actor,
        )
        _record(initiative, actor, None)
        created.append(initiative)
    return created


# --- one initiative --------------------------------------------------------------------------------


def _client_user(assessment: Assessment, user_id: int | None) -> AbstractBaseUser | None:
    """The client user (executive or client manager) of the assessment's organization with this
    id; a ValidationError for anyone else, without saying whether the account exists."""
    if user_id is None:
        return None
    membership = (
        Membership.objects.filter(
            organization_id=assessment.organization_id, user_id=user_id, role__in=CLIENT_ROLES
        )
        .select_related("user")
        .first()
    )
    if membership is None:
        raise ValidationError({"owner": _("The owner is a client user of this organization.")})
    return membership.user


def _check_codes(assessment: Assessment, indicators: list[str], outcomes: list[str]) -> None:
    known, _areas = catalog_frames(version_id=assessment.catalog_version_id)
    if unknown := sorted(set(indicators) - set(known.index)):
        raise ValidationError(
            {"indicators": _("Unknown indicators: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    unknown = []
    for key in outcomes:
        try:
            metric(key)
        except KeyError:
            unknown.append(key)
    if unknown:
        raise ValidationError(
            {"outcomes": _("Unknown customer metrics: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}}
        )


def _check_targets(targets: Mapping, outcomes: list[str]) -> dict:
    """{metric: {"op": "<=" | ">=", "value": number within the metric's range}} of linked metrics."""
    checked = {}
    for key, target in targets.items():
        if key not in outcomes:
            raise ValidationError(
                {"targets": _("“%(key)s” is not an outcome metric of the initiative.") % {"key": key}}
            )
        if not isinstance(target, Mapping) or target.get("op") not in TARGET_OPS:
            raise ValidationError(
                {"targets": _("Give “%(key)s” an op (<= or >=) and a value.") % {"key": key}}
            )
        value = target.get("value")
        low, high = metric(key).entry_bounds
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValidationError(
                {
                    "targets": _("The target of “%(key)s” is a number from %(low)s to %(high)s.")
                    % {"key": key, "low": low, "high": high}
                }
            )
        checked[key] = {"op": target["op"], "value": float(value)}
    return checked


def _apply(initiative: Initiative, changes: Mapping) -> None:
    """Set the fields of `changes` (texts per language merged) and check the whole."""
    for field in ("title", "description"):
        if field in changes:
            setattr(initiative, field, text_merged(getattr(initiative, field), changes[field]))
    if "owner" in changes:
        initiative.owner = _client_user(initiative.assessment, changes["owner"])
    for field in (
        "indicators",
        "outcomes",
        "owner_name",
        "start_on",
        "due_on",
        "status",
        "percent_complete",
        "dropped_reason",
        "budget",
        "targets",
    ):
        if field in changes:
            setattr(initiative, field, changes[field])
    if not initiative.title:
        raise ValidationError({"title": _("Give the initiative a title.")})
    _check_codes(initiative.assessment, initiative.indicators, initiative.outcomes)
    initiative.targets = _check_targets(initiative.targets or {}, initiative.outcomes)
    if initiative.start_on and initiative.due_on and initiative.due_on < initiative.start_on:
        raise ValidationError({"due_on": _("The due date is on or after the start.")})
    if initiative.status == InitiativeStatus.DROPPED and not initiative.dropped_reason.strip():
        raise ValidationError({"dropped_reason": _("Say why the initiative is dropped.")})
    if initiative.status != InitiativeStatus.DROPPED:
        initiative.dropped_reason = ""
    if initiative.status == InitiativeStatus.DONE:
        initiative.percent_complete = 100
    if initiative.budget is not None and initiative.budget < Decimal(0):
        raise ValidationError({"budget": _("The budget is not negative.")})


@transaction.atomic
def initiative_create(*, assessment: Assessment, actor: AbstractBaseUser, **fields) -> Initiative:
    """A consultant's own initiative, last in the plan."""
    position = (assessment.initiatives.aggregate(last=Max("position"))["last"] or 0) + 1
    initiative = Initiative(assessment=assessment, position=position, updated_by=actor)
    _apply(initiative, fields)
    initiative.save()
    _record(initiative, actor, None)
    return initiative


def _editable_by(initiative: Initiative, user: AbstractBaseUser, fields) -> None:
    """PermissionDenied unless the user runs the audit, or owns the initiative as a client
    manager and changes only OWNER_FIELDS."""
    role = plan_role(user=user, assessment=initiative.assessment)
    if role == Role.CONSULTANT:
        return
    if role != Role.CLIENT_MANAGER or initiative.owner_id != user.pk:
        raise PermissionDenied(_("Only the assessment's consultants and the initiative's owner change it."))
    if beyond := sorted(set(fields) - OWNER_FIELDS):
        raise PermissionDenied(
            _("The initiative's owner changes its status and progress; %(fields)s are the consultants'.")
            % {"fields": ", ".join(beyond)}
        )


@transaction.atomic
def initiative_change(*, initiative: Initiative, actor: AbstractBaseUser, **changes) -> Initiative:
    """Change an initiative (see the module for who may change what)."""
    initiative = (
        Initiative.objects.select_for_update(of=("self",))
        .select_related("assessment", "owner")
        .get(pk=initiative.pk)
    )
    _editable_by(initiative, actor, changes)
    before = _audited(initiative)
    _apply(initiative, changes)
    initiative.updated_by = actor
    initiative.save()
    _record(initiative, actor, before)
    return initiative


@transaction.atomic
def initiative_progress_add(
    *,
    initiative: Initiative,
    actor: AbstractBaseUser,
    note: str = "",
    percent_complete: int | None = None,
    status: str | None = None,
    dropped_reason: str | None = None,
) -> InitiativeUpdate:
    """A dated progress update: the note, and the initiative's per cent complete and status as
    of now (unchanged where not given)."""
    changes = {
        field: value
        for field, value in (
            ("percent_complete", percent_complete),
            ("status", status),
            ("dropped_reason", dropped_reason),
        )
        if value is not None
    }
    if not changes and not note.strip():
        raise ValidationError({"note": _("Write a note or change the progress.")})
    initiative = initiative_change(initiative=initiative, actor=actor, **changes)
    return InitiativeUpdate.objects.create(
        initiative=initiative,
        author=actor,
        author_label=actor.get_full_name() or actor.get_username(),
        status=initiative.status,
        percent_complete=initiative.percent_complete,
        note=note.strip(),
    )


# --- interim KPI values ----------------------------------------------------------------------------


@transaction.atomic
def kpi_value_record(
    *,
    assessment: Assessment,
    actor: AbstractBaseUser,
    metric_key: str,
    measured_on: datetime.date,
    value: float,
    source: str = "",
    today: datetime.date | None = None,
) -> KpiValue:
    """An interim value of a customer metric, measured on a day not in the future; by the
    assessment's consultants or a client manager of its organization."""
    if plan_role(user=actor, assessment=assessment) not in (Role.CONSULTANT, Role.CLIENT_MANAGER):
        raise PermissionDenied(_("The consultants and the client's managers record KPI values."))
    try:
        entry = metric(metric_key)
    except KeyError:
        raise ValidationError(
            {"metric": _("Unknown customer metric “%(key)s”.") % {"key": metric_key}}
        ) from None
    low, high = entry.entry_bounds
    if not low <= value <= high:
        raise ValidationError(
            {
                "value": _("%(metric)s is a number from %(low)s to %(high)s.")
                % {"metric": entry.label, "low": low, "high": high}
            }
        )
    if measured_on > (today or timezone.localdate()):
        raise ValidationError({"measured_on": _("A value is recorded once it is measured, not ahead.")})
    kpi = KpiValue.objects.create(
        assessment=assessment,
        metric=metric_key,
        measured_on=measured_on,
        value=float(value),
        source=source.strip(),
        recorded_by=actor,
    )
    audit_record(
        assessment=assessment,
        actor=actor,
        action=AuditEvent.Action.KPI_VALUE,
        target=metric_key,
        after={"measured_on": measured_on, "value": float(value), "source": kpi.source},
    )
    return kpi
