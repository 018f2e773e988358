import re

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ItemErrors, items_validate
from config.metrics import AUTOSAVED_ANSWERS, AUTOSAVES
from surveys.i18n import SUPPORTED, language_pick
from surveys.models import Invitation, Metric, RespondentRole, RespondentStatus
from surveys.selectors import (
    catalog_tree,
    catalog_version_current,
    respondent_questionnaire,
)
from surveys.services import (
    answers_save,
    answers_save_by_token,
    invitation_by_token,
    response_submit,
)
from surveys.throttles import RespondIpThrottle, RespondTokenThrottle


class CatalogIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    question = serializers.CharField()
    levels = serializers.ListField(child=serializers.CharField(), min_length=5, max_length=5)
    more = serializers.CharField(help_text=_("A longer explanation, shown on demand; empty: none"))
    weight = serializers.FloatField()
    metric = serializers.ChoiceField(choices=Metric.choices, allow_null=True)
    critical = serializers.BooleanField(help_text=_("A weakness here caps its area's maturity level"))
    audiences = serializers.ListField(
        child=serializers.ChoiceField(choices=RespondentRole.choices),
        help_text=_("The respondent roles asked this indicator"),
    )
    previous = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text=_("The codes of the catalog's previous edition it continues; null in a first edition"),
    )


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
    role = serializers.ChoiceField(choices=RespondentRole.choices)
    estimated_minutes = serializers.IntegerField(
        help_text=_("Minutes to read and answer the questions asked: 200 words a minute and 10 s a question")
    )
    areas = CatalogAreaSerializer(
        many=True, help_text=_("Only the indicators asked of the respondent's role")
    )
    answers = serializers.DictField(
        child=inline_serializer(
            "SavedAnswer",
            {
                "level": serializers.IntegerField(allow_null=True),
                "answered": serializers.BooleanField(
                    help_text=_("False: only a comment so far, the question is not answered")
                ),
                "comment": serializers.CharField(),
            },
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


MAX_ANSWERS_PER_SAVE = 500
# What the serializers' text fields refuse: null characters and lone surrogates.
_UNSAVABLE = re.compile("[\x00\ud800-\udfff]")


class AnswerInputSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=16)
    level = serializers.IntegerField(
        min_value=1,
        max_value=5,
        allow_null=True,
        required=False,
        help_text=_(
            "1–5; null: don't know; left out: only the comment is saved, the question stays unanswered"
        ),
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        return {"level": None, **attrs, "answered": "level" in attrs}

    def to_internal_value(self, data):
        # JSON true/false are not levels, although Python counts them as 1 and 0.
        if isinstance(data, dict) and isinstance(data.get("level"), bool):
            raise serializers.ValidationError({"level": [_("A valid integer is required.")]})
        return super().to_internal_value(data)


def answers_plain(data) -> list[dict] | None:
    """The answers of an autosave body already in the canonical form the serializers would give
    (codes and comments without surrounding spaces, levels as integers 1–5 or null, or left out
    for a comment alone), without running them: they cost a fifth of an autosave. None for
    anything else, which the serializers then validate and explain."""
    answers = data.get("answers") if isinstance(data, dict) else None
    if not isinstance(answers, list) or not 0 < len(answers) <= MAX_ANSWERS_PER_SAVE:
        return None
    plain = []
    for item in answers:
        if not isinstance(item, dict):
            return None
        code, level, comment = item.get("indicator"), item.get("level"), item.get("comment", "")
        if not (
            type(code) is str
            and 0 < len(code) <= 16
            and code == code.strip()
            and not _UNSAVABLE.search(code)
            and (level is None or (type(level) is int and 1 <= level <= 5))
            and type(comment) is str
            and len(comment) <= 2000
            and comment == comment.strip()
            and not _UNSAVABLE.search(comment)
        ):
            return None
        plain.append({"indicator": code, "level": level, "comment": comment, "answered": "level" in item})
    return plain


class RespondAnswersApi(_RespondApi):
    class InputSerializer(serializers.Serializer):
        answers = serializers.ListField(
            child=serializers.DictField(), allow_empty=False, max_length=MAX_ANSWERS_PER_SAVE
        )

    class OutputSerializer(serializers.Serializer):
        saved = serializers.IntegerField()

    @extend_schema(
        request=inline_serializer("AnswersPatch", {"answers": AnswerInputSerializer(many=True)}),
        responses=OutputSerializer,
        auth=[],
    )
    def patch(self, request, token: str):
        items = answers_plain(request.data)
        if items is None:
            items = self.validated(request, token)
        if answers_save_by_token(token=token, items=items):
            saved = len(items)
        else:
            saved = answers_save(invitation=self.invitation(token), items=items)
        AUTOSAVES.inc()
        AUTOSAVED_ANSWERS.inc(saved)
        return Response({"saved": saved})

    def validated(self, request, token: str) -> list[dict]:
        try:
            body = self.InputSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            items = AnswerInputSerializer(data=body.validated_data["answers"], many=True)
            items_validate(items, field="answers")
        except (ValidationError, ItemErrors):
            self.invitation(token)  # an unknown link is a 404 whatever the body
            raise
        return items.validated_data


class RespondSubmitApi(_RespondApi):
    class OutputSerializer(serializers.Serializer):
        status = serializers.CharField()
        submitted_at = serializers.DateTimeField()

    @extend_schema(request=None, responses=OutputSerializer, auth=[])
    def post(self, request, token: str):
        response = response_submit(invitation=self.invitation(token))
        return Response({"status": RespondentStatus.SUBMITTED, "submitted_at": response.submitted_at})
