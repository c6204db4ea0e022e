"""The one module that talks to video-meeting providers.

    provider = meeting_provider()           # chosen by staff in Django admin
    meeting = provider.create(live_class)   # on confirmation
    provider.update(live_class)             # on reschedule
    provider.delete(live_class)             # on cancellation
    url = provider.join_url(live_class, user)  # when a participant presses "Join"

Jitsi needs no account: the room is an unguessable name on JITSI_DOMAIN; with
JITSI_APP_ID/JITSI_APP_SECRET (a self-hosted Jitsi with token auth) each join gets a
short-lived signed JWT, the teacher as moderator. Zoom uses server-to-server OAuth and
the meetings REST API (ZOOM_API_BASE / ZOOM_OAUTH_URL point tests at a local stub).
"""

import base64
import hashlib
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, timedelta

import jwt
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class MeetingError(Exception):
    """The provider could not make or change a meeting; the message is for people."""


@dataclass(frozen=True)
class Meeting:
    provider: str
    meeting_id: str
    url: str


class JitsiProvider:
    name = "jitsi"

    def __init__(self, *, domain: str, app_id: str = "", app_secret: str = ""):
        self.domain = domain
        self.app_id = app_id
        self.app_secret = app_secret

    def create(self, live_class) -> Meeting:
        # 120 random bits, lower case (Jitsi room names are case-insensitive).
        room = f"lyceum-{base64.b32encode(secrets.token_bytes(15)).decode().lower()}"
        return Meeting(provider=self.name, meeting_id=room, url=f"https://{self.domain}/{room}")

    def update(self, live_class) -> None:
        """A Jitsi room has no time; nothing to change."""

    def delete(self, live_class) -> None:
        """A Jitsi room disappears when empty; nothing to delete."""

    def token(self, live_class, user) -> str:
        now = timezone.now()
        claims = {
            "aud": "jitsi",
            "iss": self.app_id,
            "sub": self.domain,
            "room": live_class.meeting_id,
            "nbf": int((live_class.join_opens_at() - timedelta(minutes=5)).timestamp()),
            "exp": int(max(live_class.end, now).timestamp()) + 3600,
            "context": {
                "user": {
                    "id": str(user.pk),
                    "name": user.name,
                    "email": user.email,
                    "moderator": user.pk == live_class.teacher_id,
                }
            },
        }
        return jwt.encode(claims, self.app_secret, algorithm="HS256")

    def join_url(self, live_class, user) -> str:
        if self.app_id and self.app_secret:
            return f"{live_class.meeting_url}?jwt={self.token(live_class, user)}"
        return live_class.meeting_url


class ZoomProvider:
    name = "zoom"

    def __init__(self, *, account_id: str, client_id: str, client_secret: str, api_base: str, oauth_url: str):
        self.account_id = account_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.api_base = api_base.rstrip("/")
        self.oauth_url = oauth_url

    def _request(self, method: str, url: str, *, headers: dict, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            headers = {**headers, "Content-Type": "application/json"}
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 — https/config URL
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            logger.warning("Zoom %s %s failed: %s %s", method, url, exc.code, exc.read()[:500])
            raise MeetingError(
                _("Zoom refused the request (%(code)s). Try again or ask staff.") % {"code": exc.code}
            ) from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            logger.warning("Zoom %s %s unreachable: %s", method, url, exc)
            raise MeetingError(_("Zoom could not be reached. Try again in a minute.")) from exc
        return json.loads(raw) if raw else {}

    def _token_key(self) -> str:
        digest = hashlib.sha256(f"{self.oauth_url}|{self.account_id}|{self.client_id}".encode()).hexdigest()[:24]
        return f"live:zoom-token:{digest}"

    def access_token(self) -> str:
        """A server-to-server OAuth token, shared by every process through the cache until a
        minute before it expires (Zoom rate-limits token requests; each lasts an hour)."""
        cached = cache.get(self._token_key())
        if cached:
            return cached
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        query = urllib.parse.urlencode({"grant_type": "account_credentials", "account_id": self.account_id})
        answer = self._request("POST", f"{self.oauth_url}?{query}", headers={"Authorization": f"Basic {basic}"})
        try:
            token = answer["access_token"]
        except KeyError as exc:
            raise MeetingError(_("Zoom did not grant an access token; check the Zoom credentials.")) from exc
        lifetime = int(answer.get("expires_in") or 3600) - 60
        if lifetime > 0:
            cache.set(self._token_key(), token, lifetime)
        return token

    def _api(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.access_token()}"}
        try:
            return self._request(method, f"{self.api_base}{path}", headers=headers, body=body)
        except MeetingError as exc:
            if getattr(exc.__cause__, "code", None) != 401:
                raise
        # The cached token was revoked (e.g. the app's credentials were rotated): once more
        # with a new one.
        cache.delete(self._token_key())
        headers = {"Authorization": f"Bearer {self.access_token()}"}
        return self._request(method, f"{self.api_base}{path}", headers=headers, body=body)

    @staticmethod
    def _schedule(live_class) -> dict:
        return {
            "topic": live_class.display_title[:200],
            "start_time": live_class.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": live_class.minutes,
            "timezone": "UTC",
        }

    def create(self, live_class) -> Meeting:
        body = {
            **self._schedule(live_class),
            "type": 2,  # a scheduled meeting
            "settings": {"join_before_host": True, "waiting_room": False},
        }
        answer = self._api("POST", "/users/me/meetings", body)
        try:
            return Meeting(provider=self.name, meeting_id=str(answer["id"]), url=answer["join_url"])
        except KeyError as exc:
            raise MeetingError(_("Zoom answered without a meeting link.")) from exc

    def update(self, live_class) -> None:
        self._api("PATCH", f"/meetings/{live_class.meeting_id}", self._schedule(live_class))

    def delete(self, live_class) -> None:
        self._api("DELETE", f"/meetings/{live_class.meeting_id}")

    def join_url(self, live_class, user) -> str:
        return live_class.meeting_url


def zoom_configured() -> bool:
    return bool(settings.ZOOM_ACCOUNT_ID and settings.ZOOM_CLIENT_ID and settings.ZOOM_CLIENT_SECRET)


def provider_named(name: str):
    from live.models import MeetingSettings

    if name == "zoom":
        if not zoom_configured():
            raise MeetingError(_("Zoom is chosen but ZOOM_ACCOUNT_ID/ZOOM_CLIENT_ID/ZOOM_CLIENT_SECRET are not set."))
        return ZoomProvider(
            account_id=settings.ZOOM_ACCOUNT_ID,
            client_id=settings.ZOOM_CLIENT_ID,
            client_secret=settings.ZOOM_CLIENT_SECRET,
            api_base=settings.ZOOM_API_BASE,
            oauth_url=settings.ZOOM_OAUTH_URL,
        )
    domain = MeetingSettings.get_solo().jitsi_domain or settings.JITSI_DOMAIN
    return JitsiProvider(domain=domain, app_id=settings.JITSI_APP_ID, app_secret=settings.JITSI_APP_SECRET)


def meeting_provider():
    """The provider for new meetings, as staff chose it."""
    from live.models import MeetingSettings

    chosen = MeetingSettings.get_solo().provider
    if chosen == MeetingSettings.Provider.AUTO:
        chosen = "zoom" if zoom_configured() else "jitsi"
    return provider_named(chosen)


def provider_for(live_class):
    """The provider that made this class's meeting (changes go back to the same one)."""
    return provider_named(live_class.meeting_provider or "jitsi")
