"""The findings, the executive commentary and the quotes of an assessment, under /api/v1/: its
consultants review and write them until it is published; the client's executives read what the
reports show (visible findings, the commentary, the quotes that may be shown)."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment.access import assessment_for_consultant, assessment_readable, user_manages
from config.schema import ERROR_SCHEMA
from reports.models import FindingKind, QuoteSource, ThemeSource
from reports.narrative_selectors import (
    commentary_get,
    findings_list,
    findings_shown,
    quote_candidates,
    quotes_list,
)
from reports.narrative_services import (
    COMMENTARY_TEXT_MAX,
    FINDING_TEXT_MAX,
    QUOTE_TEXT_MAX,
    THEME_NAME_MAX,
    commentary_set,
    findings_ensure,
    findings_generate,
    findings_review,
    quote_pick,
    quote_remove,
    quote_update,
    theme_edit,
)
from reports.selectors import themes_current
from reports.text_fields import localized_text
from surveys.i18n import language_pick

LANGUAGE_CHOICES = [code for code, _name in settings.LANGUAGES]
LANG_PARAMETER = OpenApiParameter("lang", str, enum=LANGUAGE_CHOICES)


def _texts_field(help_text: str = "") -> serializers.DictField:
    return serializers.DictField(child=serializers.CharField(allow_blank=True), help_text=help_text)


def _missing_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=settings.LANGUAGES),
        help_text=_("Languages the consultant's text lacks: reports in them are refused"),
    )


# --- findings -------------------------------------------------------------------------------------


class FindingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text=_("None for a proposal not yet reviewed"))
    key = serializers.CharField(
        allow_blank=True, help_text=_("What the engine found; blank for a custom one")
    )
    area = serializers.CharField()
    area_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=FindingKind.choices)
    position = serializers.IntegerField()
    hidden = serializers.BooleanField()
    custom = serializers.BooleanField()
    edited = serializers.BooleanField(help_text=_("The consultant wrote the text"))
    text = serializers.CharField(allow_blank=True, help_text=_("In the language asked for"))
    texts = _texts_field(_("The consultant's text per language; blank: not written"))
    generated = _texts_field(_("The engine's text per language (none for a custom finding)"))
    missing_languages = _missing_field()


class FindingChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, help_text=_("Omit to add a finding of your own"))
    area = serializers.CharField(required=False, help_text=_("Area code, for a new finding"))
    kind = serializers.ChoiceField(choices=FindingKind.choices, required=False)
    text = localized_text(FINDING_TEXT_MAX)(
        required=False,
        help_text=_("Per language; a blank one removes it (an engine's finding reads its own again)"),
    )
    hidden = serializers.BooleanField(required=False)


class FindingsApi(APIView):
    """An assessment's strengths and improvement zones per area: proposed from the scores on the
    consultant's first look, then reviewed. The client's executives read the visible ones."""

    class InputSerializer(serializers.Serializer):
        items = FindingChangeSerializer(many=True, required=False, max_length=200)
        order = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=500)
        regenerate = serializers.BooleanField(
            required=False, default=False, help_text=_("Propose again from the current scores")
        )

    @extend_schema(parameters=[LANG_PARAMETER], responses=FindingOutputSerializer(many=True))
    def get(self, request, assessment_id: int):
        assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
        language = language_pick(request.query_params.get("lang"))
        if not user_manages(user=request.user, assessment=assessment):
            return Response(
                FindingOutputSerializer(
                    findings_shown(assessment=assessment, language=language), many=True
                ).data
            )
        findings_ensure(assessment=assessment, actor=request.user)
        findings = findings_list(assessment=assessment, language=language) or findings_shown(
            assessment=assessment, language=language
        )
        return Response(FindingOutputSerializer(findings, many=True).data)

    @extend_schema(
        parameters=[LANG_PARAMETER],
        request=InputSerializer,
        responses=FindingOutputSerializer(many=True),
        description=_(
            "Review the findings: `items` change findings by id (`text` per language, `hidden`) or "
            "add your own (no id; `area`, `kind` and `text` required); `order` lists ids to put "
            "first; `regenerate` proposes again from the current scores, keeping what you edited, "
            "hid or added. All or nothing; 409 once the assessment is published."
        ),
    )
    def patch(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        findings_ensure(assessment=assessment, actor=request.user)
        findings_review(
            assessment=assessment,
            user=request.user,
            changes=values.get("items", []),
            order=values.get("order"),
        )
        if values["regenerate"]:
            findings_generate(assessment=assessment, actor=request.user)
        language = language_pick(request.query_params.get("lang"))
        return Response(
            FindingOutputSerializer(findings_list(assessment=assessment, language=language), many=True).data
        )


# --- the executive commentary --------------------------------------------------------------------


class CommentaryOutputSerializer(serializers.Serializer):
    text = _texts_field(_("Per language: plain paragraphs, a blank line between them"))
    updated_at = serializers.DateTimeField(allow_null=True)
    missing_languages = _missing_field()


class CommentaryApi(APIView):
    """The consultant's commentary on the results, on the summary page of the full and the
    executive report."""

    class InputSerializer(serializers.Serializer):
        text = localized_text(COMMENTARY_TEXT_MAX)(help_text=_("Per language; a blank one removes it"))

    @extend_schema(responses=CommentaryOutputSerializer)
    def get(self, request, assessment_id: int):
        assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
        return Response(CommentaryOutputSerializer(commentary_get(assessment=assessment)).data)

    @extend_schema(request=InputSerializer, responses=CommentaryOutputSerializer)
    def put(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        commentary_set(assessment=assessment, user=request.user, text=data.validated_data["text"])
        return Response(CommentaryOutputSerializer(commentary_get(assessment=assessment)).data)


# --- quotes ------------------------------------------------------------------------------------------


class QuoteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    area = serializers.CharField()
    area_name = serializers.CharField()
    source = serializers.ChoiceField(choices=QuoteSource.choices)
    source_id = serializers.IntegerField(help_text=_("The answer's or the interview score's id"))
    position = serializers.IntegerField()
    original = serializers.CharField()
    original_language = serializers.ChoiceField(choices=settings.LANGUAGES)
    text = serializers.CharField(allow_blank=True, help_text=_("In the language asked for"))
    texts = _texts_field(_("The original in its language, the consultant's translations in the others"))
    attribution = serializers.CharField(allow_blank=True, help_text=_("The group it is quoted as said by"))
    eligible = serializers.BooleanField(
        help_text=_("Its group may still be shown (anonymity threshold); reports leave it out if not")
    )
    missing_languages = _missing_field()


class ClientQuoteOutputSerializer(serializers.Serializer):
    """What every reader of a quote gets; the consultant's list adds QuoteOutput's fields."""

    area = serializers.CharField()
    area_name = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    texts = _texts_field()
    attribution = serializers.CharField(allow_blank=True)


class QuotesApi(APIView):
    """Quotes of respondents' comments and interview notes per area, picked by the consultant;
    no name is ever shown, and a comment is quoted only from a group the scores may show."""

    class InputSerializer(serializers.Serializer):
        source = serializers.ChoiceField(choices=QuoteSource.choices)
        source_id = serializers.IntegerField(
            help_text=_("The answer's id (comment) or the interview score's")
        )
        original_language = serializers.ChoiceField(
            choices=settings.LANGUAGES, help_text=_("The language the comment or note is written in")
        )
        translations = localized_text(QUOTE_TEXT_MAX)(
            required=False, default=dict, help_text=_("Your translation into each other language")
        )

    @extend_schema(
        parameters=[LANG_PARAMETER],
        responses=OpenApiResponse(
            response=ClientQuoteOutputSerializer(many=True),
            description=_(
                "The client's executives get these fields of the quotes they may see; the "
                "consultants get every quote with all the fields of QuoteOutput."
            ),
        ),
    )
    def get(self, request, assessment_id: int):
        assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
        language = language_pick(request.query_params.get("lang"))
        if not user_manages(user=request.user, assessment=assessment):
            quotes = quotes_list(assessment=assessment, language=language, eligible_only=True)
            return Response(ClientQuoteOutputSerializer(quotes, many=True).data)
        return Response(
            QuoteOutputSerializer(quotes_list(assessment=assessment, language=language), many=True).data
        )

    @extend_schema(
        parameters=[LANG_PARAMETER],
        request=InputSerializer,
        responses={201: QuoteOutputSerializer},
        description=_(
            "Quote a comment or an interview note for the area of its indicator. A comment from a "
            "group under the anonymity threshold is refused (400 on `source_id`)."
        ),
    )
    def post(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = quote_pick(assessment=assessment, user=request.user, **data.validated_data)
        return Response(self._one(request, assessment, quote.pk), status=status.HTTP_201_CREATED)

    @staticmethod
    def _one(request, assessment, quote_id: int) -> dict:
        language = language_pick(request.query_params.get("lang"))
        quote = next(
            item for item in quotes_list(assessment=assessment, language=language) if item["id"] == quote_id
        )
        return QuoteOutputSerializer(quote).data


class QuoteDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        original_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
        translations = localized_text(QUOTE_TEXT_MAX)(required=False, help_text=_("A blank one removes it"))

    @extend_schema(parameters=[LANG_PARAMETER], request=InputSerializer, responses=QuoteOutputSerializer)
    def patch(self, request, assessment_id: int, quote_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        quote = get_object_or_404(assessment.quotes, pk=quote_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote_update(assessment=assessment, user=request.user, quote=quote, **data.validated_data)
        return Response(QuotesApi._one(request, assessment, quote.pk))

    @extend_schema(request=None, responses={204: OpenApiResponse(description=_("Not quoted any more"))})
    def delete(self, request, assessment_id: int, quote_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        quote = get_object_or_404(assessment.quotes, pk=quote_id)
        quote_remove(assessment=assessment, user=request.user, quote=quote)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuoteCandidateOutputSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=QuoteSource.choices)
    id = serializers.IntegerField()
    area = serializers.CharField()
    indicator = serializers.CharField()
    indicator_name = serializers.CharField()
    text = serializers.CharField()
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        allow_null=True,
        help_text=_("The respondent's language, likely the comment's"),
    )
    attribution = serializers.CharField()
    picked = serializers.IntegerField(allow_null=True, help_text=_("The quote's id, if picked"))


class QuoteCandidatesApi(APIView):
    @extend_schema(
        parameters=[LANG_PARAMETER, OpenApiParameter("area", str, description=_("An area code"))],
        responses=QuoteCandidateOutputSerializer(many=True),
        description=_(
            "The comments and interview notes that may be quoted, per indicator; comments from "
            "groups under the anonymity threshold are left out, and names never appear."
        ),
    )
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        candidates = quote_candidates(
            assessment=assessment,
            language=language_pick(request.query_params.get("lang")),
            area=request.query_params.get("area") or None,
        )
        return Response(QuoteCandidateOutputSerializer(candidates, many=True).data)


# --- themes of comments ---------------------------------------------------------------------------

THEME_STATUSES = ["ready", "insufficient_data"]


class MergedThemeSerializer(serializers.Serializer):
    key = serializers.CharField()
    terms = serializers.ListField(child=serializers.CharField())


class ThemeSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("The theme, as long as the comments form it"))
    name = _texts_field(_("The consultant's name of the theme per language; none: its words name it"))
    hidden = serializers.BooleanField(help_text=_("Left out of the reports"))
    terms = serializers.ListField(child=serializers.CharField(), help_text=_("Its words, strongest first"))
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text=_("Per cent of the comments"))
    average_rating = serializers.FloatField(allow_null=True, help_text=_("Mean NPS rating of its authors"))
    quotes = serializers.ListField(
        child=serializers.CharField(), help_text=_("Up to 3 representative comments")
    )
    merged = MergedThemeSerializer(many=True, required=False, help_text=_("Themes merged into this one"))


class ThemesSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=THEME_STATUSES)
    reason = serializers.CharField(allow_null=True)
    comments = serializers.IntegerField()
    themes = ThemeSerializer(many=True)


class ThemesApi(APIView):
    """Themes of open comments: the clients' (customers), the employees' (respondents, quoted
    only from roles of at least k respondents) or the interview notes (interviews), as the
    consultant named, hid and merged them. Individual words: the assessment's consultants."""

    class QuerySerializer(serializers.Serializer):
        source = serializers.ChoiceField(choices=ThemeSource.choices, default=ThemeSource.CUSTOMERS)

    @extend_schema(parameters=[QuerySerializer], responses={200: ThemesSerializer, 404: ERROR_SCHEMA})
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        themes = themes_current(assessment=assessment, source=query.validated_data["source"])
        if themes is None:
            raise Http404(_("No customer survey yet."))
        return Response(ThemesSerializer(themes).data)


class ThemeDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = localized_text(THEME_NAME_MAX)(
            required=False, help_text=_("Its name per language; a blank one removes it")
        )
        hidden = serializers.BooleanField(required=False, help_text=_("Leave it out of the reports"))
        merged_into = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=16,
            help_text=_("Another theme's key to merge it into; blank undoes the merge"),
        )

    @extend_schema(
        request=InputSerializer,
        responses={200: ThemesSerializer, 400: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA},
        description=_(
            "Name, hide or merge one theme (audited); 404 when the comments no longer form it, "
            "409 once the assessment is published. Answers with the themes as now edited."
        ),
    )
    def patch(self, request, assessment_id: int, source: str, key: str):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        if source not in ThemeSource.values:
            raise Http404(_("No such comments."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        themes = theme_edit(
            assessment=assessment, user=request.user, source=source, key=key, **data.validated_data
        )
        return Response(ThemesSerializer(themes).data)
