"""The consultant's side of the questionnaire: an assessment's respondents, invited one by one,
as a list or from a CSV/XLSX file, and its response rate."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment.access import assessment_for_consultant
from assessment.services import assessment_remind_everyone, respondent_remove
from config.exceptions import items_validate
from config.request_limits import body_limit
from surveys.i18n import FALLBACK
from surveys.importing import invitation_request_max_bytes, invitation_rows_read
from surveys.models import Invitation, RespondentRole, RespondentStatus
from surveys.selectors import invitations_with_status, response_rate
from surveys.services import invitation_create_many, invitation_resend


class _RateRowSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    started = serializers.IntegerField()
    submitted = serializers.IntegerField()
    total = serializers.IntegerField()
    rate = serializers.FloatField(help_text=_("submitted / total, in %"))


class ResponseRateSerializer(serializers.Serializer):
    overall = _RateRowSerializer()
    by_department = inline_serializer(
        "RateByDepartment",
        {"department": serializers.CharField(), **_RateRowSerializer().get_fields()},
        many=True,
    )
    by_role = inline_serializer(
        "RateByRole", {"role": serializers.CharField(), **_RateRowSerializer().get_fields()}, many=True
    )


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    department = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=RespondentRole.choices)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, default=FALLBACK)


class InvitationCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="invitation.id")
    email = serializers.EmailField(source="invitation.email")
    name = serializers.CharField(source="invitation.name")
    department = serializers.CharField(source="invitation.department")
    role = serializers.CharField(source="invitation.role")
    language = serializers.CharField(source="invitation.language")
    status = serializers.SerializerMethodField()
    url = serializers.CharField()
    token = serializers.CharField()

    def get_status(self, new) -> str:
        return RespondentStatus.INVITED


class InvitationOutputSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=RespondentStatus.choices)
    last_activity = serializers.DateTimeField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "name",
            "department",
            "role",
            "language",
            "status",
            "last_activity",
            "sent_at",
        ]


class InvitationFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("CSV (UTF-8 or Windows-1251, comma or semicolon) or XLSX"))


@body_limit(invitation_request_max_bytes)
class InvitationListCreateApi(APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(responses=InvitationOutputSerializer(many=True))
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        return Response(
            InvitationOutputSerializer(invitations_with_status(assessment=assessment), many=True).data
        )

    @extend_schema(
        request={
            "application/json": InvitationInputSerializer(many=True),
            "multipart/form-data": InvitationFileSerializer,
        },
        responses={201: InvitationCreatedSerializer(many=True)},
        description=_(
            "A list of invitations (a single object is accepted too), or a CSV/XLSX file with columns "
            "email, name, department, role, language. The token of each personal link is shown only "
            "in this response."
        ),
    )
    def post(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        if "file" in request.FILES:
            upload = InvitationFileSerializer(data=request.data)
            upload.is_valid(raise_exception=True)
            payload = invitation_rows_read(upload.validated_data["file"])
        else:
            payload = request.data if isinstance(request.data, list) else [request.data]
        rows = InvitationInputSerializer(data=payload, many=True)
        items_validate(rows, field="items")
        created = invitation_create_many(assessment=assessment, rows=rows.validated_data)
        return Response(InvitationCreatedSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class InvitationResendApi(APIView):
    @extend_schema(request=None, responses={202: None})
    def post(self, request, assessment_id: int, invitation_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        invitation = get_object_or_404(Invitation, assessment=assessment, pk=invitation_id)
        invitation_resend(invitation=invitation)
        return Response(status=status.HTTP_202_ACCEPTED)


class InvitationDetailApi(APIView):
    @extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(description=_("The assessment is published (assessment_published)")),
        },
    )
    def delete(self, request, assessment_id: int, invitation_id: int):
        """Remove a respondent who left: their answers leave the scores, their link stops working;
        audited. Until the assessment is published."""
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        invitation = get_object_or_404(Invitation, assessment=assessment, pk=invitation_id)
        respondent_remove(invitation=invitation, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationRemindEveryoneApi(APIView):
    @extend_schema(
        request=None,
        responses={
            202: inline_serializer("Reminded", {"reminded": serializers.IntegerField()}),
            409: OpenApiResponse(
                description=_(
                    "Not collecting (assessment_not_collecting), or everyone was reminded less than a day "
                    "ago (reminded_recently, with next_at)"
                )
            ),
        },
    )
    def post(self, request, assessment_id: int):
        """E-mail a reminder, now, to everyone invited who has not submitted; once a day at most."""
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        reminded = assessment_remind_everyone(assessment=assessment, actor=request.user, now=timezone.now())
        return Response({"reminded": reminded}, status=status.HTTP_202_ACCEPTED)


class ResponseRateApi(APIView):
    @extend_schema(responses=ResponseRateSerializer)
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        return Response(response_rate(assessment=assessment))
