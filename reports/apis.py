from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment.access import assessment_for_consultant, baseline_readable, user_manages
from assessment.selectors import assessment_scope, assessment_scores
from config.jobs import JobStatus
from config.schema import ERROR_SCHEMA
from reports.models import REPORT_STATUSES, Effort, Horizon, RecommendationStatus, Report, ReportKind
from reports.selectors import (
    assessment_comparison,
    assessment_next_level,
    recommendations_list,
    report_scope,
)
from reports.services import (
    RECOMMENDATION_TEXT_MAX,
    recommendations_ensure,
    recommendations_generate,
    recommendations_review,
    report_release,
    report_request,
)
from reports.text_fields import localized_lines, localized_text
from surveys.i18n import language_pick

LANG_PARAMETER = OpenApiParameter("lang", str, enum=[code for code, _name in settings.LANGUAGES])


class RecommendationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text=_("Library code; empty for a custom recommendation"))
    position = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RecommendationStatus.choices)
    custom = serializers.BooleanField()
    edited = serializers.BooleanField()
    priority = serializers.FloatField(
        allow_null=True,
        help_text=_(
            "Its rank: method 2, expected gain per unit of effort (S 1, M 2, L 4); method 1, the "
            "overall points it may gain"
        ),
    )
    maturity_gain = serializers.FloatField(
        allow_null=True, help_text=_("Expected overall maturity points, its indicators one level up, shared")
    )
    outcomes_gain = serializers.FloatField(
        allow_null=True,
        help_text=_("Expected customer outcomes index points (method 2; null under method 1)"),
    )
    prerequisites = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Library codes of the recommendations on this roadmap it comes after"),
    )
    later = serializers.BooleanField(
        help_text=_("Past the method's roadmap limit among the recommendations not rejected")
    )
    triggered_by = serializers.ListField(child=serializers.DictField())
    title = serializers.CharField()
    rationale = serializers.CharField(allow_blank=True)
    actions = serializers.ListField(child=serializers.CharField())
    impact = serializers.CharField(allow_blank=True)
    step = serializers.CharField()
    step_title = serializers.CharField(allow_blank=True)
    horizon = serializers.ChoiceField(choices=Horizon.choices)
    effort = serializers.ChoiceField(choices=Effort.choices)
    indicators = serializers.ListField(child=serializers.CharField())
    texts = serializers.DictField(
        child=serializers.DictField(),
        help_text=_(
            "The consultant's texts per language (title, rationale, actions, impact); blank: not written"
        ),
    )
    missing_languages = serializers.ListField(
        child=serializers.ChoiceField(choices=settings.LANGUAGES),
        help_text=_("Languages some of the consultant's texts lack: reports in them are refused"),
    )


class NextLevelSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    threshold = serializers.FloatField()
    gap = serializers.FloatField()
    reachable = serializers.BooleanField()
    indicators = serializers.ListField(
        child=serializers.DictField(),
        help_text=_(
            "The indicators weighing most in the gap (weight × distance to the threshold), at most 5"
        ),
    )
    listed_gain = serializers.FloatField(help_text=_("Overall points the listed indicators add together"))
    more = serializers.IntegerField(help_text=_("Further indicators the path to the next level needs"))


class RoadmapSerializer(serializers.Serializer):
    items = RecommendationOutputSerializer(many=True)
    next_level = NextLevelSerializer(allow_null=True)


class RecommendationChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, help_text=_("Omit to add a custom recommendation"))
    status = serializers.ChoiceField(choices=RecommendationStatus.choices, required=False)
    title = localized_text(RECOMMENDATION_TEXT_MAX["title"])(
        required=False, help_text=_("Per language; a blank one removes it")
    )
    rationale = localized_text(RECOMMENDATION_TEXT_MAX["rationale"])(required=False)
    actions = localized_lines()(required=False, help_text=_("A list of actions per language"))
    impact = localized_text(RECOMMENDATION_TEXT_MAX["impact"])(required=False)
    horizon = serializers.ChoiceField(choices=Horizon.choices, required=False)
    effort = serializers.ChoiceField(choices=Effort.choices, required=False)


class RecommendationsApi(APIView):
    """The roadmap: proposed by the engine on first look, reviewed by the consultant."""

    class InputSerializer(serializers.Serializer):
        items = RecommendationChangeSerializer(many=True, required=False, max_length=200)
        order = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=500)
        regenerate = serializers.BooleanField(
            required=False, default=False, help_text=_("Propose again from the current scores")
        )

    def _roadmap(self, request, assessment) -> Response:
        language = language_pick(request.query_params.get("lang"))
        scores = assessment_scores(assessment=assessment)
        return Response(
            {
                "items": recommendations_list(assessment=assessment, language=language),
                "next_level": assessment_next_level(assessment=assessment, scores=scores, language=language),
            }
        )

    @extend_schema(parameters=[LANG_PARAMETER], responses=RoadmapSerializer)
    def get(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        recommendations_ensure(assessment=assessment, actor=request.user)
        return self._roadmap(request, assessment)

    @extend_schema(
        parameters=[LANG_PARAMETER],
        request=InputSerializer,
        responses=RoadmapSerializer,
        description=_(
            "Review the roadmap: `items` change recommendations by id (status accepted/rejected, "
            "edited texts, horizon, effort) or add custom ones (no id; title, horizon and effort "
            "required); `order` lists ids to put first; `regenerate` proposes again from the "
            'current scores, keeping what was reviewed. Texts are given per language, {"en": …, '
            '"ru": …}: a report is given only in a language each written text has. All or nothing.'
        ),
    )
    def patch(self, request, assessment_id: int):
        assessment = assessment_for_consultant(user=request.user, assessment_id=assessment_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        recommendations_ensure(assessment=assessment, actor=request.user)
        recommendations_review(
            assessment=assessment,
            user=request.user,
            changes=values.get("items", []),
            order=values.get("order"),
        )
        if values["regenerate"]:
            recommendations_generate(assessment=assessment, actor=request.user)
        return self._roadmap(request, assessment)


class ComparisonApi(APIView):
    @extend_schema(
        parameters=[LANG_PARAMETER],
        responses={
            200: OpenApiTypes.OBJECT,
            404: OpenApiResponse(
                ERROR_SCHEMA, description=_("No such assessment, or no baseline you may open")
            ),
        },
        description=_(
            "The comparison with the baseline. A baseline you may not open yourself (for a client "
            "executive, one not yet published) counts as none: 404."
        ),
    )
    def get(self, request, assessment_id: int):
        assessment = get_object_or_404(assessment_scope(user=request.user), pk=assessment_id)
        comparison = assessment_comparison(
            assessment=assessment,
            baseline=baseline_readable(user=request.user, assessment=assessment),
            language=language_pick(request.query_params.get("lang")),
        )
        if comparison is None:
            raise Http404(_("This assessment has no baseline you can compare with."))
        return Response(comparison)


# A report's job is "running" while WeasyPrint renders it; the API calls that "rendering".
class ReportOutputSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    draft = serializers.BooleanField(
        read_only=True,
        help_text=_("Rendered before the assessment was published: marked DRAFT, never released"),
    )
    released_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("When a consultant released it to the client")
    )
    released_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=_("Username of who released it")
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "language",
            "status",
            "progress",
            "error",
            "download_url",
            "created_at",
            "finished_at",
            "seconds",
            "sha256",
            "size",
            "draft",
            "released_at",
            "released_by",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=list(REPORT_STATUSES.values())))
    def get_status(self, report: Report) -> str:
        return REPORT_STATUSES[report.status]

    def get_download_url(self, report: Report) -> str | None:
        if report.status != JobStatus.READY:
            return None
        return reverse("api:report-download", kwargs={"report_id": report.pk})


class AssessmentReportsApi(APIView):
    """An assessment's PDF reports. Anyone who may read the assessment requests them: its
    consultants at any status, the client's executives once it is published or closed (their
    scope holds nothing else, so other assessments are a 404). Executives list only what a
    consultant released (report_scope)."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ReportKind.choices)
        language = serializers.ChoiceField(choices=settings.LANGUAGES)

    @extend_schema(responses=ReportOutputSerializer(many=True))
    def get(self, request, assessment_id: int):
        assessment = get_object_or_404(assessment_scope(user=request.user), pk=assessment_id)
        reports = report_scope(user=request.user).filter(assessment=assessment).select_related("released_by")
        return Response(ReportOutputSerializer(reports, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OpenApiResponse(
                ReportOutputSerializer, description=_("An identical report is already rendered: that one")
            ),
            202: ReportOutputSerializer,
            429: OpenApiResponse(
                ERROR_SCHEMA, description=_("Too many of your reports are rendering; retry after Retry-After")
            ),
            503: OpenApiResponse(ERROR_SCHEMA, description=_("The task queue is not reachable; retry later")),
        },
        description=_(
            "Queue a PDF report; poll its status until it is ready, then download it. A report "
            "that would show exactly the same (same kind, language and draft-ness, nothing changed "
            "since, requested today) answers instead: 200 when it is ready, 202 while it renders. "
            "A user may have only a few reports of an assessment rendering at once (429 with Retry-After). "
            "A client executive's report is theirs to download once a consultant releases it."
        ),
    )
    def post(self, request, assessment_id: int):
        assessment = get_object_or_404(assessment_scope(user=request.user), pk=assessment_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = report_request(assessment=assessment, user=request.user, **data.validated_data)
        return Response(
            ReportOutputSerializer(report).data,
            status=status.HTTP_200_OK if report.status == JobStatus.READY else status.HTTP_202_ACCEPTED,
        )


class ReportDetailApi(APIView):
    @extend_schema(responses=ReportOutputSerializer)
    def get(self, request, report_id: int):
        report = get_object_or_404(report_scope(user=request.user), pk=report_id)
        return Response(ReportOutputSerializer(report).data)


class ReportReleaseApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: ReportOutputSerializer,
            409: OpenApiResponse(
                ERROR_SCHEMA,
                description=_("Not rendered, a draft, or the assessment is not published or closed"),
            ),
        },
        description=_(
            "Release a report to the client's executives (the assessment's consultants only). "
            "Releasing it again changes nothing."
        ),
    )
    def post(self, request, report_id: int):
        report = get_object_or_404(report_scope(user=request.user), pk=report_id)
        if not user_manages(user=request.user, assessment=report.assessment):
            raise PermissionDenied(_("Only the assessment's consultants can do this."))
        report = report_release(report=report, user=request.user)
        return Response(ReportOutputSerializer(report).data)


class ReportDownloadApi(APIView):
    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            404: OpenApiResponse(description=_("No such report in your scope, or not ready yet")),
        }
    )
    def get(self, request, report_id: int):
        report = get_object_or_404(report_scope(user=request.user), pk=report_id)
        if report.status != JobStatus.READY:
            raise Http404(_("The report is not ready."))
        return FileResponse(
            default_storage.open(report.file_path, "rb"),
            as_attachment=True,
            filename=report.file_name,
            content_type="application/pdf",
        )
