"""The weekly digest of the action plan: each Monday (the first run of Celery beat in the week)
every owner of an initiative that is due within DIGEST_DAYS or overdue, not done nor dropped,
of a published assessment, gets one e-mail listing them, in their language. One row per owner
and week (PlanDigest) makes it once a week; sending locks the row and marks it sent in the same
transaction, so a retried or repeated task sends nothing twice."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from assessment.models import CLIENT_VISIBLE_STATUSES, UserInvitation
from config.celery import task_enqueue_on_commit_or_defer
from reports.models import Initiative, InitiativeStatus, PlanDigest
from reports.plan import initiative_health
from reports.texts import text_any

DIGEST_DAYS = 14


def _due(*, today: datetime.date) -> QuerySet[Initiative]:
    return Initiative.objects.filter(
        status__in=[InitiativeStatus.PLANNED, InitiativeStatus.IN_PROGRESS],
        due_on__lte=today + datetime.timedelta(days=DIGEST_DAYS),
        assessment__status__in=CLIENT_VISIBLE_STATUSES,
        owner__is_active=True,
    )


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of the day's week."""
    return day - datetime.timedelta(days=day.weekday())


def plan_digests_queue(*, now: datetime.datetime) -> int:
    """This week's digest for every owner with initiatives due or overdue who has none yet, and
    the sending of every digest of the week not sent yet (a lost task is sent again; sending
    twice sends once). The number of digests created."""
    from reports.tasks import plan_digest_send  # the tasks call these services

    today = timezone.localdate(now)
    week = week_of(today)
    owners = set(_due(today=today).values_list("owner_id", flat=True))
    known = set(PlanDigest.objects.filter(week=week, user_id__in=owners).values_list("user_id", flat=True))
    PlanDigest.objects.bulk_create(
        [PlanDigest(user_id=owner, week=week) for owner in owners - known], ignore_conflicts=True
    )
    for digest_id in PlanDigest.objects.filter(week=week, sent_at__isnull=True).values_list("pk", flat=True):
        task_enqueue_on_commit_or_defer(plan_digest_send, digest_id)
    return len(owners - known)


def user_language(user: AbstractBaseUser) -> str:
    """The language of the user's invitation, else the default: what e-mails to them speak."""
    invitation = UserInvitation.objects.filter(user=user).only("language").first()
    return invitation.language if invitation else settings.LANGUAGE_CODE


def _email(
    user: AbstractBaseUser, initiatives: list[Initiative], *, today: datetime.date
) -> EmailMultiAlternatives:
    language = user_language(user)
    with translation.override(language):
        rows = [
            {
                "title": text_any(initiative.title, language),
                "organization": initiative.assessment.organization.name,
                "due_on": initiative.due_on,
                "percent_complete": initiative.percent_complete,
                "overdue": initiative_health(
                    status=initiative.status,
                    percent_complete=initiative.percent_complete,
                    start_on=initiative.start_on,
                    due_on=initiative.due_on,
                    today=today,
                )
                == "overdue",
                "url": settings.SITE_URL
                + reverse("workspace:action-plan", args=[initiative.assessment_id])
                + f"#initiative-{initiative.pk}",
            }
            for initiative in initiatives
        ]
        context = {"name": user.first_name, "initiatives": rows, "days": DIGEST_DAYS}
        subject = " ".join(render_to_string("reports/email/plan_digest_subject.txt", context).split())
        text = render_to_string("reports/email/plan_digest_body.txt", context)
        html = render_to_string("reports/email/plan_digest_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def plan_digest_deliver(*, digest_id: int, now: datetime.datetime | None = None) -> bool:
    """Send the digest if it is not sent yet and its owner still has initiatives due or overdue
    (none left: marked sent, nothing to say); False when nothing was sent."""
    today = timezone.localdate(now or timezone.now())
    with transaction.atomic():
        digest = PlanDigest.objects.select_for_update().filter(pk=digest_id, sent_at__isnull=True).first()
        if digest is None:
            return False
        user = get_user_model().objects.get(pk=digest.user_id)
        initiatives = list(
            _due(today=today)
            .filter(owner=user)
            .select_related("assessment__organization")
            .order_by("due_on", "position", "id")
        )
        digest.sent_at = timezone.now()
        digest.save(update_fields=["sent_at"])
        if not initiatives or not user.is_active:
            return False
        _email(user, initiatives, today=today).send()
    return True
