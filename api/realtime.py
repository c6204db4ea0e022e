"""WebSocket sign-in for apps: a short-lived, single-use ticket got over the API.

The site's own pages open sockets with their session cookie, so the socket checks the page's
Origin (a hostile page must not ride on the cookie). An app has no cookie and no web origin: it
asks POST /api/v1/realtime/ticket/ with its token and opens `/ws/…?ticket=…` within a minute.
A ticket is no ambient credential — another site cannot obtain one — so no Origin is needed."""

import secrets
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache

TICKET_SECONDS = 60
_SALT = "lyceum.api.websocket-ticket"


def ticket_issue(*, user) -> str:
    return signing.dumps({"user": user.pk, "nonce": secrets.token_urlsafe(16)}, salt=_SALT, compress=True)


def ticket_user(ticket: str):
    """The active user `ticket` was issued to, the first time it is used within a minute; else None."""
    try:
        claims = signing.loads(ticket, salt=_SALT, max_age=TICKET_SECONDS)
    except signing.BadSignature:
        return None
    # Spent on first use: add() succeeds once per key (and fails closed if the cache is down).
    if not cache.add(f"ws-ticket:{claims['nonce']}", True, TICKET_SECONDS * 2):
        return None
    return get_user_model().objects.filter(pk=claims["user"], is_active=True).first()


class TicketOrOrigin:
    """Sockets opened with `?ticket=` go to `ticketed` as the ticket's user; all others to
    `browser` (the Origin check and the session)."""

    def __init__(self, *, ticketed, browser):
        self.ticketed, self.browser = ticketed, browser

    async def __call__(self, scope, receive, send):
        tickets = parse_qs(scope.get("query_string", b"").decode(errors="replace")).get("ticket")
        if not tickets:
            return await self.browser(scope, receive, send)
        user = await database_sync_to_async(ticket_user)(tickets[0])
        if user is None:
            return await WebsocketDenier()(scope, receive, send)
        return await self.ticketed({**scope, "user": user}, receive, send)
