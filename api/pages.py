"""The site's page for personal access tokens (/profile/api-tokens/): make one, see it once,
revoke it. The API's /api/v1/tokens/ does the same for apps; both call api.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from api import services
from api.forms import PersonalTokenForm
from api.models import PersonalAccessToken

NEW_TOKEN_KEY = "api_new_token"  # shown on the next page only, then gone from the session


@login_required
@require_http_methods(["GET", "POST"])
def personal_tokens(request):
    form = PersonalTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.personal_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # Shown after the redirect, so a reload or a double click never makes a second token.
            request.session[NEW_TOKEN_KEY] = {"id": token.pk, "token": raw}
            return redirect("personal_tokens")
    new = request.session.pop(NEW_TOKEN_KEY, None)
    tokens = PersonalAccessToken.objects.filter(user=request.user, revoked_at__isnull=True)
    return render(request, "api/tokens.html", {"form": form, "tokens": tokens, "new": new})


@login_required
@require_POST
def personal_token_revoke(request, token_id: int):
    token = get_object_or_404(PersonalAccessToken, pk=token_id, user=request.user)
    services.personal_token_revoke(actor=request.user, token=token)
    messages.success(request, _("“%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("personal_tokens")
