"""The catalog and the questionnaire by personal link, under /api/v1/ (config.urls)."""

from django.urls import path

from surveys import apis

urlpatterns = [
    path("catalog/", apis.CatalogApi.as_view(), name="catalog"),
    path("respond/<str:token>/", apis.RespondApi.as_view(), name="respond"),
    path("respond/<str:token>/answers/", apis.RespondAnswersApi.as_view(), name="respond-answers"),
    path("respond/<str:token>/submit/", apis.RespondSubmitApi.as_view(), name="respond-submit"),
]
