"""The action plan under /api/v1/: the initiatives of an assessment, one initiative, its progress
updates and the interim KPI values. Who may do what: reports.plan_services; outside the user's
organizations nothing exists (404)."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment.access import assessment_for_consultant, assessment_readable
from config.schema import ERROR_SCHEMA
from reports.models import InitiativeStatus
from reports.plan import HEALTHS
from reports.plan_selectors import initiative_present, initiative_scope, initiatives_list, kpi_tracks
from reports.plan_services import (
    DESCRIPTION_MAX,
    NOTE_MAX,
    REASON_MAX,
    TARGET_OPS,
    TITLE_MAX,
    initiative_change,
    initiative_create,
    initiative_progress_add,
    kpi_value_record,
)
from reports.text_fields import localized_text


class TargetSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=list(TARGET_OPS))
    value = serializers.FloatField()


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()


class ProgressSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    author = serializers.CharField()
    status = serializers.ChoiceField(choices=InitiativeStatus.choices)
    percent_complete = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)


class InitiativeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    assessment = serializers.IntegerField()
    recommendation = serializers.CharField(
        allow_null=True, help_text=_("The library code of the recommendation it carries out")
    )
    title = serializers.DictField(child=serializers.CharField(), help_text=_("Per language"))
    description = serializers.DictField(child=serializers.CharField(), help_text=_("Per language"))
    indicators = serializers.ListField(child=serializers.CharField())
    outcomes = serializers.ListField(
        child=serializers.CharField(), help_text=_("Customer metrics it aims at")
    )
    targets = serializers.DictField(child=TargetSerializer(), help_text=_("Per outcome metric"))
    owner = OwnerSerializer(allow_null=True)
    owner_name = serializers.CharField(allow_blank=True, help_text=_("An owner without an account"))
    start_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=InitiativeStatus.choices)
    dropped_reason = serializers.CharField(allow_blank=True)
    percent_complete = serializers.IntegerField()
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    currency = serializers.CharField(allow_blank=True)
    health = serializers.ChoiceField(
        choices=list(HEALTHS),
        help_text=_("overdue: past due and not done; at_risk: behind its schedule; else on_track"),
    )
    updates = ProgressSerializer(many=True, help_text=_("Newest first"))


class InitiativeInputSerializer(serializers.Serializer):
    title = localized_text(TITLE_MAX)(required=False)
    description = localized_text(DESCRIPTION_MAX)(required=False)
    indicators = serializers.ListField(
        child=serializers.CharField(max_length=16), max_length=59, required=False
    )
    outcomes = serializers.ListField(
        child=serializers.CharField(max_length=32), max_length=20, required=False
    )
    targets = serializers.DictField(child=serializers.DictField(), required=False)
    owner = serializers.IntegerField(
        allow_null=True, required=False, help_text=_("A client user of the organization, by id")
    )
    owner_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    start_on = serializers.DateField(allow_null=True, required=False)
    due_on = serializers.DateField(allow_null=True, required=False)
    status = serializers.ChoiceField(choices=InitiativeStatus.choices, required=False)
    percent_complete = serializers.IntegerField(min_value=0, max_value=100, required=False)
    dropped_reason = serializers.CharField(max_length=REASON_MAX, allow_blank=True, required=False)
    budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, required=False
    )


class InitiativesApi(APIView):
    """The action plan of an assessment: its consultants and the client's users read it; the
    consultants add initiatives."""

    @extend_schema(responses={200: InitiativeOutputSerializer(many=True), 404: ERROR_SCHEMA})
    def get(self, request, assessment_id: int):
        assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
        initiatives = initiatives_list(assessment=assessment, today=timezone.localdate())
        return Response(InitiativeOutputSerializer(initiatives, many=True).data)

    @extend_schema(
        request=InitiativeInputSerializer,
        responses={201: InitiativeOutputSerializer, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA},
    )
    def post(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        data = InitiativeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        initiative = initiative_create(assessment=assessment, actor=request.user, **data.validated_data)
        body = initiative_present(initiative, today=timezone.localdate())
        return Response(InitiativeOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class InitiativeDetailApi(APIView):
    """One initiative with all its updates. The consultants change any field; its owner, a
    client manager, its status, per cent complete and why it was dropped (403 otherwise)."""

    @extend_schema(responses={200: InitiativeOutputSerializer, 404: ERROR_SCHEMA})
    def get(self, request, initiative_id: int):
        initiative = get_object_or_404(initiative_scope(user=request.user), pk=initiative_id)
        return Response(
            InitiativeOutputSerializer(initiative_present(initiative, today=timezone.localdate())).data
        )

    @extend_schema(
        request=InitiativeInputSerializer,
        responses={200: InitiativeOutputSerializer, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA},
    )
    def patch(self, request, initiative_id: int):
        initiative = get_object_or_404(initiative_scope(user=request.user), pk=initiative_id)
        data = InitiativeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        initiative = initiative_change(initiative=initiative, actor=request.user, **data.validated_data)
        return Response(
            InitiativeOutputSerializer(initiative_present(initiative, today=timezone.localdate())).data
        )


class InitiativeUpdatesApi(APIView):
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=NOTE_MAX, allow_blank=True, required=False, default="")
        percent_complete = serializers.IntegerField(min_value=0, max_value=100, required=False)
        status = serializers.ChoiceField(choices=InitiativeStatus.choices, required=False)
        dropped_reason = serializers.CharField(max_length=REASON_MAX, allow_blank=True, required=False)

    @extend_schema(
        request=InputSerializer,
        responses={201: InitiativeOutputSerializer, 400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA},
        description=_(
            "A dated progress update with a note, setting the initiative's per cent complete and "
            "status; by its consultants or its owner."
        ),
    )
    def post(self, request, initiative_id: int):
        initiative = get_object_or_404(initiative_scope(user=request.user), pk=initiative_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        update = initiative_progress_add(initiative=initiative, actor=request.user, **data.validated_data)
        body = initiative_present(update.initiative, today=timezone.localdate())
        return Response(InitiativeOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class KpiValueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    measured_on = serializers.DateField()
    value = serializers.FloatField()
    source = serializers.CharField(allow_blank=True)


class BaselineSerializer(serializers.Serializer):
    measured_on = serializers.DateField(help_text=_("The assessment's reference date"))
    value = serializers.FloatField(allow_null=True)


class PlanTargetSerializer(TargetSerializer):
    initiative = serializers.IntegerField()


class KpiTrackSerializer(serializers.Serializer):
    metric = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    baseline = BaselineSerializer()
    values = KpiValueSerializer(many=True)
    targets = PlanTargetSerializer(many=True)


class KpiValuesApi(APIView):
    """Interim values of the customer metrics the plan aims at, per metric with its baseline
    and the initiatives' targets; recorded by the consultants or a client manager."""

    class InputSerializer(serializers.Serializer):
        metric = serializers.CharField(max_length=32)
        measured_on = serializers.DateField()
        value = serializers.FloatField()
        source = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")

    @extend_schema(responses={200: KpiTrackSerializer(many=True), 404: ERROR_SCHEMA})
    def get(self, request, assessment_id: int):
        assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
        return Response(KpiTrackSerializer(kpi_tracks(assessment=assessment), many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={
            201: KpiTrackSerializer(many=True),
            400: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
            404: ERROR_SCHEMA,
        },
    )
    def post(self, request, assessment_id: int):
        assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        kpi_value_record(
            assessment=assessment,
            actor=request.user,
            metric_key=fields["metric"],
            measured_on=fields["measured_on"],
            value=fields["value"],
            source=fields["source"],
        )
        return Response(KpiTrackSerializer(kpi_tracks(assessment=assessment), many=True).data, status=201)
