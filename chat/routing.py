"""WebSocket routes of the chat app (joined in lms/config/routing.py, all under /ws/)."""

from django.urls import path

from chat import consumers

websocket_urlpatterns = [
    path("ws/chat/", consumers.ChatConsumer.as_asgi()),
    path("ws/chat/<int:conversation_id>/", consumers.ChatConsumer.as_asgi()),
]
