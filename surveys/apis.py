from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment.apis import assessment_for_consultant
from config.exceptions import ItemErrors
from surveys.i18n import SUPPORTED, language_pick
from surveys.importing import invitation_rows_read
from surveys.models import Invitation, Metric, RespondentRole, RespondentStatus
from surveys.selectors import (
    catalog_tree,
    catalog_version_current,
    invitations_with_status,
    respondent_questionnaire,
    response_rate,
)
from surveys.services import (
    answers_save,
    invitation_by_token,
    invitation_create_many,
    invitation_resend,
    response_submit,
)
from surveys.throttles import RespondIpThrottle, RespondTokenThrottle


class CatalogIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    question = serializers.CharField()
    levels = serializers.ListField(child=serializers.CharField(), min_length=5, max_length=5)
    weight = serializers.FloatField()
    metric = serializers.ChoiceField(choices=Metric.choices, allow_null=True)


class CatalogAreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    weight = serializers.FloatField()
    indicators = CatalogIndicatorSerializer(many=True)


class CatalogSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    name = serializers.CharField()
    language = serializers.CharField()
    areas = CatalogAreaSerializer(many=True)


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


class QuestionnaireSerializer(serializers.Serializer):
    assessment = inline_serializer("QuestionnaireAssessment", {"title": serializers.CharField()})
    status = serializers.ChoiceField(choices=RespondentStatus.choices)
    language = serializers.CharField()
    areas = CatalogAreaSerializer(many=True)
    answers = serializers.DictField(
        child=inline_serializer(
            "SavedAnswer",
            {"level": serializers.IntegerField(allow_null=True), "comment": serializers.CharField()},
        )
    )


class CatalogApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("lang", str, enum=list(SUPPORTED))],
        responses=CatalogSerializer,
    )
    def get(self, request):
        language = language_pick(request.query_params.get("lang"))
        return Response(catalog_tree(version=catalog_version_current(), language=language))


# --- Invitations (consultants) -----------------------------------------------------------------


def _items_validate(serializer: serializers.ListSerializer, *, field: str) -> None:
    """Validate a list, answering 400 with one entry per faulty item."""
    if serializer.is_valid():
        return
    errors = serializer.errors
    if isinstance(errors, dict) and not all(isinstance(key, int) for key in errors):
        raise exceptions.ValidationError({field: errors})  # the list itself is malformed
    indexed = errors.items() if isinstance(errors, dict) else enumerate(errors)
    raise ItemErrors({index: item for index, item in indexed if item}, field=field)


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    department = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=RespondentRole.choices)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, default="en")


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


class InvitationListCreateApi(APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(responses=InvitationOutputSerializer(many=True))
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(request, assessment_id)
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
        assessment = assessment_for_consultant(request, assessment_id)
        if "file" in request.FILES:
            upload = InvitationFileSerializer(data=request.data)
            upload.is_valid(raise_exception=True)
            payload = invitation_rows_read(upload.validated_data["file"])
        else:
            payload = request.data if isinstance(request.data, list) else [request.data]
        rows = InvitationInputSerializer(data=payload, many=True)
        _items_validate(rows, field="items")
        created = invitation_create_many(assessment=assessment, rows=rows.validated_data)
        return Response(InvitationCreatedSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class InvitationResendApi(APIView):
    @extend_schema(request=None, responses={202: None})
    def post(self, request, assessment_id: int, invitation_id: int):
        assessment = assessment_for_consultant(request, assessment_id)
        invitation = get_object_or_404(Invitation, assessment=assessment, pk=invitation_id)
        invitation_resend(invitation=invitation)
        return Response(status=status.HTTP_202_ACCEPTED)


class ResponseRateApi(APIView):
    @extend_schema(responses=ResponseRateSerializer)
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(request, assessment_id)
        return Response(response_rate(assessment=assessment))


# --- The questionnaire by personal link (no login) --------------------------------------------


class _RespondApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [RespondTokenThrottle, RespondIpThrottle]

    def invitation(self, token: str) -> Invitation:
        invitation = invitation_by_token(token=token)
        if invitation is None:
            raise Http404
        return invitation


class RespondApi(_RespondApi):
    @extend_schema(
        parameters=[OpenApiParameter("lang", str, enum=list(SUPPORTED))],
        responses=QuestionnaireSerializer,
        auth=[],
    )
    def get(self, request, token: str):
        invitation = self.invitation(token)
        language = language_pick(request.query_params.get("lang") or invitation.language)
        return Response(respondent_questionnaire(invitation=invitation, language=language))


class AnswerInputSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=16)
    level = serializers.IntegerField(min_value=1, max_value=5, allow_null=True)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def to_internal_value(self, data):
        # JSON true/false are not levels, although Python counts them as 1 and 0.
        if isinstance(data, dict) and isinstance(data.get("level"), bool):
            raise serializers.ValidationError({"level": [_("A valid integer is required.")]})
        return super().to_internal_value(data)


class RespondAnswersApi(_RespondApi):
    class InputSerializer(serializers.Serializer):
        answers = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=500)

    class OutputSerializer(serializers.Serializer):
        saved = serializers.IntegerField()

    @extend_schema(
        request=inline_serializer("AnswersPatch", {"answers": AnswerInputSerializer(many=True)}),
        responses=OutputSerializer,
        auth=[],
    )
    def patch(self, request, token: str):
        invitation = self.invitation(token)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items = AnswerInputSerializer(data=body.validated_data["answers"], many=True)
        _items_validate(items, field="answers")
        return Response({"saved": answers_save(invitation=invitation, items=items.validated_data)})


class RespondSubmitApi(_RespondApi):
    class OutputSerializer(serializers.Serializer):
        status = serializers.CharField()
        submitted_at = serializers.DateTimeField()

    @extend_schema(request=None, responses=OutputSerializer, auth=[])
    def post(self, request, token: str):
        response = response_submit(invitation=self.invitation(token))
        return Response({"status": RespondentStatus.SUBMITTED, "submitted_at": response.submitted_at})
