"""The reminder to re-assess: once a published assessment's re-assessment is due
(reports.plan.reassessment_due_on: its action plan's last initiative due, or
REASSESSMENT_AFTER_MONTHS after publishing) and none has been started, each consultant of its
organization gets one e-mail, in their language, with a link that starts the re-assessment with
this assessment as its baseline. One row per assessment and consultant (ReassessmentReminder);
sending locks the row and marks it sent in the same transaction, so nothing is sent twice."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from assessment.models import CLIENT_VISIBLE_STATUSES, Assessment, Membership, Role
from config.celery import task_enqueue_on_commit_or_defer
from reports.models import InitiativeStatus, ReassessmentReminder
from reports.plan import reassessment_due_on
from reports.plan_digest import user_language


def _awaiting_reassessment(assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Those of `assessments` published and not yet re-assessed, each with `last_due_on`: when
    its plan's last initiative not dropped is due (None without one)."""
    return assessments.filter(
        status__in=CLIENT_VISIBLE_STATUSES, published_at__isnull=False, reassessments__isnull=True
    ).annotate(
        last_due_on=Max("initiatives__due_on", filter=~Q(initiatives__status=InitiativeStatus.DROPPED))
    )


def _due_on(assessment: Assessment) -> datetime.date:
    return reassessment_due_on(
        published_on=timezone.localdate(assessment.published_at),
        last_due_on=assessment.last_due_on,
        months=settings.REASSESSMENT_AFTER_MONTHS,
    )


def reassessment_due(*, assessment: Assessment) -> datetime.date | None:
    """When the assessment's re-assessment is due (one query); None before it is published or
    once a re-assessment names it as its baseline."""
    found = _awaiting_reassessment(Assessment.objects.filter(pk=assessment.pk)).first()
    return _due_on(found) if found else None


def reassessment_start_url(*, assessment: Assessment) -> str:
    """The new-assessment form with this assessment as the baseline (workspace.home.assessment_new)."""
    return (
        reverse("workspace:assessment-new", args=[assessment.organization_id]) + f"?baseline={assessment.pk}"
    )


def _awaiting(today: datetime.date) -> list[tuple[Assessment, datetime.date]]:
    """The published assessments whose re-assessment is due by `today` and not started."""
    candidates = _awaiting_reassessment(Assessment.objects.all()).only(
        "pk", "organization_id", "published_at"
    )
    due = [(assessment, _due_on(assessment)) for assessment in candidates]
    return [(assessment, due_on) for assessment, due_on in due if due_on <= today]


def reassessment_reminders_queue(*, now: datetime.datetime) -> int:
    """A reminder for every consultant of every organization whose re-assessment has come due,
    and the sending of every reminder not sent yet. The number of reminders created."""
    from reports.tasks import reassessment_reminder_send  # the tasks call these services

    created = 0
    for assessment, due_on in _awaiting(timezone.localdate(now)):
        consultants = set(
            Membership.objects.filter(
                organization_id=assessment.organization_id, role=Role.CONSULTANT, user__is_active=True
            ).values_list("user_id", flat=True)
        )
        new = consultants - set(assessment.reassessment_reminders.values_list("user_id", flat=True))
        ReassessmentReminder.objects.bulk_create(
            [ReassessmentReminder(assessment=assessment, user_id=user_id, due_on=due_on) for user_id in new],
            ignore_conflicts=True,
        )
        created += len(new)
    for reminder_id in ReassessmentReminder.objects.filter(sent_at__isnull=True).values_list("pk", flat=True):
        task_enqueue_on_commit_or_defer(reassessment_reminder_send, reminder_id)
    return created


def _email(reminder: ReassessmentReminder, user) -> EmailMultiAlternatives:
    assessment = reminder.assessment
    with translation.override(user_language(user)):
        context = {
            "name": user.first_name,
            "assessment": assessment.title,
            "organization": assessment.organization.name,
            "published_on": timezone.localdate(assessment.published_at),
            "due_on": reminder.due_on,
            "months": settings.REASSESSMENT_AFTER_MONTHS,
            "url": settings.SITE_URL + reassessment_start_url(assessment=assessment),
            "plan_url": settings.SITE_URL + reverse("workspace:action-plan", args=[assessment.pk]),
        }
        subject = " ".join(render_to_string("reports/email/reassessment_subject.txt", context).split())
        text = render_to_string("reports/email/reassessment_body.txt", context)
        html = render_to_string("reports/email/reassessment_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def reassessment_reminder_deliver(*, reminder_id: int) -> bool:
    """Send the reminder if it is not sent yet and the re-assessment is still not started (else
    marked sent, nothing to say); False when nothing was sent."""
    with transaction.atomic():
        reminder = (
            ReassessmentReminder.objects.select_for_update(of=("self",))
            .select_related("assessment__organization")
            .filter(pk=reminder_id, sent_at__isnull=True)
            .first()
        )
        if reminder is None:
            return False
        user = get_user_model().objects.get(pk=reminder.user_id)
        reminder.sent_at = timezone.now()
        reminder.save(update_fields=["sent_at"])
        if reminder.assessment.reassessments.exists() or not user.is_active:
            return False
        _email(reminder, user).send()
    return True
