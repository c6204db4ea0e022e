"""The chat's WebSocket: `/ws/chat/` (the user's own channel: unread counts, announcements)
and `/ws/chat/<conversation_id>/` (one conversation, for its participants only).

Client → server frames:
  {"type": "chat.send", "body": "...", "client_id": "..."}   store, then broadcast
  {"type": "chat.sync", "after_id": N}                        what I missed since N
  {"type": "chat.typing"}                                     I am typing
  {"type": "chat.read", "message_id": N}                      I have read up to N
  {"type": "chat.ping"}                                       heartbeat (presence; answered with
                                                              the other's presence if it changed)
Server → client: chat.hello, chat.message, chat.ack, chat.messages, chat.typing,
chat.read, chat.presence, chat.hidden, chat.unread, chat.announcement, error.
Message text travels as plain JSON strings; chat.js inserts it with textContent only.
"""

import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from chat import realtime, selectors, services

TYPING_MIN_INTERVAL = 2.0


def db(func):
    """Run ORM/cache work in the thread pool, not the single thread-sensitive thread:
    sockets then do not queue behind each other's queries (each thread has its own
    connection, closed or reused by Channels as CONN_MAX_AGE says)."""
    return database_sync_to_async(func, thread_sensitive=False)


def _int(value) -> int | None:
    """An id from a frame, or None if it is not a number a database id column can hold."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) < 2**63 else None


class ChatConsumer(AsyncJsonWebsocketConsumer):
    conversation = None
    groups_joined: list[str]

    async def connect(self):
        self.groups_joined = []
        self.acked_client_ids: set[str] = set()  # sent from this tab; see on_send
        self.user = self.scope["user"]
        if not self.user.is_authenticated:
            await self.close(code=4401)
            return
        conversation_id = self.scope["url_route"]["kwargs"].get("conversation_id")
        if conversation_id is not None:
            self.conversation = await db(selectors.conversation_for)(user=self.user, conversation_id=conversation_id)
            if self.conversation is None:  # not theirs, or no such conversation: same answer
                await self.close(code=4403)
                return
            await services.awarm_up()
        if self.conversation is None:
            # The conversation list's socket. A conversation page's unread badge is kept
            # by the page's own socket (/ws/notifications/ forwards chat.unread), so its
            # chat socket does not carry the same count a second time.
            await self._join(realtime.chat_user_group(self.user.pk))
        # Announcements: one send per course reaches every enrolled student's sockets.
        for course_id in await db(selectors.student_course_ids)(user=self.user):
            await self._join(realtime.course_group(course_id))
        if self.conversation is not None:
            await self._join(realtime.conversation_group(self.conversation.pk))
        await self.accept()
        self.last_typing = 0.0
        hello = await db(self._hello)()
        # What this tab was last told of the other person's presence (see on_ping).
        self.other_online = hello.get("other", {}).get("online")
        await self.send_json(hello)
        if self.conversation is not None and await db(realtime.presence_beat)(self.user.pk):
            await self._broadcast_presence(online=True)

    async def dispatch(self, message):
        """Channels closes stale database connections before every event it dispatches,
        with a hop to the single thread-sensitive thread: every socket of the process waits
        in that one line for every message it forwards. Here only connect and disconnect
        keep that; group events touch no database, and frames from the client reach it only
        through `db()`, whose `database_sync_to_async` closes stale connections itself."""
        if message["type"] in ("websocket.connect", "websocket.disconnect"):
            await super().dispatch(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def _join(self, group: str):
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)

    def _hello(self) -> dict:
        hello = {"type": "chat.hello", "user_id": self.user.pk, "unread": selectors.unread_total(user_id=self.user.pk)}
        if self.conversation is not None:
            other = self.conversation.other(self.user)
            hello.update(
                conversation_id=self.conversation.pk,
                other={
                    "id": other.pk,
                    "online": realtime.is_online(other.pk),
                    "last_read_message_id": selectors.last_read_id(user=other, conversation=self.conversation),
                },
            )
        return hello

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.conversation is not None:
            await db(realtime.presence_leave)(self.user.pk)
            await self._broadcast_presence(online=False)

    async def _broadcast_presence(self, *, online: bool):
        await self.channel_layer.group_send(
            realtime.conversation_group(self.conversation.pk),
            {"type": "chat.presence", "user_id": self.user.pk, "online": online},
        )

    # --- From the client -----------------------------------------------------------------

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        handler = {
            "chat.send": self.on_send,
            "chat.sync": self.on_sync,
            "chat.typing": self.on_typing,
            "chat.read": self.on_read,
            "chat.ping": self.on_ping,
        }.get(kind)
        if handler is None:
            await self.send_json({"type": "error", "error": f"Unknown message type {kind!r}."})
            return
        if self.conversation is None and kind != "chat.ping":
            await self.send_json({"type": "error", "error": "Open a conversation first."})
            return
        await handler(content)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)
        except ValueError:  # not JSON
            await self.send_json({"type": "error", "error": "Frames must be JSON objects."})

    async def on_send(self, content):
        client_id = str(content.get("client_id") or "")[:64]
        body = content.get("body")
        if not isinstance(body, str):
            await self.send_json({"type": "error", "error": "A message needs a text body.", "client_id": client_id})
            return
        try:
            message, created = await services.message_send(
                sender=self.user, conversation=self.conversation, body=body, client_id=client_id
            )
        except services.RateLimited as exc:
            await self.send_json({"type": "error", "code": "rate_limited", "error": str(exc), "client_id": client_id})
            return
        except services.ChatError as exc:
            await self.send_json({"type": "error", "error": str(exc), "client_id": client_id})
            return
        # Stored, committed and announced to every other tab. This tab gets the stored
        # message with its ack, and so skips its own copy from the group (`chat_message`):
        # a socket handles one event at a time, so that copy comes after this.
        if created and client_id:
            self.acked_client_ids.add(client_id)
        await self.send_json(
            {
                "type": "chat.ack",
                "client_id": client_id,
                "id": message.pk,
                "status": message.status,
                "message": realtime.message_payload(message),
            }
        )

    async def on_sync(self, content):
        after_id = _int(content.get("after_id"))
        if after_id is None or after_id < 0:
            await self.send_json({"type": "error", "error": "chat.sync needs a numeric after_id."})
            return
        messages = await db(self._messages_after)(after_id)
        await self.send_json(
            {"type": "chat.messages", "messages": messages, "complete": len(messages) < selectors.SYNC_LIMIT}
        )

    def _messages_after(self, after_id: int) -> list[dict]:
        return [
            realtime.message_payload(m)
            for m in selectors.messages_after(user=self.user, conversation=self.conversation, after_id=after_id)
        ]

    async def on_typing(self, content):
        now = time.monotonic()
        if now - self.last_typing < TYPING_MIN_INTERVAL:
            return
        self.last_typing = now
        await self.channel_layer.group_send(
            realtime.conversation_group(self.conversation.pk),
            {"type": "chat.typing", "user_id": self.user.pk, "name": self.user.name},
        )

    async def on_read(self, content):
        message_id = _int(content.get("message_id"))
        if message_id is None:
            await self.send_json({"type": "error", "error": "chat.read needs a numeric message_id."})
            return
        try:
            await services.aconversation_mark_read(
                user=self.user, conversation=self.conversation, message_id=message_id
            )
        except services.ChatError as exc:
            await self.send_json({"type": "error", "error": str(exc)})

    async def on_ping(self, content):
        if self.conversation is None:
            await self.send_json({"type": "chat.pong"})
            return
        other_id = self.conversation.other(self.user).pk
        came_back, online = await realtime.apresence_beat(self.user.pk, other_id=other_id)
        if came_back:
            await self._broadcast_presence(online=True)
        # Answered only if it changed: a closed tab is announced when it closes, but a
        # browser that vanished only stops beating, and its presence expires unannounced.
        if online != self.other_online:
            self.other_online = online
            await self.send_json({"type": "chat.presence", "user_id": other_id, "online": online})

    # --- From the groups -----------------------------------------------------------------

    async def chat_message(self, event):
        if event.get("only_user") not in (None, self.user.pk):
            return
        message = event["message"]
        if message["sender_id"] == self.user.pk and event.get("client_id") in self.acked_client_ids:
            self.acked_client_ids.discard(event["client_id"])  # this tab sent it: the ack carried it
            return
        await self.send_json({"type": "chat.message", "message": message})

    async def chat_typing(self, event):
        if event["user_id"] != self.user.pk:
            await self.send_json({"type": "chat.typing", "user_id": event["user_id"], "name": event["name"]})

    async def chat_read(self, event):
        await self.send_json({"type": "chat.read", "user_id": event["user_id"], "message_id": event["message_id"]})

    async def chat_presence(self, event):
        if event["user_id"] != self.user.pk:
            self.other_online = event["online"]
            await self.send_json({"type": "chat.presence", "user_id": event["user_id"], "online": event["online"]})

    async def chat_hidden(self, event):
        await self.send_json({"type": "chat.hidden", "message_id": event["message_id"]})

    async def chat_unread(self, event):
        await self.send_json({"type": "chat.unread", "count": event["count"]})

    async def chat_announcement(self, event):
        await self.send_json({"type": "chat.announcement", "announcement": event["announcement"]})
