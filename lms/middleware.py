import zoneinfo

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from lms.validators import time_zone_names

# Visitors who are not signed in get the zone their browser reports (set by base.html).
TIME_ZONE_COOKIE = "tz"


class UserTimezoneMiddleware:
    """Show every time in the viewer's own zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        name = user.time_zone if user.is_authenticated else request.COOKIES.get(TIME_ZONE_COOKIE, "")
        if name and name in time_zone_names():
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
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
                raise PermissionDenied("The staff portal is for Lyceum staff.")
            if request.path.startswith("/cms/") and not user.has_perm("wagtailadmin.access_admin"):
                raise PermissionDenied("The teaching studio is for teachers and editors.")
            if request.path.startswith(("/cms/users/", "/cms/groups/")) and not user.is_superuser:
                # Roles change only through the audited staff portal actions.
                raise PermissionDenied("People and roles are managed in the staff portal (/admin/).")
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
