"""The audit log of an assessment: every change to what a score or the client's report is made
of (interview scores, weights, thresholds, status, customer data, KPIs, the roadmap), with who
made it, when, and the value before and after.

The services that make those changes record their events here, inside their own transaction:
a change that rolls back leaves no event, and under concurrent edits the order of the events
is the order in which the changes were committed (the services lock the assessment first)."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from assessment.models import Assessment, AuditEvent, Organization

# (target, before, after) of one change.
Change = tuple[str, Any, Any]


def _actor(actor: AbstractBaseUser | AnonymousUser | None) -> AbstractBaseUser | None:
    return actor if actor is not None and actor.is_authenticated else None


def audit_record_many(
    *,
    assessment: Assessment | None = None,
    organization: Organization | None = None,
    actor: AbstractBaseUser | None,
    action: str,
    changes: Iterable[Change],
) -> list[AuditEvent]:
    """One event per change that changed something (before ≠ after), all at one time; of the
    assessment, or of the organization for what concerns no single assessment (client users)."""
    if not connection.in_atomic_block:
        # Outside the change's transaction the log could keep an event of a change that failed.
        raise RuntimeError("Audit events are recorded inside the transaction of the change.")
    actor = _actor(actor)
    now = timezone.now()
    events = [
        AuditEvent(
            assessment=assessment,
            organization=organization,
            actor=actor,
            actor_label=actor.get_username() if actor else "",
            created_at=now,
            action=action,
            target=target,
            before=before,
            after=after,
        )
        for target, before, after in changes
        if before != after
    ]
    return AuditEvent.objects.bulk_create(events)


def audit_record(
    *,
    assessment: Assessment | None = None,
    organization: Organization | None = None,
    actor: AbstractBaseUser | None,
    action: str,
    target: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEvent | None:
    """The event of one change; None when nothing changed."""
    events = audit_record_many(
        assessment=assessment,
        organization=organization,
        actor=actor,
        action=action,
        changes=[(target, before, after)],
    )
    return events[0] if events else None


def audit_events(*, assessment: Assessment, action: str | None = None) -> QuerySet[AuditEvent]:
    """The assessment's events, newest first; only those of `action` when given."""
    events = AuditEvent.objects.filter(assessment=assessment)
    if action:
        events = events.filter(action=action)
    return events.order_by("-created_at", "-id")
