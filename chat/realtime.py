"""Group names, what a message looks like when it goes out, sending to groups, and
presence: the state shared by every server process.

Presence lives in the default cache (Redis with REDIS_URL, so it holds across processes;
without it, within the one process the in-memory channel layer already implies). A tab
heartbeats every CHAT_HEARTBEAT_SECONDS (chat.js, told by the socket's hello) and each beat
keeps its user online for two heartbeats: a closed tab is announced when it closes, and a
tab whose browser or server process died without closing stops beating and is offline
after at most two heartbeats — the one state no process can clean up after itself.
"""

import logging
import zoneinfo
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone

from lms.i18n import recipient_language
from lms.infra.validators import time_zone_names

logger = logging.getLogger(__name__)


def conversation_group(conversation_id: int) -> str:
    return f"chat-conversation-{conversation_id}"


def chat_user_group(user_id: int) -> str:
    """Every page of one user (the page socket and the conversation list's): unread counts."""
    return f"chat-user-{user_id}"


def course_group(course_id: int) -> str:
    """Every chat socket of the course's actively enrolled students (announcements)."""
    return f"chat-course-{course_id}"


Event = tuple[str, dict]  # (group, event)


def send(*events: Event) -> None:
    """Send each (group, event) from sync code, after commit, in one trip to the event loop."""
    async_to_sync(publish)(events)


class Outbox(list):
    """Events a service produced in a worker thread, kept for a consumer to `publish` on
    the event loop once the service returns, rather than each send hopping back to the
    loop from the thread: pass `outbox.add` as the service's `send`."""

    def add(self, *events: Event) -> None:
        self.extend(events)


async def publish(events: Iterable[Event]) -> None:
    """Send each (group, event). Best effort: a lost push is recovered by the client's
    catch-up on reconnect, a resend, or the next page load."""
    layer = get_channel_layer()
    for group, event in events:
        try:
            await layer.group_send(group, event)
        except Exception:
            logger.warning("Could not send %s to %s", event.get("type"), group, exc_info=True)


# --- A message as it goes out -----------------------------------------------------------


def message_html(message, *, user) -> str:
    """A message as `user` sees it in the conversation page: its `#message` partial, in the
    user's time zone and language. The page renders the same partial on load, so a message
    shown live is the one a reload shows."""
    zone = zoneinfo.ZoneInfo(user.time_zone) if user.time_zone in time_zone_names() else None
    # zone None: the site's zone, as UserTimezoneMiddleware does.
    with timezone.override(zone), recipient_language(user):
        return render_to_string("chat/conversation.html#message", {"message": message, "user": user}).strip()


def message_event(message) -> dict:
    """The `chat.message` event for the conversation's group: the message rendered for each
    participant who may see it (both; a held one, its sender only), so that every open tab
    gets its own user's HTML without a query of its own. `message` is the same as data, for
    apps (the API's Message: api/serializers.py), sent only with the HTML."""
    conversation = message.conversation
    viewers = [conversation.user_low, conversation.user_high]
    if message.status != "visible":
        viewers = [user for user in viewers if user.pk == message.sender_id]
    html = {str(viewer.pk): message_html(message, user=viewer) for viewer in viewers}
    data = {
        "id": message.pk,
        "conversation": message.conversation_id,
        "sender": {"id": message.sender_id, "name": message.sender.name},
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "status": message.status,
    }
    return {"type": "chat.message", "id": message.pk, "html": html, "message": data}


# --- Presence ---------------------------------------------------------------------------


def heartbeat_seconds() -> int:
    return settings.CHAT_HEARTBEAT_SECONDS


def _presence_key(user_id: int) -> str:
    return f"chat:presence:{user_id}"


def presence_beat(user_id: int, *, other_id: int | None = None) -> tuple[bool, bool]:
    """Keep the user online for two heartbeats. Returns whether they were offline before,
    and whether `other_id` (their conversation's other person) is online."""
    mine, other = _presence_key(user_id), _presence_key(other_id or 0)
    found = cache.get_many([mine, other])
    cache.set(mine, 1, 2 * heartbeat_seconds())
    return mine not in found, other in found


def presence_leave(user_id: int) -> None:
    # Another open tab of theirs beats again within a heartbeat and brings them back online.
    cache.delete(_presence_key(user_id))


def is_online(user_id: int) -> bool:
    return cache.get(_presence_key(user_id)) is not None
