from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def role_required(*roles: str):
    """Signed-in users whose role is one of `roles` (superusers always pass)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles and not request.user.is_superuser:
                raise PermissionDenied(_("This page is not part of your role."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def htmx_fragment(page: str):
    """A GET view that answers htmx with a fragment of the page named `page` (a URL name,
    reversed with the view's own arguments). Opened any other way — a bookmark, a new tab,
    a link shared — the fragment would be a document without a title or language, so the
    browser is sent to the whole page instead (which checks access as the fragment does)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.htmx:
                return redirect(page, *args, **kwargs)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
