"""Web push: the notification channel beside email and in-app (RFC 8030, encrypted per RFC 8291,
signed with VAPID per RFC 8292 — all by pywebpush). Browsers and apps subscribe here; the worker
sends each notification its person wants pushed to every device they subscribed."""

import hashlib
import json
import logging
from email.utils import parseaddr
from fnmatch import fnmatchcase
from urllib.parse import urljoin, urlsplit

import requests
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task
from py_vapid import Vapid
from py_vapid.utils import b64urldecode, b64urlencode
from pywebpush import WebPushException, webpush

from lms.models import Notification, User
from push.models import PushSubscription

logger = logging.getLogger(__name__)

# Devices per person; the oldest goes when one more subscribes.
MAX_SUBSCRIPTIONS = 20
# A device whose push service failed this many times in a row (not "gone": that removes it at
# once) is dropped; the browser subscribes again when its person next turns push on.
MAX_FAILURES = 10


# --- Keys ------------------------------------------------------------------------------


def vapid() -> Vapid | None:
    """The server's VAPID key: WEBPUSH_VAPID_PRIVATE_KEY, or in development a key of this
    checkout's own (made on first use, never committed). None: push is off."""
    if settings.WEBPUSH_VAPID_PRIVATE_KEY:
        return Vapid.from_string(settings.WEBPUSH_VAPID_PRIVATE_KEY)
    if settings.DEBUG:
        return Vapid.from_file(str(settings.BASE_DIR / ".vapid-dev.pem"))
    return None


def application_server_key() -> str:
    """The public half, as browsers' PushManager.subscribe() takes it ("" when push is off)."""
    key = vapid()
    if key is None:
        return ""
    return b64urlencode(key.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


def _contact() -> str:
    if settings.WEBPUSH_CONTACT:
        return settings.WEBPUSH_CONTACT
    return f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}"


# --- Subscriptions ---------------------------------------------------------------------


def _push_service_allowed(endpoint: str) -> bool:
    """Only the push services in WEBPUSH_SERVICES: the worker POSTs to the endpoint, so an
    address of the caller's choosing would let anyone make the server call any host."""
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 — raises on a malformed port
    except ValueError:
        return False
    if parts.username or parts.password or not parts.hostname:
        return False
    origin = f"{parts.scheme}://{parts.hostname}"
    return any(fnmatchcase(origin, pattern) for pattern in settings.WEBPUSH_SERVICES)


def _key_bytes(value, length: int, field: str) -> str:
    invalid = ValidationError({field: _("This is not a key a browser's push subscription gives.")})
    if not isinstance(value, str) or len(value) > 200:
        raise invalid
    try:
        raw = b64urldecode(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise invalid from exc
    if len(raw) != length or (field == "p256dh" and raw[0] != 4):
        raise invalid
    return value


@transaction.atomic
def subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str, device: str = "", session_key: str = ""
) -> PushSubscription:
    """Keep a device's subscription for `user` (the same endpoint again updates it: a browser
    re-subscribes with new keys, or another person signs in on it). `session_key`: the site
    session it was made in, so signing out there removes it."""
    if not isinstance(endpoint, str) or len(endpoint) > 1000 or not (endpoint.isascii() and endpoint.isprintable()):
        raise ValidationError({"endpoint": _("This is not the address of a push service we send to.")})
    if not _push_service_allowed(endpoint):
        raise ValidationError({"endpoint": _("This is not the address of a push service we send to.")})
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": _key_bytes(p256dh, 65, "p256dh"),  # an uncompressed P-256 point
            "auth": _key_bytes(auth, 16, "auth"),
            # What the database can hold of it (no NUL, no lone surrogate from JSON).
            "device": "".join(ch for ch in (device or "") if ch.isprintable()).encode("utf-8", "ignore").decode()[:200],
            "session_digest": _digest(session_key),
            "failures": 0,
        },
    )
    extra = (
        PushSubscription.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[MAX_SUBSCRIPTIONS:]
    )
    PushSubscription.objects.filter(pk__in=list(extra)).delete()
    return subscription


BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
SYSTEMS = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"), ("Mac OS", "macOS")]
SYSTEMS += [("CrOS", "ChromeOS"), ("Linux", "Linux")]


def device_name(user_agent: str) -> str:
    """“Firefox on Android”: enough for a person to tell their devices apart in a list."""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in SYSTEMS if marker in user_agent), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or user_agent[:60]


def _digest(session_key: str | None) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else ""


def subscription_delete(*, user: User, endpoint: str = "", subscription_id: int | None = None) -> bool:
    """Remove one of `user`'s devices, by its endpoint (the browser knows it) or its id."""
    theirs = PushSubscription.objects.filter(user=user)
    theirs = theirs.filter(endpoint=endpoint) if endpoint else theirs.filter(pk=subscription_id)
    return theirs.delete()[0] > 0


def subscriptions_delete_all(*, user: User) -> int:
    return PushSubscription.objects.filter(user=user).delete()[0]


def subscriptions_end_with_session(sender=None, request=None, user=None, **kwargs) -> None:
    """On signing out, the browser stops getting that person's notifications (a shared
    computer must not show the last person's messages). A user_logged_out receiver."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        PushSubscription.objects.filter(user=user, session_digest=_digest(session_key)).delete()


# --- Sending ---------------------------------------------------------------------------


def notification_push_queue(*, notification: Notification) -> None:
    """Have the worker push a stored notification to its person's devices."""
    async_task("push.tasks.notification_push_send", notification.pk, task_name=f"push-{notification.pk}")


def notification_payload(notification: Notification) -> str:
    """What the service worker shows (static/js/sw.js): title, body, where a click goes."""
    return json.dumps(
        {
            "id": notification.pk,
            "kind": notification.kind,
            "title": notification.title,
            "body": notification.body[:300],
            "url": urljoin(settings.SITE_URL + "/", notification.url or "/notifications/"),
        }
    )


def notification_push_send(*, notification_id: int) -> int:
    """Push one notification to each of its person's devices (the worker's task). A device the
    push service calls gone is removed. Returns how many push services accepted it."""
    key = vapid()
    notification = Notification.objects.filter(pk=notification_id).first()
    if key is None or notification is None:
        return 0
    payload = notification_payload(notification)
    sent = 0
    for subscription in PushSubscription.objects.filter(user_id=notification.user_id):
        try:
            webpush(
                subscription.as_subscription_info(),
                payload,
                vapid_private_key=key,
                vapid_claims={"sub": _contact()},  # pywebpush adds aud and exp to this dict
                ttl=settings.WEBPUSH_TTL,
                timeout=10,
                headers={"Urgency": "high" if notification.kind in {"live", "chat"} else "normal"},
            )
        except (WebPushException, requests.RequestException) as exc:
            response = getattr(exc, "response", None)
            if response is not None and response.status_code in (404, 410):
                subscription.delete()  # unsubscribed or expired: never again
                continue
            subscription.failures += 1
            logger.warning(
                "Push to subscription %s failed (%s in a row): %s", subscription.pk, subscription.failures, exc
            )
            if subscription.failures >= MAX_FAILURES:
                subscription.delete()
            else:
                subscription.save(update_fields=["failures"])
            continue
        subscription.last_sent_at, subscription.failures = timezone.now(), 0
        subscription.save(update_fields=["last_sent_at", "failures"])
        sent += 1
    return sent
