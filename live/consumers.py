from channels.generic.websocket import AsyncJsonWebsocketConsumer

from live.services import live_group


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Tells a user's open pages that one of their classes changed (`live.booking`);
    static/js/live.js then refreshes the fragments that show it."""

    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = live_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "error": "This socket only sends; it takes no messages."})

    async def live_booking(self, event):
        await self.send_json({"type": "live.booking", "class_id": event["class_id"], "status": event["status"]})
