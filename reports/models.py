from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.jobs import Job, JobStatus


class Horizon(models.TextChoices):
    NOW = "0-3", _("0–3 months")
    SOON = "3-6", _("3–6 months")
    LATER = "6-12", _("6–12 months")


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
    priority = models.FloatField(null=True, blank=True, help_text=_("Overall points it may gain"))
    triggered_by = models.JSONField(default=list, blank=True)
    # Edits replace the library's text in every language; blank = the library's text.
    title = models.CharField(_("title"), max_length=300, blank=True)
    rationale = models.TextField(_("rationale"), max_length=4000, blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    impact = models.TextField(_("expected impact"), max_length=2000, blank=True)
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
            models.CheckConstraint(condition=~Q(code="") | ~Q(title=""), name="custom_recommendation_titled"),
        ]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")

    def __str__(self) -> str:
        return f"{self.position}. {self.code or self.title}"

    @property
    def custom(self) -> bool:
        return not self.code


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
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
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
