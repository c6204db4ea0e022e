"""The project's URLs plus `/bench/floor/`: a fixed 20 KB HTML page through all middleware, and
the bench's query counter (`count_queries`, first in the bench's middleware)."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from lms.config.urls import urlpatterns as project_urlpatterns

FLOOR_HTML = (
    "<!DOCTYPE html><html><head><title>floor</title></head><body>"
    + "<p>Lyceum benchmark floor page: fixed content of twenty kilobytes.</p>" * 300
    + "</body></html>"
)[:20480]


def floor(request):
    return HttpResponse(FLOOR_HTML)


def count_queries(get_response):
    """With `X-Bench-Count-Queries`, the response says in `X-Bench-Queries` how many SQL
    queries the request ran (the timed runs never send the header)."""

    def middleware(request):
        if "HTTP_X_BENCH_COUNT_QUERIES" not in request.META:
            return get_response(request)
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = get_response(request)
        response["X-Bench-Queries"] = str(count)
        return response

    return middleware


urlpatterns = [path("bench/floor/", floor), *project_urlpatterns]
