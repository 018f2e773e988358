from __future__ import annotations

import datetime
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.celery import task_enqueue_on_commit_or_defer
from config.exceptions import ItemErrors, StateConflict
from config.tokens import token_hash, token_new
from surveys import tasks
from surveys.i18n import FALLBACK, SUPPORTED, language_pick
from surveys.models import (
    Answer,
    Area,
    CatalogVersion,
    Indicator,
    Invitation,
    InvitationEmail,
    InvitationToken,
    Metric,
    RespondentRole,
    Response,
)
from surveys.selectors import indicator_ids, invitations_awaited, questionnaire_minutes

if TYPE_CHECKING:  # surveys sits below assessment: the type only, never the module at run time
    from assessment.models import Assessment

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
# The catalog's editions, oldest first: a fresh database loads them in this order, so the last is
# the current version new assessments take, and an older assessment keeps its own.
CATALOG_FILES = (CATALOG_DIR / "cx_maturity.yaml", CATALOG_DIR / "cx_maturity_v2.yaml")
CATALOG_FILE = CATALOG_FILES[-1]
# An indicator a single role answers has no second view of it (docs/methods.md §2).
MIN_AUDIENCES = 2
LEVEL_COUNT = 5
# An e-mail still pending this long after it was recorded, with no attempt to send it, lost its task.
EMAIL_LOST_AFTER = datetime.timedelta(minutes=5)
# How often a respondent may have their link e-mailed from the questionnaire: often enough to
# move to another device, too seldom for the page to flood anyone's inbox.
LINK_EMAIL_INTERVAL = datetime.timedelta(minutes=10)
# What a page says when the queue could not take its e-mails (config.celery.queue_deferrals).
EMAILS_DEFERRED = gettext_lazy(
    "The mail queue is not reachable right now: the e-mails will be sent as soon as it is back. "
    "Nothing needs to be done again."
)


class CatalogError(ValueError):
    """The catalog file is not well-formed; the message says where."""


@dataclass(frozen=True)
class CatalogLoad:
    version: CatalogVersion
    created: bool


def _texts_check(value, where: str) -> None:
    if not isinstance(value, dict) or any(not str(value.get(lang) or "").strip() for lang in SUPPORTED):
        raise CatalogError(f"{where}: needs a non-empty text for each of {', '.join(SUPPORTED)}")


def _weight(value, where: str) -> Decimal:
    weight = Decimal(str(value if value is not None else 1))
    if weight <= 0:
        raise CatalogError(f"{where}: weight must be positive")
    return weight


def _edition(content: dict) -> int:
    edition = content.get("edition", 1)
    if isinstance(edition, bool) or not isinstance(edition, int) or edition < 1:
        raise CatalogError("the catalog's edition must be a whole number from 1")
    return edition


def _lineage_check(indicator: dict, edition: int) -> None:
    """Audiences, the codes continued from the previous edition and the optional "more" text."""
    icode = indicator["code"]
    audiences = indicator.get("audiences")
    if audiences is not None:
        if not isinstance(audiences, list) or not set(audiences) <= set(RespondentRole.values):
            raise CatalogError(f"{icode}: audiences must be roles among {', '.join(RespondentRole.values)}")
        if len(set(audiences)) < MIN_AUDIENCES:
            raise CatalogError(f"{icode}: needs at least {MIN_AUDIENCES} audiences")
    previous = indicator.get("previous")
    if edition == 1 and previous is not None:
        raise CatalogError(f"{icode}: a first edition continues no previous codes")
    if edition > 1 and (not isinstance(previous, list) or not all(isinstance(c, str) for c in previous)):
        raise CatalogError(f"{icode}: needs `previous`, the previous edition's codes it continues")
    if indicator.get("more") is not None:
        _texts_check(indicator["more"], f"{icode} more")


def catalog_validate(content: dict) -> None:
    """Raise CatalogError naming the first place where `content` is malformed."""
    if not isinstance(content, dict) or not isinstance(content.get("areas"), list) or not content["areas"]:
        raise CatalogError("the catalog needs a non-empty list `areas`")
    _texts_check(content.get("name"), "catalog name")
    edition = _edition(content)
    area_codes: set[str] = set()
    indicator_codes: set[str] = set()
    for area in content["areas"]:
        code = area.get("code")
        if not code or code in area_codes:
            raise CatalogError(f"area {code!r}: missing or duplicate code")
        area_codes.add(code)
        _texts_check(area.get("name"), f"area {code} name")
        _weight(area.get("weight"), f"area {code}")
        if not area.get("indicators"):
            raise CatalogError(f"area {code}: has no indicators")
        for indicator in area["indicators"]:
            icode = indicator.get("code")
            if not icode or icode in indicator_codes:
                raise CatalogError(f"indicator {icode!r}: missing or duplicate code")
            indicator_codes.add(icode)
            for field in ("title", "question"):
                _texts_check(indicator.get(field), f"{icode} {field}")
            _lineage_check(indicator, edition)
            _weight(indicator.get("weight"), icode)
            metric = indicator.get("metric")
            if metric is not None and metric not in Metric.values:
                raise CatalogError(f"{icode}: unknown metric {metric!r} (known: {', '.join(Metric.values)})")
            levels = indicator.get("levels") or {}
            for lang in SUPPORTED:
                descriptors = levels.get(lang)
                if (
                    not isinstance(descriptors, list)
                    or len(descriptors) != LEVEL_COUNT
                    or not all(isinstance(text, str) and text.strip() for text in descriptors)
                ):
                    raise CatalogError(f"{icode}: needs {LEVEL_COUNT} non-empty level descriptors in {lang}")


def catalog_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _previous_codes_check(content: dict) -> None:
    """Every code an indicator continues exists in the newest loaded version of the previous
    edition (when one is loaded: a database may start from any edition)."""
    edition = _edition(content)
    before = CatalogVersion.objects.filter(edition=edition - 1).order_by("-number").first()
    if before is None:
        return
    known = set(before.indicators.values_list("code", flat=True))
    for area in content["areas"]:
        for indicator in area["indicators"]:
            unknown = sorted(set(indicator.get("previous") or ()) - known)
            if unknown:
                raise CatalogError(
                    f"{indicator['code']}: continues {', '.join(unknown)}, not in edition {edition - 1}"
                )


@transaction.atomic
def catalog_load(*, path: Path = CATALOG_FILE) -> CatalogLoad:
    """Load the catalog file as a new published version, unless identical content is loaded already."""
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CatalogError(f"cannot read {path}: {error}") from error
    catalog_validate(content)
    digest = catalog_hash(content)
    existing = CatalogVersion.objects.filter(content_hash=digest).first()
    if existing is not None:
        return CatalogLoad(version=existing, created=False)
    _previous_codes_check(content)

    # Lock the table's newest row so two loads cannot take the same number.
    list(CatalogVersion.objects.select_for_update().order_by("-number")[:1])
    number = (CatalogVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    version = CatalogVersion.objects.create(
        number=number, edition=_edition(content), name=content["name"], content_hash=digest, source=path.name
    )
    position = 0
    indicators = []
    for area_position, area_data in enumerate(content["areas"], start=1):
        area = Area.objects.create(
            version=version,
            code=area_data["code"],
            position=area_position,
            weight=_weight(area_data.get("weight"), area_data["code"]),
            name=area_data["name"],
            description=area_data.get("description") or {},
        )
        for data in area_data["indicators"]:
            position += 1
            indicators.append(
                Indicator(
                    version=version,
                    area=area,
                    code=data["code"],
                    position=position,
                    weight=_weight(data.get("weight"), data["code"]),
                    metric=data.get("metric") or "",
                    critical=bool(data.get("critical", False)),
                    audiences=list(data.get("audiences") or []),
                    previous=data.get("previous"),
                    title=data["title"],
                    question=data["question"],
                    levels={lang: data["levels"][lang] for lang in SUPPORTED},
                    more=data.get("more") or {},
                )
            )
    Indicator.objects.bulk_create(indicators)
    return CatalogLoad(version=version, created=True)


# --- Invitations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewInvitation:
    """A created invitation with the plain token of its first link (never stored)."""

    invitation: Invitation
    token: str

    @property
    def url(self) -> str:
        return respondent_url(token=self.token)


def respondent_url(*, token: str) -> str:
    return f"{settings.SITE_URL}{reverse('surveys:welcome', kwargs={'token': token})}"


def invitation_link_create(*, invitation: Invitation) -> str:
    """A new personal link for `invitation`; the plain token exists only in the return value."""
    token, digest = token_new()
    InvitationToken.objects.create(invitation=invitation, token_hash=digest)
    return token


# What a respondent is invited with, in the order lists and files give the columns.
INVITATION_FIELDS = ("email", "name", "department", "role", "language")


def _spelling_key(text: str) -> str:
    return re.sub(r"[\s_-]+", "_", text.strip().lower())


@functools.cache
def _role_spellings() -> dict[str, str]:
    """Role codes by how a list may spell them: the code or the label in any supported language,
    in any case, with spaces, hyphens or underscores (see _spelling_key)."""
    spellings = {}
    for role in RespondentRole:
        spellings[_spelling_key(role.value)] = role.value
        for language in SUPPORTED:
            with translation.override(language):
                spellings[_spelling_key(str(role.label))] = role.value
    return spellings


def invitation_row_normalize(row: Mapping, *, role: str = "", language: str = FALLBACK) -> dict:
    """A respondent as stored, however a form, a request, a pasted list or a file gives it:
    the e-mail trimmed and lower-cased, name and department trimmed, the role by its code or
    label ("Back office", "back-office", "Бэк-офис" → back_office), the language code
    lower-cased; `role` and `language` where the row gives none. A role spelled no known way is
    kept as written, for validation to refuse."""
    written_role = (row.get("role") or "").strip()
    return {
        "email": (row.get("email") or "").strip().lower(),
        "name": (row.get("name") or "").strip(),
        "department": (row.get("department") or "").strip(),
        "role": _role_spellings().get(_spelling_key(written_role), written_role) if written_role else role,
        "language": (row.get("language") or "").strip().lower() or language,
    }


def invitation_rows_check(*, assessment: Assessment, rows: list[dict]) -> list[dict]:
    """Normalized rows, or ItemErrors for duplicate e-mails (in the rows or already
    invited to this assessment); StateConflict once collection is over."""
    if not assessment.invitations_open:
        raise StateConflict(
            _("Respondents can be invited only while the assessment is a draft or collecting answers."),
            code="assessment_not_collecting",
        )
    rows = [invitation_row_normalize(row) for row in rows]
    existing = set(
        Invitation.objects.filter(assessment=assessment, email__in=[r["email"] for r in rows]).values_list(
            "email", flat=True
        )
    )
    errors: dict[int, dict[str, list[str]]] = {}
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        email = row["email"]
        if email in existing:
            errors[index] = {
                "email": [_("%(email)s is already invited to this assessment.") % {"email": email}]
            }
        elif email in seen:
            errors[index] = {
                "email": [
                    _("%(email)s appears twice (also in item %(other)d).")
                    % {"email": email, "other": seen[email]}
                ]
            }
        seen.setdefault(email, index)
    if errors:
        raise ItemErrors(errors)
    return rows


@transaction.atomic
def invitation_create_many(*, assessment: Assessment, rows: list[dict]) -> list[NewInvitation]:
    """Invite respondents; all or nothing. E-mails go out after commit while the
    assessment collects answers, and when collection starts otherwise."""
    rows = invitation_rows_check(assessment=assessment, rows=rows)
    created = []
    for row in rows:
        invitation = Invitation.objects.create(assessment=assessment, **row)
        created.append(
            NewInvitation(invitation=invitation, token=invitation_link_create(invitation=invitation))
        )
    if assessment.collecting:
        invitation_emails_queue(
            invitations=[new.invitation for new in created], kind=InvitationEmail.Kind.INVITATION
        )
    return created


def invitations_copy(*, source: Assessment, target: Assessment) -> list[NewInvitation]:
    """Invite `source`'s respondents to `target` as well (a re-assessment asks the same people
    again), each with a new personal link; all or nothing, like invitation_create_many."""
    rows = list(source.invitations.order_by("pk").values(*INVITATION_FIELDS))
    return invitation_create_many(assessment=target, rows=rows)


def invitation_emails_queue(
    *, invitations: list[Invitation], kind: str, reminder_day: int | None = None
) -> list[InvitationEmail]:
    """Record one e-mail per invitation and send each by a task once the transaction commits;
    with the queue away they stay pending, and the sweep sends them (invitation_emails_lost_queue)."""
    emails = InvitationEmail.objects.bulk_create(
        [InvitationEmail(invitation=i, kind=kind, reminder_day=reminder_day) for i in invitations]
    )
    for email in emails:
        task_enqueue_on_commit_or_defer(tasks.invitation_email_send, email.pk)
    return emails


def invitation_emails_lost_queue(*, now: datetime.datetime) -> int:
    """Send the e-mails still pending EMAIL_LOST_AFTER after they were recorded whose task never
    reached a worker (the queue was away or lost it; one that did and is retrying has its error
    recorded). Sending twice sends once (invitation_email_deliver)."""
    lost = list(
        InvitationEmail.objects.filter(
            state=InvitationEmail.State.PENDING, error="", created_at__lt=now - EMAIL_LOST_AFTER
        ).values_list("pk", flat=True)
    )
    for email_id in lost:
        task_enqueue_on_commit_or_defer(tasks.invitation_email_send, email_id)
    return len(lost)


def invitations_unsent_queue(*, assessment: Assessment) -> int:
    """When collection starts, invite everyone who has not had an invitation e-mail yet."""
    unsent = list(
        Invitation.objects.filter(assessment=assessment).exclude(emails__kind=InvitationEmail.Kind.INVITATION)
    )
    invitation_emails_queue(invitations=unsent, kind=InvitationEmail.Kind.INVITATION)
    return len(unsent)


@transaction.atomic
def invitation_resend(*, invitation: Invitation) -> InvitationEmail:
    if not invitation.assessment.collecting:
        raise StateConflict(_("E-mails are sent only while the assessment is collecting answers."))
    if Response.objects.filter(invitation=invitation, submitted_at__isnull=False).exists():
        raise StateConflict(_("This respondent has already submitted."), code="already_submitted")
    return invitation_emails_queue(invitations=[invitation], kind=InvitationEmail.Kind.INVITATION)[0]


def invitation_link_email(*, invitation: Invitation) -> InvitationEmail:
    """The respondent asks for their link by e-mail (to go on on another device, or having lost
    the message): a new link to the invitation's own address; the links sent before keep working.
    At most one e-mail of a link per LINK_EMAIL_INTERVAL, counting the consultant's."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        recent = (
            InvitationEmail.objects.filter(
                invitation=locked,
                kind=InvitationEmail.Kind.INVITATION,
                created_at__gte=timezone.now() - LINK_EMAIL_INTERVAL,
            )
            .exclude(state=InvitationEmail.State.FAILED)
            .exists()
        )
        if recent:
            raise StateConflict(
                _("Your link was e-mailed a few minutes ago: please look in your inbox and spam folder."),
                code="link_recently_sent",
            )
        return invitation_resend(invitation=locked)


def invitation_email_deliver(*, email_id: int) -> bool:
    """Send one recorded e-mail with a fresh personal link. Returns False when there was
    nothing to do (already sent, or no longer relevant); raises on a transport error so
    the task can retry, leaving no link behind."""
    with transaction.atomic():
        email = (
            InvitationEmail.objects.select_for_update()
            .select_related("invitation__assessment__organization")
            .filter(pk=email_id)
            .first()
        )
        if email is None or email.state in (InvitationEmail.State.SENT, InvitationEmail.State.SKIPPED):
            return False
        invitation = email.invitation
        submitted = Response.objects.filter(invitation=invitation, submitted_at__isnull=False).exists()
        if not invitation.assessment.collecting or submitted:
            email.state = InvitationEmail.State.SKIPPED
            email.save(update_fields=["state"])
            return False
        message = invitation_email_render(email=email, token=invitation_link_create(invitation=invitation))
        message.send()
        now = timezone.now()
        email.state, email.sent_at, email.error = InvitationEmail.State.SENT, now, ""
        email.save(update_fields=["state", "sent_at", "error"])
        Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(sent_at=now)
        Invitation.objects.filter(pk=invitation.pk).update(last_sent_at=now)
        return True


def invitation_email_failed(*, email_id: int, error: str, final: bool) -> None:
    """Record a failed attempt to send: the `final` one fails the e-mail; an earlier one leaves
    it pending for its task's next retry (and, with its error, out of the sweep's way)."""
    InvitationEmail.objects.filter(pk=email_id).exclude(state=InvitationEmail.State.SENT).update(
        state=InvitationEmail.State.FAILED if final else InvitationEmail.State.PENDING, error=error[:2000]
    )


def invitation_email_render(*, email: InvitationEmail, token: str) -> EmailMultiAlternatives:
    invitation = email.invitation
    assessment = invitation.assessment
    with translation.override(language_pick(invitation.language)):
        context = {
            "invitation": invitation,
            "assessment": assessment,
            "organization": assessment.organization,
            "url": respondent_url(token=token),
            "reminder": email.kind != InvitationEmail.Kind.INVITATION,
            "last_reminder": email.kind == InvitationEmail.Kind.DEADLINE,
            "deadline": assessment.collection_deadline,
            "minutes": questionnaire_minutes(
                version=assessment.catalog_version,
                role=invitation.role,
                language=translation.get_language(),
                overrides=assessment.audiences,
            ),
        }
        subject = " ".join(render_to_string("surveys/email/subject.txt", context).split())
        text = render_to_string("surveys/email/body.txt", context)
        html = render_to_string("surveys/email/body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    return message


PREVIEW_TOKEN = "your-personal-link"  # noqa: S105 (no credential: a placeholder that opens nothing)


def invitation_email_preview(*, assessment: Assessment, kind: str, language: str) -> EmailMultiAlternatives:
    """The invitation or reminder e-mail as a respondent writing in `language` gets it, with a
    placeholder for the personal link, for the consultant to read before collection opens."""
    respondent = Invitation(assessment=assessment, email="name@example.com", language=language)
    return invitation_email_render(
        email=InvitationEmail(invitation=respondent, kind=kind), token=PREVIEW_TOKEN
    )


# The last reminder goes this long before the collection deadline, to those e-mailed nothing in
# the day before it (an invitation just sent, or a reminder just now, is reminder enough).
DEADLINE_REMINDER_BEFORE = datetime.timedelta(days=2)
DEADLINE_REMINDER_QUIET = datetime.timedelta(days=1)


def invitation_deadline_reminders_queue(*, assessment: Assessment, now: datetime.datetime) -> int:
    """Once the deadline is less than DEADLINE_REMINDER_BEFORE away, queue the last reminder to
    everyone who has not submitted: once per invitation."""
    deadline = assessment.collection_deadline
    if deadline is None or not deadline - DEADLINE_REMINDER_BEFORE <= now < deadline:
        return 0
    due = list(
        invitations_awaited(assessment=assessment)
        .exclude(emails__kind=InvitationEmail.Kind.DEADLINE)
        .exclude(emails__created_at__gt=now - DEADLINE_REMINDER_QUIET)
    )
    invitation_emails_queue(invitations=due, kind=InvitationEmail.Kind.DEADLINE)
    return len(due)


def invitation_reminders_queue(*, assessment: Assessment, now: datetime.datetime) -> int:
    """Queue the assessment's reminders that are due: the last one before its deadline, then
    those of its reminder days. Each invitation gets at most one reminder per reminder day and,
    when several days are overdue at once, only the latest of them; none after the last."""
    queued = invitation_deadline_reminders_queue(assessment=assessment, now=now)
    for day in sorted(set(assessment.reminder_days), reverse=True):
        due = list(
            Invitation.objects.filter(assessment=assessment, sent_at__lte=now - datetime.timedelta(days=day))
            .exclude(response__submitted_at__isnull=False)
            .exclude(emails__kind=InvitationEmail.Kind.REMINDER, emails__reminder_day__gte=day)
            .exclude(emails__kind=InvitationEmail.Kind.DEADLINE)
        )
        invitation_emails_queue(invitations=due, kind=InvitationEmail.Kind.REMINDER, reminder_day=day)
        queued += len(due)
    return queued


def invitation_reminders_everyone_queue(*, assessment: Assessment) -> int:
    """Queue a reminder, now, to everyone e-mailed who has not submitted (the consultant's
    button; how often it may be pressed is the caller's rule)."""
    awaited = list(invitations_awaited(assessment=assessment))
    invitation_emails_queue(invitations=awaited, kind=InvitationEmail.Kind.REMINDER)
    return len(awaited)


# --- Responses ---------------------------------------------------------------------------------


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation of a personal link with its assessment, catalog version and response (if
    any), in one query: an autosave needs them all."""
    link = (
        InvitationToken.objects.select_related(
            "invitation__assessment__catalog_version", "invitation__response"
        )
        .filter(token_hash=token_hash(token))
        .first()
    )
    return link.invitation if link else None


def _collecting_check(invitation: Invitation) -> None:
    if not invitation.assessment.collecting:
        raise StateConflict(
            _("This questionnaire is not open: the assessment is not collecting answers."),
            code="assessment_not_collecting",
        )


def _submitted_conflict() -> StateConflict:
    return StateConflict(
        _("The questionnaire is already submitted; answers are read-only."), code="submitted"
    )


def _response_started(invitation: Invitation) -> Response:
    """The respondent's response row (created on the first save), refused once submitted."""
    try:
        response = invitation.response
    except Response.DoesNotExist:
        response = None
    # A create that lost the race to another tab leaves its unsaved row cached on the invitation.
    if response is None or response.pk is None:
        response, _created = Response.objects.get_or_create(invitation=invitation)
    if response.submitted_at is not None:
        raise _submitted_conflict()
    return response


def _items_errors(
    items: list[dict], *, known: Mapping[str, int] | None, asked: Mapping[str, int] | None = None
) -> dict[int, dict[str, list[str]]]:
    """Field errors by item: indicators not in the catalog (`known`) or not asked of the
    respondent's role (`asked`), when given; repeats; unsavable text."""
    errors: dict[int, dict[str, list[str]]] = {}
    seen: set[str] = set()
    for index, item in enumerate(items):
        code = item["indicator"]
        if known is not None and code not in known:
            errors[index] = {"indicator": [_("Unknown indicator %(code)s.") % {"code": code}]}
        elif asked is not None and code not in asked:
            errors[index] = {
                "indicator": [_("%(code)s is not a question of your questionnaire.") % {"code": code}]
            }
        elif code in seen:
            errors[index] = {"indicator": [_("%(code)s appears twice in this request.") % {"code": code}]}
        elif "\x00" in (item.get("comment") or ""):
            # PostgreSQL cannot store it in text.
            errors[index] = {
                "comment": [
                    _(
                        "This comment contains a character that cannot be saved (shown as �). "
                        "Please remove it and save again."
                    )
                ]
            }
        seen.add(code)
    return errors


def answers_save(*, invitation: Invitation, items: list[dict]) -> int:
    """Save a partial set of answers, all or nothing; saving the same answer again changes
    nothing. Each item: {"indicator": code, "level": 1..5 | None, "comment": str}, None meaning
    don't know; an item with `"answered": False` saves only its comment (the level the question
    has, if any, stays).

    The long way, taken by the first save and by every save answers_save_by_token refused: it
    creates the response and, when the write is refused, says why."""
    _collecting_check(invitation)
    if errors := _items_errors(items, known=None):
        raise ItemErrors(errors, field="answers")
    response = _response_started(invitation)
    assessment = invitation.assessment
    version_id, role, overrides = assessment.catalog_version_id, invitation.role, assessment.audiences
    if answers_upsert(
        response_id=response.pk,
        version_id=version_id,
        role=role,
        overrides=overrides,
        items=items,
        now=timezone.now(),
    ):
        return len(items)
    known = indicator_ids(version_id=version_id)
    asked = indicator_ids(version_id=version_id, role=role, overrides=overrides)
    if errors := _items_errors(items, known=known, asked=asked):
        raise ItemErrors(errors, field="answers")
    raise _submitted_conflict()  # the only other reason: submitted since the lookup


def answers_save_by_token(*, token: str, items: list[dict]) -> bool:
    """The autosave, the busiest request there is, in one database round trip on PostgreSQL: a
    single statement resolves the personal link, checks that the assessment collects answers and
    the response is started and open, and writes the answers only if every indicator is known.
    False, with nothing written, when any of that does not hold (or on SQLite): answers_save then
    takes the long way and says why."""
    if connection.vendor != "postgresql" or _items_errors(items, known=None):
        return False
    now = timezone.now()
    return _answers_upsert_sql(
        target=_target_by_token(),
        target_params=[token_hash(token), ANSWERS_OPEN_STATUS, now],
        items=items,
        now=now,
    )


def answers_upsert(
    *,
    response_id: int,
    version_id: int,
    role: str,
    overrides: Mapping[str, list[str]],
    items: list[dict],
    now: datetime.datetime,
) -> bool:
    """Write the answers (indicators by code) and touch the response, in one statement on
    PostgreSQL; False, with nothing written, if an indicator is not in the catalog version or not
    asked of the respondent's `role` (the catalog's audiences as the assessment's `overrides`
    change them), or the response has been submitted. `items` hold distinct indicators."""
    if connection.vendor != "postgresql":  # SQLite, for development: no writes inside WITH
        return _answers_upsert_portable(
            response_id=response_id,
            version_id=version_id,
            role=role,
            overrides=overrides,
            items=items,
            now=now,
        )
    return _answers_upsert_sql(
        target=_TARGET_BY_IDS,
        target_params=[response_id, version_id, role, json.dumps(overrides or {})],
        items=items,
        now=now,
    )


# The status in which an assessment takes answers (assessment.models.Status.COLLECTING; surveys
# sits below assessment, so the value is named here and a test holds the two equal).
ANSWERS_OPEN_STATUS = "collecting"
# One row, the response written to, its catalog version, the respondent's role and the
# assessment's changes to the catalog's audiences: given, or found from a link's hash while the
# assessment collects answers (status, and the deadline not passed) and the response has been
# started.
_TARGET_BY_IDS = (
    "SELECT CAST(%s AS bigint) AS response_id, CAST(%s AS bigint) AS version_id, "
    "CAST(%s AS varchar) AS role, CAST(%s AS jsonb) AS audiences"
)


@functools.cache
def _target_by_token() -> str:
    assessment_table = Invitation._meta.get_field("assessment").related_model._meta.db_table
    return f"""
        SELECT response.id AS response_id, assessment.catalog_version_id AS version_id,
          invitation.role AS role, assessment.audiences AS audiences
        FROM {InvitationToken._meta.db_table} AS link
        JOIN {Invitation._meta.db_table} AS invitation ON invitation.id = link.invitation_id
        JOIN {assessment_table} AS assessment
          ON assessment.id = invitation.assessment_id
        JOIN {Response._meta.db_table} AS response ON response.invitation_id = invitation.id
        WHERE link.token_hash = %s AND assessment.status = %s
          AND (assessment.collection_deadline IS NULL OR assessment.collection_deadline > %s)
    """  # noqa: S608 - table names from the models; every value is a parameter


def _answers_upsert_sql(
    *, target: str, target_params: list, items: list[dict], now: datetime.datetime
) -> bool:
    rows = ", ".join(
        ["(CAST(%s AS varchar), CAST(%s AS smallint), CAST(%s AS boolean), CAST(%s AS text))"] * len(items)
    )
    values = [
        value
        for item in items
        for value in (item["indicator"], item.get("level"), _answered(item), item.get("comment") or "")
    ]
    # Updating the response row locks it until the answers are in: a submission waits for them.
    sql = f"""
        WITH sent (code, level, answered, comment) AS (VALUES {rows}),
        target AS ({target}),
        matched AS (
            SELECT indicator.id AS indicator_id, sent.level, sent.answered, sent.comment
            FROM sent, target, {Indicator._meta.db_table} AS indicator
            WHERE indicator.code = sent.code AND indicator.version_id = target.version_id
              AND COALESCE(target.audiences -> indicator.code, NULLIF(indicator.audiences, '[]'::jsonb),
                           jsonb_build_array(target.role)) @> jsonb_build_array(target.role)
        ),
        touched AS (
            UPDATE {Response._meta.db_table} SET updated_at = %s
            WHERE id = (SELECT response_id FROM target) AND submitted_at IS NULL
              AND (SELECT count(*) FROM matched) = %s
            RETURNING id
        )
        INSERT INTO {Answer._meta.db_table} AS answer
          (response_id, indicator_id, level, answered, comment, updated_at)
        SELECT touched.id, matched.indicator_id, matched.level, matched.answered, matched.comment, %s
        FROM touched, matched
        ON CONFLICT (response_id, indicator_id) DO UPDATE
        SET level = CASE WHEN EXCLUDED.answered THEN EXCLUDED.level ELSE answer.level END,
          answered = answer.answered OR EXCLUDED.answered,
          comment = EXCLUDED.comment, updated_at = EXCLUDED.updated_at
    """  # noqa: S608 - table names from the models; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *target_params, now, len(items), now])
        return cursor.rowcount == len(items)


def _answers_upsert_portable(
    *,
    response_id: int,
    version_id: int,
    role: str,
    overrides: Mapping[str, list[str]],
    items: list[dict],
    now: datetime.datetime,
) -> bool:
    ids = indicator_ids(version_id=version_id, role=role, overrides=overrides)
    if any(item["indicator"] not in ids for item in items):
        return False
    with transaction.atomic():
        if not Response.objects.filter(pk=response_id, submitted_at__isnull=True).update(updated_at=now):
            return False
        for answered in (True, False):
            # A comment alone inserts an unanswered question or, on one already there, changes
            # only the comment.
            Answer.objects.bulk_create(
                [
                    Answer(
                        response_id=response_id,
                        indicator_id=ids[item["indicator"]],
                        level=item.get("level") if answered else None,
                        answered=answered,
                        comment=item.get("comment") or "",
                        updated_at=now,
                    )
                    for item in items
                    if _answered(item) == answered
                ],
                update_conflicts=True,
                unique_fields=["response", "indicator"],
                update_fields=["level", "answered", "comment", "updated_at"]
                if answered
                else ["comment", "updated_at"],
            )
    return True


def _answered(item: dict) -> bool:
    return item.get("answered", True)


def response_submit(*, invitation: Invitation) -> Response:
    """Lock the answers. Submitting again returns the submitted response unchanged."""
    _collecting_check(invitation)
    with transaction.atomic():
        response, _created = Response.objects.get_or_create(invitation=invitation)
        response = Response.objects.select_for_update().get(pk=response.pk)
        if response.submitted_at is not None:
            return response
        if not response.answers.filter(answered=True).exists():
            raise ValidationError({"answers": _("Answer at least one question before submitting.")})
        response.submitted_at = timezone.now()
        response.save(update_fields=["submitted_at", "updated_at"])
    return response
