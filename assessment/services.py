"""Writes. Views validate input shape; the rules live here."""

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.dispatch import Signal
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessment.audit import audit_events, audit_record, audit_record_many
from assessment.method import ROADMAP_LIMIT_MAX, ROADMAP_LIMIT_MIN, result_method
from assessment.metrics import registry_of, thresholds_messages
from assessment.models import (
    CLIENT_VISIBLE_STATUSES,
    NEXT_STATUSES,
    ApiToken,
    Assessment,
    AuditEvent,
    InterviewScore,
    Membership,
    Organization,
    Role,
    ScoreSnapshot,
    Status,
)
from assessment.presenters import sufficiency_reasons_present
from assessment.results import ScoreResult
from assessment.selectors import assessment_scores_compute
from assessment.sufficiency import PRELIMINARY, sufficiency_messages
from config.exceptions import ItemErrors, StateConflict
from config.tokens import token_new
from surveys.models import Indicator, Invitation, RespondentRole, Response
from surveys.selectors import catalog_version_current, effective_audiences, indicator_ids
from surveys.services import (
    invitation_reminders_everyone_queue,
    invitation_reminders_queue,
    invitations_copy,
    invitations_unsent_queue,
)

ORGANIZATION_FIELDS = ("name", "industry", "country", "segment", "currency")


def _organization_save(organization: Organization, *, fields: tuple[str, ...]) -> None:
    # The API and the pages validate too; this keeps a third caller from storing an industry
    # outside the list that peer benchmarks rely on.
    organization.full_clean(exclude=[name for name in ORGANIZATION_FIELDS if name not in fields])
    organization.save()


@transaction.atomic
def organization_create(
    *,
    user: AbstractBaseUser,
    name: str,
    industry: str = "",
    country: str = "",
    segment: str = "",
    currency: str = "",
) -> Organization:
    """Create a client organization; its creator becomes its lead consultant."""
    organization = Organization(
        name=name, industry=industry, country=country, segment=segment, currency=currency
    )
    _organization_save(organization, fields=ORGANIZATION_FIELDS)
    if not user.is_superuser:
        Membership.objects.create(user=user, organization=organization, role=Role.CONSULTANT, lead=True)
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, **changes: str) -> Organization:
    """Change the organization's name, industry, country, size or currency (the keys given)."""
    unknown = set(changes) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise ValueError(f"not an organization field: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(organization, name, value)
    _organization_save(organization, fields=tuple(changes))
    return organization


def organization_archive(*, organization: Organization, archived: bool) -> Organization:
    """Archive a client (it leaves the home page's list and takes no new assessment) or bring it
    back. Its audits and released reports stay readable."""
    organization.archived_at = (organization.archived_at or timezone.now()) if archived else None
    organization.save(update_fields=["archived_at"])
    return organization


def _baseline_check(
    *, organization: Organization, baseline: Assessment | None, assessment_id: int | None
) -> None:
    if baseline is None:
        return
    if baseline.organization_id != organization.pk:
        raise ValidationError({"baseline": _("The baseline must be an assessment of the same organization.")})
    if assessment_id is not None and baseline.pk == assessment_id:
        raise ValidationError({"baseline": _("An assessment cannot be its own baseline.")})


@transaction.atomic
def assessment_create(
    *,
    user: AbstractBaseUser,
    organization: Organization,
    title: str,
    reference_date: datetime.date,
    baseline: Assessment | None = None,
    copy_invitations: bool = False,
    weight_survey: Decimal | None = None,
    weight_interview: Decimal | None = None,
    weight_data: Decimal | None = None,
) -> tuple[Assessment, int]:
    """A new draft assessment on the current catalog version, and the number of respondents
    copied. A re-assessment names its `baseline`, an assessment of the same organization; with
    `copy_invitations` the baseline's respondents are invited again, each with a new personal
    link (their e-mails go out when collection opens). All or nothing."""
    if organization.archived_at is not None:
        raise StateConflict(
            _("The organization is archived: restore it to start a new assessment."),
            code="organization_archived",
        )
    _baseline_check(organization=organization, baseline=baseline, assessment_id=None)
    if copy_invitations and baseline is None:
        raise ValidationError({"copy_invitations": _("Choose a baseline to copy its respondents.")})
    weights = {
        name: value
        for name, value in (
            ("weight_survey", weight_survey),
            ("weight_interview", weight_interview),
            ("weight_data", weight_data),
        )
        if value is not None
    }
    assessment = Assessment(
        organization=organization,
        title=title,
        reference_date=reference_date,
        baseline=baseline,
        catalog_version=catalog_version_current(),
        currency=organization.currency,
        created_by=user,
        **weights,
    )
    weights_check(**_weights_of(assessment))
    assessment.save()
    copied = invitations_copy(source=baseline, target=assessment) if copy_invitations else []
    return assessment, len(copied)


ANONYMITY_K_MIN, ANONYMITY_K_MAX = 2, 50


def _anonymity_check(assessment: Assessment, k: int) -> None:
    """Groups under k respondents are not shown (docs/methods.md §5.1). Once the client has the
    results, k may rise but not fall: a lower one would disclose groups it was promised not to."""
    if not ANONYMITY_K_MIN <= k <= ANONYMITY_K_MAX:
        raise ValidationError(
            {
                "anonymity_k": _("The anonymity threshold is a whole number from %(min)d to %(max)d.")
                % {"min": ANONYMITY_K_MIN, "max": ANONYMITY_K_MAX}
            }
        )
    if assessment.status in CLIENT_VISIBLE_STATUSES and k < assessment.anonymity_k:
        raise StateConflict(
            _("The assessment is published: its anonymity threshold can rise but not fall below %(k)d.")
            % {"k": assessment.anonymity_k},
            code="assessment_published",
            extra={"fields": ["anonymity_k"]},
        )


def _audiences_checked(assessment: Assessment, audiences) -> dict[str, list[str]]:
    """The assessment's changes to the catalog's audiences after `audiences` (indicator code →
    the roles asked it; the indicators it does not name keep theirs), kept only where they differ
    from the catalog's, each role list in the roles' order. Set while a draft: once respondents
    are asked, their questions no longer change."""
    if assessment.status != Status.DRAFT:
        raise StateConflict(
            _("Who is asked which question is set before collection opens."), code="collection_started"
        )
    catalog = dict(
        Indicator.objects.filter(version_id=assessment.catalog_version_id).values_list("code", "audiences")
    )
    if not isinstance(audiences, Mapping):
        raise ValidationError({"audiences": _("Give the roles asked each indicator, by its code.")})
    errors: dict[str, list[str]] = {}
    changed = {}
    for code, roles in {**assessment.audiences, **audiences}.items():
        if code not in catalog:
            errors[code] = [_("Unknown indicator %(code)s.") % {"code": code}]
        elif not isinstance(roles, list) or not roles or not set(roles) <= set(RespondentRole.values):
            errors[code] = [
                _("Name at least one of the roles: %(roles)s.") % {"roles": ", ".join(RespondentRole.values)}
            ]
        else:
            ordered = [role for role in RespondentRole.values if role in roles]
            if ordered != effective_audiences(code, catalog[code], None):
                changed[code] = ordered
    if errors:
        raise ValidationError({f"audiences.{code}": messages for code, messages in errors.items()})
    return changed


def _weights_of(assessment: Assessment) -> dict[str, Decimal]:
    return {
        "weight_survey": Decimal(assessment.weight_survey),
        "weight_interview": Decimal(assessment.weight_interview),
        "weight_data": Decimal(assessment.weight_data),
    }


def weights_check(*, weight_survey: Decimal, weight_interview: Decimal, weight_data: Decimal) -> None:
    """The evidence weights an assessment may have: none negative, not all zero (no source would
    count, and no indicator would have a score)."""
    weights = {
        "weight_survey": weight_survey,
        "weight_interview": weight_interview,
        "weight_data": weight_data,
    }
    negative = {name: _("Must be zero or more.") for name, value in weights.items() if value < 0}
    if negative:
        raise ValidationError(negative)
    if not sum(weights.values()):
        raise ValidationError({"weights": _("At least one source of evidence needs a weight above zero.")})


REMINDER_DAYS_MAX_COUNT = 10
REMINDER_DAY_MAX = 60


# Reminding everyone at once is a button: once a day at most, so nobody gets a stream of e-mails.
REMIND_EVERYONE_EVERY = datetime.timedelta(days=1)


def remind_everyone_next_at(*, assessment: Assessment, now: datetime.datetime) -> datetime.datetime | None:
    """When everyone may be reminded again; None when they may be now."""
    last = (
        audit_events(assessment=assessment, action=AuditEvent.Action.REMINDERS)
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None or now - last >= REMIND_EVERYONE_EVERY:
        return None
    return last + REMIND_EVERYONE_EVERY


@transaction.atomic
def assessment_remind_everyone(
    *, assessment: Assessment, actor: AbstractBaseUser, now: datetime.datetime
) -> int:
    """E-mail a reminder to everyone invited who has not submitted; the number reminded. Refused
    outside collection and within a day of the last time (409, with when it may go next)."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)  # one click at a time
    if not assessment.collecting:
        raise StateConflict(
            _("Reminders go out only while the assessment is collecting answers."),
            code="assessment_not_collecting",
        )
    next_at = remind_everyone_next_at(assessment=assessment, now=now)
    if next_at is not None:
        raise StateConflict(
            _("Everyone was reminded less than a day ago; the next reminder can go from %(time)s.")
            % {"time": date_format(timezone.localtime(next_at), "DATETIME_FORMAT")},
            code="reminded_recently",
            extra={"next_at": next_at.isoformat()},
        )
    reminded = invitation_reminders_everyone_queue(assessment=assessment)
    audit_record(assessment=assessment, actor=actor, action=AuditEvent.Action.REMINDERS, after=reminded)
    return reminded


@transaction.atomic
def respondent_remove(*, invitation: Invitation, actor: AbstractBaseUser) -> dict:
    """Remove a respondent (one who left the company, say): their invitation, links and answers
    are deleted, so their answers leave the scores and the quotes, and their link opens nothing.
    The audit log keeps who it was and what went with them. Refused once the scores are
    published (409): the client's results do not change behind their back."""
    assessment = Assessment.objects.select_for_update().get(pk=invitation.assessment_id)
    if not assessment.editable:
        raise StateConflict(
            _("The assessment is published; its respondents no longer change."), code="assessment_published"
        )
    response = Response.objects.filter(invitation=invitation).annotate(answer_count=Count("answers")).first()
    removed = {
        "email": invitation.email,
        "role": invitation.role,
        "department": invitation.department,
        "submitted": bool(response and response.submitted_at),
        "answers": response.answer_count if response else 0,
    }
    invitation.delete()
    audit_record(
        assessment=assessment,
        actor=actor,
        action=AuditEvent.Action.RESPONDENT_REMOVED,
        target=removed["email"],
        before=removed,
    )
    return removed


def reminder_days_check(days: list) -> list[int]:
    """Reminder days as stored: whole days 1–60, at most ten, each once, in order."""
    if not isinstance(days, (list, tuple)) or any(
        isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= REMINDER_DAY_MAX for day in days
    ):
        raise ValidationError(
            {
                "reminder_days": _("Each reminder day must be a whole number from 1 to %(max)d.")
                % {"max": REMINDER_DAY_MAX}
            }
        )
    days = sorted(set(days))
    if len(days) > REMINDER_DAYS_MAX_COUNT:
        raise ValidationError(
            {"reminder_days": _("At most %(count)d reminder days.") % {"count": REMINDER_DAYS_MAX_COUNT}}
        )
    return days


def _deadline_check(assessment: Assessment, deadline: datetime.datetime | None, *, opening: bool) -> None:
    """A deadline is set (or removed) until collection is over, and lies ahead; collection does
    not open with one that has passed."""
    if deadline == assessment.collection_deadline and not opening:
        return
    if not assessment.invitations_open:
        raise StateConflict(_("Collection is over: its deadline no longer changes."), code="collection_over")
    if deadline is not None and deadline <= timezone.now():
        raise ValidationError({"collection_deadline": _("The deadline must lie in the future.")})


def _audited_fields(assessment: Assessment) -> dict[tuple[str, str], object]:
    """What the audit log follows of an assessment's own fields: (action, target) → value."""
    return {
        (AuditEvent.Action.STATUS, ""): assessment.status,
        (AuditEvent.Action.WEIGHTS, ""): {
            "survey": float(assessment.weight_survey),
            "interview": float(assessment.weight_interview),
            "data": float(assessment.weight_data),
        },
        (AuditEvent.Action.THRESHOLDS, ""): assessment.data_thresholds,
        (AuditEvent.Action.SUFFICIENCY, ""): assessment.sufficiency,
        (AuditEvent.Action.ANONYMITY, ""): assessment.anonymity_k,
        (AuditEvent.Action.SETTINGS, "title"): assessment.title,
        (AuditEvent.Action.SETTINGS, "reference_date"): str(assessment.reference_date),
        (AuditEvent.Action.SETTINGS, "baseline"): assessment.baseline_id,
        (AuditEvent.Action.SETTINGS, "reminder_days"): list(assessment.reminder_days),
        (AuditEvent.Action.SETTINGS, "currency"): assessment.currency,
        (AuditEvent.Action.SETTINGS, "roadmap_limit"): assessment.roadmap_limit,
        (AuditEvent.Action.SETTINGS, "audiences"): assessment.audiences,
        (AuditEvent.Action.SETTINGS, "collection_deadline"): (
            assessment.collection_deadline.astimezone(datetime.UTC).isoformat()
            if assessment.collection_deadline
            else None
        ),
    }


# What a published (or closed) assessment keeps as the client received it.
FROZEN_ONCE_PUBLISHED = (
    "title",
    "currency",
    "roadmap_limit",
    "baseline",
    "weight_survey",
    "weight_interview",
    "weight_data",
    "data_thresholds",
    "sufficiency",
)
OVERRIDE_REASON_MIN_LENGTH = 20


def _frozen_check(assessment: Assessment, changes: dict) -> None:
    """409 naming the fields a published (or closed) assessment would change."""
    if assessment.status not in CLIENT_VISIBLE_STATUSES:
        return
    changed = [
        name
        for name in FROZEN_ONCE_PUBLISHED
        if name in changes
        and _stored_form(name, changes[name]) != _stored_form(name, getattr(assessment, name))
    ]
    if changed:
        raise StateConflict(
            _("The assessment is published; these cannot change any more: %(fields)s.")
            % {"fields": ", ".join(changed)},
            code="assessment_published",
            extra={"fields": changed},
        )


def _stored_form(name: str, value):
    """A value as the field stores it, so that an unchanged value sent again is no change."""
    if name.startswith("weight_"):
        return Decimal(str(value)).quantize(Decimal("0.001"))
    if name == "baseline":
        return value.pk if value is not None else None
    return value


# Sent while an assessment is published (by `actor`), in its transaction, once this app's checks
# pass: the apps above it check what they give the client (reports: the roadmap reviewed) and
# raise StateConflict to refuse, which changes nothing, or prepare what follows publishing
# (reports: the action plan).
assessment_publishing = Signal()


def _publish_check(
    assessment: Assessment, override_reason: str, actor: AbstractBaseUser | None
) -> tuple[ScoreResult, str]:
    """Whether `assessment` (with its pending changes) may be published: its baseline published
    first, and its scores sufficient, or preliminary with a reason given for publishing them
    anyway. Returns the scores to freeze and the reason to keep ("" when they are sufficient)."""
    baseline = assessment.baseline
    if baseline is not None and baseline.status not in CLIENT_VISIBLE_STATUSES:
        raise StateConflict(
            _("Publish the baseline “%(title)s” first: a re-assessment is published after its baseline.")
            % {"title": baseline.title},
            code="baseline_not_published",
        )
    result = assessment_scores_compute(assessment=assessment)
    sufficiency = result["sufficiency"]
    if sufficiency["status"] != PRELIMINARY:
        assessment_publishing.send(sender=Assessment, assessment=assessment, actor=actor)
        return result, ""
    if not override_reason:
        raise StateConflict(
            _(
                "The evidence does not yet support a maturity level, so the scores are preliminary. "
                "Gather more evidence, or give a reason (override_reason) to publish them as they are."
            ),
            code="insufficient_evidence",
            extra={"reasons": sufficiency_reasons_present(sufficiency["reasons"])},
        )
    if len(override_reason) < OVERRIDE_REASON_MIN_LENGTH:
        raise ValidationError(
            {
                "override_reason": _("Say in at least %(count)d characters why the scores are published now.")
                % {"count": OVERRIDE_REASON_MIN_LENGTH}
            }
        )
    assessment_publishing.send(sender=Assessment, assessment=assessment, actor=actor)
    return result, override_reason


@transaction.atomic
def assessment_update(
    *, assessment: Assessment, actor: AbstractBaseUser | None = None, override_reason: str = "", **changes
) -> Assessment:
    """Change title, reference date, baseline, weights, thresholds, sufficiency settings, reminder
    days or status (one step forward); each changed value is recorded in the audit log as
    `actor`'s.

    Publishing needs a published (or closed) baseline and sufficient evidence
    (docs/methods.md §3.4); preliminary scores are published only with an `override_reason` of
    at least OVERRIDE_REASON_MIN_LENGTH characters, kept and audited (ignored when the evidence
    suffices). Once published, the fields of FROZEN_ONCE_PUBLISHED no longer change. Any refusal
    changes nothing."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    before = _audited_fields(assessment)
    status = changes.pop("status", None)
    override_reason = (override_reason or "").strip()
    if override_reason and status != Status.PUBLISHED:
        raise ValidationError({"override_reason": _("A reason is given only when publishing.")})
    _frozen_check(assessment, changes)
    if "reminder_days" in changes:
        changes["reminder_days"] = reminder_days_check(changes["reminder_days"])
    if "collection_deadline" in changes:
        _deadline_check(assessment, changes["collection_deadline"], opening=status == Status.COLLECTING)
    elif status == Status.COLLECTING and assessment.status == Status.DRAFT:
        _deadline_check(assessment, assessment.collection_deadline, opening=True)
    if "baseline" in changes:
        _baseline_check(
            organization=assessment.organization, baseline=changes["baseline"], assessment_id=assessment.pk
        )
    if "data_thresholds" in changes and (
        problems := thresholds_messages(changes["data_thresholds"], registry_of(assessment.method_version))
    ):
        raise ValidationError({"data_thresholds": problems})
    if "sufficiency" in changes and (problems := sufficiency_messages(changes["sufficiency"])):
        raise ValidationError({f"sufficiency.{name}": messages for name, messages in problems.items()})
    if "anonymity_k" in changes:
        _anonymity_check(assessment, changes["anonymity_k"])
    if "audiences" in changes:
        changes["audiences"] = _audiences_checked(assessment, changes["audiences"])
    if changes.get("roadmap_limit") is not None and not (
        ROADMAP_LIMIT_MIN <= changes["roadmap_limit"] <= ROADMAP_LIMIT_MAX
    ):
        raise ValidationError(
            {
                "roadmap_limit": _("Must be a whole number from %(low)d to %(high)d.")
                % {"low": ROADMAP_LIMIT_MIN, "high": ROADMAP_LIMIT_MAX}
            }
        )
    if status is not None and status != assessment.status:
        allowed = NEXT_STATUSES[assessment.status]
        if status not in allowed:
            raise ValidationError(
                {
                    "status": _("Cannot move from “%(current)s” to “%(target)s”; allowed next: %(allowed)s.")
                    % {
                        "current": assessment.status,
                        "target": status,
                        "allowed": ", ".join(allowed) or _("none (the assessment is closed)"),
                    }
                }
            )
        changes["status"] = status
    for field, value in changes.items():
        setattr(assessment, field, value)
    weights_check(**_weights_of(assessment))
    publishing = changes.get("status") == Status.PUBLISHED
    if publishing:
        result, assessment.publish_override_reason = _publish_check(assessment, override_reason, actor)
        assessment.published_at = timezone.now()
    assessment.save()
    after = _audited_fields(assessment)
    for (action, target), value in after.items():
        audit_record(
            assessment=assessment,
            actor=actor,
            action=action,
            target=target,
            before=before[action, target],
            after=value,
        )
    if changes.get("status") == Status.COLLECTING:
        invitations_unsent_queue(assessment=assessment)
    if publishing:
        if assessment.publish_override_reason:
            audit_record(
                assessment=assessment,
                actor=actor,
                action=AuditEvent.Action.SUFFICIENCY,
                target="publish_override",
                after={
                    "override_reason": assessment.publish_override_reason,
                    "reasons": [reason["code"] for reason in result["sufficiency"]["reasons"]],
                },
            )
        score_snapshot_take(assessment=assessment, result=result)
    return assessment


def score_snapshot_take(*, assessment: Assessment, result: ScoreResult) -> ScoreSnapshot:
    """Freeze the scores as what the client sees from now on."""
    snapshot, _created = ScoreSnapshot.objects.update_or_create(
        assessment=assessment,
        defaults={
            "result": result,
            "overall": result["overall"]["score"],
            "method_version": result_method(result).version,
        },
    )
    return snapshot


@transaction.atomic
def interview_scores_set(*, assessment: Assessment, user: AbstractBaseUser, items: list[dict]) -> int:
    """Set (or, with level None, clear) interview levels; all or nothing.
    Each item: {"indicator": code, "level": 1..5 | None, "note": str}; of an indicator listed
    twice the last item counts. Only the indicators whose level or note change are written,
    each with an audit event."""
    # Edits of one assessment run one after another, so each event's "before" is what the
    # previous edit left and the last event is the stored score.
    locked = Assessment.objects.select_for_update(no_key=True).get(pk=assessment.pk)
    if not locked.editable:
        raise StateConflict(
            _("Interview scores cannot change once the assessment is published."), code="assessment_published"
        )
    ids = indicator_ids(version_id=assessment.catalog_version_id)
    errors = {
        index: {"indicator": [_("Unknown indicator %(code)s.") % {"code": item["indicator"]}]}
        for index, item in enumerate(items)
        if item["indicator"] not in ids
    }
    if errors:
        raise ItemErrors(errors, field="scores")
    wanted = {
        item["indicator"]: (
            None if item.get("level") is None else {"level": item["level"], "note": item.get("note") or ""}
        )
        for item in items
    }
    stored = {
        code: {"level": level, "note": note}
        for code, level, note in InterviewScore.objects.filter(
            assessment=assessment, indicator__code__in=wanted
        ).values_list("indicator__code", "level", "note")
    }
    changed = {code: value for code, value in wanted.items() if stored.get(code) != value}
    cleared = [ids[code] for code, value in changed.items() if value is None]
    InterviewScore.objects.filter(assessment=assessment, indicator_id__in=cleared).delete()
    now = timezone.now()
    InterviewScore.objects.bulk_create(
        [
            InterviewScore(
                assessment=assessment,
                indicator_id=ids[code],
                level=value["level"],
                note=value["note"],
                updated_by=user,
                updated_at=now,
            )
            for code, value in changed.items()
            if value is not None
        ],
        update_conflicts=True,
        unique_fields=["assessment", "indicator"],
        update_fields=["level", "note", "updated_by", "updated_at"],
    )
    audit_record_many(
        assessment=assessment,
        actor=user,
        action=AuditEvent.Action.INTERVIEW_SCORE,
        changes=[(code, stored.get(code), value) for code, value in changed.items()],
    )
    return len(items)


def api_token_create(*, user: AbstractBaseUser) -> str:
    """Issue a new API token; the plain token exists only in the return value."""
    token, key_hash = token_new()
    ApiToken.objects.create(user=user, key_hash=key_hash)
    return token


CONSULTANTS_GROUP = "Consultants"
_CONSULTANT_PERMISSIONS = ("add_organization", "add_assessment", "change_assessment")


def consultant_grant(*, user: AbstractBaseUser) -> None:
    """Make `user` a consultant of the firm: may set up organizations and run their audits."""
    group, created = Group.objects.get_or_create(name=CONSULTANTS_GROUP)
    if created or group.permissions.count() != len(_CONSULTANT_PERMISSIONS):
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="assessment", codename__in=_CONSULTANT_PERMISSIONS
            )
        )
    user.groups.add(group)


@transaction.atomic
def reminders_queue(*, now: datetime.datetime) -> int:
    """Queue the reminders due in every assessment that is collecting answers."""
    collecting = (
        Assessment.objects.filter(status=Status.COLLECTING)
        .exclude(collection_deadline__lte=now)
        .exclude(reminder_days=[], collection_deadline__isnull=True)
    )
    return sum(invitation_reminders_queue(assessment=assessment, now=now) for assessment in collecting)


def collections_close(*, now: datetime.datetime) -> list[int]:
    """Move every assessment whose collection deadline has passed on to scoring (audited as done
    by nobody: the deadline did it); the ids moved. Each in its own transaction, so that one
    refusal leaves the others closed."""
    closing = Assessment.objects.filter(status=Status.COLLECTING, collection_deadline__lte=now)
    closed = []
    for assessment in closing:
        assessment_update(assessment=assessment, status=Status.SCORING)
        closed.append(assessment.pk)
    return closed
