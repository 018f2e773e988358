from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from assessment import apis as assessment_apis
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
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
