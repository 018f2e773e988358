import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.method import CURRENT_METHOD_VERSION, METHODS, ROADMAP_LIMIT_MAX, ROADMAP_LIMIT_MIN
from assessment.metrics import kpi_metrics, registry_of, thresholds_messages
from assessment.sufficiency import sufficiency_messages
from config.jobs import Job
from config.languages import language_choices


class Currency(models.TextChoices):
    """The currencies amounts of money (CLV, deposits, budgets) are read in: ISO 4217 codes of
    the region the firm works in, and the usual reserve currencies."""

    KZT = "KZT", _("Kazakhstani tenge (KZT)")
    UZS = "UZS", _("Uzbekistani sum (UZS)")
    KGS = "KGS", _("Kyrgyzstani som (KGS)")
    TJS = "TJS", _("Tajikistani somoni (TJS)")
    RUB = "RUB", _("Russian rouble (RUB)")
    AZN = "AZN", _("Azerbaijani manat (AZN)")
    GEL = "GEL", _("Georgian lari (GEL)")
    AMD = "AMD", _("Armenian dram (AMD)")
    TRY = "TRY", _("Turkish lira (TRY)")
    AED = "AED", _("UAE dirham (AED)")
    CNY = "CNY", _("Chinese yuan (CNY)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")
    GBP = "GBP", _("Pound sterling (GBP)")


def logo_upload_to(_instance, filename: str) -> str:
    """Logos are stored under random names: their address reveals no client, and a new logo gets
    a new address, so that caches never show the old one."""
    return f"logos/{secrets.token_hex(16)}.{filename.rsplit('.', 1)[-1]}"


class FirmBranding(models.Model):
    """The consulting firm's name, logo and colour on the reports, the questionnaire, the e-mails
    and the workspace; one row, set by an admin (assessment.branding). Without it, the
    product's own name and colours."""

    name = models.CharField(_("firm name"), max_length=100, blank=True)
    colour = models.CharField(_("colour"), max_length=7, blank=True)
    logo = models.FileField(_("logo"), upload_to=logo_upload_to, blank=True, max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("firm branding")
        verbose_name_plural = _("firm branding")

    def __str__(self) -> str:
        return self.name or "—"


class Organization(models.Model):
    """A client company whose CX management is assessed."""

    class Size(models.TextChoices):
        SMALL = "small", _("Small (< 250 employees)")
        MEDIUM = "medium", _("Medium (250–999 employees)")
        LARGE = "large", _("Large (1,000–9,999 employees)")
        ENTERPRISE = "enterprise", _("Enterprise (10,000+ employees)")

    class Industry(models.TextChoices):
        """A fixed list, so that peer benchmarks compare like with like."""

        BANKING = "banking", _("Banking")
        INSURANCE = "insurance", _("Insurance")
        MICROFINANCE = "microfinance", _("Microfinance and consumer credit")
        TELECOM = "telecom", _("Telecommunications")
        RETAIL = "retail", _("Retail")
        ECOMMERCE = "ecommerce", _("E-commerce")
        HOSPITALITY = "hospitality", _("Hotels, restaurants and travel")
        TRANSPORT = "transport", _("Transport and logistics")
        UTILITIES = "utilities", _("Energy and utilities")
        HEALTHCARE = "healthcare", _("Healthcare")
        EDUCATION = "education", _("Education")
        REAL_ESTATE = "real_estate", _("Real estate and construction")
        AUTOMOTIVE = "automotive", _("Automotive")
        PUBLIC = "public", _("Public services")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(
        _("industry"), max_length=32, choices=Industry.choices, blank=True, db_index=True
    )
    country = models.CharField(_("country"), max_length=100, blank=True)
    segment = models.CharField(_("size"), max_length=16, choices=Size.choices, blank=True)
    # Its assessments start in it; each keeps its own (assessment.Assessment.currency).
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, blank=True)
    # On the report cover, the questionnaire's welcome page and the e-mails (assessment.branding).
    logo = models.FileField(_("logo"), upload_to=logo_upload_to, blank=True, max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # Archived clients leave the home page's list; their audits and reports stay readable.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CONSULTANT = "consultant", _("Consultant")
    EXECUTIVE = "executive", _("Client executive")
    # Reads the published scores and the action plan, and carries out the initiatives they own.
    CLIENT_MANAGER = "client_manager", _("Client manager")


# The roles of the client's own people, each of one organization.
CLIENT_ROLES = (Role.EXECUTIVE, Role.CLIENT_MANAGER)


class Membership(models.Model):
    """Who may see an organization: its assigned consultants and its client users (executives
    and client managers).

    Admins (superusers) need no membership; they see everything.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    # The lead consultant (one per organization) assigns its other consultants, as admins do.
    lead = models.BooleanField(_("lead consultant"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["organization"], condition=Q(lead=True), name="one_lead_consultant"
            ),
            models.CheckConstraint(
                condition=Q(lead=False) | Q(role="consultant"), name="lead_is_a_consultant"
            ),
            # A client user (executive or manager) belongs to exactly one organization.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role__in=["executive", "client_manager"]),
                name="client_user_of_one_organization",
            ),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organization}"


class UserInvitation(models.Model):
    """A client user's invitation: a one-time link to set their password. Only the hash of the
    link is kept; each e-mail mints a new link, which replaces the one before, and the link
    expires INVITATION_LINK_DAYS after it was sent."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitation")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="user_invitations")
    language = models.CharField(_("language"), max_length=8, choices=language_choices, default="en")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # E-mails asked for and sent: one is due while fewer were sent. The last went out (with a
    # new link) at `sent_at`.
    emails_requested = models.PositiveSmallIntegerField(default=1)
    emails_sent = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("client user invitation")
        verbose_name_plural = _("client user invitations")

    def __str__(self) -> str:
        return f"{self.user} — {self.organization}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COLLECTING = "collecting", _("Collecting answers")
    SCORING = "scoring", _("Scoring")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


# The audit moves forward one step at a time.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.COLLECTING,),
    Status.COLLECTING: (Status.SCORING,),
    Status.SCORING: (Status.PUBLISHED,),
    Status.PUBLISHED: (Status.CLOSED,),
    Status.CLOSED: (),
}
# Until the client has the results, what they are made of may change: interview scores,
# customer data and the roadmap. Publishing freezes them with the scores.
EDITABLE_STATUSES = (Status.DRAFT, Status.COLLECTING, Status.SCORING)
# Statuses in which a client executive may see an assessment.
CLIENT_VISIBLE_STATUSES = (Status.PUBLISHED, Status.CLOSED)


def default_reminder_days() -> list[int]:
    return [3, 7]


class Assessment(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="assessments")
    title = models.CharField(_("title"), max_length=200)
    catalog_version = models.ForeignKey("surveys.CatalogVersion", on_delete=models.PROTECT, related_name="+")
    reference_date = models.DateField(_("reference date"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    baseline = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reassessments",
        help_text=_("An earlier assessment of the same organization to compare with"),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        choices=Currency.choices,
        blank=True,
        help_text=_("What amounts of money in the customer data and the reports are in"),
    )
    # The scoring method it is scored by (assessment.method): new assessments take the current one.
    method_version = models.PositiveSmallIntegerField(
        _("method version"),
        choices=[(version, str(version)) for version in METHODS],
        default=CURRENT_METHOD_VERSION,
    )
    weight_survey = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.5"))
    weight_interview = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.3"))
    weight_data = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.2"))
    # The initiatives the roadmap holds before the rest is "later" (method 2); null: the method's.
    roadmap_limit = models.PositiveSmallIntegerField(
        _("initiatives on the roadmap"),
        null=True,
        blank=True,
        validators=[MinValueValidator(ROADMAP_LIMIT_MIN), MaxValueValidator(ROADMAP_LIMIT_MAX)],
        help_text=_("How many initiatives the roadmap holds before the rest is “later”; empty: the method's"),
    )
    # Indicator code → the respondent roles asked it, where the consultant changed the catalog's
    # audiences before collection (surveys.selectors.effective_audiences); {}: the catalog's.
    audiences = models.JSONField(
        _("audiences"),
        default=dict,
        blank=True,
        help_text=_("The respondent roles asked an indicator, where they differ from the catalog's"),
    )
    anonymity_k = models.PositiveSmallIntegerField(
        _("anonymity threshold"),
        default=5,
        help_text=_("Groups with fewer submitted respondents are not shown separately"),
    )
    data_thresholds = models.JSONField(
        _("data-evidence thresholds"),
        default=dict,
        blank=True,
        help_text=_("Per customer metric, the lowest values of levels 2–5; defaults apply to those left out"),
    )
    kpis = models.JSONField(
        _("business KPIs"),
        default=dict,
        blank=True,
        help_text=_("Values the consultant entered, by KPI code"),
    )
    sufficiency = models.JSONField(
        _("evidence sufficiency"),
        default=dict,
        blank=True,
        help_text=_("Overrides of the evidence-sufficiency rules; defaults apply to those left out"),
    )
    publish_override_reason = models.TextField(
        _("reason for publishing with limited evidence"),
        max_length=2000,
        blank=True,
        help_text=_("Set when the assessment was published while its scores were preliminary"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Past it the questionnaire no longer takes answers; a periodic task then moves the
    # assessment on to scoring (assessment.services.collections_close).
    collection_deadline = models.DateTimeField(
        _("collection deadline"),
        null=True,
        blank=True,
        help_text=_("Collection closes itself at this time; a last reminder goes out two days before"),
    )
    reminder_days = models.JSONField(
        _("reminder days"),
        default=default_reminder_days,
        help_text=_("Remind respondents who have not submitted this many days after the invitation"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "-reference_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_survey__gte=0, weight_interview__gte=0, weight_data__gte=0),
                name="evidence_weights_non_negative",
            ),
            models.CheckConstraint(condition=~Q(baseline=models.F("id")), name="baseline_not_self"),
            models.CheckConstraint(condition=Q(anonymity_k__gte=2), name="anonymity_k_at_least_2"),
        ]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.organization} — {self.title}"

    def clean(self) -> None:
        """What forms (the admin's) check beyond the fields, as the API does on input: threshold
        overrides and KPIs name metrics of the registry (assessment.metrics), sufficiency settings
        are in range (assessment.sufficiency)."""
        super().clean()
        errors = {}
        if isinstance(self.data_thresholds, dict) and (
            messages := thresholds_messages(self.data_thresholds, registry_of(self.method_version))
        ):
            errors["data_thresholds"] = messages
        if problems := sufficiency_messages(self.sufficiency):
            errors["sufficiency"] = [f"{name}: {' '.join(messages)}" for name, messages in problems.items()]
        unknown = sorted(set(self.kpis or {}) - {entry.key for entry in kpi_metrics()})
        if unknown:
            errors["kpis"] = _("Unknown KPI(s): %(codes)s.") % {"codes": ", ".join(unknown)}
        if errors:
            raise ValidationError(errors)

    @property
    def deadline_passed(self) -> bool:
        return self.collection_deadline is not None and timezone.now() >= self.collection_deadline

    @property
    def collecting(self) -> bool:
        """Respondents answer and e-mails go out only while the assessment collects answers, and
        not past its deadline (even before the periodic task has moved it on)."""
        return self.status == Status.COLLECTING and not self.deadline_passed

    @property
    def invitations_open(self) -> bool:
        """Respondents can be added until collection ends."""
        return self.status == Status.DRAFT or self.collecting

    @property
    def roadmap_limit_in_force(self) -> int | None:
        """The initiatives its roadmap holds before the rest is "later": its own limit, else its
        method's; None under a method without a limit (method 1 ranks all alike)."""
        default = METHODS[self.method_version].roadmap_limit
        return None if default is None else self.roadmap_limit or default

    @property
    def editable(self) -> bool:
        """Interview scores, customer data and the roadmap may change until publication."""
        return self.status in EDITABLE_STATUSES


class InterviewScore(models.Model):
    """A consultant's level for one indicator from leadership interviews."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="interview_scores")
    indicator = models.ForeignKey("surveys.Indicator", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True, max_length=4000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "indicator__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="interview_score_unique"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="interview_level_1_to_5"),
        ]
        verbose_name = _("interview score")
        verbose_name_plural = _("interview scores")

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.level}"


class ScoreSnapshot(models.Model):
    """The scores of a published assessment, frozen at publication so later catalog or
    weight changes do not rewrite what the client has seen."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="score_snapshot")
    result = models.JSONField()
    overall = models.FloatField(null=True, help_text=_("Unrounded overall score, for peer benchmarks"))
    method_version = models.PositiveSmallIntegerField(
        _("method version"), default=1, help_text=_("The scoring method the result was computed with")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("score snapshot")
        verbose_name_plural = _("score snapshots")

    def __str__(self) -> str:
        return f"{self.assessment} @ {self.created_at:%Y-%m-%d}"


class ChurnBasis(models.TextChoices):
    """What counts as churn under method 2 (assessment.loyalty.CHURN_BASES, docs/methods.md §7.8)."""

    CLOSED = "closed", _("Closed accounts")
    INACTIVE = "inactive", _("Inactive for more than 90 days")
    BOTH = "both", _("Closed or inactive")


class CustomerDataset(models.Model):
    """The client's customer data of an assessment: the normalized files (Parquet, stored
    under unguessable names outside the static roots) and the metrics computed from them."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="customer_data")
    files = models.JSONField(default=dict, help_text=_("Per kind: original name, rows, stored path"))
    period_start = models.DateField(_("churn period start"))
    period_end = models.DateField(_("churn period end"))
    discount_rate = models.DecimalField(
        _("discount rate"), max_digits=5, decimal_places=4, default=Decimal("0.10")
    )
    churn_basis = models.CharField(
        _("churn basis"),
        max_length=8,
        choices=ChurnBasis.choices,
        default=ChurnBasis.BOTH,
        help_text=_("What counts as churn: closed accounts, inactivity or both (method 2)"),
    )
    metrics = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer data")
        verbose_name_plural = _("customer data")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__gte=0, discount_rate__lt=1), name="discount_0_to_1"
            ),
            models.CheckConstraint(condition=Q(churn_basis__in=ChurnBasis.values), name="churn_basis_known"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment}: {', '.join(self.files)}"


class ApiToken(models.Model):
    """An API token for `Authorization: Token …`. Only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} token {self.key_hash[:8]}…"


class CustomerDataImport(Job):
    """A customer-data upload imported in the background: the uploads are staged in storage
    (unguessable names, outside the static roots) until the job finishes, then deleted."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="customer_imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploads = models.JSONField(default=dict, help_text=_("Per kind: original name, size, staged path"))
    period_start = models.DateField(_("churn period start"), null=True, blank=True)
    period_end = models.DateField(_("churn period end"), null=True, blank=True)
    discount_rate = models.DecimalField(
        _("discount rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    # Blank: the stored data's basis (the default's for the first upload).
    churn_basis = models.CharField(_("churn basis"), max_length=8, choices=ChurnBasis.choices, blank=True)
    # Messages (the error and the problems) are written in the uploader's language, not the
    # worker's default.
    language = models.CharField(max_length=16, blank=True)
    problems = models.JSONField(
        null=True, blank=True, help_text=_("Every problem of the files, when they were refused")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer data import")
        verbose_name_plural = _("customer data imports")

    def __str__(self) -> str:
        return f"{self.assessment}: {', '.join(self.uploads)} ({self.get_status_display()})"


class ChurnModelRun(Job):
    """The churn-risk model of an assessment's customer data (assessment.churn_model), fitted in
    the background after each import: its account (`result`) and, stored as a file like the
    customer data, every client's out-of-fold risk. The newest run is the current one."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="churn_models")
    # The upload it was asked for (CustomerDataset.updated_at); a run finds newer data superseded.
    data_updated_at = models.DateTimeField()
    result = models.JSONField(null=True, blank=True)
    risk_path = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("churn-risk model")
        verbose_name_plural = _("churn-risk models")

    def __str__(self) -> str:
        return f"{self.assessment}: churn model ({self.get_status_display()})"


class AuditEvent(models.Model):
    """One change to what a score or the client's report is made of: who, when, what, the value
    before and after. Written in the transaction of the change itself, so a change that rolls
    back leaves no event and every committed change has one."""

    class Action(models.TextChoices):
        INTERVIEW_SCORE = "interview_score", _("Interview score")
        WEIGHTS = "weights", _("Evidence weights")
        THRESHOLDS = "thresholds", _("Data-evidence thresholds")
        ANONYMITY = "anonymity", _("Anonymity threshold")
        STATUS = "status", _("Status")
        SETTINGS = "settings", _("Assessment settings")
        CUSTOMER_DATA = "customer_data", _("Customer data")
        KPIS = "kpis", _("Business KPIs")
        RECOMMENDATION = "recommendation", _("Recommendation")
        ROADMAP = "roadmap", _("Roadmap")
        SUFFICIENCY = "sufficiency", _("Evidence sufficiency")
        FINDING = "finding", _("Finding")
        COMMENTARY = "commentary", _("Executive commentary")
        QUOTE = "quote", _("Quote")
        REPORT_RELEASE = "report_release", _("Report released")
        REMINDERS = "reminders", _("Everyone reminded")
        CLIENT_USER = "client_user", _("Client user")
        RESPONDENT_REMOVED = "respondent_removed", _("Respondent removed")
        CONSULTANT = "consultant", _("Consultant assigned")
        THEME = "theme", _("Theme of comments")
        INITIATIVE = "initiative", _("Action plan initiative")
        KPI_VALUE = "kpi_value", _("Interim KPI value")

    # An assessment's event, or (client users) an organization's.
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The username at the time: the log still says who after the account is renamed or deleted.
    actor_label = models.CharField(_("who"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("what"), max_length=32, choices=Action.choices)
    target = models.CharField(
        _("target"), max_length=64, blank=True, help_text=_("Indicator, recommendation or file kinds")
    )
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["assessment", "-created_at", "-id"], name="audit_event_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(assessment__isnull=False) | Q(organization__isnull=False),
                name="audit_event_of_something",
            )
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or '—'}: {self.action} {self.target}"


class SignInLockout(models.Model):
    """Failed sign-ins of one username or one client address and its lock (assessment.lockout).
    In the database rather than the cache, so the lockout holds while the cache is away."""

    class Scope(models.TextChoices):
        USERNAME = "username", _("Username")
        ADDRESS = "address", _("Client address")

    scope = models.CharField(max_length=16, choices=Scope.choices)
    # SHA-256 of the casefolded username or of the address: no table of what people typed.
    key_hash = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(default=0, help_text=_("Failures since the last lock"))
    locks = models.PositiveIntegerField(default=0, help_text=_("Locks in a row; each lasts twice the last"))
    locked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key_hash"], name="sign_in_lockout_key")]
        verbose_name = _("sign-in lockout")
        verbose_name_plural = _("sign-in lockouts")

    def __str__(self) -> str:
        return f"{self.scope} {self.key_hash[:8]}…"
