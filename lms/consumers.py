from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from lms.selectors import unread_notification_count


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """The one socket every page of a signed-in user keeps open: the bell's unread
    count, and the unread-messages badge (chat sends to `chat-user-<id>`)."""

    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=4401)
            return
        self.groups_joined = [user_group(user.pk), f"chat-user-{user.pk}"]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        count = await database_sync_to_async(unread_notification_count)(user_id=user.pk)
        await self.send_json({"type": "notifications.unread", "count": count})

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "error": "This socket only sends; it takes no messages."})

    async def notifications_unread(self, event):
        await self.send_json({"type": "notifications.unread", "count": event["count"]})

    async def chat_unread(self, event):
        await self.send_json({"type": "chat.unread", "count": event["count"]})
