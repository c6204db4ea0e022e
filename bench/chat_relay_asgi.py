"""The reference floor for bench/chat_bench.py, served as
`uvicorn --app-dir bench chat_relay_asgi:application`: `/ws/relay/<group>/`, a bare
Channels consumer that only relays each frame to its group over the same channel layer —
no session, no database, no checks.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.config.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from lms.infra.gc_tuning import tune_for_many_sockets  # noqa: E402


class RelayConsumer(AsyncWebsocketConsumer):
    group_prefix = "bench-relay-"

    async def connect(self):
        self.group = self.group_prefix + self.scope["url_route"]["kwargs"]["group"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.channel_layer.group_send(self.group, {"type": "relay.message", "text": text_data})

    async def relay_message(self, event):
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {
        "websocket": URLRouter(
            [
                path("ws/relay/<str:group>/", RelayConsumer.as_asgi()),
            ]
        )
    }
)

# The same process settings as the `ws` process (lms/config/asgi.py), so only the consumers differ.
tune_for_many_sockets()
