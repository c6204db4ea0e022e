from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from lms.infra import realtime
from lms.selectors import unread_notification_count


def user_group(user_id: int) -> str:
    return realtime.user_groups(user_id)[0]


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """The one socket every page of a signed-in user keeps open: the bell's unread
    count, the apps' per-user events and the page's topics, registered in
    `lms.infra.realtime`."""

    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=4401)
            return
        topics = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("topic", [])
        topic_groups, refused = await database_sync_to_async(realtime.topic_groups)(user, topics)
        self.groups_joined = realtime.user_groups(user.pk) + topic_groups
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        if refused:
            await self.send_json({"type": "error", "error": "Not allowed to follow these topics.", "topics": refused})
        count = await database_sync_to_async(unread_notification_count)(user_id=user.pk)
        await self.send_json({"type": "notifications.unread", "count": count})

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # Every frame gets the same answer, undecoded: a frame that is not JSON must not
        # take the socket down.
        await self.send_json({"type": "error", "error": "This socket only sends; it takes no messages."})

    async def notifications_unread(self, event):
        await self.send_json({"type": "notifications.unread", "count": event["count"]})

    async def page_event(self, event):
        """An app's event for open pages (`lms.infra.realtime.page_event`), sent on as it is."""
        await self.send_json(event["payload"])
