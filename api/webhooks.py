"""Outgoing webhooks: domain events (lms.infra.events) POSTed to the endpoints staff register in
the admin, signed like Stripe's (docs/api.md), retried with backoff by the worker, logged,
replayable, and switched off after repeated failure (staff are told)."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from api.models import WebhookDelivery, WebhookEndpoint
from lms.services import audit_record, notify_staff

SIGNATURE_HEADER = "Lyceum-Signature"
# After the first try: 1 minute, 5 minutes, 30 minutes, 2 hours, 12 hours; then it gives up.
BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12)]
DISABLE_AFTER = 20  # failed deliveries in a row before the endpoint is switched off
TIMEOUT_SECONDS = 10


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe signs its webhooks."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signature_valid(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver checks (docs/api.md shows the same in a few lines)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def deliveries_create(envelope: dict) -> list[WebhookDelivery]:
    """The subscriber to domain events: one delivery per active endpoint that wants the event,
    once per event id, each sent by the worker after this transaction."""
    made = []
    for endpoint in WebhookEndpoint.objects.filter(is_active=True):
        if envelope["type"] not in endpoint.events:
            continue
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    endpoint=endpoint,
                    event_id=envelope["id"],
                    event=envelope["type"],
                    payload=envelope,
                    next_attempt_at=timezone.now(),
                )
        except IntegrityError:
            continue  # this event was handed over before: it has its delivery
        made.append(delivery)
        transaction.on_commit(lambda pk=delivery.pk: async_task("api.webhooks.delivery_attempt", pk))
    return made


def delivery_attempt(delivery_id: int) -> WebhookDelivery | None:
    """Send one delivery now (the worker's task). A 2xx answer delivers it; anything else is
    tried again after the next backoff step, until the steps run out."""
    with transaction.atomic():
        delivery = (
            # Only the delivery's row: another worker sending to the same endpoint is not in the way.
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None  # delivered, given up, or being sent by another worker right now
        endpoint = delivery.endpoint
        body = json.dumps(delivery.payload, cls=DjangoJSONEncoder).encode()
        code, text = _post(endpoint, body)
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_response = code, text[:500]
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                WebhookDelivery.Status.SUCCEEDED,
                now,
                None,
            )
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failures_in_a_row=0)
        elif delivery.attempts > len(BACKOFF):
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
            _failed(endpoint)
        else:
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        delivery.save()
    return delivery


def _post(endpoint: WebhookEndpoint, body: bytes) -> tuple[int | None, str]:
    if not endpoint.url.startswith(("https://", "http://")):
        return None, "Not an http(s) address."
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Lyceum-Webhooks/1",
            SIGNATURE_HEADER: signature(endpoint.secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (the scheme is checked above)
            return response.status, response.read(500).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(500).decode(errors="replace")
    except (urllib.error.URLError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))


def _failed(endpoint: WebhookEndpoint) -> None:
    """A delivery gave up: after DISABLE_AFTER in a row the endpoint is switched off, and staff told."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failures_in_a_row=F("failures_in_a_row") + 1)
    endpoint.refresh_from_db()
    if endpoint.is_active and endpoint.failures_in_a_row >= DISABLE_AFTER:
        endpoint.is_active = False
        endpoint.disabled_reason = _("%(count)d deliveries in a row failed.") % {"count": endpoint.failures_in_a_row}
        endpoint.save(update_fields=["is_active", "disabled_reason"])
        notify_staff(
            kind="integrations",
            title=_("A webhook endpoint was switched off"),
            body=_("%(url)s failed %(count)d deliveries in a row. Fix it, then switch it back on.")
            % {"url": endpoint.url, "count": endpoint.failures_in_a_row},
            about=endpoint,
        )


def deliveries_due() -> int:
    """Every minute (the worker's schedule): send the deliveries whose next try has come."""
    due = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now(), endpoint__is_active=True
    ).values_list("pk", flat=True)[:500]
    return sum(delivery_attempt(pk) is not None for pk in list(due))


def delivery_replay(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Staff send a delivery again (delivered or given up): the same event id and payload."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(), attempts=0
    )
    audit_record(actor=actor, action="api.webhook_replayed", target=delivery)
    transaction.on_commit(lambda: async_task("api.webhooks.delivery_attempt", delivery.pk))
    delivery.refresh_from_db()
    return delivery
