import re
from collections.abc import Mapping

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment.access import assessment_for_consultant, organization_readable
from assessment.audit import audit_events
from assessment.lockout import sign_in_authenticate
from assessment.method import ROADMAP_LIMIT_MAX, ROADMAP_LIMIT_MIN
from assessment.metrics import THRESHOLD_COUNT, default_min_samples, metric, thresholds_messages
from assessment.models import (
    NEXT_STATUSES,
    Assessment,
    AuditEvent,
    Currency,
    InterviewScore,
    Organization,
    Status,
)
from assessment.presenters import scores_present
from assessment.selectors import (
    assessment_scope,
    assessment_scores,
    managed_assessment_scope,
    managed_organization_scope,
    organization_scope,
    user_is_consultant,
)
from assessment.services import (
    ANONYMITY_K_MAX,
    ANONYMITY_K_MIN,
    OVERRIDE_REASON_MIN_LENGTH,
    api_token_create,
    assessment_create,
    assessment_update,
    interview_scores_set,
    organization_archive,
    organization_create,
    organization_update,
)
from assessment.sufficiency import (
    DEFAULT_MIN_ANSWERS,
    DEFAULT_MIN_AREA_COVERAGE,
    DEFAULT_MIN_RESPONSES,
    MAX_MIN_ANSWERS,
    MAX_MIN_RESPONSES,
    MAX_MIN_SAMPLE,
)
from config.throttling import FailOpenScopedRateThrottle
from surveys.i18n import SUPPORTED, language_pick


class TokenObtainApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [FailOpenScopedRateThrottle]
    throttle_scope = "auth"

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer}, auth=[])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The sign-in lockout of the workspace and the admin: 429 while locked.
        user = sign_in_authenticate(request=request, **data.validated_data)
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": [_("Wrong username or password.")]})
        return Response({"token": api_token_create(user=user)})


class OrganizationOutputSerializer(serializers.ModelSerializer):
    industry_name = serializers.CharField(source="get_industry_display")

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "industry",
            "industry_name",
            "country",
            "segment",
            "currency",
            "created_at",
            "archived_at",
        ]


class OrganizationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    industry = serializers.ChoiceField(
        choices=Organization.Industry.choices,
        required=False,
        allow_blank=True,
        help_text=_("From a fixed list, so that peer benchmarks compare like with like"),
    )
    country = serializers.CharField(max_length=100, required=False, allow_blank=True)
    segment = serializers.ChoiceField(choices=Organization.Size.choices, required=False, allow_blank=True)
    currency = serializers.ChoiceField(
        choices=Currency.choices,
        required=False,
        allow_blank=True,
        help_text=_("ISO 4217; the organization's new assessments start in it"),
    )


class OrganizationListCreateApi(APIView):
    InputSerializer = OrganizationInputSerializer

    @extend_schema(responses=OrganizationOutputSerializer(many=True))
    def get(self, request):
        organizations = organization_scope(user=request.user)
        return Response(OrganizationOutputSerializer(organizations, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: OrganizationOutputSerializer})
    def post(self, request):
        if not user_is_consultant(user=request.user):
            raise exceptions.PermissionDenied(_("Only consultants can set up organizations."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization = organization_create(user=request.user, **data.validated_data)
        return Response(OrganizationOutputSerializer(organization).data, status=status.HTTP_201_CREATED)


class OrganizationDetailApi(APIView):
    class InputSerializer(OrganizationInputSerializer):
        archived = serializers.BooleanField(
            required=False, help_text=_("Archived clients take no new assessment; their audits stay readable")
        )

    @extend_schema(responses=OrganizationOutputSerializer)
    def get(self, request, organization_id: int):
        organization = organization_readable(user=request.user, organization_id=organization_id)
        return Response(OrganizationOutputSerializer(organization).data)

    @extend_schema(request=InputSerializer, responses=OrganizationOutputSerializer)
    def patch(self, request, organization_id: int):
        organization = organization_readable(user=request.user, organization_id=organization_id)
        if not managed_organization_scope(user=request.user).filter(pk=organization.pk).exists():
            raise exceptions.PermissionDenied(_("Only the organization's consultants can change it."))
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        archived = changes.pop("archived", None)
        with transaction.atomic():
            organization_update(organization=organization, **changes)
            if archived is not None:
                organization_archive(organization=organization, archived=archived)
        return Response(OrganizationOutputSerializer(organization).data)


class _StrictSerializer(serializers.Serializer):
    """Refuses the keys it has no field for, naming each, instead of dropping them."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [_("Unknown setting.")] for key in unknown})
        return super().to_internal_value(data)


# One field per metric that can give data evidence, so the schema names every key.
MinSamplesSerializer = serializers.SerializerMetaclass(
    "MinSamplesSerializer",
    (_StrictSerializer,),
    {
        key: serializers.IntegerField(
            min_value=1,
            max_value=MAX_MIN_SAMPLE,
            required=False,
            help_text=_("%(metric)s: the sample a value needs to be data evidence; default %(default)d")
            % {"metric": metric(key).label, "default": default},
        )
        for key, default in default_min_samples().items()
    },
)


class SufficiencySettingsSerializer(_StrictSerializer):
    """An assessment's overrides of the evidence-sufficiency rules (docs/methods.md §3.4); the
    settings left out keep their defaults."""

    min_answers = serializers.IntegerField(
        min_value=1,
        max_value=MAX_MIN_ANSWERS,
        required=False,
        help_text=_("Survey answers (other than don't know) that cover an indicator; default %(n)d")
        % {"n": DEFAULT_MIN_ANSWERS},
    )
    min_area_coverage = serializers.FloatField(
        min_value=0,
        max_value=1,
        required=False,
        help_text=_("Share of an area's indicators covered for it to claim a level; default %(share)s")
        % {"share": DEFAULT_MIN_AREA_COVERAGE},
    )
    min_responses = serializers.IntegerField(
        min_value=1,
        max_value=MAX_MIN_RESPONSES,
        required=False,
        help_text=_("Submitted responses for the overall score to claim a level; default %(n)d")
        % {"n": DEFAULT_MIN_RESPONSES},
    )
    min_sample = MinSamplesSerializer(required=False)


class _SufficiencyReasonSerializer(serializers.Serializer):
    """Why the scores fall short of the sufficiency rules; the fields beside code and message
    are those of its kind."""

    code = serializers.ChoiceField(choices=["too_few_responses", "area_coverage", "small_customer_sample"])
    message = serializers.CharField(help_text=_("In the language asked for"))
    minimum = serializers.FloatField(
        required=False, help_text=_("The responses, coverage or sample the rule asks for")
    )
    submitted = serializers.IntegerField(required=False)
    area = serializers.CharField(required=False)
    covered = serializers.IntegerField(required=False)
    total = serializers.IntegerField(required=False)
    coverage = serializers.FloatField(required=False)
    metric = serializers.CharField(required=False)
    sample = serializers.IntegerField(required=False)


class AssessmentOutputSerializer(serializers.ModelSerializer):
    catalog_version = serializers.IntegerField(source="catalog_version.number")
    next_statuses = serializers.SerializerMethodField()
    weights = serializers.SerializerMethodField()
    baseline = serializers.SerializerMethodField()
    sufficiency = SufficiencySettingsSerializer(read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "organization",
            "title",
            "catalog_version",
            "reference_date",
            "status",
            "next_statuses",
            "baseline",
            "weights",
            "data_thresholds",
            "sufficiency",
            "anonymity_k",
            "currency",
            "roadmap_limit",
            "audiences",
            "collection_deadline",
            "reminder_days",
            "published_at",
            "publish_override_reason",
            "created_at",
            "updated_at",
        ]

    def get_next_statuses(self, assessment: Assessment) -> list[str]:
        return list(NEXT_STATUSES[assessment.status])

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_baseline(self, assessment: Assessment) -> int | None:
        """The baseline's id only if the reader may open it: nothing of an assessment they could
        not open directly is shown, not even that it exists."""
        if "readable" not in self.context:
            self.context["readable"] = set(
                assessment_scope(user=self.context["request"].user).values_list("pk", flat=True)
            )
        return assessment.baseline_id if assessment.baseline_id in self.context["readable"] else None

    def get_weights(self, assessment: Assessment) -> dict[str, float]:
        return {
            "survey": float(assessment.weight_survey),
            "interview": float(assessment.weight_interview),
            "data": float(assessment.weight_data),
        }


@extend_schema_field(OpenApiTypes.INT)
class _ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key accepted only within what the requesting user may reach."""

    def __init__(self, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(user=self.context["request"].user)


_WEIGHT = {"max_digits": 4, "decimal_places": 3, "min_value": 0, "max_value": 1, "required": False}


class AssessmentListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        organization = _ScopedRelatedField(scope=managed_organization_scope)
        title = serializers.CharField(max_length=200)
        reference_date = serializers.DateField()
        baseline = _ScopedRelatedField(scope=managed_assessment_scope, required=False, allow_null=True)
        copy_invitations = serializers.BooleanField(
            default=False,
            help_text=_(
                "Invite the baseline's respondents again, each with a new personal link (needs a baseline)"
            ),
        )
        weight_survey = serializers.DecimalField(**_WEIGHT)
        weight_interview = serializers.DecimalField(**_WEIGHT)
        weight_data = serializers.DecimalField(**_WEIGHT)

    class AssessmentCreatedSerializer(AssessmentOutputSerializer):
        invitations_copied = serializers.IntegerField(
            read_only=True, help_text=_("How many of the baseline's respondents were invited again")
        )

        class Meta(AssessmentOutputSerializer.Meta):
            fields = [*AssessmentOutputSerializer.Meta.fields, "invitations_copied"]

    @extend_schema(
        parameters=[
            OpenApiParameter("organization", int, description=_("only this organization's assessments")),
            OpenApiParameter("status", str, enum=Status.values),
        ],
        responses=AssessmentOutputSerializer(many=True),
    )
    def get(self, request):
        assessments = assessment_scope(user=request.user).select_related("catalog_version")
        organization = request.query_params.get("organization")
        if organization:
            # ASCII digits only ("²" is a digit to str.isdigit()), and no more than an id can have.
            if not re.fullmatch(r"[0-9]{1,18}", organization):
                raise exceptions.ValidationError({"organization": [_("Must be an organization id.")]})
            assessments = assessments.filter(organization_id=int(organization))
        if request.query_params.get("status"):
            assessments = assessments.filter(status=request.query_params["status"])
        return Response(AssessmentOutputSerializer(assessments, many=True, context={"request": request}).data)

    @extend_schema(request=InputSerializer, responses={201: AssessmentCreatedSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        assessment, copied = assessment_create(user=request.user, **data.validated_data)
        assessment.invitations_copied = copied
        return Response(
            self.AssessmentCreatedSerializer(assessment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class _ThresholdsField(serializers.DictField):
    """{"nps": [-20, 0, 20, 50], …}: per metric of the registry with thresholds, the four strictly
    rising lowest values of levels 2–5 (strictly falling highest values where lower is better)."""

    def __init__(self, **kwargs):
        edges = serializers.ListField(
            child=serializers.FloatField(), min_length=THRESHOLD_COUNT, max_length=THRESHOLD_COUNT
        )
        super().__init__(child=edges, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        messages = thresholds_messages(value)
        if messages:
            raise serializers.ValidationError(messages)
        return value


class AssessmentDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200, required=False)
        data_thresholds = _ThresholdsField(required=False)
        reference_date = serializers.DateField(required=False)
        status = serializers.ChoiceField(choices=Status.choices, required=False)
        baseline = _ScopedRelatedField(scope=managed_assessment_scope, required=False, allow_null=True)
        weight_survey = serializers.DecimalField(**_WEIGHT)
        weight_interview = serializers.DecimalField(**_WEIGHT)
        weight_data = serializers.DecimalField(**_WEIGHT)
        sufficiency = SufficiencySettingsSerializer(required=False)
        anonymity_k = serializers.IntegerField(
            min_value=ANONYMITY_K_MIN,
            max_value=ANONYMITY_K_MAX,
            required=False,
            help_text=_(
                "Groups with fewer submitted respondents are not shown; once published it may only rise"
            ),
        )
        currency = serializers.ChoiceField(
            choices=Currency.choices,
            required=False,
            allow_blank=True,
            help_text=_("What amounts of money are in (ISO 4217); frozen once published"),
        )
        roadmap_limit = serializers.IntegerField(
            min_value=ROADMAP_LIMIT_MIN,
            max_value=ROADMAP_LIMIT_MAX,
            required=False,
            allow_null=True,
            help_text=_(
                "Initiatives the roadmap holds before the rest is listed as later (method 2); null: "
                "the method's. Frozen once published"
            ),
        )
        audiences = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField(max_length=16), max_length=10),
            required=False,
            help_text=_(
                "Indicator code → the respondent roles asked it, where they differ from the catalog's "
                "(only those listed change; an indicator named with the catalog's roles goes back to "
                "them). Set while a draft"
            ),
        )
        collection_deadline = serializers.DateTimeField(
            required=False,
            allow_null=True,
            help_text=_(
                "When collection closes itself (null: no deadline); a last reminder goes out two days "
                "before. Set while draft or collecting, in the future"
            ),
        )
        reminder_days = serializers.ListField(
            child=serializers.IntegerField(),
            required=False,
            max_length=50,
            help_text=_("Days after the invitation when those who have not submitted are reminded"),
        )
        override_reason = serializers.CharField(
            max_length=2000,
            required=False,
            allow_blank=True,
            help_text=_(
                "With status published: why preliminary scores are published anyway (at least "
                "%(count)d characters; kept and audited). Ignored when the evidence suffices."
            )
            % {"count": OVERRIDE_REASON_MIN_LENGTH},
        )

    class ConflictSerializer(serializers.Serializer):
        detail = serializers.CharField()
        code = serializers.ChoiceField(
            choices=[
                "insufficient_evidence",
                "baseline_not_published",
                "assessment_published",
                "collection_over",
                "collection_started",
            ]
        )
        reasons = _SufficiencyReasonSerializer(
            many=True, required=False, help_text=_("insufficient_evidence: why the scores are preliminary")
        )
        fields = serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text=_("assessment_published: the fields that can no longer change"),
        )

    @extend_schema(responses=AssessmentOutputSerializer)
    def get(self, request, assessment_id: int):
        assessment = get_object_or_404(assessment_scope(user=request.user), pk=assessment_id)
        return Response(AssessmentOutputSerializer(assessment, context={"request": request}).data)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: AssessmentOutputSerializer,
            409: OpenApiResponse(
                ConflictSerializer,
                description=_(
                    "Refused, nothing changed: publishing preliminary scores without override_reason "
                    "(insufficient_evidence, with the reasons), a re-assessment before its baseline "
                    "(baseline_not_published), changing what a published assessment keeps "
                    "(assessment_published, with the fields), or the deadline once collection is over "
                    "(collection_over)"
                ),
            ),
        },
    )
    def patch(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        data = self.InputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        assessment = assessment_update(assessment=assessment, actor=request.user, **data.validated_data)
        return Response(AssessmentOutputSerializer(assessment, context={"request": request}).data)


# --- Interview scores and scores ----------------------------------------------------------------


class InterviewScoreSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=16)
    level = serializers.IntegerField(min_value=1, max_value=5, allow_null=True)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class InterviewScoreOutputSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    updated_by = serializers.CharField(source="updated_by.username", allow_null=True, default=None)

    class Meta:
        model = InterviewScore
        fields = ["indicator", "level", "note", "updated_by", "updated_at"]


class InterviewScoresApi(APIView):
    class InputSerializer(serializers.Serializer):
        scores = InterviewScoreSerializer(many=True, allow_empty=False, max_length=500)

    @extend_schema(
        responses=inline_serializer("InterviewScores", {"scores": InterviewScoreOutputSerializer(many=True)})
    )
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        scores = InterviewScore.objects.filter(assessment=assessment).select_related(
            "indicator", "updated_by"
        )
        return Response({"scores": InterviewScoreOutputSerializer(scores, many=True).data})

    @extend_schema(
        request=InputSerializer,
        responses=inline_serializer("InterviewScoresSaved", {"saved": serializers.IntegerField()}),
    )
    def put(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = interview_scores_set(
            assessment=assessment, user=request.user, items=data.validated_data["scores"]
        )
        return Response({"saved": saved})


class _LevelScoreSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True)
    level = serializers.IntegerField(allow_null=True)
    level_code = serializers.CharField(allow_null=True)
    level_name = serializers.CharField(allow_null=True)


class _GateReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["critical_indicator", "weakest_area", "reality_gap"])
    cap = serializers.IntegerField(help_text=_("The highest level this reason allows"))
    message = serializers.CharField()
    area = serializers.CharField(required=False)
    indicator = serializers.CharField(required=False)
    indicator_level = serializers.IntegerField(required=False)
    area_level = serializers.IntegerField(required=False)
    gap = serializers.FloatField(required=False)
    limit = serializers.FloatField(required=False)
    outcomes_level = serializers.IntegerField(required=False)


class _GateSerializer(serializers.Serializer):
    uncapped_level = serializers.IntegerField(help_text=_("The level the score alone reads"))
    level = serializers.IntegerField()
    level_name = serializers.CharField()
    uncapped_level_name = serializers.CharField()
    reasons = _GateReasonSerializer(many=True)


def _gate_field() -> _GateSerializer:
    return _GateSerializer(
        allow_null=True,
        required=False,
        help_text=_(
            "Method 2: why the level is below the one its score reads (docs/methods.md §3.5); null if not"
        ),
    )


class _AreaScoreSerializer(_LevelScoreSerializer):
    code = serializers.CharField()
    gated = _gate_field()
    scored = serializers.IntegerField()
    coverage = serializers.FloatField(help_text=_("Share of the area's indicators covered, 0–1"))
    sufficient = serializers.BooleanField(
        help_text=_("The coverage reaches the minimum; if not, level, level_code and level_name are null")
    )


class _IndicatorScoreSerializer(_LevelScoreSerializer):
    code = serializers.CharField()
    area = serializers.CharField()
    n = serializers.IntegerField()
    mean_level = serializers.FloatField(
        allow_null=True,
        help_text=_(
            "Mean answer, don't know excluded; under method 2 the mean of the roles' means "
            "(docs/methods.md §3.2)"
        ),
    )
    raw_mean_level = serializers.FloatField(
        allow_null=True, help_text=_("Mean of all answers, every respondent weighing the same")
    )
    std = serializers.FloatField(allow_null=True)
    dont_know_share = serializers.FloatField(allow_null=True)
    confidence = serializers.ChoiceField(choices=["low", "medium", "high"], allow_null=True)
    evidence = inline_serializer(
        "Evidence",
        {
            "survey": serializers.FloatField(allow_null=True),
            "interview": serializers.FloatField(allow_null=True),
            "data": serializers.FloatField(allow_null=True),
        },
    )
    covered = serializers.BooleanField(
        help_text=_("Enough survey answers (other than don't know), an interview level or data evidence")
    )


class _SufficiencySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["sufficient", "preliminary"],
        help_text=_("preliminary: the overall level, level_code and level_name are null; the score stays"),
    )
    reasons = _SufficiencyReasonSerializer(many=True)
    submitted_responses = serializers.IntegerField()
    min_responses = serializers.IntegerField()


class _GroupScoreSerializer(_LevelScoreSerializer):
    group = serializers.CharField()
    respondents = serializers.IntegerField()
    areas = serializers.DictField(child=serializers.FloatField(allow_null=True))


class _OverallScoreSerializer(_LevelScoreSerializer):
    gated = _gate_field()


class ScoresSerializer(serializers.Serializer):
    method_version = serializers.ChoiceField(
        choices=[1, 2], help_text=_("The version of the scoring method these scores follow")
    )
    overall = _OverallScoreSerializer()
    outcomes = inline_serializer(
        "Outcomes",
        {
            "index": serializers.FloatField(help_text=_("0–100")),
            "level": serializers.IntegerField(),
            "level_name": serializers.CharField(),
            "metrics": inline_serializer(
                "OutcomeMetric",
                {
                    "key": serializers.CharField(),
                    "label": serializers.CharField(),
                    "value": serializers.FloatField(),
                    "interval": serializers.ListField(
                        child=serializers.FloatField(),
                        min_length=2,
                        max_length=2,
                        allow_null=True,
                        required=False,
                        help_text=_(
                            "The interval (95 %) its level was read from: of the levels it reaches, the "
                            "one nearest the middle (method 2); null where it has none or under method 1"
                        ),
                    ),
                    "level": serializers.IntegerField(),
                    "score": serializers.FloatField(),
                },
                many=True,
            ),
        },
        allow_null=True,
        required=False,
        help_text=_(
            "The customer outcomes index: the customer metrics on a sufficient sample read as "
            "levels by their thresholds (method 2; null without such a metric)"
        ),
    )
    reality_gap = serializers.FloatField(
        allow_null=True, required=False, help_text=_("The overall score minus the customer outcomes index")
    )
    areas = _AreaScoreSerializer(many=True)
    indicators = _IndicatorScoreSerializer(many=True)
    coverage = inline_serializer(
        "Coverage",
        {
            "scored": serializers.IntegerField(),
            "total": serializers.IntegerField(),
            "missing": serializers.ListField(child=serializers.CharField()),
        },
    )
    respondents = inline_serializer(
        "RespondentCounts", {"invited": serializers.IntegerField(), "submitted": serializers.IntegerField()}
    )
    breakdowns = inline_serializer(
        "Breakdowns",
        {
            "role": _GroupScoreSerializer(many=True),
            "department": _GroupScoreSerializer(many=True),
            "role_hidden": serializers.IntegerField(),
            "department_hidden": serializers.IntegerField(),
            "anonymity_k": serializers.IntegerField(),
        },
    )
    gaps = inline_serializer(
        "Gap",
        {
            "kind": serializers.ChoiceField(choices=["management_vs_frontline", "employees_vs_customers"]),
            "scope": serializers.ChoiceField(choices=["area", "indicator"]),
            "code": serializers.CharField(),
            "gap": serializers.FloatField(),
            "management": serializers.FloatField(required=False),
            "frontline": serializers.FloatField(required=False),
            "employees": serializers.FloatField(required=False),
            "customers": serializers.FloatField(required=False),
            "metric": serializers.CharField(required=False),
        },
        many=True,
    )
    benchmark = inline_serializer(
        "Benchmark",
        {
            "industry": serializers.ChoiceField(choices=Organization.Industry.choices),
            "peers": serializers.IntegerField(),
            "overall": serializers.FloatField(help_text=_("percentile among peers")),
            "areas": serializers.DictField(child=serializers.FloatField(allow_null=True)),
        },
        allow_null=True,
    )
    published = serializers.BooleanField(help_text=_("true: the frozen scores of the published assessment"))
    sufficiency = _SufficiencySerializer(help_text=_("Whether the evidence supports the levels claimed"))


class ScoresApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("lang", str, enum=list(SUPPORTED))], responses=ScoresSerializer
    )
    def get(self, request, assessment_id: int):
        assessment = get_object_or_404(
            assessment_scope(user=request.user).select_related("organization"), pk=assessment_id
        )
        language = language_pick(request.query_params.get("lang"))
        return Response(scores_present(result=assessment_scores(assessment=assessment), language=language))


# --- Audit log ----------------------------------------------------------------------------------


class AuditEventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", help_text=_("Username; empty for the system"))

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "action", "target", "before", "after"]


class AuditLogApi(APIView):
    class QuerySerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=AuditEvent.Action.choices, required=False)
        limit = serializers.IntegerField(min_value=1, max_value=500, default=100)
        offset = serializers.IntegerField(min_value=0, default=0)

    @extend_schema(
        parameters=[QuerySerializer],
        responses=inline_serializer(
            "AuditLog",
            {"count": serializers.IntegerField(), "results": AuditEventOutputSerializer(many=True)},
        ),
        description=_(
            "Every change to what the scores or the client's reports are made of, newest first: "
            "who, when, what, the value before and after. For the assessment's consultants."
        ),
    )
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        events = audit_events(assessment=assessment, action=params.get("action"))
        page = events[params["offset"] : params["offset"] + params["limit"]]
        return Response(
            {"count": events.count(), "results": AuditEventOutputSerializer(page, many=True).data}
        )
