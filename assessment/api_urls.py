"""Organizations, assessments, respondents, interviews, scores and customer data, under /api/v1/."""

from django.urls import path

from assessment import apis, customer_apis, respondent_apis

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="token-obtain"),
    path("organizations/", apis.OrganizationListCreateApi.as_view(), name="organizations"),
    path(
        "organizations/<int:organization_id>/",
        apis.OrganizationDetailApi.as_view(),
        name="organization-detail",
    ),
    path("assessments/", apis.AssessmentListCreateApi.as_view(), name="assessments"),
    path(
        "assessments/<int:assessment_id>/",
        apis.AssessmentDetailApi.as_view(),
        name="assessment-detail",
    ),
    path(
        "assessments/<int:assessment_id>/invitations/",
        respondent_apis.InvitationListCreateApi.as_view(),
        name="invitations",
    ),
    path(
        "assessments/<int:assessment_id>/invitations/remind/",
        respondent_apis.InvitationRemindEveryoneApi.as_view(),
        name="invitations-remind",
    ),
    path(
        "assessments/<int:assessment_id>/invitations/<int:invitation_id>/",
        respondent_apis.InvitationDetailApi.as_view(),
        name="invitation-detail",
    ),
    path(
        "assessments/<int:assessment_id>/invitations/<int:invitation_id>/resend/",
        respondent_apis.InvitationResendApi.as_view(),
        name="invitation-resend",
    ),
    path(
        "assessments/<int:assessment_id>/response-rate/",
        respondent_apis.ResponseRateApi.as_view(),
        name="response-rate",
    ),
    path(
        "assessments/<int:assessment_id>/interview-scores/",
        apis.InterviewScoresApi.as_view(),
        name="interview-scores",
    ),
    path("assessments/<int:assessment_id>/scores/", apis.ScoresApi.as_view(), name="scores"),
    path("assessments/<int:assessment_id>/audit-log/", apis.AuditLogApi.as_view(), name="audit-log"),
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
    path(
        "assessments/<int:assessment_id>/drivers/",
        customer_apis.KeyDriversApi.as_view(),
        name="key-drivers",
    ),
    path(
        "assessments/<int:assessment_id>/churn-model/",
        customer_apis.ChurnModelApi.as_view(),
        name="churn-model",
    ),
    path("assessments/<int:assessment_id>/kpis/", customer_apis.KpisApi.as_view(), name="kpis"),
    path(
        "customer-data/templates/<slug:kind>/",
        customer_apis.CustomerTemplateApi.as_view(),
        name="customer-data-template",
    ),
]
