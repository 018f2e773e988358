from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from assessment.access import assessment_for_consultant
from assessment.audit import audit_events
from assessment.metrics import THRESHOLD_COUNT, thresholds_messages
from assessment.models import NEXT_STATUSES, Assessment, AuditEvent, InterviewScore, Organization, Status
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
    api_token_create,
    assessment_create,
    assessment_update,
    interview_scores_set,
    organization_create,
)
from surveys.i18n import SUPPORTED, language_pick


class TokenObtainApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
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
        user = authenticate(request, **data.validated_data)
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": [_("Wrong username or password.")]})
        return Response({"token": api_token_create(user=user)})


class OrganizationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "industry", "country", "segment", "created_at"]


class OrganizationListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
        country = serializers.CharField(max_length=100, required=False, allow_blank=True)
        segment = serializers.ChoiceField(choices=Organization.Size.choices, required=False, allow_blank=True)

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


class AssessmentOutputSerializer(serializers.ModelSerializer):
    catalog_version = serializers.IntegerField(source="catalog_version.number")
    next_statuses = serializers.SerializerMethodField()
    weights = serializers.SerializerMethodField()

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
            "created_at",
            "updated_at",
        ]

    def get_next_statuses(self, assessment: Assessment) -> list[str]:
        return list(NEXT_STATUSES[assessment.status])

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
            if not organization.isdigit():
                raise exceptions.ValidationError({"organization": [_("Must be an organization id.")]})
            assessments = assessments.filter(organization_id=int(organization))
        if request.query_params.get("status"):
            assessments = assessments.filter(status=request.query_params["status"])
        return Response(AssessmentOutputSerializer(assessments, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: AssessmentCreatedSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        assessment, copied = assessment_create(user=request.user, **data.validated_data)
        assessment.invitations_copied = copied
        return Response(self.AssessmentCreatedSerializer(assessment).data, status=status.HTTP_201_CREATED)


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

    @extend_schema(responses=AssessmentOutputSerializer)
    def get(self, request, assessment_id: int):
        assessment = get_object_or_404(assessment_scope(user=request.user), pk=assessment_id)
        return Response(AssessmentOutputSerializer(assessment).data)

    @extend_schema(request=InputSerializer, responses=AssessmentOutputSerializer)
    def patch(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        data = self.InputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        assessment = assessment_update(assessment=assessment, actor=request.user, **data.validated_data)
        return Response(AssessmentOutputSerializer(assessment).data)


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


class _AreaScoreSerializer(_LevelScoreSerializer):
    code = serializers.CharField()
    scored = serializers.IntegerField()


class _IndicatorScoreSerializer(_LevelScoreSerializer):
    code = serializers.CharField()
    area = serializers.CharField()
    n = serializers.IntegerField()
    mean_level = serializers.FloatField(allow_null=True)
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


class _GroupScoreSerializer(_LevelScoreSerializer):
    group = serializers.CharField()
    respondents = serializers.IntegerField()
    areas = serializers.DictField(child=serializers.FloatField(allow_null=True))


class ScoresSerializer(serializers.Serializer):
    overall = _LevelScoreSerializer()
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
            "industry": serializers.CharField(),
            "peers": serializers.IntegerField(),
            "overall": serializers.FloatField(help_text=_("percentile among peers")),
            "areas": serializers.DictField(child=serializers.FloatField(allow_null=True)),
        },
        allow_null=True,
    )
    published = serializers.BooleanField(help_text=_("true: the frozen scores of the published assessment"))


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
