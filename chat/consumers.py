"""The chat's WebSocket: `/ws/chat/` (the conversation list: unread counts, announcements)
and `/ws/chat/<conversation_id>/` (one conversation, for its participants only).

Client → server frames, each a JSON object:
  {"type": "chat.send", "body": "...", "client_id": "..."}   store, then broadcast
  {"type": "chat.sync", "after_id": N}                        what I missed since N
  {"type": "chat.typing"}                                     I am typing
  {"type": "chat.read", "message_id": N}                      I have read up to N
  {"type": "chat.ping"}                                       heartbeat (presence; answered with
                                                              the other's presence if it changed)
Server → client: chat.hello, chat.ack (client_id → id), chat.message and chat.messages (a
message travels as the HTML the conversation page renders for this socket's user,
`realtime.message_html`; chat.message also carries it as data, `message`, for apps),
chat.typing, chat.read, chat.presence, chat.hidden, chat.unread, chat.announcement, error.
A frame the socket cannot take gets an error frame, and the socket stays open. What the
socket says (error frames, messages' HTML) is in its user's language (their profile's).
"""

import collections
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext, ngettext

from chat import realtime, selectors, services
from lms.i18n import recipient_language

logger = logging.getLogger(__name__)

TYPING_MIN_INTERVAL = 2.0
ID_LIMIT = 2**63  # no id column holds more


def in_thread(func):
    """ORM and cache work off the event loop, in the thread pool rather than Channels' one
    thread-sensitive thread: sockets then do not queue behind each other's queries (each
    pool thread has its own connection, closed or kept as CONN_MAX_AGE says)."""
    return database_sync_to_async(func, thread_sensitive=False)


def _id(value) -> int | None:
    """An id from a frame: a JSON integer an id column can hold, else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value < ID_LIMIT else None


class ChatConsumer(AsyncJsonWebsocketConsumer):
    conversation = None
    groups_joined: list[str]

    async def connect(self):
        self.groups_joined = []
        self.syncs: collections.deque[float] = collections.deque()  # times of recent chat.sync
        self.last_typing = 0.0
        self.user = self.scope["user"]
        if not self.user.is_authenticated:
            await self.close(code=4401)
            return
        conversation_id = self.scope["url_route"]["kwargs"].get("conversation_id")
        if conversation_id is not None:
            self.conversation = await in_thread(selectors.conversation_for)(
                user=self.user, conversation_id=conversation_id
            )
            if self.conversation is None:  # not theirs, or no such conversation: same answer
                await self.close(code=4403)
                return
            # The participants were loaded with it: the user as a plain row from here on.
            self.user, self.other = (
                (self.conversation.user_low, self.conversation.user_high)
                if self.conversation.user_low_id == self.user.pk
                else (self.conversation.user_high, self.conversation.user_low)
            )
            await self._join(realtime.conversation_group(self.conversation.pk))
        else:
            # The conversation list's unread counts. A conversation page's badge is kept by
            # the page's own socket (/ws/notifications/ joins this group too).
            await self._join(realtime.chat_user_group(self.user.pk))
        # Announcements: one send per course reaches every enrolled student's sockets.
        for course_id in await in_thread(selectors.student_course_ids)(user=self.user):
            await self._join(realtime.course_group(course_id))
        await self.accept()
        hello, came_online = await in_thread(self._greet)()
        # What this tab was last told of the other person's presence (see on_ping).
        self.other_online = hello.get("other", {}).get("online")
        await self.send_json(hello)
        if came_online:
            await self._broadcast_presence(online=True)

    async def _join(self, group: str):
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)

    def _greet(self) -> tuple[dict, bool]:
        """The hello frame, and whether this tab brought its user online."""
        hello = {
            "type": "chat.hello",
            "user_id": self.user.pk,
            "unread": selectors.unread_total(user_id=self.user.pk),
            "heartbeat": realtime.heartbeat_seconds(),
        }
        if self.conversation is None:
            return hello, False
        came_online, other_online = realtime.presence_beat(self.user.pk, other_id=self.other.pk)
        hello.update(
            conversation_id=self.conversation.pk,
            other={
                "id": self.other.pk,
                "online": other_online,
                "last_read_message_id": selectors.last_read_id(user=self.other, conversation=self.conversation),
            },
        )
        return hello, came_online

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.conversation is not None:
            await in_thread(realtime.presence_leave)(self.user.pk)
            await self._broadcast_presence(online=False)

    async def _publish(self, group: str, event: dict):
        """Best effort: a typing hint or a presence change that is lost (the channel layer is
        down) is not worth this socket."""
        try:
            await self.channel_layer.group_send(group, event)
        except Exception:
            logger.warning("Could not send %s to %s", event["type"], group, exc_info=True)

    async def _broadcast_presence(self, *, online: bool):
        event = {"type": "chat.presence", "user_id": self.user.pk, "online": online}
        await self._publish(realtime.conversation_group(self.conversation.pk), event)

    async def _error(self, text: str, **extra):
        await self.send_json({"type": "error", "error": text, **extra})

    # --- From the client -----------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = json.loads(text_data) if text_data is not None else None
        except (ValueError, RecursionError):  # not JSON, or nested beyond reason
            content = None
        # Error frames, and what services called from here write, in the user's language.
        with recipient_language(self.user):
            if not isinstance(content, dict):
                await self._error(gettext("Frames must be JSON objects."))
                return
            await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        handler = {
            "chat.send": self.on_send,
            "chat.sync": self.on_sync,
            "chat.typing": self.on_typing,
            "chat.read": self.on_read,
            "chat.ping": self.on_ping,
        }.get(kind if isinstance(kind, str) else None)
        if handler is None:
            await self._error(gettext("Unknown message type “%(type)s”.") % {"type": str(kind)[:40]})
            return
        if self.conversation is None and kind != "chat.ping":
            await self._error(gettext("Open a conversation first."))
            return
        await handler(content)

    async def on_send(self, content):
        client_id = content.get("client_id") or ""
        echo = {"client_id": client_id} if isinstance(client_id, str) and len(client_id) <= 64 else {}
        outbox = realtime.Outbox()
        try:
            message, _ = await in_thread(services.message_post)(
                sender=self.user,
                conversation=self.conversation,
                body=content.get("body"),
                client_id=client_id,
                send=outbox.add,
            )
        except services.RateLimited as exc:
            await self._error(str(exc), code="rate_limited", **echo)
            return
        except services.ChatError as exc:
            await self._error(str(exc), **echo)
            return
        # Stored and committed: sent to the conversation's group, then acknowledged. This tab
        # shows the message when its copy arrives from there, like every other tab.
        await realtime.publish(outbox)
        await self.send_json({"type": "chat.ack", "client_id": client_id, "id": message.pk, "status": message.status})

    async def on_sync(self, content):
        after_id = _id(content.get("after_id"))
        if after_id is None:
            await self._error(gettext("chat.sync needs a numeric after_id."))
            return
        limit, window = settings.CHAT_SYNC_RATE_LIMIT
        now = time.monotonic()
        while self.syncs and now - self.syncs[0] >= window:
            self.syncs.popleft()
        if len(self.syncs) >= limit:
            text = ngettext(
                "Too many catch-up requests (at most %(limit)s in %(window)s second).",
                "Too many catch-up requests (at most %(limit)s in %(window)s seconds).",
                window,
            )
            await self._error(text % {"limit": limit, "window": window}, code="rate_limited", retry_after=window)
            return
        self.syncs.append(now)
        messages = await in_thread(self._missed)(after_id)
        complete = len(messages) < selectors.SYNC_LIMIT
        await self.send_json({"type": "chat.messages", "messages": messages, "complete": complete})

    def _rendered(self, messages) -> list[dict]:
        return [{"id": message.pk, "html": realtime.message_html(message, user=self.user)} for message in messages]

    def _missed(self, after_id: int) -> list[dict]:
        return self._rendered(
            selectors.messages_after(user=self.user, conversation=self.conversation, after_id=after_id)
        )

    async def on_typing(self, content):
        now = time.monotonic()
        if now - self.last_typing < TYPING_MIN_INTERVAL:
            return
        self.last_typing = now
        await self._publish(
            realtime.conversation_group(self.conversation.pk),
            {"type": "chat.typing", "user_id": self.user.pk, "name": self.user.name},
        )

    async def on_read(self, content):
        message_id = _id(content.get("message_id"))
        if message_id is None:
            await self._error(gettext("chat.read needs a numeric message_id."))
            return
        outbox = realtime.Outbox()
        await in_thread(services.conversation_mark_read)(
            user=self.user, conversation=self.conversation, message_id=message_id, send=outbox.add
        )
        await realtime.publish(outbox)

    async def on_ping(self, content):
        if self.conversation is None:
            await self.send_json({"type": "chat.pong"})
            return
        came_back, online = await in_thread(realtime.presence_beat)(self.user.pk, other_id=self.other.pk)
        if came_back:
            await self._broadcast_presence(online=True)
        # Answered only if it changed: a closed tab is announced when it closes, but a
        # browser or server that died only stops beating, and its presence expires unannounced.
        if online != self.other_online:
            self.other_online = online
            await self.send_json({"type": "chat.presence", "user_id": self.other.pk, "online": online})

    # --- From the groups -----------------------------------------------------------------

    async def chat_message(self, event):
        html = event["html"].get(str(self.user.pk))  # rendered for this user, if they may see it
        if html is not None:
            await self.send_json({"type": "chat.message", "id": event["id"], "html": html, "message": event["message"]})

    async def chat_typing(self, event):
        if event["user_id"] != self.user.pk:
            await self.send_json({"type": "chat.typing", "user_id": event["user_id"], "name": event["name"]})

    async def chat_read(self, event):
        if event["user_id"] != self.user.pk:  # "Seen" is for the other side
            await self.send_json({"type": "chat.read", "user_id": event["user_id"], "message_id": event["message_id"]})

    async def chat_presence(self, event):
        if event["user_id"] != self.user.pk:
            self.other_online = event["online"]
            await self.send_json({"type": "chat.presence", "user_id": event["user_id"], "online": event["online"]})

    async def chat_hidden(self, event):
        await self.send_json({"type": "chat.hidden", "message_id": event["message_id"]})

    async def chat_announcement(self, event):
        await self.send_json({"type": "chat.announcement", "announcement": event["announcement"]})

    async def page_event(self, event):
        """The user's unread total (`lms.infra.realtime.page_event`), for the conversation list."""
        await self.send_json(event["payload"])
