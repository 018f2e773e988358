from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from assessment.models import NEXT_STATUSES, Assessment, Organization, Status
from assessment.selectors import (
    assessment_scope,
    managed_assessment_scope,
    managed_organization_scope,
    organization_scope,
    user_is_consultant,
)
from assessment.services import api_token_create, assessment_create, assessment_update, organization_create


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
        weight_survey = serializers.DecimalField(**_WEIGHT)
        weight_interview = serializers.DecimalField(**_WEIGHT)
        weight_data = serializers.DecimalField(**_WEIGHT)

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

    @extend_schema(request=InputSerializer, responses={201: AssessmentOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        assessment = assessment_create(user=request.user, **data.validated_data)
        return Response(AssessmentOutputSerializer(assessment).data, status=status.HTTP_201_CREATED)


class AssessmentDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200, required=False)
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
        assessment = get_object_or_404(assessment_scope(user=request.user), pk=assessment_id)
        if not managed_assessment_scope(user=request.user).filter(pk=assessment.pk).exists():
            raise exceptions.PermissionDenied(_("Only the assessment's consultants can change it."))
        data = self.InputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        assessment = assessment_update(assessment=assessment, **data.validated_data)
        return Response(AssessmentOutputSerializer(assessment).data)
