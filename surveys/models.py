from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.i18n import localized


class Metric(models.TextChoices):
    """Customer metrics an indicator can take data evidence from."""

    NPS = "nps", "NPS"
    CSI = "csi", "CSI"
    SERVQUAL = "servqual", _("SERVQUAL index")
    MYSTERY_SHOPPING = "mystery_shopping", _("Mystery-shopping compliance")
    CHURN = "churn", _("Churn rate")
    COMPLAINTS = "complaints", _("Complaints per 1,000 clients")
    COMPLAINT_RESOLUTION = "complaint_resolution", _("Days to close a complaint")
    REGULATOR_COMPLAINTS = "regulator_complaints", _("Complaints that went to the regulator")
    SERVICE_LEVEL = "service_level", _("Contact-centre service level")
    FIRST_CONTACT_RESOLUTION = "first_contact_resolution", _("First-contact resolution")


class CatalogVersion(models.Model):
    """An immutable, published set of areas and indicators.

    Assessments keep the version they started with; changed content makes a new
    version, never an edit of a published one.
    """

    number = models.PositiveIntegerField(unique=True)
    # The edition of the catalog file (its `edition`, 1 where it names none): an indicator's
    # `previous` names codes of the edition before, and the recommendation library names the
    # codes of an edition (reports.recommendations).
    edition = models.PositiveSmallIntegerField(default=1)
    name = models.JSONField(help_text=_("Name per language"))
    content_hash = models.CharField(max_length=64, unique=True)
    source = models.CharField(max_length=255, blank=True)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("catalog version")
        verbose_name_plural = _("catalog versions")

    def __str__(self) -> str:
        return f"v{self.number} — {localized(self.name, 'en')}"


class Area(models.Model):
    version = models.ForeignKey(CatalogVersion, on_delete=models.PROTECT, related_name="areas")
    code = models.SlugField(max_length=32)
    position = models.PositiveSmallIntegerField()
    weight = models.DecimalField(max_digits=6, decimal_places=3, default=1)
    name = models.JSONField()
    description = models.JSONField(default=dict)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="area_code_unique_in_version"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="area_weight_positive"),
        ]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return f"{self.code} (v{self.version.number})"


class Indicator(models.Model):
    version = models.ForeignKey(CatalogVersion, on_delete=models.PROTECT, related_name="indicators")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="indicators")
    code = models.CharField(max_length=16)
    position = models.PositiveSmallIntegerField()
    weight = models.DecimalField(max_digits=6, decimal_places=3, default=1)
    metric = models.CharField(max_length=32, choices=Metric.choices, blank=True, default="")
    critical = models.BooleanField(
        default=False, help_text=_("A weakness here caps its area's maturity level (docs/methods.md §3.5)")
    )
    # The respondent roles (RespondentRole values) asked this indicator; empty: every role.
    audiences = models.JSONField(default=list, blank=True)
    # The codes of the catalog's previous edition this indicator continues ([] for a new topic);
    # None in a first edition.
    previous = models.JSONField(null=True, blank=True, default=None)
    title = models.JSONField()
    question = models.JSONField()
    levels = models.JSONField(help_text=_("Five level descriptors per language"))
    # A longer explanation per language, shown behind a "more" disclosure; empty: none.
    more = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="indicator_code_unique_in_version"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="indicator_weight_positive"),
        ]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {localized(self.title, 'en')}"


class RespondentRole(models.TextChoices):
    EXECUTIVE = "executive", _("Executive")
    MANAGER = "manager", _("Manager")
    FRONTLINE = "frontline", _("Frontline")
    BACK_OFFICE = "back_office", _("Back office")
    IT = "it", _("IT")


class RespondentStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    STARTED = "started", _("Started")
    SUBMITTED = "submitted", _("Submitted")


class Invitation(models.Model):
    """A respondent invited to an assessment's questionnaire."""

    assessment = models.ForeignKey(
        "assessment.Assessment", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=16, choices=RespondentRole.choices)
    language = models.CharField(max_length=8, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    # First invitation e-mail actually sent; reminders count their days from it.
    sent_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "email"], name="invitation_email_unique_in_assessment"
            ),
        ]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email


class InvitationToken(models.Model):
    """One personal link. Every link sent (creation, e-mail, reminder) gets its own
    random token, so any of them keeps working; only the token's SHA-256 is stored."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation link")
        verbose_name_plural = _("invitation links")

    def __str__(self) -> str:
        return f"{self.invitation.email} link {self.token_hash[:8]}…"


class InvitationEmail(models.Model):
    """One e-mail to a respondent: a row first, sent by a task after commit.

    The row makes the send idempotent (a task re-run after success does nothing)
    and makes each reminder day happen at most once per invitation.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        REMINDER = "reminder", _("Reminder")
        DEADLINE = "deadline", _("Last reminder before the deadline")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped (collection over or already submitted)")
        FAILED = "failed", _("Failed")

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reminder_day = models.PositiveSmallIntegerField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "reminder_day"],
                condition=Q(kind="reminder"),
                name="one_reminder_per_day_and_invitation",
            ),
            models.UniqueConstraint(
                fields=["invitation"],
                condition=Q(kind="deadline"),
                name="one_deadline_reminder_per_invitation",
            ),
        ]
        verbose_name = _("invitation e-mail")
        verbose_name_plural = _("invitation e-mails")

    def __str__(self) -> str:
        return f"{self.kind} to {self.invitation.email} ({self.state})"


class Response(models.Model):
    """One respondent's questionnaire; answers are read-only once submitted."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"{self.invitation.email} ({'submitted' if self.submitted_at else 'started'})"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="answers")
    level = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("1–5; empty means don't know")
    )
    comment = models.TextField(blank=True, max_length=2000)
    # False while the respondent has only commented: the comment is kept, the question still
    # waits for its level (and counts nowhere as an answer, don't know included).
    answered = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "indicator"], name="answer_unique_per_indicator"),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=1, level__lte=5), name="answer_level_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(answered=True) | Q(level__isnull=True), name="answer_level_only_when_answered"
            ),
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.indicator.code}: {(self.level or '?') if self.answered else '—'}"
