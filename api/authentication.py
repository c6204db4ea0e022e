from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed

from api import services


class PersonalAccessTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer lyc_pat_…`. Any other bearer token is an app's access token,
    for the next authentication class (allauth's)."""

    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].decode(errors="replace") != self.keyword:
            return None
        raw = parts[1].decode(errors="replace")
        if not raw.startswith(services.TOKEN_PREFIX):
            return None
        token = services.personal_token_user(raw)
        if token is None:
            raise AuthenticationFailed(_("This token is not valid: it was revoked, it expired, or it never existed."))
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class PersonalAccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = PersonalAccessTokenAuthentication
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (lyc_pat_…), made on the profile page.",
        }


class AppAccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "allauth.headless.contrib.rest_framework.authentication.JWTTokenAuthentication"
    name = "appAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An app's access token from /_allauth/app/v1/auth/login (docs/api.md).",
        }
