from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from assessment import apis as assessment_apis
from assessment import customer_apis
from assessment.web.auth import ThrottledAdminAuthenticationForm, ThrottledLoginView
from reports import apis as report_apis
from surveys import apis as survey_apis

api_v1 = [
    path("auth/token/", assessment_apis.TokenObtainApi.as_view(), name="token-obtain"),
    path("catalog/", survey_apis.CatalogApi.as_view(), name="catalog"),
    path("organizations/", assessment_apis.OrganizationListCreateApi.as_view(), name="organizations"),
    path("assessments/", assessment_apis.AssessmentListCreateApi.as_view(), name="assessments"),
    path(
        "assessments/<int:assessment_id>/",
        assessment_apis.AssessmentDetailApi.as_view(),
        name="assessment-detail",
    ),
    path(
        "assessments/<int:assessment_id>/invitations/",
        survey_apis.InvitationListCreateApi.as_view(),
        name="invitations",
    ),
    path(
        "assessments/<int:assessment_id>/invitations/<int:invitation_id>/resend/",
        survey_apis.InvitationResendApi.as_view(),
        name="invitation-resend",
    ),
    path(
        "assessments/<int:assessment_id>/response-rate/",
        survey_apis.ResponseRateApi.as_view(),
        name="response-rate",
    ),
    path(
        "assessments/<int:assessment_id>/interview-scores/",
        assessment_apis.InterviewScoresApi.as_view(),
        name="interview-scores",
    ),
    path("assessments/<int:assessment_id>/scores/", assessment_apis.ScoresApi.as_view(), name="scores"),
    path(
        "assessments/<int:assessment_id>/audit-log/", assessment_apis.AuditLogApi.as_view(), name="audit-log"
    ),
    path(
        "assessments/<int:assessment_id>/customer-data/",
        customer_apis.CustomerDataApi.as_view(),
        name="customer-data",
    ),
    path(
        "customer-data-imports/<int:import_id>/",
        customer_apis.CustomerDataImportApi.as_view(),
        name="customer-data-import",
    ),
    path(
        "assessments/<int:assessment_id>/customer-metrics/",
        customer_apis.CustomerMetricsApi.as_view(),
        name="customer-metrics",
    ),
    path(
        "assessments/<int:assessment_id>/customers/", customer_apis.CustomersApi.as_view(), name="customers"
    ),
    path("assessments/<int:assessment_id>/kpis/", customer_apis.KpisApi.as_view(), name="kpis"),
    path(
        "customer-data/templates/<slug:kind>/",
        customer_apis.CustomerTemplateApi.as_view(),
        name="customer-data-template",
    ),
    path(
        "assessments/<int:assessment_id>/recommendations/",
        report_apis.RecommendationsApi.as_view(),
        name="recommendations",
    ),
    path(
        "assessments/<int:assessment_id>/comparison/", report_apis.ComparisonApi.as_view(), name="comparison"
    ),
    path(
        "assessments/<int:assessment_id>/reports/",
        report_apis.AssessmentReportsApi.as_view(),
        name="assessment-reports",
    ),
    path("reports/<int:report_id>/", report_apis.ReportDetailApi.as_view(), name="report-detail"),
    path(
        "reports/<int:report_id>/download/", report_apis.ReportDownloadApi.as_view(), name="report-download"
    ),
    path("respond/<str:token>/", survey_apis.RespondApi.as_view(), name="respond"),
    path("respond/<str:token>/answers/", survey_apis.RespondAnswersApi.as_view(), name="respond-answers"),
    path("respond/<str:token>/submit/", survey_apis.RespondSubmitApi.as_view(), name="respond-submit"),
]

admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("r/", include("surveys.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline scripts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("assessment.urls")),
]
