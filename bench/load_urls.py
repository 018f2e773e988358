"""The project's URLs plus `/bench/noop/`: a Django view that does nothing and answers 204, behind
the same middleware as every other request. Only the load run mounts it."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def noop(request):
    return HttpResponse(status=204)


urlpatterns = [path("bench/noop/", noop), *project_urlpatterns]
