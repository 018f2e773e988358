from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import items_validate
from config.metrics import AUTOSAVED_ANSWERS, AUTOSAVES
from surveys.i18n import SUPPORTED, language_pick
from surveys.models import Invitation, Metric, RespondentStatus
from surveys.selectors import (
    catalog_tree,
    catalog_version_current,
    respondent_questionnaire,
)
from surveys.services import (
    answers_save,
    invitation_by_token,
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


class QuestionnaireSerializer(serializers.Serializer):
    assessment = inline_serializer(
        "QuestionnaireAssessment",
        {
            "title": serializers.CharField(),
            "deadline": serializers.DateTimeField(
                allow_null=True, help_text=_("Answers are taken until then; null: no deadline")
            ),
        },
    )
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
        items_validate(items, field="answers")
        saved = answers_save(invitation=invitation, items=items.validated_data)
        AUTOSAVES.inc()
        AUTOSAVED_ANSWERS.inc(saved)
        return Response({"saved": saved})


class RespondSubmitApi(_RespondApi):
    class OutputSerializer(serializers.Serializer):
        status = serializers.CharField()
        submitted_at = serializers.DateTimeField()

    @extend_schema(request=None, responses=OutputSerializer, auth=[])
    def post(self, request, token: str):
        response = response_submit(invitation=self.invitation(token))
        return Response({"status": RespondentStatus.SUBMITTED, "submitted_at": response.submitted_at})
