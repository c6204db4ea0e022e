from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from api.models import PersonalAccessToken


class TokenScopes(BasePermission):
    """A read-only personal access token reads; it never writes. Who may do *what* is decided
    by the domain's own functions, which the views call — never here."""

    message = _("This token is read only: make a read-and-write token to change anything.")

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, PersonalAccessToken) and request.method not in SAFE_METHODS:
            return token.can_write
        return True


class SignedIn(BasePermission):
    message = _("Sign in first: send an access token or a personal access token.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)


class NotWithAPersonalToken(BasePermission):
    """Tokens are managed by their person (signed in on the site or in the app), never by a
    token: a leaked token cannot make itself more."""

    message = _("Personal access tokens cannot manage tokens: sign in.")

    def has_permission(self, request, view):
        return not isinstance(request.auth, PersonalAccessToken)


class StaffOnly(SignedIn):
    """For the few endpoints only an integrator acting for staff needs (accounts). The domain
    functions they call check again."""

    message = _("Only staff can manage accounts.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.is_platform_staff
