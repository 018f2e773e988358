"""Sign-in and sign-out, under /accounts/ (config.urls), named without a namespace as Django's
`LOGIN_URL` and the templates expect."""

from django.contrib.auth import views as auth_views
from django.urls import path

from workspace.auth import ThrottledLoginView, client_invitation

urlpatterns = [
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invitation/<str:token>/", client_invitation, name="client-invitation"),
]
