"""The floors for bench/chat_bench.py, served as `uvicorn --app-dir bench chat_relay_asgi:application`:

- `/ws/relay/<group>/`: a bare Channels consumer that only relays each frame to its group
  over the same channel layer — no session, no database, no checks;
- `/ws/store-relay/<group>/`: the same, but each message (a frame with a "tag") is first
  stored with one INSERT, committed, on the chat's own event-loop pool (`lms.aio`): the
  least that any chat which stores a message before anyone hears of it must do, so the
  distance between it and the bare relay is what that store costs on this machine.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from lms import aio  # noqa: E402
from lms.gc_tuning import tune_for_many_sockets  # noqa: E402

# chat_bench.py creates the table in the bench's database.
STORE_SQL = "INSERT INTO bench_relay_message (body) VALUES (%(body)s) RETURNING id"


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


class StoreRelayConsumer(RelayConsumer):
    group_prefix = "bench-store-relay-"  # its own groups: both floors may be up at once

    async def connect(self):
        await aio.pg_pool()  # opened and warmed before the first message, as the chat's
        await super().connect()

    async def receive(self, text_data=None, bytes_data=None):
        if '"tag"' in text_data:  # a message; read receipts are only relayed
            pool = await aio.pg_pool()
            async with pool.connection() as conn:
                await (await conn.execute(STORE_SQL, {"body": text_data}, prepare=True)).fetchone()
        await super().receive(text_data=text_data)


application = ProtocolTypeRouter(
    {
        "websocket": URLRouter(
            [
                path("ws/relay/<str:group>/", RelayConsumer.as_asgi()),
                path("ws/store-relay/<str:group>/", StoreRelayConsumer.as_asgi()),
            ]
        )
    }
)

# The same process settings as the `ws` process (lms/asgi.py), so only the consumers differ.
tune_for_many_sockets()
