from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("<str:token>/", views.welcome, name="welcome"),
    path("<str:token>/link/", views.link_email, name="link-email"),
    path("<str:token>/area/<slug:area_code>/", views.area, name="area"),
    path("<str:token>/review/", views.review, name="review"),
    path("<str:token>/done/", views.done, name="done"),
]
