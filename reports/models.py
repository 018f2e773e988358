from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.jobs import Job, JobStatus
from config.languages import language_choices


class Horizon(models.TextChoices):
    NOW = "0-3", _("0–3 months")
    SOON = "3-6", _("3–6 months")
    LATER = "6-12", _("6–12 months")
    BEYOND = "12+", _("12+ months")


class Effort(models.TextChoices):
    SMALL = "S", _("Small (S)")
    MEDIUM = "M", _("Medium (M)")
    LARGE = "L", _("Large (L)")


class RecommendationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class RecommendationItem(models.Model):
    """One entry of an assessment's roadmap as the consultant reviewed it: a library
    recommendation the engine proposed (its texts come from the library in the report's
    language unless edited here) or a custom one the consultant added."""

    assessment = models.ForeignKey(
        "assessment.Assessment", on_delete=models.CASCADE, related_name="recommendations"
    )
    code = models.CharField(max_length=32, blank=True, help_text=_("Library code; blank for a custom one"))
    position = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=RecommendationStatus.choices, default=RecommendationStatus.PROPOSED
    )
    # Method 1: the overall points it may gain; method 2: its expected gain per unit of effort.
    priority = models.FloatField(null=True, blank=True, help_text=_("Rank of the proposal"))
    maturity_gain = models.FloatField(
        null=True, blank=True, help_text=_("Expected overall maturity points it gains")
    )
    outcomes_gain = models.FloatField(
        null=True, blank=True, help_text=_("Expected customer outcomes index points it gains")
    )
    triggered_by = models.JSONField(default=list, blank=True)
    # The consultant's texts per language (reports.texts), {"en": …, "ru": …}; actions a list
    # of lines per language. A text not written is the library's, in every language; one
    # written in some language must be written in each a report is given in.
    title = models.JSONField(_("title"), default=dict, blank=True)
    rationale = models.JSONField(_("rationale"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=dict, blank=True)
    impact = models.JSONField(_("expected impact"), default=dict, blank=True)
    horizon = models.CharField(_("horizon"), max_length=8, choices=Horizon.choices)
    effort = models.CharField(_("effort"), max_length=1, choices=Effort.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "code"], condition=~Q(code=""), name="recommendation_code_once"
            ),
            models.CheckConstraint(condition=~Q(code="") | ~Q(title={}), name="custom_recommendation_titled"),
        ]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")

    def __str__(self) -> str:
        return f"{self.position}. {self.code or next(iter(self.title.values()), '')}"

    @property
    def custom(self) -> bool:
        return not self.code


class FindingKind(models.TextChoices):
    STRENGTH = "strength", _("Strength")
    IMPROVEMENT = "improvement", _("Improvement zone")


class Finding(models.Model):
    """A strength or improvement zone of one area as the consultant reviewed it: one the
    engine proposed from the scores (`key` names it; its text is written from `facts` in the
    report's language, reports.findings, unless the consultant wrote their own) or one the
    consultant added (no key)."""

    assessment = models.ForeignKey("assessment.Assessment", on_delete=models.CASCADE, related_name="findings")
    area = models.CharField(_("area"), max_length=32, help_text=_("Area code of the catalog"))
    kind = models.CharField(_("kind"), max_length=16, choices=FindingKind.choices)
    key = models.CharField(
        max_length=64, blank=True, help_text=_("What the engine found; blank for a custom one")
    )
    facts = models.JSONField(default=dict, blank=True, help_text=_("The numbers the engine's text states"))
    # The consultant's text per language (reports.texts); empty: the engine's text.
    text = models.JSONField(_("text"), default=dict, blank=True)
    position = models.PositiveIntegerField()
    hidden = models.BooleanField(_("hidden"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "key"], condition=~Q(key=""), name="finding_key_once"
            ),
            models.CheckConstraint(condition=~Q(key="") | ~Q(text={}), name="custom_finding_written"),
        ]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.position}. {self.area} {self.kind} {self.key or '#' + str(self.pk)}"

    @property
    def custom(self) -> bool:
        return not self.key


class ExecutiveCommentary(models.Model):
    """The consultant's commentary on the results, on the summary page of the reports: plain
    paragraphs (a blank line between them) per language (reports.texts)."""

    assessment = models.OneToOneField(
        "assessment.Assessment", on_delete=models.CASCADE, related_name="executive_commentary"
    )
    text = models.JSONField(_("text"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("executive commentary")
        verbose_name_plural = _("executive commentaries")

    def __str__(self) -> str:
        return f"{self.assessment}: {', '.join(self.text)}"


class QuoteSource(models.TextChoices):
    COMMENT = "comment", _("Respondent's comment")
    INTERVIEW = "interview", _("Interview note")


class Quote(models.Model):
    """A respondent's comment or an interview note the consultant picked to quote for an area,
    without a name. The original is kept as it was picked, in the language the consultant says
    it is in; its translations are the consultant's (reports.texts)."""

    assessment = models.ForeignKey("assessment.Assessment", on_delete=models.CASCADE, related_name="quotes")
    area = models.CharField(_("area"), max_length=32)
    source = models.CharField(_("source"), max_length=16, choices=QuoteSource.choices)
    answer = models.ForeignKey(
        "surveys.Answer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    interview_score = models.ForeignKey(
        "assessment.InterviewScore", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    original = models.TextField(_("original"), max_length=4000)
    original_language = models.CharField(
        _("language of the original"), max_length=8, choices=language_choices
    )
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    position = models.PositiveIntegerField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "answer"], condition=Q(answer__isnull=False), name="quote_answer_once"
            ),
            models.UniqueConstraint(
                fields=["assessment", "interview_score"],
                condition=Q(interview_score__isnull=False),
                name="quote_interview_once",
            ),
            models.CheckConstraint(
                condition=Q(source="comment", answer__isnull=False, interview_score__isnull=True)
                | Q(source="interview", answer__isnull=True, interview_score__isnull=False),
                name="quote_one_source",
            ),
        ]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self) -> str:
        return f"{self.area}: {self.original[:40]}"

    @property
    def texts(self) -> dict[str, str]:
        """The quote per language: the original in its own, the translations in the others."""
        return {**self.translations, self.original_language: self.original}


class ReportKind(models.TextChoices):
    FULL = "full", _("Full report")
    EXECUTIVE = "executive", _("Executive summary")
    COMPARISON = "comparison", _("Comparison with the baseline")


# A report's job status as the API and the pages name it (a report renders, not runs).
REPORT_STATUSES = {
    JobStatus.QUEUED: "queued",
    JobStatus.RUNNING: "rendering",
    JobStatus.READY: "ready",
    JobStatus.FAILED: "failed",
}


class Report(Job):
    """A PDF report of an assessment, rendered in the background; the file is stored under an
    unguessable name outside the static roots."""

    assessment = models.ForeignKey("assessment.Assessment", on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    language = models.CharField(_("language"), max_length=8, choices=language_choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file_path = models.CharField(max_length=255, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    # Rendered while the assessment was not yet published: marked DRAFT on every page and
    # never shown to the client, even after the assessment is published.
    draft = models.BooleanField(default=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return f"{self.assessment} — {self.get_kind_display()} ({self.language})"


class ThemeSource(models.TextChoices):
    CUSTOMERS = "customers", _("Clients' comments")
    RESPONDENTS = "respondents", _("Employees' comments")
    INTERVIEWS = "interviews", _("Interview notes")


class ThemeEdit(models.Model):
    """A consultant's edit of one theme of an assessment's comments (assessment.themes): its
    name per language (reports.texts), hidden from the reports, or merged into another theme of
    the same comments. A theme is known by its key (its strongest stems): the edit holds while
    the comments still form that theme."""

    assessment = models.ForeignKey(
        "assessment.Assessment", on_delete=models.CASCADE, related_name="theme_edits"
    )
    source = models.CharField(_("source"), max_length=16, choices=ThemeSource.choices)
    key = models.CharField(_("theme"), max_length=16)
    name = models.JSONField(_("name"), default=dict, blank=True)
    hidden = models.BooleanField(_("hidden"), default=False)
    merged_into = models.CharField(_("merged into"), max_length=16, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "source", "key"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "source", "key"], name="theme_edit_once"),
        ]
        verbose_name = _("theme edit")
        verbose_name_plural = _("theme edits")

    def __str__(self) -> str:
        return f"{self.source}:{self.key}"


class InitiativeStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class Initiative(models.Model):
    """One initiative of an assessment's action plan, carried out by the client between the
    assessment and its re-assessment: an accepted recommendation turned into an initiative when
    the assessment is published, or one a consultant adds. Its texts are per language
    (reports.texts); `targets` holds per linked customer metric (assessment.metrics key) the
    value to reach, {"churn_rate": {"op": "<=", "value": 9.5}}."""

    assessment = models.ForeignKey(
        "assessment.Assessment", on_delete=models.CASCADE, related_name="initiatives"
    )
    recommendation = models.ForeignKey(
        RecommendationItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.JSONField(_("title"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    indicators = models.JSONField(_("indicators"), default=list, blank=True)
    outcomes = models.JSONField(_("outcome metrics"), default=list, blank=True)
    targets = models.JSONField(_("targets"), default=dict, blank=True)
    # A client user of the assessment's organization, or a person without an account by name.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="initiatives"
    )
    owner_name = models.CharField(_("owner"), max_length=150, blank=True)
    start_on = models.DateField(_("start"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InitiativeStatus.choices, default=InitiativeStatus.PLANNED
    )
    dropped_reason = models.TextField(_("why it was dropped"), max_length=1000, blank=True)
    percent_complete = models.PositiveSmallIntegerField(_("per cent complete"), default=0)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["assessment", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(percent_complete__lte=100), name="initiative_percent_0_100"),
            models.CheckConstraint(
                condition=Q(start_on__isnull=True) | Q(due_on__isnull=True) | Q(due_on__gte=F("start_on")),
                name="initiative_due_after_start",
            ),
            models.UniqueConstraint(
                fields=["assessment", "recommendation"],
                condition=Q(recommendation__isnull=False),
                name="initiative_of_a_recommendation_once",
            ),
        ]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")

    def __str__(self) -> str:
        return f"{self.assessment_id}: {next(iter(self.title.values()), '')}"


class InitiativeUpdate(models.Model):
    """A dated progress note on an initiative, with its status and per cent complete then."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=InitiativeStatus.choices)
    percent_complete = models.PositiveSmallIntegerField(_("per cent complete"))
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("initiative update")
        verbose_name_plural = _("initiative updates")

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.percent_complete} %"


class KpiValue(models.Model):
    """An interim value of a customer metric (assessment.metrics key) between an assessment and
    its re-assessment, as the client measured it: when, how much, from where."""

    assessment = models.ForeignKey(
        "assessment.Assessment", on_delete=models.CASCADE, related_name="kpi_values"
    )
    metric = models.CharField(_("metric"), max_length=32)
    measured_on = models.DateField(_("measured on"))
    value = models.FloatField(_("value"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "metric", "measured_on", "id"]
        verbose_name = _("interim KPI value")
        verbose_name_plural = _("interim KPI values")

    def __str__(self) -> str:
        return f"{self.metric} {self.measured_on}: {self.value}"


class PlanDigest(models.Model):
    """The weekly e-mail to an initiative owner about their initiatives due within two weeks or
    overdue (reports.plan_digest): one row per owner and week (the Monday), sent once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week"], name="plan_digest_once_a_week")]
        verbose_name = _("action plan digest")
        verbose_name_plural = _("action plan digests")

    def __str__(self) -> str:
        return f"{self.user} {self.week}"


class ReassessmentReminder(models.Model):
    """The e-mail reminding a consultant of a published assessment's organization to start its
    re-assessment once it is due (reports.reassessment): one row per assessment and consultant,
    sent once."""

    assessment = models.ForeignKey(
        "assessment.Assessment", on_delete=models.CASCADE, related_name="reassessment_reminders"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "user"], name="reassessment_reminder_once")
        ]
        verbose_name = _("re-assessment reminder")
        verbose_name_plural = _("re-assessment reminders")

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.user} {self.due_on}"
