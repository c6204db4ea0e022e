"""The site's own push endpoints, called by static/js/lyceum.js from the notification settings
page (apps use the API's /api/v1/push-subscriptions/)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from push import services


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


@login_required
@require_POST
def subscribe(request):
    """Keep this browser's subscription (the JSON PushManager.subscribe() gave the page)."""
    body = _json_body(request)
    keys = body.get("keys") if isinstance(body.get("keys"), dict) else {}
    try:
        subscription = services.subscription_save(
            user=request.user,
            endpoint=body.get("endpoint"),
            p256dh=keys.get("p256dh"),
            auth=keys.get("auth"),
            device=services.device_name(request.headers.get("User-Agent", "")),
            session_key=request.session.session_key,
        )
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"id": subscription.pk}, status=201)


@login_required
@require_POST
def unsubscribe(request):
    """Stop pushing to a device: this browser (JSON with its endpoint, from the page's script)
    or one of the list on the settings page (a form with its id)."""
    if request.content_type == "application/json":
        endpoint = _json_body(request).get("endpoint")
        removed = isinstance(endpoint, str) and services.subscription_delete(user=request.user, endpoint=endpoint)
        return JsonResponse({"removed": bool(removed)})
    subscription_id = request.POST.get("subscription", "")
    if subscription_id.isdigit() and services.subscription_delete(
        user=request.user, subscription_id=int(subscription_id)
    ):
        messages.success(request, _("That device will get no more notifications."))
    else:
        messages.error(request, _("That device was already removed."))
    return redirect("notification_settings")
