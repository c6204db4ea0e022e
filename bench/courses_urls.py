"""The project's URLs plus `/bench/floor/`: a fixed 20 KB HTML page through all middleware."""

from django.http import HttpResponse
from django.urls import path

from lms.urls import urlpatterns as project_urlpatterns

FLOOR_HTML = (
    "<!DOCTYPE html><html><head><title>floor</title></head><body>"
    + "<p>Lyceum benchmark floor page: fixed content of twenty kilobytes.</p>" * 300
    + "</body></html>"
)[:20480]


def floor(request):
    return HttpResponse(FLOOR_HTML)


urlpatterns = [path("bench/floor/", floor), *project_urlpatterns]
