"""Recommendations, the comparison and reports, under /api/v1/ (config.urls)."""

from django.urls import path

from reports import apis

urlpatterns = [
    path(
        "assessments/<int:assessment_id>/recommendations/",
        apis.RecommendationsApi.as_view(),
        name="recommendations",
    ),
    path("assessments/<int:assessment_id>/comparison/", apis.ComparisonApi.as_view(), name="comparison"),
    path(
        "assessments/<int:assessment_id>/reports/",
        apis.AssessmentReportsApi.as_view(),
        name="assessment-reports",
    ),
    path("reports/<int:report_id>/", apis.ReportDetailApi.as_view(), name="report-detail"),
    path("reports/<int:report_id>/download/", apis.ReportDownloadApi.as_view(), name="report-download"),
]
