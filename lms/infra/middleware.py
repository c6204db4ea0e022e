import zoneinfo
from http import HTTPStatus
from urllib.parse import unquote

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.infra.validators import time_zone_names

# Visitors who are not signed in get the zone their browser reports (set by static/js/lyceum.js).
TIME_ZONE_COOKIE = "tz"
# A signed-in user's answer "Keep" to "your device is in another zone" (lms/views.py), for
# that device zone: the notice is not shown again until the device moves to another.
TIME_ZONE_KEPT_COOKIE = "tz_kept"


class UserTimezoneMiddleware:
    """Show every time in the viewer's own zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        # The browser stores the visitor's zone URL-encoded ("America%2FLos_Angeles").
        name = user.time_zone if user.is_authenticated else unquote(request.COOKIES.get(TIME_ZONE_COOKIE, ""))
        if name and name in time_zone_names():
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user's profile language wins over the switcher's cookie and the browser's
    Accept-Language, which Django's LocaleMiddleware (before this one) has already applied."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = getattr(request.user, "language", "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class StaffAreaGuardMiddleware:
    """A signed-in user without access gets a plain 403 at /admin/ and /cms/,
    not a login form they cannot use (anonymous visitors are sent to sign in)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if request.path.startswith("/admin/") and not (user.is_active and user.is_staff):
                raise PermissionDenied(_("The staff portal is for Lyceum staff."))
            if request.path.startswith("/cms/") and not user.has_perm("wagtailadmin.access_admin"):
                raise PermissionDenied(_("The teaching studio is for teachers and editors."))
            if request.path.startswith(("/cms/users/", "/cms/groups/")) and not user.is_superuser:
                # Roles change only through the audited staff portal actions.
                raise PermissionDenied(_("People and roles are managed in the staff portal (/admin/)."))
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (its documented extension point), giving the staff areas
    their own policy from `CSP_AREA_POLICIES`; every other page gets the site's strict one."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None:
            for prefix, policy in settings.CSP_AREA_POLICIES.items():
                if request.path_info.startswith(prefix):
                    parts.config = policy
                    break
        return parts


class MalformedInputMiddleware:
    """A request with a NUL character in its path, query string or form data gets a 400
    before its view runs, and a path id no database column can hold a 404.

    PostgreSQL text cannot hold NUL, so one reaching a query or a row was a 500; no page,
    form or script of ours ever sends one. Django's form fields refuse it, but views also
    read the path, request.GET and request.POST directly: this is the one place that
    covers them all, and nothing is stored. Views exempt from CSRF (the Stripe webhook)
    read their raw body themselves, so their form data is left unparsed, as CSRF leaves it.
    An `<int:…>` path segment is any run of digits; past a bigint SQLite cannot even bind it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        problem = request.path.startswith(tuple(settings.PROBLEM_JSON_PATHS))
        if any(isinstance(value, int) and not -(2**63) <= value < 2**63 for value in view_kwargs.values()):
            if problem:
                return _problem(404, _("Not found."))
            raise Http404
        if _carries_nul(request, form_data=not getattr(view_func, "csrf_exempt", False)):
            message = _("The request contained a character that is not allowed (NUL).")
            if problem:
                return _problem(400, message)
            return render(request, "400.html", {"exception": message}, status=400)
        return None


def _problem(status: int, detail: str) -> JsonResponse:
    """The error in the form an API caller reads (RFC 9457), for paths in PROBLEM_JSON_PATHS."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": str(detail)}
    return JsonResponse(body, status=status, content_type="application/problem+json")


def _carries_nul(request, *, form_data: bool) -> bool:
    if "\x00" in request.path_info:
        return True
    data = [request.GET]
    if form_data and request.method == "POST" and request.content_type in _FORM_TYPES:
        data.append(request.POST)
        if any("\x00" in (upload.name or "") for _, uploads in request.FILES.lists() for upload in uploads):
            return True
    return any(
        "\x00" in key or any("\x00" in value for value in values) for query in data for key, values in query.lists()
    )


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
