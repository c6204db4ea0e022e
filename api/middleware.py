from datetime import UTC, datetime, time

from django.conf import settings
from django.middleware.http import ConditionalGetMiddleware
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_date
from django.utils.http import http_date

API_PREFIX = "/api/"


class ApiResponseHeadersMiddleware(ConditionalGetMiddleware):
    """On /api/ only: an ETag on every read, so `If-None-Match` gets a 304 without the body
    (Django's ConditionalGetMiddleware); answers that differ per caller say so to caches; and
    once v2 ships, v1's Deprecation and Sunset dates."""

    def process_response(self, request, response):
        if not request.path.startswith(API_PREFIX):
            return response
        patch_vary_headers(response, ("Authorization",))
        patch_cache_control(response, private=True, no_cache=True)
        if request.path.startswith("/api/v1/"):
            self._deprecation(response)
        return super().process_response(request, response)

    @staticmethod
    def _deprecation(response):
        deprecated = parse_date(settings.API_V1_DEPRECATED_AT or "")
        sunset = parse_date(settings.API_V1_SUNSET_AT or "")
        if deprecated:  # RFC 9745: "@" and a Unix time
            response["Deprecation"] = f"@{int(datetime.combine(deprecated, time(), tzinfo=UTC).timestamp())}"
        if sunset:  # RFC 8594: an HTTP date
            response["Sunset"] = http_date(datetime.combine(sunset, time(), tzinfo=UTC).timestamp())
