"""Recommendations, the comparison and reports, under /api/v1/ (config.urls)."""

from django.urls import path

from reports import apis, narrative_apis, plan_apis

urlpatterns = [
    path(
        "assessments/<int:assessment_id>/recommendations/",
        apis.RecommendationsApi.as_view(),
        name="recommendations",
    ),
    path("assessments/<int:assessment_id>/comparison/", apis.ComparisonApi.as_view(), name="comparison"),
    path("assessments/<int:assessment_id>/findings/", narrative_apis.FindingsApi.as_view(), name="findings"),
    path(
        "assessments/<int:assessment_id>/commentary/",
        narrative_apis.CommentaryApi.as_view(),
        name="commentary",
    ),
    path("assessments/<int:assessment_id>/quotes/", narrative_apis.QuotesApi.as_view(), name="quotes"),
    path(
        "assessments/<int:assessment_id>/quotes/<int:quote_id>/",
        narrative_apis.QuoteDetailApi.as_view(),
        name="quote-detail",
    ),
    path(
        "assessments/<int:assessment_id>/quote-candidates/",
        narrative_apis.QuoteCandidatesApi.as_view(),
        name="quote-candidates",
    ),
    path("assessments/<int:assessment_id>/themes/", narrative_apis.ThemesApi.as_view(), name="themes"),
    path(
        "assessments/<int:assessment_id>/themes/<str:source>/<str:key>/",
        narrative_apis.ThemeDetailApi.as_view(),
        name="theme-detail",
    ),
    path(
        "assessments/<int:assessment_id>/reports/",
        apis.AssessmentReportsApi.as_view(),
        name="assessment-reports",
    ),
    path(
        "assessments/<int:assessment_id>/initiatives/", plan_apis.InitiativesApi.as_view(), name="initiatives"
    ),
    path(
        "initiatives/<int:initiative_id>/", plan_apis.InitiativeDetailApi.as_view(), name="initiative-detail"
    ),
    path(
        "initiatives/<int:initiative_id>/updates/",
        plan_apis.InitiativeUpdatesApi.as_view(),
        name="initiative-updates",
    ),
    path("assessments/<int:assessment_id>/kpi-values/", plan_apis.KpiValuesApi.as_view(), name="kpi-values"),
    path("reports/<int:report_id>/", apis.ReportDetailApi.as_view(), name="report-detail"),
    path("reports/<int:report_id>/release/", apis.ReportReleaseApi.as_view(), name="report-release"),
    path("reports/<int:report_id>/download/", apis.ReportDownloadApi.as_view(), name="report-download"),
]
