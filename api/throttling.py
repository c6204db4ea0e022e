"""Request rates: per client address for anonymous callers, per token (or person) once signed in.

Rates read like DRF's, with a count of periods allowed too: "100/15m" is 100 requests in 15 minutes."""

import re

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import PersonalAccessToken
from lms.admin_site import client_ip

_RATE = re.compile(r"^(\d+)/(\d*)([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class _Rate(SimpleRateThrottle):
    def get_rate(self):
        # Read when used, not when the class was defined, so a changed setting applies.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def parse_rate(self, rate):
        if rate is None:
            return None, None
        match = _RATE.match(rate)
        if match is None:
            raise ValueError(f"Not a rate: {rate!r} (e.g. 100/15m)")
        count, periods, unit = match.groups()
        return int(count), int(periods or 1) * _SECONDS[unit]


class ClientAddressRate(_Rate):
    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        # The address as allauth's rate limits see it (behind TRUSTED_PROXY_COUNT proxies).
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


class TokenRate(_Rate):
    scope = "token"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        token = request.auth
        ident = f"pat{token.pk}" if isinstance(token, PersonalAccessToken) else f"user{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
